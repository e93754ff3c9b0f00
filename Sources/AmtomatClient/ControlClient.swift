import AmtomatAPI
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for the daemon's control socket (and the loopback kiosk port in tests).
/// One connection per request, `Connection: close`: the CLI sends a handful of requests at most.
public struct ControlClient: Sendable {
    public enum Endpoint: Sendable, CustomStringConvertible {
        case unixSocket(String)
        case tcp(host: String, port: Int)
        public var description: String {
            switch self {
            case .unixSocket(let path): path
            case .tcp(let host, let port): "\(host):\(port)"
            }
        }

        /// What `Host` says: the TCP address as a browser writes it, "localhost" on the Unix socket.
        public var hostHeader: String {
            switch self {
            case .unixSocket: "localhost"
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            }
        }
    }

    public struct Reply: Sendable {
        public var status: Int
        public var body: Data
        public var headers: [(String, String)]

        /// The daemon's one-sentence explanation, or a generic one.
        public var errorMessage: String {
            if let e = try? APIJSON.decoder().decode(ErrorBody.self, from: body) { return e.error }
            return "The daemon answered with HTTP \(status)."
        }

        public func decode<T: Decodable>(_ type: T.Type) throws -> T {
            do {
                return try APIJSON.decoder().decode(T.self, from: body)
            } catch {
                throw ClientError.unexpectedAnswer("The daemon's answer could not be read (\(error)); are the CLI and daemon the same version?")
            }
        }
    }

    public let endpoint: Endpoint
    public init(_ endpoint: Endpoint) { self.endpoint = endpoint }

    public func send(_ method: HTTPMethod, _ path: String, json: (some Encodable)? = Optional<String>.none) async throws -> Reply {
        let body = try json.map { try APIJSON.encoder().encode($0) }
        return try await send(method, path, body: body)
    }

    public func send(_ method: HTTPMethod, _ path: String, body: Data?, contentType: String = "application/json") async throws -> Reply {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Reply.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ReplyCollector(promise: promise))
                }
            }
        let channel: any Channel
        do {
            switch endpoint {
            case .unixSocket(let path): channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            case .tcp(let host, let port): channel = try await bootstrap.connect(host: host, port: port).get()
            }
        } catch {
            promise.fail(error)
            throw ClientError.connect(endpoint, error)
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        // The kiosk answers only requests that name its own address (DNS-rebinding defence).
        head.headers.add(name: "Host", value: endpoint.hostHeader)
        head.headers.add(name: "Connection", value: "close")
        if let body {
            head.headers.add(name: "Content-Type", value: contentType)
            head.headers.add(name: "Content-Length", value: String(body.count))
        } else if method == .POST {
            head.headers.add(name: "Content-Length", value: "0")
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }
}

public enum ClientError: Error, CustomStringConvertible, Sendable {
    case connect(ControlClient.Endpoint, any Error)
    case unexpectedAnswer(String)
    case incomplete

    public var description: String {
        switch self {
        case let .connect(endpoint, error):
            let errno = (error as? IOError)?.errnoCode
                ?? ((error as? NIOConnectionError)?.connectionErrors.first?.error as? IOError)?.errnoCode
            switch (endpoint, errno) {
            case (.unixSocket(let path), ENOENT?):
                return "The control socket \(path) does not exist; is amtomatd running? (systemctl status amtomatd, or pass --socket PATH)"
            case (.unixSocket(let path), EACCES?):
                return "Permission denied on \(path): your user is not in the group that may use the locker's control socket; ask the administrator to add you."
            case (_, ECONNREFUSED?):
                return "Nothing answers on \(endpoint); start amtomatd (systemctl start amtomatd)."
            default:
                return "Could not reach amtomatd at \(endpoint): \(error)."
            }
        case .unexpectedAnswer(let m): return m
        case .incomplete: return "The daemon closed the connection before answering; see its log (journalctl -u amtomatd)."
        }
    }
}

/// Collects one HTTP response.
private final class ReplyCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let promise: EventLoopPromise<ControlClient.Reply>
    private var status = 0
    private var headers: [(String, String)] = []
    private var body = ByteBuffer()
    private var done = false

    init(promise: EventLoopPromise<ControlClient.Reply>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            headers = head.headers.map { ($0.name, $0.value) }
        case .body(var buffer):
            body.writeBuffer(&buffer)
        case .end:
            guard !done else { return }
            done = true
            promise.succeed(ControlClient.Reply(status: status, body: Data(body.readableBytesView), headers: headers))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(ClientError.incomplete)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            done = true
            promise.fail(error)
        }
        context.close(promise: nil)
    }
}
