import AmtomatAPI
import AmtomatCore
import AmtomatHardware
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The citizen's side, on loopback TCP. Its only door-related action is a pickup with a valid code;
/// nothing here reaches a clerk's or technician's action.
public struct KioskAPI: Sendable {
    let controller: LockerController
    let info: KioskInfo
    let files: StaticFiles
    let simulator: SimulatedLocker?
    let survey: SurveyService?
    /// The address the kiosk answers for; requests naming any other host or origin are refused.
    let address: KioskAddress
    /// Speech output; nil when speech.json is missing or unusable.
    var speech: SpeechService? = nil
    /// The page's reports that it is on the screen and alive.
    var pageWatch = KioskPageWatch()

    func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let routes = RouteCatalogue()
        router.add(middleware: ErrorMappingMiddleware(routes: routes))
        // The demo page shows the kiosk in a frame of its own origin; a real locker has no demo.
        let demo = info.demo
        router.add(middleware: KioskOriginMiddleware(address: address, sameOriginFrames: demo))
        let controller = self.controller
        let info = self.info

        router.get("/api/kiosk") { _, _ in try jsonResponse(info) }
        let pageWatch = self.pageWatch
        router.post("/api/kiosk/page-report") { _, _ in
            pageWatch.report()
            return Response(status: .noContent)
        }
        router.get("/api/kiosk/page-report") { _, _ in try jsonResponse(pageWatch.snapshot()) }
        router.post("/api/pickup") { request, _ in
            let body = try await decodeBody(PickupRequest.self, from: request)
            let response = try await controller.pickup(code: body.code, dateOfBirth: body.dateOfBirth)
            var http = try jsonResponse(response, status: Self.status(for: response.result))
            if let seconds = response.retryAfterSeconds { http.headers[.retryAfter] = String(seconds) }
            return http
        }
        router.get("/api/terminal") { _, _ in try jsonResponse(await controller.terminalStatus()) }
        router.get("/api/pickup/{token}") { _, context in
            let token = try context.parameters.require("token")
            guard let status = try await controller.pickupStatus(token: token) else {
                throw APIError(.notFound, "This pickup is over; start again at the start screen.")
            }
            return try jsonResponse(status)
        }
        if let survey {
            survey.addRoutes(to: router, controller: controller)
        }
        speech?.addRoutes(to: router)
        if let simulator, info.demo {
            router.get("/api/demo/state") { _, _ in
                try jsonResponse(await Self.demoState(controller: controller, simulator: simulator))
            }
            router.post("/api/demo/doors/{id}/close") { _, context in
                try simulator.closeDoor(try context.parameters.compartment())
                return Response(status: .noContent)
            }
            addDemoPhoneRoute(to: router)
            router.post("/api/demo/locks/{id}/jam") { request, context in
                let body = try await decodeBody(JamRequest.self, from: request)
                try simulator.jamLock(try context.parameters.compartment(), body.jammed)
                return Response(status: .noContent)
            }
        }
        let files = self.files
        router.get("/") { _, _ in try files.response(for: "index.html", demo: demo) }
        router.get("/**") { request, _ in try files.response(for: String(request.uri.path.dropFirst()), demo: demo) }
        routes.record(router)
        return router
    }

    static func status(for result: PickupResponse.Result) -> HTTPResponse.Status {
        switch result {
        case .open, .secondFactor, .atOffice: .ok
        case .rejected: .forbidden
        case .blocked: .init(code: 423, reasonPhrase: "Locked")
        case .slowed: .tooManyRequests
        case .fault: .serviceUnavailable
        case .gone: .gone
        }
    }

    struct DemoCompartment: Codable {
        var id: CompartmentID
        var label: String
        var column: Int
        var row: Int
        var size: SizeClass
        var door: DoorState
        var coilEnergised: Bool
        var jammed: Bool
        var holdsDocument: Bool
    }

    static func demoState(controller: LockerController, simulator: SimulatedLocker) async throws -> [String: [DemoCompartment]] {
        let overview = Dictionary(uniqueKeysWithValues: try controller.store.compartments().map { ($0.record.id, $0) })
        let snaps = simulator.snapshot()
        let list = controller.locker.description.compartments.map { c in
            let snap = snaps.first { $0.id == c.id }
            return DemoCompartment(id: c.id, label: c.label, column: c.column, row: c.row, size: c.size,
                                   door: snap?.door ?? .unknown, coilEnergised: snap?.coilEnergised ?? false,
                                   jammed: snap?.jammed ?? false,
                                   holdsDocument: overview[c.id.rawValue]?.holder != nil)
        }
        return ["compartments": list]
    }
}

/// The kiosk's static files, read once at start: they are small and the kiosk may be offline.
public struct StaticFiles: Sendable {
    var files: [String: (data: [UInt8], type: String)]

    public init(directory: URL?) {
        var files: [String: (data: [UInt8], type: String)] = [:]
        if let directory, let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) {
            let base = directory.standardizedFileURL.path
            for case let url as URL in walker {
                guard let data = try? Data(contentsOf: url) else { continue }
                let relative = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
                files[relative] = ([UInt8](data), Self.contentType(url.pathExtension))
            }
        }
        self.files = files
    }

    /// The kiosk files shipped with the daemon, next to its binary.
    public static func bundled() -> StaticFiles {
        StaticFiles(directory: Bundle.module.resourceURL?.appendingPathComponent("Kiosk"))
    }

    public func data(_ path: String) -> [UInt8]? { files[path]?.data }

    func response(for path: String, demo: Bool = false) throws -> Response {
        guard !path.contains(".."), let file = files[path] else {
            throw APIError(.notFound, "There is no page '\(path)'.")
        }
        var headers = HTTPFields()
        headers[.contentType] = file.type
        headers[.cacheControl] = "no-cache"
        // The kiosk loads nothing from elsewhere and is never framed (the demo page frames it, from
        // the same origin); the browser is told so.
        headers[.contentSecurityPolicy] = Self.contentSecurityPolicy(demo: demo)
        headers[.xFrameOptions] = demo ? "SAMEORIGIN" : "DENY"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
    }

    /// Scripts (ES modules included), styles, images, audio (spoken prompts) and API calls from the
    /// kiosk's own origin only; no plug-ins, no frames, no forms to elsewhere, no <base> tricks.
    static func contentSecurityPolicy(demo: Bool) -> String {
        (policy + (demo ? ["frame-src 'self'", "frame-ancestors 'self'"] : ["frame-src 'none'", "frame-ancestors 'none'"]))
            .joined(separator: "; ")
    }

    static let policy = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "media-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]

    static func contentType(_ ext: String) -> String {
        switch ext {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "json": "application/json; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "woff2": "font/woff2"
        default: "application/octet-stream"
        }
    }
}
