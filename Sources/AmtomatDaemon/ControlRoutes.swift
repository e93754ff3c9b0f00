import AmtomatAPI
import AmtomatCore
import AmtomatHardware
import AmtomatStore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Request context of the control socket: who is connected, as the kernel says.
public struct ControlContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    var peer: Peer?
    var roles: Set<Role> = []

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The actor for the audit log, if the connected user holds `role`.
    func actor(_ role: Role) throws -> Actor {
        guard let peer else { throw APIError(.forbidden, "The connecting user could not be identified.") }
        guard roles.contains(role) else {
            throw APIError(.forbidden, "User \(peer.userName) does not have the \(role.rawValue) role; this needs a member of the \(role.rawValue) group (see [control] in the configuration).")
        }
        return Actor(peer.userName)
    }

    func anyRole() throws -> Actor {
        guard let peer, !roles.isEmpty else { throw APIError(.forbidden, "Not allowed.") }
        return Actor(peer.userName)
    }
}

/// Identifies the peer of every request and refuses users outside both groups outright.
struct PeerMiddleware: RouterMiddleware {
    let roleMap: RoleMap
    let groupNames: (clerk: String, technician: String)

    func handle(_ request: Request, context: ControlContext, next: (Request, ControlContext) async throws -> Response) async throws -> Response {
        var context = context
        let peer: Peer
        do {
            peer = try await PeerCredentials.of(context.channel)
        } catch let error as APIError {
            throw error
        } catch {
            // The client hung up before the kernel was asked who it is: nobody is left to answer,
            // and nothing went wrong in the daemon (issue 10 point 7).
            context.logger.debug("Control client left before it could be identified", metadata: ["error": "\(error)"])
            throw APIError(.badRequest, "The connection closed before its user could be identified; send the request again.")
        }
        context.peer = peer
        context.roles = roleMap.roles(of: peer)
        guard !context.roles.isEmpty else {
            throw APIError(.forbidden, "User \(peer.userName) is in neither the clerk group '\(groupNames.clerk)' nor the technician group '\(groupNames.technician)'; ask the administrator to add you (usermod -aG \(groupNames.clerk) \(peer.userName)).")
        }
        return try await next(request, context)
    }
}

/// Everything the control API can reach.
public struct ControlAPI: Sendable {
    let controller: LockerController
    let simulator: SimulatedLocker?
    let version: String
    let metricsText: @Sendable () -> String
    let survey: SurveyService?
    var notices: NoticeDesk? = nil
    /// The kiosk page's reports, for the `amtomat_kiosk_page_silent_seconds` gauge.
    var pageWatch: KioskPageWatch? = nil

