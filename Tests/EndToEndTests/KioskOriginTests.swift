import AmtomatAPI
import AmtomatClient
import Foundation
import Testing

/// Issue 10 point 6: the kiosk answers only its own page in the terminal's browser.
@Suite("Kiosk origin checks", .serialized)
struct KioskOriginTests {
    @Test("a foreign page cannot open a compartment: foreign Origin, text/plain, cross-site fetches and foreign Host are refused")
    func foreignRequestsAreRefused() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let issued = try daemon.deposit("ORIGIN-1")
        let own = "127.0.0.1:\(daemon.kioskPort)"
        let body = #"{"code":"\#(issued.code)"}"#

        // The attack of the issue: a "simple" cross-origin POST from another page.
        let simple = await rawRequest(try RawConnection(tcpPort: daemon.kioskPort), "POST", "/api/pickup", headers: [
            ("Host", own), ("Origin", "http://evil.example"), ("Content-Type", "text/plain"),
        ], body: body)
        #expect(simple.status == 403, "\(simple.head)")
        #expect(simple.body.contains("other web pages"))

        // DNS rebinding: the right body, but the page's own name in Host.
        let rebound = await rawRequest(try RawConnection(tcpPort: daemon.kioskPort), "POST", "/api/pickup", headers: [
            ("Host", "evil.example:\(daemon.kioskPort)"), ("Origin", "http://evil.example:\(daemon.kioskPort)"),
            ("Content-Type", "application/json"),
        ], body: body)
        #expect(rebound.status == 421, "\(rebound.head)")
        let reboundGet = await rawRequest(try RawConnection(tcpPort: daemon.kioskPort), "GET", "/api/kiosk",
                                    headers: [("Host", "evil.example:\(daemon.kioskPort)")])
        #expect(reboundGet.status == 421, "a foreign Host is not answered, not even for reading")
        #expect(reboundGet.body.contains("kiosk"))

        // Same Host, but text/plain (a form or a no-CORS fetch): refused.
        let plain = await rawRequest(try RawConnection(tcpPort: daemon.kioskPort), "POST", "/api/pickup", headers: [
            ("Host", own), ("Content-Type", "text/plain"),
        ], body: body)
        #expect(plain.status == 415, "\(plain.head)")

        // A cross-site fetch as the browser marks it.
        let crossSite = await rawRequest(try RawConnection(tcpPort: daemon.kioskPort), "POST", "/api/pickup", headers: [
            ("Host", own), ("Sec-Fetch-Site", "cross-site"), ("Content-Type", "application/json"),
        ], body: body)
        #expect(crossSite.status == 403, "\(crossSite.head)")

        // Nothing of that opened the compartment.
        #expect(try daemon.store().document(reference: "ORIGIN-1")?.state == .ready)

        // The kiosk page itself, as Chromium sends it, still works (also as localhost).
        let own1 = await rawRequest(try RawConnection(tcpPort: daemon.kioskPort), "POST", "/api/pickup", headers: [
            ("Host", "localhost:\(daemon.kioskPort)"), ("Origin", "http://localhost:\(daemon.kioskPort)"),
            ("Sec-Fetch-Site", "same-origin"), ("Content-Type", "application/json"),
        ], body: body)
        #expect(own1.status == 200, "\(own1.head)\n\(own1.body)")
        #expect(own1.body.contains("\"open\""))
        #expect(daemon.stop() == 0)
    }

    @Test("kiosk pages and answers forbid framing and carry a strict Content-Security-Policy")
    func securityHeaders() async throws {
        let daemon = try DaemonProcess()
        // A real locker: no demo page, so nothing may frame the kiosk.
        var toml = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        toml = toml.replacingOccurrences(of: "demo = true", with: "demo = false")
        try toml.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        try daemon.start()
        let own = "127.0.0.1:\(daemon.kioskPort)"
        for path in ["/", "/main.js", "/api/kiosk"] {
            let reply = await rawRequest(try RawConnection(tcpPort: daemon.kioskPort), "GET", path, headers: [("Host", own)])
            #expect(reply.status == 200, "\(path)")
            #expect(reply.header("X-Frame-Options") == "DENY", "\(path): \(reply.head)")
        }
        let page = await rawRequest(try RawConnection(tcpPort: daemon.kioskPort), "GET", "/", headers: [("Host", own)])
        let csp = page.header("Content-Security-Policy") ?? ""
        #expect(csp.contains("frame-ancestors 'none'"))
        #expect(csp.contains("default-src 'none'"))
        #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-eval") && !csp.contains("script-src 'self' 'unsafe-inline'"))
        #expect(csp.contains("media-src 'self'") && csp.contains("connect-src 'self'"))
        #expect(daemon.stop() == 0)

        // The demo locker's page frames the kiosk, from the same origin only.
        let demo = try DaemonProcess()
        try demo.start()
        let framed = await rawRequest(try RawConnection(tcpPort: demo.kioskPort), "GET", "/", headers: [("Host", "127.0.0.1:\(demo.kioskPort)")])
        #expect(framed.header("X-Frame-Options") == "SAMEORIGIN")
        #expect(framed.header("Content-Security-Policy")?.contains("frame-ancestors 'self'") == true)
        #expect(demo.stop() == 0)
    }
}
