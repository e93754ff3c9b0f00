import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Who may talk to the kiosk: only the page the daemon itself serves, in the terminal's own browser.
///
/// The kiosk listens on loopback, but any web page the terminal's browser (or another local
/// browser) opens could send requests to it, and a page on a name that resolves to 127.0.0.1
/// (DNS rebinding) would even read the answers. So every request must name the kiosk's own
/// address in `Host`; requests from pages (`Origin`, `Sec-Fetch-Site`) must come from the same
/// origin; a POST with a body must say it is JSON, which a plain HTML form or a "simple"
/// cross-origin request cannot. See docs/security.md ("The kiosk's origin").
struct KioskOriginMiddleware<Context: RequestContext>: RouterMiddleware {
    let address: KioskAddress
    /// Demo mode only: the demo page frames the kiosk from the same origin.
    var sameOriginFrames = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let allowed = address.allowedHosts()
        guard let host = request.head.authority?.lowercased(), allowed.contains(host) else {
            throw APIError(.misdirectedRequest, "This is the locker's kiosk; open it as http://\(address.shownHost()) on the terminal itself.")
        }
        if let origin = request.headers[.origin]?.lowercased() {
            guard origin.hasPrefix("http://"), allowed.contains(String(origin.dropFirst(7))) else {
                throw APIError(.forbidden, "Requests from other web pages are refused; use the kiosk page at http://\(address.shownHost()).")
            }
        }
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased(), site != "same-origin", site != "none" {
            throw APIError(.forbidden, "Requests from other web pages are refused; use the kiosk page at http://\(address.shownHost()).")
        }
        if request.method == .post || request.method == .put || request.method == .patch || request.method == .delete {
            let type = request.headers[.contentType].map { $0.split(separator: ";").first.map(String.init) ?? "" }?
                .trimmingCharacters(in: .whitespaces).lowercased()
            let hasBody = request.headers[.contentLength].map { $0 != "0" } ?? (request.headers[.transferEncoding] != nil)
            if type != "application/json" && (type != nil || hasBody) {
                throw APIError(.unsupportedMediaType, "The kiosk API accepts only JSON; send the body with Content-Type: application/json.")
            }
        }
        var response = try await next(request, context)
        // Never inside a frame: the keypad must not be overlaid by another page (clickjacking).
        response.headers[.xFrameOptions] = sameOriginFrames ? "SAMEORIGIN" : "DENY"
        return response
    }
}

/// The kiosk's address as the browser writes it; the port is known once the listener is bound.
final class KioskAddress: Sendable {
    let host: String
    private let port: Mutex<Int>

    init(host: String, port: Int) {
        self.host = host.lowercased()
        self.port = Mutex(port)
    }

    func bound(port: Int) { self.port.withLock { $0 = port } }

    /// "host:port" for the configured host and every way of writing loopback.
    func allowedHosts() -> Set<String> {
        let port = self.port.withLock { $0 }
        let configured = host.contains(":") ? "[\(host)]" : host
        var names: Set<String> = [configured, "localhost", "127.0.0.1", "[::1]"]
        names.formUnion(names.map { $0 + ":\(port)" })
        // Without a port only where the browser would leave it out.
        return port == 80 ? names : names.filter { $0.hasSuffix(":\(port)") }
    }

    func shownHost() -> String {
        let port = self.port.withLock { $0 }
        return "\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
}