    func buildRouter(roleMap: RoleMap, groupNames: (clerk: String, technician: String)) -> Router<ControlContext> {
        let router = Router(context: ControlContext.self)
        let routes = RouteCatalogue()
        router.add(middleware: ErrorMappingMiddleware(routes: routes))
        router.add(middleware: PeerMiddleware(roleMap: roleMap, groupNames: groupNames))
        router.add(middleware: ReferenceHintMiddleware(store: controller.store))
        let controller = self.controller

        router.get("/status") { _, context in
            _ = try context.anyRole()
            return try jsonResponse(try await status(context))
        }
        router.get("/metrics") { _, context in
            _ = try context.anyRole()
            await controller.refreshDoorGauges()
            pageWatch?.recordGauge()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metricsText())))
        }
        router.get("/audit") { request, context in
            _ = try context.anyRole()
            let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 50
            let entries = try controller.store.auditLog(limit: min(max(limit, 1), 10_000))
            return try jsonResponse(entries.map {
                AuditEntryView(id: $0.id ?? 0, at: $0.at, user: $0.osUser, action: $0.action, reference: $0.reference,
                               compartment: $0.compartmentId.map { CompartmentID($0) }, detail: $0.detail, seq: $0.seq)
            })
        }
        router.get("/audit/verify") { request, context in
            _ = try context.anyRole()
            var checkpoint: AuditCheckpoint?
            if let text = request.uri.queryParameters.get("checkpoint") {
                guard let parsed = AuditCheckpoint(text) else {
                    throw APIError(.badRequest, "'\(text)' is not a checkpoint; write it as \(AuditCheckpoint.format) (what 'amtomat audit checkpoint' prints).")
                }
                checkpoint = parsed
            }
            return try jsonResponse(try controller.store.verifyAudit(checkpoint: checkpoint))
        }
        router.get("/audit/checkpoint") { _, context in
            _ = try context.anyRole()
            let head = try controller.store.auditHead()
            return try jsonResponse(AuditHeadView(locker: controller.locker.description.name, checkpoint: head.checkpoint, at: head.at))
        }
        router.get("/audit/counts") { _, context in
            _ = try context.anyRole()
            return try jsonResponse(try controller.store.auditDailyCounts().map {
                AuditCountView(day: $0.day, action: $0.action, kind: $0.kind, count: $0.count)
            })
        }

        // Clerk: documents
        router.get("/documents") { request, context in
            _ = try context.actor(.clerk)
            var state: DocumentState?
            if let text = request.uri.queryParameters.get("state") {
                guard let s = DocumentState(rawValue: text) else {
                    throw APIError(.badRequest, "'\(text)' is not a document state; use one of \(DocumentState.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                state = s
            }
            return try jsonResponse(try controller.store.documents(state: state).map(view))
        }
        router.get("/documents/{reference}") { _, context in
            _ = try context.actor(.clerk)
            let reference = try context.parameters.require("reference")
            guard let doc = try controller.store.document(reference: reference) else { throw LockerError.unknownDocument(reference: reference) }
            return try jsonResponse(view(doc))
        }
        router.post("/documents") { request, context in
            let actor = try context.actor(.clerk)
            let body = try await decodeBody(DepositRequest.self, from: request)
            return try jsonResponse(try await controller.deposit(body, by: actor), status: .created)
        }
        router.post("/documents/{reference}/code") { request, context in
            _ = try context.actor(.clerk)
            let reference = try context.parameters.require("reference")
            let seconds = request.uri.queryParameters.get("wait").flatMap { Int($0) } ?? 20
            return try jsonResponse(try await controller.awaitCode(reference: reference, timeout: .seconds(min(max(seconds, 0), 60))))
        }
        router.post("/documents/{reference}/reissue") { _, context in
            let actor = try context.actor(.clerk)
            return try jsonResponse(try await controller.reissue(reference: try context.parameters.require("reference"), by: actor))
        }
        router.post("/documents/{reference}/extend") { request, context in
            let actor = try context.actor(.clerk)
            let body = try await decodeBody(ExtendRequest.self, from: request)
            return try jsonResponse(view(try await controller.extend(reference: try context.parameters.require("reference"), days: body.days, by: actor)))
        }
        router.post("/documents/{reference}/withdraw") { _, context in
            let actor = try context.actor(.clerk)
            return try jsonResponse(view(try await controller.withdraw(reference: try context.parameters.require("reference"), by: actor)))
        }
        router.post("/documents/{reference}/return") { _, context in
            let actor = try context.actor(.clerk)
            return try jsonResponse(view(try await controller.returnExpired(reference: try context.parameters.require("reference"), by: actor)))
        }
        router.post("/compartments/{id}/await-closed") { request, context in
            _ = try context.anyRole()
            let id = try context.parameters.compartment()
            guard controller.locker.description.compartment(id) != nil else { throw LockerError.unknownCompartment(id) }
            let seconds = request.uri.queryParameters.get("wait").flatMap { Int($0) } ?? 20
            let closed = await controller.locker.waitForClose(id, timeout: .seconds(min(max(seconds, 0), 60)))
            return try jsonResponse(["closed": closed])
        }

        router.post("/terminal/throttle/reset") { _, context in
            let actor = try context.actor(.clerk)
            return try jsonResponse(try await controller.resetThrottle(by: actor))
        }

        // Technician: hardware
        router.post("/compartments/{id}/open") { request, context in
            let actor = try context.actor(.technician)
            let id = try context.parameters.compartment()
            let body = try await decodeBody(ReasonRequest.self, from: request)
            guard !body.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw APIError(.badRequest, "A maintenance open needs a reason; add --reason \"...\".")
            }
            let outcome = try await controller.maintenanceOpen(id, reason: body.reason, by: actor)
            guard outcome == .opened else {
                throw APIError(.conflict, "Compartment \(id) did not open: the lock may be jammed or the door sensor stuck; run 'amtomat selftest --compartment \(id)'.")
            }
            return try jsonResponse(["opened": id.rawValue])
        }
        router.post("/compartments/{id}/block") { request, context in
            let actor = try context.actor(.technician)
            let id = try context.parameters.compartment()
            let body = try await decodeBody(ReasonRequest.self, from: request)
            guard !body.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw APIError(.badRequest, "Blocking needs a reason; add --reason \"...\".")
            }
            let force = request.uri.queryParameters.get("force") == "true"
            try await controller.setBlocked(id, blocked: true, reason: body.reason, force: force, by: actor)
            return try jsonResponse(try await compartmentView(id))
        }
        router.post("/compartments/{id}/unblock") { request, context in
            let actor = try context.actor(.technician)
            let id = try context.parameters.compartment()
            let force = request.uri.queryParameters.get("force") == "true"
            try await controller.setBlocked(id, blocked: false, reason: nil, force: force, by: actor)
            return try jsonResponse(try await compartmentView(id))
        }
        router.post("/compartments/{id}/selftest") { request, context in
            let actor = try context.actor(.technician)
            let id = try context.parameters.compartment()
            // What the technician saw at the door: a reed contact alone cannot tell a jammed lock
            // from a sensor stuck closed.
            let seen: Bool? = switch request.uri.queryParameters.get("doorSeenOpen") {
            case "true"?: true
            case "false"?: false
            default: nil
            }
            return try jsonResponse(try await controller.selfTest(id, doorSeenOpen: seen, by: actor))
        }
        router.get("/hardware/lines") { _, context in
            _ = try context.actor(.technician)
            return try jsonResponse(await lines())
        }

        survey?.addControlRoutes(to: router)
        addNotifyRoutes(to: router)

        // Simulated locker only: what a person does at the box.
        router.post("/sim/doors/{id}/close") { _, context in
            _ = try context.anyRole()
            try sim().closeDoor(try context.parameters.compartment())
            return Response(status: .noContent)
        }
        router.post("/sim/doors/{id}/force-open") { _, context in
            _ = try context.actor(.technician)
            try sim().forceDoorOpen(try context.parameters.compartment())
            return Response(status: .noContent)
        }
        router.post("/sim/locks/{id}/jam") { request, context in
            _ = try context.anyRole()
            let body = try await decodeBody(JamRequest.self, from: request)
            try sim().jamLock(try context.parameters.compartment(), body.jammed)
            return Response(status: .noContent)
        }
        router.post("/sim/sensors/{id}/stuck") { request, context in
            _ = try context.anyRole()
            let body = try await decodeBody(StuckSensorRequest.self, from: request)
            try sim().stickSensor(try context.parameters.compartment(), at: body.stuck)
            return Response(status: .noContent)
        }
        // A hung event path (the watchdog's test): door changes and liveness ticks are held back.
        router.post("/sim/events/stall") { request, context in
            _ = try context.actor(.technician)
            let body = try await decodeBody(StallRequest.self, from: request)
            try sim().stallEvents(body.stalled)
            return Response(status: .noContent)
        }
        routes.record(router)
        return router
    }

    private func sim() throws -> SimulatedLocker {
        guard let simulator else {
            throw APIError(.notFound, "This locker is real hardware; 'amtomat sim' works only with backend = \"simulated\".")
        }
        return simulator
    }

    func view(_ d: DocumentRecord) -> DocumentView {
        DocumentView(reference: d.reference, kind: d.kind, state: d.state, compartment: d.compartment,
                     depositedAt: d.depositedAt, readyAt: d.readyAt, expiresAt: d.expiresAt,
                     codeIssued: d.codeDigest != nil, codeBlocked: d.codeBlocked,
                     secondFactor: d.secondFactorDigest != nil, finishedAt: d.finishedAt,
                     label: d.compartment.flatMap { controller.locker.description.compartment($0)?.label },
                     codeNotDelivered: d.codeNotDelivered)
    }

    func compartmentViews() async throws -> [CompartmentView] {
        let doors = await controller.locker.allDoors()
        return try controller.store.compartments().map { o in
            CompartmentView(id: o.record.compartmentID, label: o.record.label, column: o.record.column, row: o.record.row,
                            size: o.record.size, wheelchairAccessible: o.record.wheelchairAccessible, state: o.state,
                            door: doors[o.record.compartmentID] ?? .unknown, blockReason: o.record.blockReason,
                            reference: o.holder?.reference, selfTest: o.verdict?.verdict.rawValue)
        }
    }

    func compartmentView(_ id: CompartmentID) async throws -> CompartmentView {
        guard let view = try await compartmentViews().first(where: { $0.id == id }) else { throw LockerError.unknownCompartment(id) }
        return view
    }

    func status(_ context: ControlContext) async throws -> StatusView {
        let counts = try controller.store.counts()
        return StatusView(locker: controller.locker.description.name, backend: controller.locker.backend.name,
                          version: version, you: context.peer?.userName ?? "?",
                          roles: context.roles.map(\.rawValue).sorted(), compartments: try await compartmentViews(),
                          documents: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
                          terminalFreeAttempts: await controller.terminalFreeAttempts(),
                          terminal: await controller.terminalStatus(), openDoors: try await controller.openDoors(),
                          office: controller.settings.office.name,
                          notifications: try notices?.counts(), kioskPage: pageWatch?.snapshot())
    }

    func lines() async -> [LineView] {
        let description = controller.locker.description
        func meaning(_ role: String, _ value: Int) -> String {
            role == "door" ? (value == 1 ? "closed" : "open") : (value == 1 ? "energised" : "off")
        }
        // Every backend says where its lines are and what they read; no downcast to a backend.
        return controller.locker.backend.lineStatus().map { l in
            let place = [l.device, l.offset.map { "offset \($0)" }].compactMap { $0 }.joined(separator: " ")
            let line = l.chip == "simulated"
                ? (l.role == "lock" ? description.compartment(l.compartment)?.lock : description.compartment(l.compartment)?.doorSensor)?.description ?? "simulated"
                : "\(l.chip) line \(l.line)\(place.isEmpty ? "" : " (\(place))")"
            return LineView(compartment: l.compartment, label: description.compartment(l.compartment)?.label, role: l.role,
                            line: line, level: l.problem == nil ? l.value : nil,
                            meaning: l.problem ?? l.value.map { meaning(l.role, $0) } ?? "unknown")
        }
    }
}

/// `POST /sim/events/stall`: `{"stalled": true}` holds the simulated event path, `false` lets it go.
struct StallRequest: Decodable, Sendable {
    var stalled: Bool
}

/// References are matched exactly (two documents may differ only in case); when nothing matches
/// but a document's reference differs only in case, the answer names it.
struct ReferenceHintMiddleware: RouterMiddleware {
    let store: LockerStore

    func handle(_ request: Request, context: ControlContext, next: (Request, ControlContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch LockerError.unknownDocument(let reference) {
            if let spelled = try? store.referenceDifferingInCase(from: reference) {
                throw APIError(.notFound, "No document with reference \(reference) is in the locker, but there is \(spelled); references are case-sensitive, so use 'amtomat show \(spelled)'.")
            }
            throw LockerError.unknownDocument(reference: reference)
        }
    }
}
