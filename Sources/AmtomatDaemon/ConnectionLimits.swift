import AmtomatConfig
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
#if canImport(Glibc)
import Glibc
let RLIMIT_NOFILE_ = Int32(RLIMIT_NOFILE.rawValue)
#endif

/// The limits both listeners (kiosk and control socket) put on every connection, so that no local
/// process can hold the daemon's descriptors: header size, body size, idle and request time, and
/// how many connections are served at once. docs/security.md ("Connection limits") has the numbers.
struct ConnectionLimits: Sendable {
    /// Bytes of one header line and of all header lines together; the kiosk and the CLI send < 1 KiB.
    var maxHeaderFieldBytes = 8 * 1024
    var maxHeaderBytes = 16 * 1024
    var maxHeaderFields = 64
    /// A body larger than this closes the connection. Routes refuse far smaller ones with 413
    /// (`maximumBodyBytes`); this is the hard stop for a client that keeps sending after that answer.
    var maxBodyBytes = 1024 * 1024
    /// A connection with no request in progress (or whose request stopped arriving) is closed.
    var idleTimeout: Duration
    /// Head and body of one request must have arrived this long after the head was read.
    var requestTimeout: Duration
    var maxConnections: Int

    init(_ settings: ConnectionSettings) {
        idleTimeout = .milliseconds(Int64(settings.idleTimeoutSeconds * 1000))
        requestTimeout = .milliseconds(Int64(settings.requestTimeoutSeconds * 1000))
        maxConnections = settings.maxPerListener
    }

    /// Descriptors the daemon needs besides its connections: database (file, WAL, shared memory,
    /// readers), event loops, the lock file, the systemd socket, the watchdog's probes.
    static let reservedDescriptors = 40

    /// Lowers `maxConnections` so that both listeners together can never take the last descriptor:
    /// at EMFILE the accept loop of SwiftNIO's server retries without pause (measured: ~9 000
    /// failed accept4 calls a second under `prlimit --nofile=64`), while at the connection cap it
    /// simply stops accepting until a connection closes.
    mutating func fitDescriptorLimit(lines: Int, logger: Logger) {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_, &limit) == 0, limit.rlim_cur < 1 << 40 else { return }  // unlimited
        let available = Int(limit.rlim_cur) - Self.reservedDescriptors - lines
        let fitting = max(1, available / 2)
        if fitting < maxConnections {
            logger.warning("The descriptor limit allows fewer connections per listener than configured",
                           metadata: ["LimitNOFILE": "\(limit.rlim_cur)", "max_per_listener": "\(fitting)",
                                      "fix": "raise LimitNOFILE in the unit or lower [connections] max_per_listener"])
            maxConnections = fitting
        }
    }

    /// Hummingbird's HTTP/1.1 server with these limits.
    func server() -> HTTPServerBuilder {
        let limits = self
        return .http1(configuration: .init(
            additionalChannelHandlers: [RequestLimitHandler(limits: limits)],
            idleTimeout: TimeAmount(idleTimeout),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: maxHeaderFieldBytes, maxHeaderListSize: maxHeaderBytes,
                                            maxHeaderFieldCount: maxHeaderFields)))
    }

    /// The listener's configuration; beyond `maxConnections` new connections wait in the kernel's queue.
    func configuration(address: BindAddress, logger: Logger) -> ApplicationConfiguration {
        ApplicationConfiguration(address: address, serverName: nil, backlog: 128,
                                 availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger))
    }
}

/// Closes a connection whose request body is too large or arrives too slowly, and closes it right
/// after the 400 answer to a request that could not be parsed (Hummingbird would otherwise wait
/// for the client to close, which a client that stopped reading never does).
final class RequestLimitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private var bodyBytes = 0
    private var deadline: Scheduled<Void>?
    private var closeAfterResponse = false

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            bodyBytes = 0
            deadline?.cancel()
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limits.requestTimeout)) {
                context.close(promise: nil)  // the request did not arrive in time
            }
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > limits.maxBodyBytes {
                deadline?.cancel()
                context.close(promise: nil)
                return
            }
        case .end:
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A request that cannot be parsed (headers too large, garbage): answer, then close.
        closeAfterResponse = true
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if closeAfterResponse, case .end = unwrapOutboundIn(data) {
            context.writeAndFlush(data, promise: promise)
            context.close(promise: nil)
            return
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}
