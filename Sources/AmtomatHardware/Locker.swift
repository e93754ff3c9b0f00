import AmtomatCore
import Logging

/// What the locker tells the daemon, already interpreted.
public enum LockerEvent: Sendable, Equatable {
    /// A door opened. `expected` is false when nobody released its lock: a tamper alarm.
    case doorOpened(CompartmentID, expected: Bool)
    case doorClosed(CompartmentID)
    /// A door has stood open longer than allowed (children have been trapped in parcel lockers).
    case doorLeftOpen(CompartmentID, seconds: Int)
    case fault(compartments: [CompartmentID], message: String)
}

/// The outcome of releasing a lock.
public enum ReleaseOutcome: Sendable, Equatable {
    case opened
    /// The door did not open after every retry: the lock is jammed or the sensor is stuck.
    case doorDidNotOpen
}

/// The hardware as the daemon uses it: release a lock (always through the coil scheduler), know
/// every door's state, and hear about doors and faults.
///
/// Door events are hints: the supervisor re-reads every sensor periodically, because the v1 kernel
/// event queue drops events when it overflows.
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
    private var tasks: [Task<Void, Never>] = []
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
        tasks.append(Task { [weak self, backend] in
            for await event in backend.events { await self?.handle(event) }
        })
        tasks.append(Task { [weak self, timing] in
            while !Task.isCancelled {
                try? await Task.sleep(for: timing.recheckInterval)
                await self?.supervise()
            }
        })
        logger.info("Locker hardware started", metadata: ["backend": "\(backend.name)", "compartments": "\(doors.count)"])
        return doors
    }

    public func stop() async {
        for task in tasks { task.cancel() }
        tasks.removeAll()
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
    /// a citizen from their document. Callers commit their state change before calling this.
    public func release(_ id: CompartmentID) async throws -> ReleaseOutcome {
        guard let compartment = description.compartment(id) else { throw HardwareError.unknownCompartment(id) }
        let pulse = description.coil.pulse(for: compartment)
        let alreadyOpen = doors[id] == .open
        for attempt in 0...max(0, timing.unlockRetries) {
            releasedAt[id] = clock.now
            let pulseTask = Task { try await scheduler.pulse(id, milliseconds: pulse) }
            if alreadyOpen {
                _ = try await pulseTask.value
                return .opened
            }
            if await waitForOpen(id, deadline: clock.now.advanced(by: timing.openTimeout + .milliseconds(pulse))) {
                return .opened
            }
            _ = try await pulseTask.value
            logger.warning("Door did not open after a lock pulse", metadata: ["compartment": "\(id)", "attempt": "\(attempt + 1)"])
        }
        return .doorDidNotOpen
    }

    /// Waits until the door of `id` is closed; returns false on timeout.
    public func waitForClose(_ id: CompartmentID, timeout: Duration) async -> Bool {
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if doors[id] == .closed { return true }
            try? await Task.sleep(for: .milliseconds(20))
            if Task.isCancelled { return false }
        }
        return doors[id] == .closed
    }

    private func waitForOpen(_ id: CompartmentID, deadline: ContinuousClock.Instant) async -> Bool {
        while clock.now < deadline {
            if doors[id] == .open { return true }
            // Events may be dropped: confirm by reading the level now and then.
            if let level = try? backend.readDoor(id), level == .open {
                apply(id, .open)
                return true
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return doors[id] == .open
    }

    private func handle(_ event: HardwareEvent) {
        switch event {
        case let .door(id, state):
            apply(id, state)
        case let .fault(ids, message):
            for id in ids { doors[id] = .unknown }
            logger.error("Hardware fault", metadata: ["compartments": "\(ids.map(\.rawValue))", "problem": "\(message)"])
            continuation.yield(.fault(compartments: ids, message: message))
        }
    }

    private func apply(_ id: CompartmentID, _ state: DoorState) {
        guard doors[id] != state else { return }
        doors[id] = state
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
