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
    private var surveyTokens = OneTimeTokens<Void>()
    /// Woken when a code is waiting for a reference (`awaitCode`).
    private let codeWaiters = Waiters<String>()
    /// The last liveness tick that came through the door-event path (see `WatchdogService`).
    public private(set) var lastLivenessTick: UInt64 = 0
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
        try await refreshGauges()
    }

    /// The locker's loops and this controller's door-event loop, until the task is cancelled
    /// (graceful shutdown). Throws `LoopEnded` when one of them stops on its own, which ends the
    /// daemon, so that systemd restarts it instead of running a locker that no longer hears its doors.
    public nonisolated func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [locker] in
                try await locker.run()
                try LoopEnded.unlessCancelled("door supervision")
            }
            group.addTask { [locker] in
                for await event in locker.events { await self.handle(event) }
                try LoopEnded.unlessCancelled("door event")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    public func stop() async {
        await locker.stop()
    }

    /// Applies the reconciliation table (`ReconcileAction`, in the core) to every document caught
    /// in an in-between state.
    private func reconcile(doors: [CompartmentID: DoorState]) throws {
        let t = now()
        for doc in try store.documents(in: DocumentState.allCases.filter(\.awaitsDoor)) {
            guard let compartment = doc.compartment else { continue }
            let door = doors[compartment] ?? .unknown
            let hasContact = try notices != nil && store.contact(documentId: doc.id ?? 0) != nil
            switch ReconcileAction.decide(state: doc.state, door: door, doorOpened: doc.doorOpenedAt != nil) {
            case .keep:
                break  // wait for the door to close; the normal event handling finishes it
            case .recordDoorOpened:
                try store.update(doc, action: .reconcile, detail: "door found open at start", by: .daemon, at: t) { $0.doorOpenedAt = t }
            case .finish where doc.state == .loading && hasContact:
                // The citizen's code was never drawn: draw it now and send it; nobody else has seen it.
                _ = try issueCode(doc, action: .reconcile, by: .daemon, changeState: true, seal: true)
                logger.warning("Document was loaded before a restart; its code is sent to the citizen now", metadata: ["reference": "\(doc.reference)"])
            case .finish(let next) where doc.state == .loading:
                try store.change(doc, to: next, action: .reconcile,
                                 detail: "loaded before a restart; the code must be reissued", by: .daemon, at: t) {
                    $0.readyAt = t
                    $0.expiresAt = HoldPeriod.expiry(readyAt: t, holdDays: $0.holdDays)
                }
                logger.warning("Document was loaded before a restart and has no code yet; reissue it", metadata: ["reference": "\(doc.reference)"])
            case .finish(let next):
                try store.change(doc, to: next, action: .reconcile, detail: "door opened and closed around a restart", by: .daemon, at: t)
            case .goBack(let previous):
                try store.change(doc, to: previous, action: .reconcile, detail: "the door never opened (\(doc.state.rawValue) interrupted by a restart)",
                                 by: .daemon, at: t) { $0.doorOpenedAt = nil }
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
        let existing = try store.document(reference: reference)
        if let existing, existing.state == .reserved {
            document = existing  // an interrupted deposit is resumed in the compartment it already holds
            if let id = existing.id { try store.setContact(contact ?? Contact(), documentId: id) }
        } else if let existing, existing.codeNotDelivered {
            throw ServiceError.conflict("Document \(reference) is already in compartment \(existing.compartment.map(\.description) ?? "?"), but no code was delivered for it; run 'amtomat reissue \(reference)' to get its code.")
        } else {
            document = try store.reserve(reference: reference, kind: request.kind, size: request.size,
                                         accessible: request.accessible, holdDays: holdDays,
                                         secondFactorDigest: secondFactorDigest, doors: await locker.allDoors(),
                                         contact: contact, by: actor, at: t)
        }
        guard let compartment = document.compartment else { throw LockerError.unknownDocument(reference: reference) }
        document = try store.change(document, to: .loading, action: .openForLoading, by: actor, at: now()) { $0.doorOpenedAt = nil }
        switch try await locker.release(compartment, stillWanted: stillAwaitsDoor(document)) {
        case .opened:
            metrics.lockReleased()
            // Recorded before the clerk hears "open": a crash after the answer must not turn a
            // filled compartment back into a reservation.
            try recordDoorOpened(document)
            return DepositStarted(reference: reference, compartment: compartment,
                                  label: locker.description.compartment(compartment)?.label ?? "\(compartment)")
        case .doorDidNotOpen:
            // The document never went in: the reservation is cancelled, so the next deposit of the
            // same reference picks another compartment.
            try store.lockDidNotRelease(document, steps: [.init(.reserved, .openFailed, detail: "door did not open"),
                                                          .init(.withdrawn, .depositCancelled, detail: "compartment \(compartment) did not open")],
                                        block: compartment, reason: "lock did not release during a deposit", by: actor, at: now())
            metrics.lockFault()
            try await refreshGauges()
            throw ServiceError.conflict("Compartment \(compartment) did not open and has been blocked for a technician; run the deposit again to use another compartment.")
        case .dropped:
            throw ServiceError.conflict("The deposit of \(reference) was cancelled before compartment \(compartment) opened; check it with 'amtomat show \(reference)' and deposit again.")
        }
    }

    /// Waits (up to `timeout`) until the clerk has closed the door, then hands out the code once.
    public func awaitCode(reference: String, timeout: Duration) async throws -> AwaitCodeResponse {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        dropStaleCodes()
        while true {
            if let pending = pendingCodes.removeValue(forKey: reference) {
                if let doc = try store.document(reference: reference) { try store.markCodeDelivered(doc, at: now()) }
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
                // Only the door-closed event ends loading; in the same actor turn it puts the code (or
                // the notice sent to the citizen) here and wakes this waiter: wait on memory, not the database.
                let ticket = codeWaiters.ticket(for: reference)
                _ = await codeWaiters.wait(ticket, until: deadline)
                try Task.checkCancellation()
            case .loading:
                return AwaitCodeResponse(status: .doorOpen, message: "The door of compartment \(doc.compartment.map(\.description) ?? "?") is still open; close it to get the code.")
            case .ready where doc.codeNotDelivered:
                return AwaitCodeResponse(status: .noCode, message: "No code was delivered for \(reference); run 'amtomat reissue \(reference)' to get one.")
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
        let (code, updated) = try issueCode(doc, action: .reissue, by: actor, changeState: false)
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
    private func issueCode(_ doc: DocumentRecord, action: AuditAction, by actor: Actor, changeState: Bool,
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
                // A reissued code goes back in the same answer and a sealed one is queued for the citizen
                // in this transaction; a loaded one waits for the clerk's command.
                d.codeDeliveredAt = changeState && sealed == nil ? nil : t
                d.codeBlocked = false
                d.secondFactorFailures = 0
                if changeState { d.doorOpenedAt = nil }  // the loading door's opening is history now
                if d.readyAt == nil || d.state == .loading {
                    d.readyAt = t
                    d.expiresAt = HoldPeriod.expiry(readyAt: t, holdDays: d.holdDays)
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
        let t = now()
        let newExpiry: Date
        switch HoldPeriod(maxDays: settings.maxHoldDays).extend(readyAt: doc.readyAt ?? doc.depositedAt, expiresAt: doc.expiresAt, now: t, days: days) {
        case .success(let date):
            newExpiry = date
        case .failure(.invalidDays(let d, let maximum)):
            throw LockerError.invalidHoldDays(d, maximum: maximum)
        case .failure(.beyondMaximum(let maxDays, let left)):
            throw ServiceError.badRequest("A document may wait at most \(maxDays) days; \(reference) can be extended by \(left) more day\(left == 1 ? "" : "s").")
        }
        return try store.change(doc, to: .ready, action: .extend, detail: "+\(days) day\(days == 1 ? "" : "s")", by: actor, at: t) {
            $0.expiresAt = newExpiry
        }
    }

    /// A clerk takes a document back: cancels a reservation, or opens the door of a ready or expired one.
    /// The document stays in the books (`withdrawing`) until its door has been seen open and closed.
    public func withdraw(reference: String, by actor: Actor) async throws -> DocumentRecord {
        guard let doc = try store.document(reference: reference) else { throw LockerError.unknownDocument(reference: reference) }
        if doc.state == .reserved {
            return try store.change(doc, to: .withdrawn, action: .withdraw, detail: "reservation cancelled", by: actor, at: now())
        }
        return try await takeBack(doc, to: .withdrawing, action: .withdrawOpen, failed: .withdrawFailed, by: actor)
    }

    /// A clerk takes an expired document back to the counter; it is `returning` until its door closed.
    public func returnExpired(reference: String, by actor: Actor) async throws -> DocumentRecord {
        guard let doc = try store.document(reference: reference) else { throw LockerError.unknownDocument(reference: reference) }
        return try await takeBack(doc, to: .returning, action: .returnOpen, failed: .returnFailed, by: actor)
    }

    /// Commits the in-between state, then opens the door. The door-closed event finishes the document.
    private func takeBack(_ doc: DocumentRecord, to state: DocumentState, action: AuditAction, failed: AuditAction,
                          by actor: Actor) async throws -> DocumentRecord {
        guard let compartment = doc.compartment else { throw LockerError.unknownDocument(reference: doc.reference) }
        // doorOpenedAt now means "opened for this withdrawal"; reconciliation relies on it.
        let opening = try store.change(doc, to: state, action: action, by: actor, at: now()) { $0.doorOpenedAt = nil }
        pendingCodes[doc.reference] = nil
        switch try await locker.release(compartment, stillWanted: stillAwaitsDoor(opening)) {
        case .opened:
            metrics.lockReleased()
            try recordDoorOpened(opening)
        case .doorDidNotOpen:
            // The document is still inside: it stays in the books, its compartment is blocked.
            let back = opening.state.afterDoorNeverOpened ?? doc.state
            let current = try store.document(id: opening.id ?? 0) ?? opening
            if current.state == opening.state {
                try store.lockDidNotRelease(current, steps: [.init(back, failed, detail: "door did not open")], block: compartment,
                                            reason: "lock did not release for a clerk", by: actor, at: now())
            } else {
                try store.setBlocked(compartment, blocked: true, reason: "lock did not release for a clerk", by: .daemon, at: now())
            }
            try sweep()
            metrics.lockFault()
            try await refreshGauges()
            throw ServiceError.conflict("Compartment \(compartment) did not open, so \(doc.reference) is still in it and stays in the books; the compartment has been blocked — ask a technician to open it with 'amtomat open \(compartment) --reason ...', then run the command again.")
        case .dropped:
            break
        }
        try await refreshGauges()
        return try store.document(id: opening.id ?? 0) ?? opening
    }

    /// Asked by the coil scheduler right before the pulse: is this document still waiting for its door?
    private nonisolated func stillAwaitsDoor(_ doc: DocumentRecord) -> @Sendable () async -> Bool {
        let store = store
        return {
            guard let id = doc.id, let current = try? store.document(id: id) else { return false }
            return current.state == doc.state && current.compartmentId == doc.compartmentId
        }
    }

    /// A released lock whose door opened: record it now rather than waiting for the event, so a crash
    /// right after cannot make reconciliation believe the door never opened.
    private func recordDoorOpened(_ doc: DocumentRecord) throws {
        guard let current = try store.document(id: doc.id ?? 0), current.state == doc.state, current.doorOpenedAt == nil else { return }
        try store.update(current, action: .doorOpened, by: .daemon, at: now()) { $0.doorOpenedAt = self.now() }
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
                let policy = settings.secondFactor
                doc = try store.update(doc, action: .secondFactorWrong, by: .kiosk, at: t) { d in
                    let after = policy.afterWrongDate(failures: d.secondFactorFailures)
                    d.secondFactorFailures = after.failures
                    if after.blocked { d.codeBlocked = true }
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
        doc = try store.change(doc, to: .collecting, action: .pickupOpen, by: .kiosk, at: t) { $0.doorOpenedAt = nil }
        let token = Self.randomToken()
        pickups[token] = PickupSession(documentID: doc.id ?? 0, compartment: compartment, startedAt: t)
        switch try await locker.release(compartment, stillWanted: stillAwaitsDoor(doc)) {
        case .opened:
            metrics.pickupOpened()
            try recordDoorOpened(doc)
            return PickupResponse(result: .open, pickup: token, compartment: view)
        case .doorDidNotOpen, .dropped:
            if let current = try store.document(id: doc.id ?? 0), current.state == .collecting {
                try store.lockDidNotRelease(current, steps: [.init(.ready, .pickupFailed, detail: "door did not open")], block: compartment,
                                            reason: "lock did not release at a pickup", by: .kiosk, at: now())
            } else {
                try store.setBlocked(compartment, blocked: true, reason: "lock did not release at a pickup", by: .daemon, at: now())
            }
            pickups[token]?.fault = true
            metrics.lockFault()
            logger.error("Compartment did not open for a pickup; blocked for a technician", metadata: ["compartment": "\(compartment)"])
            return PickupResponse(result: .fault, compartment: view, office: settings.office)
        }
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
                surveyTokens.insert(survey, (), at: now())
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
        surveyTokens.consume(token, at: now()) != nil
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
        try store.record(AuditEntry(at: t, osUser: actor.name, action: .throttleReset,
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
        try store.record(AuditEntry(at: now(), osUser: actor.name, action: .maintenanceOpen,
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
        if !blocked, let verdict = try store.compartment(id)?.verdict, verdict.verdict != .ok {
            guard force else {
                throw ServiceError.conflict("Compartment \(name) failed its last self-test (\(verdict.verdict.rawValue)); test it again with 'amtomat selftest --compartment \(id)' and unblock it once it passes, or add --force to unblock it anyway.")
            }
            detail = "forced despite the failed self-test (\(verdict.verdict.rawValue))"
        }
        try store.setBlocked(id, blocked: blocked, reason: detail, by: actor, at: now())
        try await refreshGauges()
    }

    public func saveSelfTest(_ result: SelfTestResult, by actor: Actor) throws {
        // A failing verdict blocks the compartment in the same transaction.
        try store.saveVerdict(SelfTestVerdictRecord(compartmentId: result.compartment.rawValue, verdict: result.verdict,
                                                    detail: result.detail, testedAt: now()), by: actor)
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
                if let doc = try store.liveDocument(in: id), doc.state.awaitsDoor, doc.doorOpenedAt == nil {
                    try store.update(doc, action: .doorOpened, by: .daemon, at: now()) { $0.doorOpenedAt = self.now() }
                }
                if !expected {
                    metrics.tamper()
                    try store.record(AuditEntry(at: now(), osUser: Actor.daemon.name, action: .tamperAlarm,
                                                reference: try store.liveDocument(in: id)?.reference, compartment: id,
                                                detail: "door opened without an unlock"))
                }
            case let .doorClosed(id):
                try store.setDoorStates([id: .closed])
                guard let doc = try store.liveDocument(in: id) else { break }
                guard doc.state.awaitsDoor, doc.doorOpenedAt != nil else { break }
                switch doc.state {
                case .loading where notices != nil:
                    guard let contact = try store.contact(documentId: doc.id ?? 0) else { fallthrough }
                    // The code goes to the citizen, sealed in the outbox; the clerk only learns where it went.
                    let (_, ready) = try issueCode(doc, action: .loaded, by: .daemon, changeState: true, seal: true)
                    notified[doc.reference] = (NoticeQueued(reference: doc.reference, compartment: id, expiresAt: ready.expiresAt ?? now(),
                                                            sentTo: contact.maskedDestinations), now())
                    codeWaiters.signal(doc.reference)
                    logger.info("Document loaded; code queued for the citizen", metadata: ["reference": "\(doc.reference)", "compartment": "\(id)"])
                case .loading:
                    let (code, ready) = try issueCode(doc, action: .loaded, by: .daemon, changeState: true)
                    pendingCodes[doc.reference] = (issued(ready, code: code), now())
                    codeWaiters.signal(doc.reference)
                    logger.info("Document loaded; code waiting for the clerk", metadata: ["reference": "\(doc.reference)", "compartment": "\(id)"])
                case .collecting:
                    try store.change(doc, to: .collected, action: .collected, by: .kiosk, at: now())
                    metrics.collected()
                    logger.info("Document collected", metadata: ["compartment": "\(id)"])
                case .withdrawing:
                    try store.change(doc, to: .withdrawn, action: .withdrawn, detail: "door opened and closed", by: .daemon, at: now())
                    logger.info("Document withdrawn by a clerk", metadata: ["reference": "\(doc.reference)", "compartment": "\(id)"])
                case .returning:
                    try store.change(doc, to: .returned, action: .returned, detail: "door opened and closed", by: .daemon, at: now())
                    logger.info("Expired document returned to the counter", metadata: ["reference": "\(doc.reference)", "compartment": "\(id)"])
                default:
                    break
                }
            case let .doorLeftOpen(id, seconds):
                metrics.doorLeftOpen()
                try store.record(AuditEntry(at: now(), osUser: Actor.daemon.name, action: .doorLeftOpenAlarm,
                                            compartment: id, detail: "open for \(seconds) s"))
            case let .fault(ids, message):
                metrics.hardwareFault()
                try store.record(AuditEntry(at: now(), osUser: Actor.daemon.name, action: .hardwareFault,
                                            compartment: ids.first, detail: "\(message) (compartments \(ids.map(\.description).joined(separator: ", ")))"))
            case let .tick(sequence):
                lastLivenessTick = sequence
                return  // nothing changed in the books
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
        surveyTokens.dropExpired(at: t)
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
        let (_, updated) = try issueCode(doc, action: .resend, by: actor, changeState: false, seal: true)
        pendingCodes[reference] = nil
        return NoticeQueued(reference: reference, compartment: updated.compartment ?? CompartmentID(0),
                            expiresAt: updated.expiresAt ?? now(), sentTo: contact.maskedDestinations)
    }
}
