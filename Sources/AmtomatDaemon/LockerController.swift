import AmtomatAPI
import AmtomatCore
import AmtomatHardware
import AmtomatStore
import Foundation
import Logging

/// The heart of the daemon: it owns the locker's documents, compartments and doors.
///
/// Every state change is committed to SQLite before a lock is released, so a power cut can never
/// leave a door open that the database does not know about. Pickup codes exist in plain text only
/// on their way to the clerk, never in the database or a log.
public actor LockerController {
    public struct Settings: Sendable {
        public var codeLength = 14
        public var defaultHoldDays = 14
        public var maxHoldDays = 28
        public var secondFactor = SecondFactorPolicy()
        public var throttle = TerminalThrottle.Policy()
        public var office = OfficeView(name: "Bürgerbüro", phone: "", hours: "")
        /// How long a code waits in memory for the clerk's CLI to fetch it.
        public var codeDeliveryWindow: TimeInterval = 600
        /// `[codes] remember_finished_days`: how long a finished document's code is still recognised.
        public var rememberFinishedDays = 60
        /// `[retention]`, applied once a day by the sweep; days are counted in `timeZone`.
        public var retention = RetentionPolicy()
        public var timeZone = TimeZone.current
        public init() {}
    }

    /// A citizen's pickup at the kiosk, known only in memory and only by a random token.
    struct PickupSession {
        var documentID: Int64
        var compartment: CompartmentID
        var startedAt: Date
        var surveyToken: String?
        var fault = false
    }

    public let settings: Settings
    public nonisolated let locker: Locker
    let store: LockerStore
    private let hasher: SecretHasher
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let metrics: LockerMetrics
    private var throttle: TerminalThrottle
    private var pendingCodes: [String: (issued: CodeIssued, at: Date)] = [:]
    private var pickups: [String: PickupSession] = [:]
    private var surveyTokens: [String: Date] = [:]
    private var eventTask: Task<Void, Never>?
    /// The day retention last ran (memory only: after a restart it simply runs again).
    private var retentionDay: String?
    /// Notifications (nil: the locker sends none, every code goes to the clerk).
    public nonisolated let notices: NoticeDesk?
    /// Deposits whose code went to the citizen: what the clerk's CLI is told instead of the code.
    private var notified: [String: (queued: NoticeQueued, at: Date)] = [:]

    public init(settings: Settings, store: LockerStore, locker: Locker, hasher: SecretHasher,
                logger: Logger, metrics: LockerMetrics = LockerMetrics(), notices: NoticeDesk? = nil,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.notices = notices
        self.settings = settings
        self.store = store
        self.locker = locker
        self.hasher = hasher
        self.logger = logger
        self.metrics = metrics
        self.now = now
        throttle = TerminalThrottle(policy: settings.throttle, now: now())
    }

    // MARK: - Start and stop

    /// Reads every door, then makes the database agree with them: a document caught mid-loading or
    /// mid-pickup by a crash is resolved from its door, never silently lost or duplicated.
    public func start() async throws {
        // The terminal's guessing debt survives restarts: a restart grants no fresh attempts.
        if let saved = try store.throttleState() {
            throttle = TerminalThrottle(policy: settings.throttle, state: saved)
        }
        let doors = try await locker.start()
        try store.syncCompartments(locker.description)
        try store.setDoorStates(doors)
        try reconcile(doors: doors)
        _ = try sweep()
        eventTask = Task { [weak self, locker] in
            for await event in locker.events { await self?.handle(event) }
        }
        try await refreshGauges()
    }

    public func stop() async {
        eventTask?.cancel()
        await locker.stop()
    }

    private func reconcile(doors: [CompartmentID: DoorState]) throws {
        let t = now()
        for doc in try store.documents(in: [.loading, .collecting]) {
            guard let compartment = doc.compartment else { continue }
            let door = doors[compartment] ?? .unknown
            let hasContact = try notices != nil && store.contact(documentId: doc.id ?? 0) != nil
            switch (doc.state, door, doc.doorOpenedAt != nil) {
            case (_, .open, false):
                try store.update(doc, action: "reconcile", detail: "door found open at start", by: .daemon, at: t) { $0.doorOpenedAt = t }
            case (_, .open, true), (_, .unknown, _):
                break  // wait for the door to close; the normal event handling finishes it
            case (.loading, .closed, true) where hasContact:
                // The citizen's code was never drawn: draw it now and send it; nobody else has seen it.
                _ = try issueCode(doc, action: "reconcile", by: .daemon, changeState: true, seal: true)
                logger.warning("Document was loaded before a restart; its code is sent to the citizen now", metadata: ["reference": "\(doc.reference)"])
            case (.loading, .closed, true):
                try store.change(doc, to: .ready, action: "reconcile",
                                 detail: "loaded before a restart; the code must be reissued", by: .daemon, at: t) {
                    $0.readyAt = t
                    $0.expiresAt = t.addingTimeInterval(Double($0.holdDays) * 86_400)
                }
                logger.warning("Document was loaded before a restart and has no code yet; reissue it", metadata: ["reference": "\(doc.reference)"])
            case (.loading, .closed, false):
                try store.change(doc, to: .reserved, action: "reconcile", detail: "the door never opened for loading", by: .daemon, at: t)
            case (.collecting, .closed, true):
                try store.change(doc, to: .collected, action: "reconcile", detail: "door opened and closed around a restart", by: .daemon, at: t)
            case (.collecting, .closed, false):
                try store.change(doc, to: .ready, action: "reconcile", detail: "pickup interrupted before the door opened", by: .daemon, at: t)
            default:
                break
            }
        }
    }

    // MARK: - Clerk: deposit and codes

    /// Reserves a fitting compartment, commits, opens it for the clerk and returns once the door is open.
    public func deposit(_ request: DepositRequest, by actor: Actor) async throws -> DepositStarted {
        let reference = try Self.validReference(request.reference)
        let holdDays = request.holdDays ?? settings.defaultHoldDays
        guard (1...settings.maxHoldDays).contains(holdDays) else {
            throw LockerError.invalidHoldDays(holdDays, maximum: settings.maxHoldDays)
        }
        var secondFactorDigest: Data?
        if settings.secondFactor.required(for: request.kind), request.dateOfBirth == nil {
            throw LockerError.secondFactorMissing(kind: request.kind)
        }
        if let text = request.dateOfBirth {
            guard let dob = DateOfBirth(text) else { throw LockerError.invalidDateOfBirth(text) }
            if let problem = dob.implausibility(today: DateOfBirth.today(now())) {
                throw LockerError.implausibleDateOfBirth(problem)
            }
            secondFactorDigest = hasher.secondFactorDigest(reference: reference, dateOfBirth: dob)
        }
        let contact = try self.contact(of: request)
        let t = now()
        var document: DocumentRecord
        if let existing = try store.document(reference: reference), existing.state == .reserved {
            document = existing  // an interrupted deposit is resumed in the compartment it already holds
            if let id = existing.id { try store.setContact(contact ?? Contact(), documentId: id) }
        } else {
            document = try store.reserve(reference: reference, kind: request.kind, size: request.size,
                                         accessible: request.accessible, holdDays: holdDays,
                                         secondFactorDigest: secondFactorDigest, doors: await locker.allDoors(),
                                         contact: contact, by: actor, at: t)
        }
        guard let compartment = document.compartment else { throw LockerError.unknownDocument(reference: reference) }
        document = try store.change(document, to: .loading, action: "open-for-loading", by: actor, at: now())
        switch try await locker.release(compartment) {
        case .opened:
            metrics.lockReleased()
            return DepositStarted(reference: reference, compartment: compartment,
                                  label: locker.description.compartment(compartment)?.label ?? "\(compartment)")
        case .doorDidNotOpen:
            // The document never went in: the reservation is cancelled, so the next deposit of the
            // same reference picks another compartment.
            let reserved = try store.change(document, to: .reserved, action: "open-failed", detail: "door did not open", by: actor, at: now())
            try store.change(reserved, to: .withdrawn, action: "deposit-cancelled",
                             detail: "compartment \(compartment) did not open", by: actor, at: now())
            try store.setBlocked(compartment, blocked: true, reason: "lock did not release during a deposit", by: .daemon, at: now())
            metrics.lockFault()
            try await refreshGauges()
            throw ServiceError.conflict("Compartment \(compartment) did not open and has been blocked for a technician; run the deposit again to use another compartment.")
        }
    }

    /// Waits (up to `timeout`) until the clerk has closed the door, then hands out the code once.
    public func awaitCode(reference: String, timeout: Duration) async throws -> AwaitCodeResponse {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        dropStaleCodes()
        while true {
            if let pending = pendingCodes.removeValue(forKey: reference) {
                return AwaitCodeResponse(status: .issued, issued: pending.issued)
            }
            if let sent = notified.removeValue(forKey: reference) {
                return AwaitCodeResponse(status: .sent, message: "The pickup code goes to the citizen: \(sent.queued.sentTo.joined(separator: ", ")).", sent: sent.queued)
            }
            guard let doc = try store.document(reference: reference) else {
                throw LockerError.unknownDocument(reference: reference)
            }
            switch doc.state {
            case .loading where clock.now < deadline:
                // Only the door-closed event ends loading, and it puts the code here in the same
                // actor turn: wait on memory, not on the database.
                while pendingCodes[reference] == nil && notified[reference] == nil && clock.now < deadline {
                    try await Task.sleep(for: .milliseconds(25))
                }
            case .loading:
                return AwaitCodeResponse(status: .doorOpen, message: "The door of compartment \(doc.compartment.map(\.description) ?? "?") is still open; close it to get the code.")
            case .ready:
                return AwaitCodeResponse(status: .noCode, message: "The code of \(reference) was already shown once; if it was lost, run 'amtomat reissue \(reference)'.")
            default:
                return AwaitCodeResponse(status: .noCode, message: "Document \(reference) is \(doc.state.rawValue); no code is waiting for it.")
            }
        }
    }

    /// A new code for a ready document; the old one stops working at once.
    public func reissue(reference: String, by actor: Actor) throws -> CodeIssued {
        guard let doc = try store.document(reference: reference) else { throw LockerError.unknownDocument(reference: reference) }
        guard doc.state == .ready else {
            throw ServiceError.conflict("Document \(reference) is \(doc.state.rawValue); only a ready document gets a new code\(doc.state == .expired ? " — extend it first with 'amtomat extend \(reference) --days N'" : "").")
        }
        let (code, updated) = try issueCode(doc, action: "reissue", by: actor, changeState: false)
        pendingCodes[reference] = nil
        return issued(updated, code: code)
    }

    /// What the clerk is shown once: the code, where the document is and what the citizen needs.
    private func issued(_ doc: DocumentRecord, code: PickupCode) -> CodeIssued {
        let compartment = doc.compartment ?? CompartmentID(0)
        return CodeIssued(reference: doc.reference, compartment: compartment, code: code.digits,
                          expiresAt: doc.expiresAt ?? now(), label: locker.description.compartment(compartment)?.label,
                          kind: doc.kind, secondFactor: doc.secondFactorDigest != nil)
    }

    /// Draws a fresh code, unique among live codes, and stores only its HMAC.
    /// With `seal`, the code is also queued, sealed, in a ready message to the citizen's contact —
    /// in the same transaction that stores its digest.
    private func issueCode(_ doc: DocumentRecord, action: String, by actor: Actor, changeState: Bool,
                           seal: Bool = false) throws -> (PickupCode, DocumentRecord) {
        for _ in 0..<8 {
            let code = PickupCode.generate(length: settings.codeLength)
            let digest = hasher.codeDigest(code)
            if try store.document(codeDigest: digest) != nil { continue }  // astronomically rare; draw again
            if try store.finishedCode(codeDigest: digest) != nil { continue }  // would read as "gone"
            let sealed: Data? = seal ? try notices?.sealer.seal(code, documentId: doc.id ?? 0) : nil
            let t = now()
            let mutate: @Sendable (inout DocumentRecord) -> Void = { d in
                d.codeDigest = digest
                d.codeIssuedAt = t
                d.codeBlocked = false
                d.secondFactorFailures = 0
                if changeState { d.doorOpenedAt = nil }  // the loading door's opening is history now
                if d.readyAt == nil || d.state == .loading {
                    d.readyAt = t
                    d.expiresAt = t.addingTimeInterval(Double(d.holdDays) * 86_400)
                }
            }
            let updated = changeState
                ? try store.change(doc, to: .ready, action: action, sealedCode: sealed, by: actor, at: t, mutate)
                : try store.update(doc, action: action, sealedCode: sealed, by: actor, at: t, mutate)
            return (code, updated)
        }
        throw ServiceError.internal("Could not draw a unique pickup code; try again.")
    }

    public func extend(reference: String, days: Int, by actor: Actor) throws -> DocumentRecord {
        guard let doc = try store.document(reference: reference) else { throw LockerError.unknownDocument(reference: reference) }
        guard doc.state == .ready || doc.state == .expired else {
            throw ServiceError.conflict("Document \(reference) is \(doc.state.rawValue); only ready or expired documents can be extended.")
        }
        guard days >= 1 else { throw LockerError.invalidHoldDays(days, maximum: settings.maxHoldDays) }
        let t = now()
        let start = doc.readyAt ?? doc.depositedAt
        let newExpiry = max(doc.expiresAt ?? t, t).addingTimeInterval(Double(days) * 86_400)
        let limit = start.addingTimeInterval(Double(settings.maxHoldDays) * 86_400)
        guard newExpiry <= limit.addingTimeInterval(1) else {
            let left = max(0, Int(limit.timeIntervalSince(max(doc.expiresAt ?? t, t)) / 86_400))
            throw ServiceError.badRequest("A document may wait at most \(settings.maxHoldDays) days; \(reference) can be extended by \(left) more day\(left == 1 ? "" : "s").")
        }
        return try store.change(doc, to: .ready, action: "extend", detail: "+\(days) day\(days == 1 ? "" : "s")", by: actor, at: t) {
            $0.expiresAt = newExpiry
        }
    }

    /// A clerk takes a document back: cancels a reservation, or opens the door of a ready or expired one.
    public func withdraw(reference: String, by actor: Actor) async throws -> DocumentRecord {
        guard let doc = try store.document(reference: reference) else { throw LockerError.unknownDocument(reference: reference) }
        if doc.state == .reserved {
            return try store.change(doc, to: .withdrawn, action: "withdraw", detail: "reservation cancelled", by: actor, at: now())
        }
        return try await takeBack(doc, to: .withdrawn, action: "withdraw", by: actor)
    }

    /// A clerk takes an expired document back to the counter.
    public func returnExpired(reference: String, by actor: Actor) async throws -> DocumentRecord {
        guard let doc = try store.document(reference: reference) else { throw LockerError.unknownDocument(reference: reference) }
        return try await takeBack(doc, to: .returned, action: "return", by: actor)
    }

    private func takeBack(_ doc: DocumentRecord, to state: DocumentState, action: String, by actor: Actor) async throws -> DocumentRecord {
        guard let compartment = doc.compartment else { throw LockerError.unknownDocument(reference: doc.reference) }
        let done = try store.change(doc, to: state, action: action, by: actor, at: now())
        pendingCodes[doc.reference] = nil
        if try await locker.release(compartment) == .doorDidNotOpen {
            try store.setBlocked(compartment, blocked: true, reason: "lock did not release for a clerk", by: .daemon, at: now())
            metrics.lockFault()
            throw ServiceError.conflict("Document \(doc.reference) is marked \(state.rawValue), but compartment \(compartment) did not open; it has been blocked — ask a technician to open it with 'amtomat open \(compartment) --reason ...'.")
        }
        metrics.lockReleased()
        try await refreshGauges()
        return done
    }

    // MARK: - Citizen: pickup at the kiosk

    public func pickup(code typed: String, dateOfBirth: String?) async throws -> PickupResponse {
        let t = now()
        if case .wait(let seconds) = throttle.check(now: t) {
            return PickupResponse(result: .slowed, retryAfterSeconds: seconds)
        }
        guard let code = PickupCode(typed: typed, length: settings.codeLength) else { return try failedAttempt(at: t) }
        let digest = hasher.codeDigest(code)
        guard var doc = try store.document(codeDigest: digest),
              doc.state == .ready, let expiry = doc.expiresAt, expiry > t,
              let compartment = doc.compartment
        else {
            return try goneAnswer(codeDigest: digest, at: t) ?? failedAttempt(at: t)
        }
        if doc.codeBlocked {
            return PickupResponse(result: .blocked, office: settings.office)
        }
        if let expected = doc.secondFactorDigest {
            guard let text = dateOfBirth else { return PickupResponse(result: .secondFactor) }
            let given = DateOfBirth(text).map { hasher.secondFactorDigest(reference: doc.reference, dateOfBirth: $0) } ?? Data()
            guard SecretHasher.equal(given, expected) else {
                let maxFailures = settings.secondFactor.maxFailures
                doc = try store.update(doc, action: "second-factor-wrong", by: .kiosk, at: t) { d in
                    d.secondFactorFailures += 1
                    if d.secondFactorFailures >= maxFailures { d.codeBlocked = true }
                }
                let response = try failedAttempt(at: t)
                if doc.codeBlocked {
                    logger.warning("Pickup code blocked after wrong dates of birth; a clerk must reissue it", metadata: ["reference": "\(doc.reference)"])
                    return PickupResponse(result: .blocked, office: settings.office)
                }
                return response
            }
        }
        let view = kioskCompartment(compartment)
        if try store.isBlocked(compartment) {
            // A technician blocked the compartment with the document inside: the truth is that the
            // office hands it out now, not that a door failed.
            return PickupResponse(result: .atOffice, compartment: view, office: settings.office)
        }
        // Commit first, then open: the database always knows a door may be open.
        // doorOpenedAt now means "opened for this pickup"; reconciliation relies on it.
        doc = try store.change(doc, to: .collecting, action: "pickup-open", by: .kiosk, at: t) { $0.doorOpenedAt = nil }
        let token = Self.randomToken()
        pickups[token] = PickupSession(documentID: doc.id ?? 0, compartment: compartment, startedAt: t)
        switch try await locker.release(compartment) {
        case .opened:
            metrics.pickupOpened()
            try await noteDoorAlreadyOpen(doc)
            return PickupResponse(result: .open, pickup: token, compartment: view)
        case .doorDidNotOpen:
            if let current = try store.document(id: doc.id ?? 0), current.state == .collecting {
                try store.change(current, to: .ready, action: "pickup-failed", detail: "door did not open", by: .kiosk, at: now())
            }
            try store.setBlocked(compartment, blocked: true, reason: "lock did not release at a pickup", by: .daemon, at: now())
            pickups[token]?.fault = true
            metrics.lockFault()
            logger.error("Compartment did not open for a pickup; blocked for a technician", metadata: ["compartment": "\(compartment)"])
            return PickupResponse(result: .fault, compartment: view, office: settings.office)
        }
    }

    /// A door that was already open when its lock was pulsed sends no "opened" event; record the
    /// opening anyway, so that closing it finishes the pickup.
    private func noteDoorAlreadyOpen(_ doc: DocumentRecord) async throws {
        guard let compartment = doc.compartment, await locker.doorState(compartment) == .open,
              let current = try store.document(id: doc.id ?? 0), current.state == doc.state, current.doorOpenedAt == nil
        else { return }
        try store.update(current, action: "door-opened", detail: "door was already open", by: .daemon, at: now()) { $0.doorOpenedAt = self.now() }
    }

    /// A real code whose document is no longer waiting: the citizen is told what happened and where to
    /// go, and it is not counted as a guess (guessing a finished code is as unlikely as a live one).
    private func goneAnswer(codeDigest: Data, at t: Date) throws -> PickupResponse? {
        let gone: PickupResponse.Gone
        if let doc = try store.document(codeDigest: codeDigest) {
            switch doc.state.rawValue {
            case "expired", "ready":
                // Still in its compartment, its hold period over (the sweep may not have run yet).
                guard let expiry = doc.expiresAt, expiry <= t else { return nil }
                gone = .init(state: .expired, at: expiry)
            // A clerk is taking it back right now (the in-between states of a withdrawal or return).
            case "withdrawing": gone = .init(state: .withdrawn, at: doc.updatedAt)
            case "returning": gone = .init(state: .returned, at: doc.updatedAt)
            default: return nil
            }
        } else if let finished = try store.finishedCode(codeDigest: codeDigest),
                  finished.at > t.addingTimeInterval(-Double(settings.rememberFinishedDays) * 86_400) {
            gone = .init(state: finished.state, at: finished.at)
        } else {
            return nil
        }
        logger.info("A code of a document that is no longer waiting was entered", metadata: ["state": "\(gone.state.rawValue)"])
        return PickupResponse(result: .gone, office: settings.office, gone: gone)
    }

    private func failedAttempt(at t: Date) throws -> PickupResponse {
        metrics.pickupRejected()
        let alarm = throttle.recordFailure(now: t)
        // Saved before the answer goes out: a restart right after must not forget this failure.
        try store.saveThrottleState(throttle.state)
        if alarm {
            metrics.guessingAlarm()
            logger.critical("Burst of failed pickup attempts at the terminal: it is slowed down", metadata: ["freeAttempts": "\(settings.throttle.capacity)"])
        }
        return PickupResponse(result: .rejected, attemptsLeft: throttle.remainingFreeAttempts(now: t))
    }

    public func pickupStatus(token: String) throws -> PickupStatus? {
        guard var session = pickups[token] else { return nil }
        let view = kioskCompartment(session.compartment)
        if session.fault { return PickupStatus(result: .fault, compartment: view, doorOpenSeconds: nil, surveyToken: nil) }
        guard let doc = try store.document(id: session.documentID) else { return nil }
        switch doc.state {
        case .collected:
            if session.surveyToken == nil {
                let survey = Self.randomToken()
                session.surveyToken = survey
                surveyTokens[survey] = now()
                pickups[token] = session
            }
            return PickupStatus(result: .collected, compartment: view, doorOpenSeconds: nil, surveyToken: session.surveyToken)
        case .collecting:
            let seconds = doc.doorOpenedAt.map { Int(now().timeIntervalSince($0)) }
            return PickupStatus(result: doc.doorOpenedAt == nil ? .waiting : .doorOpen, compartment: view,
                                doorOpenSeconds: seconds, surveyToken: nil)
        default:
            return PickupStatus(result: .fault, compartment: view, doorOpenSeconds: nil, surveyToken: nil)
        }
    }

    /// Consumes a survey token (valid once, for 30 minutes after the pickup).
    public func consumeSurveyToken(_ token: String) -> Bool {
        guard let issued = surveyTokens.removeValue(forKey: token) else { return false }
        return now().timeIntervalSince(issued) < 1800
    }

    public func terminalFreeAttempts() -> Int { throttle.remainingFreeAttempts(now: now()) }

    /// Whether the terminal is slowed, and for how long (kiosk and `amtomat status`).
    public func terminalStatus() -> TerminalStatus {
        let t = now()
        return TerminalStatus(slowedSeconds: throttle.slowedSeconds(now: t), attemptsLeft: throttle.remainingFreeAttempts(now: t))
    }

    /// A clerk clears the slowed terminal (`amtomat throttle reset`); audited.
    public func resetThrottle(by actor: Actor) throws -> TerminalStatus {
        let t = now()
        let before = terminalStatus()
        throttle.reset(now: t)
        try store.saveThrottleState(throttle.state)
        try store.record(AuditEntry(at: t, osUser: actor.name, action: "throttle-reset",
                                    detail: "terminal was slowed for \(before.slowedSeconds) s more, \(before.attemptsLeft) free attempts left"))
        logger.notice("Terminal throttle reset by a clerk", metadata: ["user": "\(actor.name)"])
        return terminalStatus()
    }

    /// Doors standing open now, longest first, with the document they hold (for `amtomat status`).
    public func openDoors() async throws -> [OpenDoorView] {
        let durations = await locker.openDoorDurations()
        let alarm = await locker.leftOpenAlarm
        return try durations.sorted { $0.value > $1.value }.map { id, open in
            OpenDoorView(compartment: id, label: locker.description.compartment(id)?.label ?? "\(id)",
                         seconds: Int(open.components.seconds), leftOpen: open >= alarm,
                         reference: try store.liveDocument(in: id)?.reference)
        }
    }

    /// Brings the door gauges up to date (called before the metrics are read).
    public func refreshDoorGauges() async {
        let durations = await locker.openDoorDurations()
        let alarm = await locker.leftOpenAlarm
        metrics.openDoors(durations.values.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 },
                          leftOpenAfter: Double(alarm.components.seconds))
    }

    // MARK: - Technician

    public func maintenanceOpen(_ id: CompartmentID, reason: String, by actor: Actor) async throws -> ReleaseOutcome {
        guard locker.description.compartment(id) != nil else { throw LockerError.unknownCompartment(id) }
        try store.record(AuditEntry(at: now(), osUser: actor.name, action: "maintenance-open",
                                    reference: try store.liveDocument(in: id)?.reference, compartment: id, detail: reason))
        let outcome = try await locker.release(id)
        if outcome == .opened { metrics.lockReleased() } else { metrics.lockFault() }
        return outcome
    }

    /// Blocks or unblocks a compartment. Blocking one that holds a document, or unblocking one whose
    /// last self-test failed, needs `force`: the first sends a citizen to the office, the second puts
    /// a lock back into use that did not work. Both are audited with what was overridden.
    public func setBlocked(_ id: CompartmentID, blocked: Bool, reason: String?, force: Bool = false, by actor: Actor) async throws {
        guard let description = locker.description.compartment(id) else { throw LockerError.unknownCompartment(id) }
        let name = compartmentName(id, label: description.label)
        var detail = reason
        if blocked, let doc = try store.liveDocument(in: id) {
            guard force else {
                throw ServiceError.conflict("Compartment \(name) holds document \(doc.reference) (\(doc.kind.displayName), \(doc.state.rawValue)); once blocked, its citizen is sent to the office to collect it. Add --force to block it anyway, then take the document out with 'amtomat withdraw \(doc.reference)'.")
            }
            detail = "\(reason ?? "") (forced: holds \(doc.reference))"
        }
        if !blocked, let verdict = try store.compartment(id)?.verdict, verdict.verdict != SelfTestVerdict.ok.rawValue {
            guard force else {
                throw ServiceError.conflict("Compartment \(name) failed its last self-test (\(verdict.verdict)); test it again with 'amtomat selftest --compartment \(id)' and unblock it once it passes, or add --force to unblock it anyway.")
            }
            detail = "forced despite the failed self-test (\(verdict.verdict))"
        }
        try store.setBlocked(id, blocked: blocked, reason: detail, by: actor, at: now())
        try await refreshGauges()
    }

    public func saveSelfTest(_ result: SelfTestResult, by actor: Actor) throws {
        try store.saveVerdict(SelfTestVerdictRecord(compartmentId: result.compartment.rawValue, verdict: result.verdict.rawValue,
                                                    detail: result.detail, testedAt: now()), by: actor)
        if result.verdict != .ok {
            try store.setBlocked(result.compartment, blocked: true, reason: "self-test: \(result.verdict.rawValue)", by: actor, at: now())
        }
    }

    // MARK: - Sweeps and events

    /// Documents past their hold period become expired; their codes stop working.
    @discardableResult
    public func sweep() throws -> Int {
        let expired = try store.expireDue(at: now())
        try store.forgetFinishedCodes(finishedBefore: now().addingTimeInterval(-Double(settings.rememberFinishedDays) * 86_400))
        for doc in expired {
            logger.info("Document expired; collect it with 'amtomat expired --collect'", metadata: ["reference": "\(doc.reference)", "compartment": "\(doc.compartment.map(\.description) ?? "-")"])
        }
        dropStaleCodes()
        dropStaleSessions()
        let today = RetentionPolicy.day(of: now(), in: settings.timeZone)
        if retentionDay != today {
            do {
                try applyRetention()
                retentionDay = today
            } catch {
                logger.error("Retention failed; it is tried again at the next sweep", metadata: ["error": "\(error)"])
            }
        }
        do { try notices?.sweep() } catch { logger.error("Notification sweep failed", metadata: ["error": "\(error)"]) }
        return expired.count
    }

    /// Deletes personal data past its retention period (`[retention]`; docs/privacy.md), audited.
    @discardableResult
    public func applyRetention() throws -> RetentionReport {
        let report = try store.applyRetention(settings.retention, at: now(), in: settings.timeZone)
        if let refused = report.pruneRefused {
            logger.error("Old audit entries are kept because the audit log does not verify; run 'amtomat audit verify'",
                         metadata: ["problem": "\(refused)"])
        }
        if report.erasedDocuments > 0 || report.prunedAuditEntries > 0 {
            logger.info("Retention: personal data past its period deleted",
                        metadata: ["documents": "\(report.erasedDocuments)", "auditEntries": "\(report.prunedAuditEntries)",
                                   "checkpoint": "\(report.checkpoint?.description ?? "-")"])
        }
        return report
    }

    func handle(_ event: LockerEvent) async {
        do {
            switch event {
            case let .doorOpened(id, expected):
                try store.setDoorStates([id: .open])
                if let doc = try store.liveDocument(in: id), doc.state == .loading || doc.state == .collecting, doc.doorOpenedAt == nil {
                    try store.update(doc, action: "door-opened", by: .daemon, at: now()) { $0.doorOpenedAt = self.now() }
                }
                if !expected {
                    metrics.tamper()
                    try store.record(AuditEntry(at: now(), osUser: Actor.daemon.name, action: "tamper-alarm",
                                                reference: try store.liveDocument(in: id)?.reference, compartment: id,
                                                detail: "door opened without an unlock"))
                }
            case let .doorClosed(id):
                try store.setDoorStates([id: .closed])
                guard let doc = try store.liveDocument(in: id) else { break }
                if doc.state == .loading, doc.doorOpenedAt != nil, notices != nil,
                   let contact = try store.contact(documentId: doc.id ?? 0) {
                    // The code goes to the citizen, sealed in the outbox; the clerk only learns where it went.
                    let (_, ready) = try issueCode(doc, action: "loaded", by: .daemon, changeState: true, seal: true)
                    notified[doc.reference] = (NoticeQueued(reference: doc.reference, compartment: id, expiresAt: ready.expiresAt ?? now(),
                                                            sentTo: contact.maskedDestinations), now())
                    logger.info("Document loaded; code queued for the citizen", metadata: ["reference": "\(doc.reference)", "compartment": "\(id)"])
                } else if doc.state == .loading, doc.doorOpenedAt != nil {
                    let (code, ready) = try issueCode(doc, action: "loaded", by: .daemon, changeState: true)
                    pendingCodes[doc.reference] = (issued(ready, code: code), now())
                    logger.info("Document loaded; code waiting for the clerk", metadata: ["reference": "\(doc.reference)", "compartment": "\(id)"])
                } else if doc.state == .collecting, doc.doorOpenedAt != nil {
                    try store.change(doc, to: .collected, action: "collected", by: .kiosk, at: now())
                    metrics.collected()
                    logger.info("Document collected", metadata: ["compartment": "\(id)"])
                }
            case let .doorLeftOpen(id, seconds):
                metrics.doorLeftOpen()
                try store.record(AuditEntry(at: now(), osUser: Actor.daemon.name, action: "door-left-open-alarm",
                                            compartment: id, detail: "open for \(seconds) s"))
            case let .fault(ids, message):
                metrics.hardwareFault()
                try store.record(AuditEntry(at: now(), osUser: Actor.daemon.name, action: "hardware-fault",
                                            compartment: ids.first, detail: "\(message) (compartments \(ids.map(\.description).joined(separator: ", ")))"))
            }
            try await refreshGauges()
        } catch {
            logger.error("Could not record a door event", metadata: ["event": "\(event)", "error": "\(error)"])
        }
    }

    private func refreshGauges() async throws {
        let overview = try store.compartments()
        metrics.compartments(overview.map(\.state))
    }

    // MARK: - Views

    func kioskCompartment(_ id: CompartmentID) -> KioskCompartment {
        let d = locker.description.compartment(id)
        return KioskCompartment(id: id, label: d?.label ?? "\(id)", column: d?.column ?? 0, row: d?.row ?? 0, size: nil)
    }

    private func dropStaleCodes() {
        let t = now()
        pendingCodes = pendingCodes.filter { t.timeIntervalSince($0.value.at) < settings.codeDeliveryWindow }
        notified = notified.filter { t.timeIntervalSince($0.value.at) < settings.codeDeliveryWindow }
    }

    private func dropStaleSessions() {
        let t = now()
        pickups = pickups.filter { t.timeIntervalSince($0.value.startedAt) < 3600 }
        surveyTokens = surveyTokens.filter { t.timeIntervalSince($0.value) < 1800 }
    }

    static func randomToken() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(rng.next() as UInt64, radix: 36) }.joined()
    }

    static func validReference(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 64,
              trimmed.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_/.".unicodeScalars.contains($0) })
        else {
            throw ServiceError.badRequest("The reference '\(text)' is not usable; use 1 to 64 letters, digits, '-', '_', '/' or '.'.")
        }
        return trimmed
    }
}

