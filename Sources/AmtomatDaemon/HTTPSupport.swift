import AmtomatAPI
import AmtomatCore
import Foundation
import Hummingbird
import NIOCore

/// An error the APIs answer with: a status and one sentence, as `{"error": "..."}`.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try jsonResponse(ErrorBody(error: message), status: status)
        for field in headers { response.headers.append(field) }
        return response
    }

    /// Maps domain and service errors to statuses; anything unexpected becomes a 500 without details.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as LockerError:
            switch e {
            case .unknownDocument, .unknownCompartment: return APIError(.notFound, e.description)
            case .secondFactorMissing, .invalidDateOfBirth, .implausibleDateOfBirth, .invalidHoldDays: return APIError(.badRequest, e.description)
            default: return APIError(.conflict, e.description)
            }
        case let e as ServiceError:
            switch e {
            case .badRequest(let m): return APIError(.badRequest, m)
            case .forbidden(let m): return APIError(.forbidden, m)
            case .notFound(let m): return APIError(.notFound, m)
            case .conflict(let m): return APIError(.conflict, m)
            case .tooLarge(let m): return APIError(.contentTooLarge, m)
            case .unavailable(let m): return APIError(.serviceUnavailable, m)
            case .internal(let m): return APIError(.internalServerError, m)
            }
        default:
            return APIError(.internalServerError, "The daemon could not complete the request (\(type(of: error))); see its log.")
        }
    }
}

/// Turns any thrown error into an APIError response, so no request ends in an empty 500.
struct ErrorMappingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            let mapped = APIError.from(error)
            if mapped.status == .internalServerError {
                // The answer tells the client to look here, so the cause must be here.
                context.logger.error("Request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            throw mapped
        }
    }
}

func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let data = try APIJSON.encoder().encode(value)
    var headers = HTTPFields()
    headers[.contentType] = "application/json; charset=utf-8"
    headers[.cacheControl] = "no-store"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// Request bodies are small; anything larger is refused before it is read into memory.
let maximumBodyBytes = 16 * 1024

/// Reads and decodes a JSON body, turning every way it can be wrong into one clear sentence.
func decodeBody<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
    let buffer: ByteBuffer
    do {
        buffer = try await request.body.collect(upTo: maximumBodyBytes)
    } catch {
        throw APIError(.contentTooLarge, "The request body is larger than \(maximumBodyBytes / 1024) KiB; send only the fields the API expects.")
    }
    guard buffer.readableBytes > 0 else {
        throw APIError(.badRequest, "The request has no body; send a JSON object.")
    }
    do {
        return try APIJSON.decoder().decode(T.self, from: Data(buffer.readableBytesView))
    } catch let error as DecodingError {
        throw APIError(.badRequest, describe(error))
    }
}

func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case let .keyNotFound(key, context):
        let parent = path(context.codingPath)
        return "The field '\(parent.isEmpty ? "" : parent + ".")\(key.stringValue)' is missing; add it to the JSON body."
    case let .typeMismatch(expected, context):
        return "The field '\(path(context.codingPath))' has the wrong type; it must be \(typeName(expected))."
    case let .valueNotFound(expected, context):
        return "The field '\(path(context.codingPath))' is null; it must be \(typeName(expected))."
    case let .dataCorrupted(context):
        if context.codingPath.isEmpty {
            return "The request body is not valid JSON; send a JSON object such as {\"reference\": \"...\"}."
        }
        return "The field '\(path(context.codingPath))' has a value that is not allowed: \(context.debugDescription)"
    @unknown default:
        return "The request body could not be read as JSON."
    }
}

private func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Int.Type, is Int64.Type: "a whole number"
    case is Bool.Type: "true or false"
    case is Double.Type: "a number"
    default: "\(type)"
    }
}

extension Parameters {
    func compartment(_ name: String = "id") throws -> CompartmentID {
        guard let text = get(name), let n = Int(text), n > 0 else {
            throw APIError(.badRequest, "'\(get(name) ?? "")' is not a compartment number; use the number on the door, e.g. 12.")
        }
        return CompartmentID(n)
    }
}
