import AmtomatCore
import Logging
import Synchronization

/// What the locker tells the daemon, already interpreted.
public enum LockerEvent: Sendable, Equatable {
    /// A door opened. `expected` is false when nobody released its lock: a tamper alarm.
    case doorOpened(CompartmentID, expected: Bool)
    case doorClosed(CompartmentID)
    /// A door has stood open longer than allowed (children have been trapped in parcel lockers).
    case doorLeftOpen(CompartmentID, seconds: Int)
    case fault(compartments: [CompartmentID], message: String)
    /// The answer to `Locker.livenessTick`: the hardware event path is alive up to here.
    case tick(UInt64)
}

/// A loop that must run for the life of the daemon stopped on its own; the daemon ends with this
/// error so that systemd restarts it.
public struct LoopEnded: Error, CustomStringConvertible, Sendable {
    public var loop: String
    public init(_ loop: String) { self.loop = loop }
    public var description: String { "The \(loop) loop ended unexpectedly; the daemon stops so that systemd restarts it." }

    /// Throws unless the task was cancelled, which is how a loop ends at shutdown.
    public static func unlessCancelled(_ loop: String) throws {
        if !Task.isCancelled { throw LoopEnded(loop) }
    }
}

/// The outcome of releasing a lock.
public enum ReleaseOutcome: Sendable, Equatable {
    case opened
    /// The door did not open after every retry: the lock is jammed or the sensor is stuck.
    case doorDidNotOpen
    /// The unlock waited for its coil slot and was dropped there: by then nobody needed the door open.
    case dropped
}

