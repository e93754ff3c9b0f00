import AmtomatCore
import Synchronization

/// A locker in memory, behind the same protocol as the libgpiod backend.
///
/// A lock pulse lets the door spring open after `springDelay`; doors close when told (by tests, and
/// in the demo by `amtomat sim close N` or the demo page). Faults can be injected: a jammed lock
/// (the door never opens), a stuck door sensor, a door forced open without an unlock.
public final class SimulatedLocker: LockerBackend {
    public struct CompartmentSnapshot: Sendable, Equatable {
        public var id: CompartmentID
        public var door: DoorState
        public var coilEnergised: Bool
        public var jammed: Bool
        public var sensorStuck: DoorState?
    }

    private struct Slot {
        var doorOpen = false
        var coil = false
        var jammed = false
        var sensorStuck: DoorState?
        /// The pulse whose released latch will let the door spring; a later close or pulse supersedes it.
        var pendingSpring: Int?
    }

    private struct State {
        var slots: [CompartmentID: Slot]
        var started = false
        var energiseCount = 0
        var pulseNumber = 0
        /// A stalled event path (a test's fault): events and ticks are held back until it resumes.
        var stalled = false
        var held: [HardwareEvent] = []
    }

    public let name = "simulated"
    public let springDelay: Duration
    private let state: Mutex<State>
    public let events: AsyncStream<HardwareEvent>
    private let continuation: AsyncStream<HardwareEvent>.Continuation

    public init(compartments: [CompartmentID], springDelay: Duration = .milliseconds(80)) {
        self.springDelay = springDelay
        state = Mutex(State(slots: Dictionary(uniqueKeysWithValues: compartments.map { ($0, Slot()) })))
        (events, continuation) = AsyncStream.makeStream(of: HardwareEvent.self, bufferingPolicy: .bufferingNewest(4096))
    }

    public func start() async throws -> [CompartmentID: DoorState] {
        state.withLock { s in
            s.started = true
            var doors: [CompartmentID: DoorState] = [:]
            for (id, slot) in s.slots { doors[id] = Self.sensed(slot) }
            return doors
        }
    }

    public func setCoil(_ compartment: CompartmentID, energised: Bool) throws {
        let spring: Int? = try state.withLock { s in
            guard var slot = s.slots[compartment] else { throw HardwareError.unknownCompartment(compartment) }
            slot.coil = energised
            var spring: Int?
            if energised {
                s.energiseCount += 1
                s.pulseNumber += 1
                if !slot.jammed && !slot.doorOpen {
                    spring = s.pulseNumber
                    slot.pendingSpring = spring
                }
            }
            s.slots[compartment] = slot
            return spring
        }
        guard let spring else { return }
        let delay = springDelay
        Task { [weak self] in
            try? await Task.sleep(for: delay)
            self?.setDoor(compartment, open: true, spring: spring)
        }
    }

    public func readDoor(_ compartment: CompartmentID) throws -> DoorState {
        try state.withLock { s in
            guard let slot = s.slots[compartment] else { throw HardwareError.unknownCompartment(compartment) }
            return Self.sensed(slot)
        }
    }

    public func releaseAllCoils() {
        state.withLock { s in
            for id in s.slots.keys { s.slots[id]?.coil = false }
        }
    }

    public func shutdown() async {
        releaseAllCoils()
        continuation.finish()
    }

    public func livenessTick(_ sequence: UInt64) {
        send(.tick(sequence))
    }

    /// Sends an event unless the event path is stalled, in which case it waits for `stallEvents(false)`.
    private func send(_ event: HardwareEvent) {
        let deliver = state.withLock { s -> Bool in
            if s.stalled { s.held.append(event) }
            return !s.stalled
        }
        if deliver { continuation.yield(event) }
    }

    // MARK: - Faults of the event path (tests of the watchdog)

    /// The event path hangs (`true`): no door change and no liveness tick comes through until it
    /// resumes (`false`), which delivers what was held back.
    public func stallEvents(_ stalled: Bool) {
        let held = state.withLock { s -> [HardwareEvent] in
            s.stalled = stalled
            if stalled { return [] }
            defer { s.held.removeAll() }
            return s.held
        }
        for event in held { continuation.yield(event) }
    }

