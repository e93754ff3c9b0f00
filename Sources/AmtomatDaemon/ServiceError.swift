/// Errors of the daemon's services that are not domain rules: each maps to an HTTP status and
/// carries one sentence for the person at the CLI or kiosk.
public enum ServiceError: Error, Sendable, CustomStringConvertible {
    case badRequest(String)
    case forbidden(String)
    case notFound(String)
    case conflict(String)
    case tooLarge(String)
    case unavailable(String)
    case `internal`(String)

    public var description: String {
        switch self {
        case .badRequest(let m), .forbidden(let m), .notFound(let m), .conflict(let m), .tooLarge(let m),
             .unavailable(let m), .internal(let m): m
        }
    }
}