extension LockerController {
    /// Pulses one lock through the scheduler, checks that its door sensor answers, stores the verdict
    /// and keeps a failing compartment out of assignment until a technician unblocks it.
    public func selfTest(_ id: CompartmentID, doorSeenOpen: Bool? = nil, by actor: Actor) async throws -> SelfTestResult {
        guard locker.description.compartment(id) != nil else { throw LockerError.unknownCompartment(id) }
        if let doc = try store.liveDocument(in: id) {
            throw ServiceError.conflict("Compartment \(compartmentName(id, label: locker.description.compartment(id)?.label)) holds document \(doc.reference); a self-test would open it. Test it once it is free.")
        }
        var result = await locker.selfTest(id, doorSeenOpen: doorSeenOpen)
        result.label = locker.description.compartment(id)?.label
        try saveSelfTest(result, by: actor)
        return result
    }
}

extension LockerController {
    /// The contact a deposit asks for, checked again here (the CLI is not the only client) and
    /// refused when the locker has no channel for it.
    func contact(of request: DepositRequest) throws -> Contact? {
        guard request.phone != nil || request.email != nil else { return nil }
        guard let notices else {
            throw ServiceError.badRequest("This locker sends no notifications ([notify] has no channel); leave out --phone and --email and give the citizen the code yourself.")
        }
        var contact = Contact(language: request.language ?? .de)
        if let phone = request.phone {
            guard notices.settings.sms != nil else {
                throw ServiceError.badRequest("This locker sends no SMS ([notify.sms] is not set up); use --email, or leave out --phone and give the citizen the code yourself.")
            }
            do { contact.phone = try PhoneNumber.normalise(phone) } catch { throw ServiceError.badRequest(error.description) }
        }
        if let email = request.email {
            guard notices.settings.email != nil else {
                throw ServiceError.badRequest("This locker sends no e-mail ([notify.email] is not set up); use --phone, or leave out --email and give the citizen the code yourself.")
            }
            do { contact.email = try EmailAddress.normalise(email) } catch { throw ServiceError.badRequest(error.description) }
        }
        return contact
    }

    /// Sends a ready document's code to the citizen again — a fresh code: the old one stops working.
    public func resendNotice(reference: String, by actor: Actor) throws -> NoticeQueued {
        guard let doc = try store.document(reference: reference) else { throw LockerError.unknownDocument(reference: reference) }
        guard notices != nil, let contact = try store.contact(documentId: doc.id ?? 0) else {
            throw ServiceError.conflict("Document \(reference) has no contact to send to; use 'amtomat reissue \(reference)' and give the citizen the code yourself.")
        }
        guard doc.state == .ready else {
            throw ServiceError.conflict("Document \(reference) is \(doc.state.rawValue); only a ready document's code can be sent again\(doc.state == .expired ? " — extend it first with 'amtomat extend \(reference) --days N'" : "").")
        }
        let (_, updated) = try issueCode(doc, action: "resend", by: actor, changeState: false, seal: true)
        pendingCodes[reference] = nil
        return NoticeQueued(reference: reference, compartment: updated.compartment ?? CompartmentID(0),
                            expiresAt: updated.expiresAt ?? now(), sentTo: contact.maskedDestinations)
    }
}