    /// The event path dies: its stream ends as if the reader had stopped.
    public func endEvents() {
        continuation.finish()
    }

    /// The simulated lines: a lock reads 1 while its coil is energised, a door 1 while its sensor says closed.
    public func lineStatus() -> [LineStatus] {
        state.withLock { s in
            s.slots.keys.sorted().flatMap { id -> [LineStatus] in
                let slot = s.slots[id]!
                let door = Self.sensed(slot)
                return [
                    LineStatus(compartment: id, role: "lock", chip: "simulated", device: nil, line: "lock \(id)",
                               offset: nil, value: slot.coil ? 1 : 0, problem: slot.jammed ? "jammed (simulated)" : nil),
                    LineStatus(compartment: id, role: "door", chip: "simulated", device: nil, line: "door \(id)",
                               offset: nil, value: door == .closed ? 1 : door == .open ? 0 : nil,
                               problem: slot.sensorStuck.map { "sensor stuck \($0.rawValue) (simulated)" }),
                ]
            }
        }
    }

    // MARK: - What a person (or a test) does to the simulated locker

    /// The person shuts the door.
    public func closeDoor(_ compartment: CompartmentID) throws {
        guard try readDoorPhysical(compartment) != nil else { return }
        setDoor(compartment, open: false)
    }

    /// Someone forces the door open without an unlock (a tamper test).
    public func forceDoorOpen(_ compartment: CompartmentID) throws {
        guard try readDoorPhysical(compartment) != nil else { return }
        setDoor(compartment, open: true)
    }

    /// A jammed lock: pulses no longer let the door spring open.
    public func jamLock(_ compartment: CompartmentID, _ jammed: Bool = true) throws {
        try state.withLock { s in
            guard s.slots[compartment] != nil else { throw HardwareError.unknownCompartment(compartment) }
            s.slots[compartment]?.jammed = jammed
        }
    }

    /// A stuck door sensor that always reports `stuck` (nil repairs it).
    public func stickSensor(_ compartment: CompartmentID, at stuck: DoorState?) throws {
        try state.withLock { s in
            guard s.slots[compartment] != nil else { throw HardwareError.unknownCompartment(compartment) }
            s.slots[compartment]?.sensorStuck = stuck
        }
    }

    public func snapshot() -> [CompartmentSnapshot] {
        state.withLock { s in
            s.slots.map { id, slot in
                CompartmentSnapshot(id: id, door: slot.doorOpen ? .open : .closed, coilEnergised: slot.coil,
                                    jammed: slot.jammed, sensorStuck: slot.sensorStuck)
            }.sorted { $0.id < $1.id }
        }
    }

    /// How often a coil was energised since start (tests check pulses this way).
    public var energiseCount: Int { state.withLock { $0.energiseCount } }

    private func readDoorPhysical(_ compartment: CompartmentID) throws -> Bool? {
        try state.withLock { s in
            guard let slot = s.slots[compartment] else { throw HardwareError.unknownCompartment(compartment) }
            return slot.doorOpen
        }
    }

    /// Moves a door. A spring (`spring` set) acts only if no close or later pulse came since its pulse:
    /// a latch that has locked again does not let a closed door pop open.
    private func setDoor(_ compartment: CompartmentID, open: Bool, spring: Int? = nil) {
        let event: HardwareEvent? = state.withLock { s in
            guard var slot = s.slots[compartment] else { return nil }
            if let spring {
                guard slot.pendingSpring == spring else { return nil }
            }
            slot.pendingSpring = nil
            s.slots[compartment] = slot
            guard slot.doorOpen != open else { return nil }
            slot.doorOpen = open
            s.slots[compartment] = slot
            return slot.sensorStuck == nil ? .door(compartment, open ? .open : .closed) : nil
        }
        if let event { send(event) }
    }

    private static func sensed(_ slot: Slot) -> DoorState {
        slot.sensorStuck ?? (slot.doorOpen ? .open : .closed)
    }
}
