import AmtomatAPI
import AmtomatCore
import AmtomatHardware
import Foundation
import Hummingbird
import NIOCore
import Synchronization

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
        case let e as SurveyError:
            switch e {
            case .noSurvey, .raffleNotRunning, .unknownTicket: return APIError(.notFound, e.description)
            case .surveyTokenInvalid, .raffleTokenInvalid: return APIError(.forbidden, e.description)
            case .noTickets: return APIError(.conflict, e.description)
            default: return APIError(.badRequest, e.description)
            }
        case let e as HardwareError:
            switch e {
            case .unknownCompartment(let id):
                return APIError(.notFound, "There is no compartment \(id) in this locker; use a number from 'amtomat status'.")
            default: return APIError(.internalServerError, "\(e.description) See the daemon's log.")
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

/// Turns any thrown error into an APIError response, so no request ends in an empty 500 and no
/// answer has an empty body: an unknown path gets 404 and a known path with the wrong method 405,
/// both with a sentence in JSON.
struct ErrorMappingMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The router's routes, to tell an unknown path from a wrong method; filled once the router is built.
    var routes: RouteCatalogue? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            if error.status == .notFound, let routes {
                let allowed = routes.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    let names = allowed.map(\.rawValue).sorted()
                    var refused = APIError(.methodNotAllowed, "\(request.uri.path) does not take \(request.method.rawValue); use \(names.joined(separator: " or ")).")
                    refused.headers[.allow] = names.joined(separator: ", ")
                    throw refused
                }
                throw APIError(.notFound, "There is no \(request.uri.path) here; check the path (and the amtomat version).")
            }
            throw APIError(error.status, error.body ?? "The request could not be served (HTTP \(error.status.code)).")
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

/// The method and path pattern of every route of one router, for 405 answers. Routes under a
/// catch-all (`/**`, the kiosk's files) do not count: everything would match them.
final class RouteCatalogue: Sendable {
    private let routes = Mutex<[(path: RouterPath, method: HTTPRequest.Method)]>([])

    func record<Context>(_ router: Router<Context>) {
        let list = router.routes
            .filter { !$0.path.components.contains { "\($0)" == "**" } }
            .map { (path: $0.path, method: $0.method) }
        routes.withLock { $0 = list }
    }

    func methods(for path: String) -> Set<HTTPRequest.Method> {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.withLock { list in
            Set(list.filter { route in
                route.path.components.count == segments.count
                    && zip(route.path.components, segments).allSatisfy { $0.0 ~= $0.1 }
            }.map(\.method))
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
        if context.codingPath.isEmpty {
            return "The request body has the wrong type; it must be \(typeName(expected))."
        }
        return "The field '\(path(context.codingPath))' has the wrong type; it must be \(typeName(expected))."
    case let .valueNotFound(expected, context):
        return "The field '\(path(context.codingPath))' is null; it must be \(typeName(expected))."
    case let .dataCorrupted(context):
        if context.codingPath.isEmpty {
            return "The request body is not valid JSON; send a JSON object such as {\"reference\": \"...\"}."
        }
        let field = path(context.codingPath)
        if let name = context.codingPath.last?.stringValue, let values = acceptedValues[name] {
            return "The field '\(field)' has a value that is not allowed; use one of \(values.joined(separator: ", "))."
        }
        if context.debugDescription.localizedCaseInsensitiveContains("date") {
            return "The field '\(field)' is not a date; write it as in 2026-03-01T09:30:00Z."
        }
        return "The field '\(field)' has a value that is not allowed; see the API description in docs/ for what it accepts."
    @unknown default:
        return "The request body could not be read as JSON."
    }
}

/// What the closed sets of the APIs accept, by field name, for "not allowed" answers.
let acceptedValues: [String: [String]] = [
    "kind": DocumentKind.allCases.map(\.rawValue),
    "size": SizeClass.allCases.map(\.rawValue),
    "state": DocumentState.allCases.map(\.rawValue),
    "stuck": ["open", "closed", "unknown"],
]

/// The JSON words for a Swift type; a Swift type name never reaches a client.
private func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: return "a whole number"
    case is Bool.Type: return "true or false"
    case is Double.Type, is Float.Type: return "a number"
    default:
        let name = "\(type)"
        if name.hasPrefix("Dictionary") { return "a JSON object, {...}" }
        if name.hasPrefix("Array") { return "a list, [...]" }
        return "a different kind of value"
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