/// The hardware as the daemon uses it: release a lock (always through the coil scheduler), know
/// every door's state, and hear about doors and faults.
///
/// Door events are hints: the supervisor re-reads every sensor periodically, because the v1 kernel
/// event queue drops events when it overflows. Both loops run inside `run()`, which the daemon's
/// locker service runs in its task group; nothing here starts a task of its own.
public actor Locker {
    public struct Timing: Sendable {
        public var openTimeout: Duration
        public var unlockRetries: Int
        public var leftOpenAlarm: Duration
        public var recheckInterval: Duration
        public init(openTimeout: Duration = .seconds(3), unlockRetries: Int = 1,
                    leftOpenAlarm: Duration = .seconds(120), recheckInterval: Duration = .seconds(2)) {
            self.openTimeout = openTimeout
            self.unlockRetries = unlockRetries
            self.leftOpenAlarm = leftOpenAlarm
            self.recheckInterval = recheckInterval
        }
    }

    public nonisolated let description: LockerDescription
    public nonisolated let backend: any LockerBackend
    public nonisolated let scheduler: CoilScheduler
    private let timing: Timing
    private let logger: Logger
    private let clock = ContinuousClock()
    private var doors: [CompartmentID: DoorState] = [:]
    private var openedAt: [CompartmentID: ContinuousClock.Instant] = [:]
    private var leftOpenReported: Set<CompartmentID> = []
    private var releasedAt: [CompartmentID: ContinuousClock.Instant] = [:]
    /// Woken on every change of a door's state, for `waitForClose` and `waitForOpen`.
    private let doorChanges = Waiters<CompartmentID>()
    public nonisolated let events: AsyncStream<LockerEvent>
    private let continuation: AsyncStream<LockerEvent>.Continuation

    public init(description: LockerDescription, backend: any LockerBackend, timing: Timing = Timing(), logger: Logger) {
        self.description = description
        self.backend = backend
        self.timing = timing
        self.logger = logger
        scheduler = CoilScheduler(backend: backend, limits: description.coil, logger: logger)
        (events, continuation) = AsyncStream.makeStream(of: LockerEvent.self, bufferingPolicy: .unbounded)
    }

    /// Claims the hardware and reads every door before anything else trusts the database.
    public func start() async throws -> [CompartmentID: DoorState] {
        backend.releaseAllCoils()
        doors = try await backend.start()
        let now = clock.now
        for (id, state) in doors where state == .open { openedAt[id] = now }
        logger.info("Locker hardware started", metadata: ["backend": "\(backend.name)", "compartments": "\(doors.count)"])
        return doors
    }

    /// The hardware's event loop and the door supervision, until the task is cancelled. Throws
    /// `LoopEnded` when the backend's event stream ends on its own (its reader died).
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [backend] in
                for await event in backend.events { await self.handle(event) }
                try LoopEnded.unlessCancelled("hardware event")
            }
            group.addTask { [timing] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: timing.recheckInterval)
                    await self.supervise()
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Asks the backend to send `.tick(sequence)` through the same path its door events take; it
    /// comes out of `events` as `.tick(sequence)` once that path has carried it.
    public nonisolated func livenessTick(_ sequence: UInt64) {
        backend.livenessTick(sequence)
    }

    public func stop() async {
        backend.releaseAllCoils()
        await backend.shutdown()
        continuation.finish()
    }

    public func doorState(_ id: CompartmentID) -> DoorState { doors[id] ?? .unknown }

    /// How long each open door has stood open (for `amtomat status` and the metrics).
    public func openDoorDurations() -> [CompartmentID: Duration] {
        let now = clock.now
        return openedAt.mapValues { now - $0 }
    }

    /// After this long an open door raises the left-open alarm.
    public var leftOpenAlarm: Duration { timing.leftOpenAlarm }
    public func allDoors() -> [CompartmentID: DoorState] { doors }

    /// Releases a lock and waits until its door opens, retrying as configured.
    ///
    /// The pulse is fired even when the sensor already says "open": a broken sensor must not keep
    /// a citizen from their document. Callers commit their state change before calling this, and
    /// pass `stillWanted`, which the scheduler asks right before the coil pulse: an unlock whose
    /// reason is gone by then (the caller's state changed while it queued) is dropped, never fired.
    public func release(_ id: CompartmentID, stillWanted: @escaping @Sendable () async -> Bool = { true }) async throws -> ReleaseOutcome {
        guard let compartment = description.compartment(id) else { throw HardwareError.unknownCompartment(id) }
        let pulse = description.coil.pulse(for: compartment)
        let alreadyOpen = doors[id] == .open
        for attempt in 0...max(0, timing.unlockRetries) {
            releasedAt[id] = clock.now
            let dropped = DroppedFlag()
            let pulseTask = Task {
                let fired = try await scheduler.pulse(id, milliseconds: pulse, stillWanted: stillWanted)
                if !fired { dropped.set() }
                return fired
            }
            if alreadyOpen {
                return try await pulseTask.value ? .opened : .dropped
            }
            // A pulse dropped in the queue ends the wait for the door at once.
            if await waitForOpen(id, deadline: clock.now.advanced(by: timing.openTimeout + .milliseconds(pulse)),
                                 unless: { dropped.isSet }) {
                return .opened
            }
            if try await !pulseTask.value {
                releasedAt[id] = nil
                return .dropped
            }
            logger.warning("Door did not open after a lock pulse", metadata: ["compartment": "\(id)", "attempt": "\(attempt + 1)"])
        }
        return .doorDidNotOpen
    }

    /// Waits until the door of `id` is closed; returns false on timeout.
    public func waitForClose(_ id: CompartmentID, timeout: Duration) async -> Bool {
        let deadline = clock.now.advanced(by: timeout)
        while doors[id] != .closed {
            // Registered before this actor is let go, so a close in between is not missed.
            let ticket = doorChanges.ticket(for: id)
            guard await doorChanges.wait(ticket, until: deadline) else { return doors[id] == .closed }
        }
        return true
    }

    private func waitForOpen(_ id: CompartmentID, deadline: ContinuousClock.Instant, unless gaveUp: () -> Bool) async -> Bool {
        while clock.now < deadline && !gaveUp() {
            if doors[id] == .open { return true }
            // Events may be dropped: confirm by reading the level now and then.
            if let level = try? backend.readDoor(id), level == .open {
                apply(id, .open)
                return true
            }
            let ticket = doorChanges.ticket(for: id)
            _ = await doorChanges.wait(ticket, until: min(deadline, clock.now.advanced(by: .milliseconds(50))))
        }
        return doors[id] == .open
    }

    private func handle(_ event: HardwareEvent) {
        switch event {
        case let .door(id, state):
            // An event is a hint that may arrive late (after a re-read already saw a newer level):
            // the level read now decides, so a stale "open" can never reopen, or finish, anything.
            if let level = try? backend.readDoor(id), level != .unknown {
                apply(id, level)
            } else {
                apply(id, state)
            }
        case let .fault(ids, message):
            for id in ids { doors[id] = .unknown }
            logger.error("Hardware fault", metadata: ["compartments": "\(ids.map(\.rawValue))", "problem": "\(message)"])
            continuation.yield(.fault(compartments: ids, message: message))
        case let .tick(sequence):
            continuation.yield(.tick(sequence))
        }
    }

    private func apply(_ id: CompartmentID, _ state: DoorState) {
        guard doors[id] != state else { return }
        doors[id] = state
        doorChanges.signal(id)
        switch state {
        case .open:
            let now = clock.now
            openedAt[id] = now
            leftOpenReported.remove(id)
            let window = timing.openTimeout * (timing.unlockRetries + 1) + .seconds(3)
            let expected = releasedAt[id].map { now - $0 <= window } ?? false
            if !expected {
                logger.critical("Door opened without an unlock: tamper alarm", metadata: ["compartment": "\(id)"])
            }
            continuation.yield(.doorOpened(id, expected: expected))
        case .closed:
            openedAt[id] = nil
            releasedAt[id] = nil
            continuation.yield(.doorClosed(id))
        case .unknown:
            break
        }
    }

    /// Re-reads every sensor (the kernel may have dropped events) and raises left-open alarms.
    private func supervise() {
        for id in doors.keys {
            if let level = try? backend.readDoor(id), level != .unknown { apply(id, level) }
        }
        let now = clock.now
        for (id, since) in openedAt where !leftOpenReported.contains(id) && now - since >= timing.leftOpenAlarm {
            leftOpenReported.insert(id)
            let seconds = Int((now - since).components.seconds)
            logger.warning("Door left open", metadata: ["compartment": "\(id)", "seconds": "\(seconds)"])
            continuation.yield(.doorLeftOpen(id, seconds: seconds))
        }
    }
}

/// Set by a pulse that was dropped in the scheduler's queue; ends the wait for its door.
private final class DroppedFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
