import AmtomatCore
@testable import AmtomatHardware
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A logger that keeps what it was told, so tests can look for "tamper" and friends.
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let meta = (event.metadata ?? [:]).map { "\($0)=\($1)" }.sorted().joined(separator: " ")
        lines.withLock { $0.append("\(event.level) \(event.message) \(meta)") }
    }
    var all: [String] { lines.withLock { $0 } }
    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

func testLogger(_ capture: LogCapture? = nil) -> Logger {
    if let capture { return Logger(label: "test", factory: { (_: String) -> any LogHandler in capture }) }
    return Logger(label: "test", factory: { (_: String) -> any LogHandler in SwiftLogNoOpLogHandler() })
}

func ids(_ raw: ClosedRange<Int>) -> [CompartmentID] { raw.map { CompartmentID($0) } }

/// Waits until `condition` holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(3), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}

/// Collects a backend's or locker's events in the background.
final class EventLog<E: Sendable & Equatable>: Sendable {
    private let items = Mutex<[E]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)
    init(_ stream: AsyncStream<E>) {
        let t = Task { [weak self] in for await e in stream { self?.items.withLock { $0.append(e) } } }
        task.withLock { $0 = t }
    }
    var all: [E] { items.withLock { $0 } }
    func wait(for e: E, timeout: Duration = .seconds(3)) async -> Bool {
        await eventually(timeout) { self.all.contains(e) }
    }
    func wait(timeout: Duration = .seconds(3), where predicate: @Sendable (E) -> Bool) async -> Bool {
        await eventually(timeout) { self.all.contains(where: predicate) }
    }
    func stop() { task.withLock { $0?.cancel() } }
}

/// A backend under test plus the "person" and "mechanics" around it.
protocol BackendRig: Sendable {
    var backend: any LockerBackend { get }
    var description: LockerDescription { get }
    /// Someone opens the door (no unlock needed: forced, or the lock was released).
    func personOpens(_ id: CompartmentID) async throws
    func personCloses(_ id: CompartmentID) async throws
    /// Whether the lock's coil is energised, seen from the outside (the sim or the gpio-sim line).
    func coilIsOn(_ id: CompartmentID) throws -> Bool
    /// A jammed lock: coil pulses no longer let the door spring open.
    func jam(_ id: CompartmentID, _ jammed: Bool) throws
    /// A stuck sensor: it keeps reporting `state` whatever the door does (nil repairs it).
    func stickSensor(_ id: CompartmentID, at state: DoorState?) async throws
    func tearDown() async
}

/// The simulated locker as a rig.
struct SimulatedRig: BackendRig {
    let sim: SimulatedLocker
    let description: LockerDescription
    var backend: any LockerBackend { sim }

    init(count: Int = 4, coil: CoilLimits = CoilLimits(defaultPulseMilliseconds: 60, minimumOffMilliseconds: 50,
                                                       gapBetweenPulsesMilliseconds: 10, maxEnergisedAtOnce: 1),
         springDelay: Duration = .milliseconds(20)) {
        let compartments = (1...count).map {
            CompartmentDescription(id: CompartmentID($0), column: 1, row: $0, size: .small, wheelchairAccessible: true)
        }
        description = LockerDescription(name: "sim", compartments: compartments, coil: coil)
        sim = SimulatedLocker(compartments: compartments.map(\.id), springDelay: springDelay)
    }

    func personOpens(_ id: CompartmentID) async throws { try sim.forceDoorOpen(id) }
    func personCloses(_ id: CompartmentID) async throws { try sim.closeDoor(id) }
    func coilIsOn(_ id: CompartmentID) throws -> Bool {
        sim.snapshot().first { $0.id == id }?.coilEnergised ?? false
    }
    func jam(_ id: CompartmentID, _ jammed: Bool) throws { try sim.jamLock(id, jammed) }
    func stickSensor(_ id: CompartmentID, at state: DoorState?) async throws { try sim.stickSensor(id, at: state) }
    func tearDown() async { await sim.shutdown() }
}

func fastTiming() -> Locker.Timing {
    Locker.Timing(openTimeout: .milliseconds(1500), unlockRetries: 1, leftOpenAlarm: .milliseconds(1200),
                  recheckInterval: .milliseconds(50))
}

extension Locker {
    /// Reads every door and runs the locker's loops in a task of their own, as the daemon's locker
    /// service does (the loop ends when `stop()` ends the backend's event stream).
    func startRunning() async throws -> [CompartmentID: DoorState] {
        let doors = try await start()
        Task { try? await self.run() }
        return doors
    }
}
