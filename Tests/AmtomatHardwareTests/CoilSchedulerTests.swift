import AmtomatCore
@testable import AmtomatHardware
import Synchronization
import Testing

/// Wraps a backend and records every coil switch, with the moment it happened.
final class RecordingBackend: LineProblemReporting, @unchecked Sendable {
    struct Switch: Sendable { var id: CompartmentID; var on: Bool; var at: ContinuousClock.Instant }
    let inner: SimulatedLocker
    private let state = Mutex<(switches: [Switch], on: Set<CompartmentID>, maxOn: Int)>(([], [], 0))
    let problems: [CompartmentID: LineProblem]
    init(_ inner: SimulatedLocker, problems: [CompartmentID: LineProblem] = [:]) {
        self.inner = inner
        self.problems = problems
    }
    var name: String { "recording(\(inner.name))" }
    var events: AsyncStream<HardwareEvent> { inner.events }
    func start() async throws -> [CompartmentID: DoorState] { try await inner.start() }
    func setCoil(_ id: CompartmentID, energised: Bool) throws {
        state.withLock { s in
            s.switches.append(Switch(id: id, on: energised, at: ContinuousClock().now))
            if energised { s.on.insert(id) } else { s.on.remove(id) }
            s.maxOn = max(s.maxOn, s.on.count)
        }
        try inner.setCoil(id, energised: energised)
    }
    func readDoor(_ id: CompartmentID) throws -> DoorState { try inner.readDoor(id) }
    func lineStatus() -> [LineStatus] { inner.lineStatus() }
    func releaseAllCoils() { state.withLock { $0.on.removeAll() }; inner.releaseAllCoils() }
    func shutdown() async { await inner.shutdown() }
    func livenessTick(_ sequence: UInt64) { inner.livenessTick(sequence) }
    func lineProblem(_ id: CompartmentID) -> LineProblem? { problems[id] }
    var switches: [Switch] { state.withLock { $0.switches } }
    var maxEnergisedAtOnce: Int { state.withLock { $0.maxOn } }

    /// (start, end) of every pulse, per compartment, in order.
    func pulses() -> [(id: CompartmentID, start: ContinuousClock.Instant, end: ContinuousClock.Instant)] {
        var open: [CompartmentID: ContinuousClock.Instant] = [:]
        var out: [(id: CompartmentID, start: ContinuousClock.Instant, end: ContinuousClock.Instant)] = []
        for s in switches {
            if s.on { open[s.id] = s.at } else if let st = open.removeValue(forKey: s.id) { out.append((s.id, st, s.at)) }
        }
        return out
    }
}

func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }

@Suite("CoilScheduler")
struct CoilSchedulerTests {
    let limits = CoilLimits(defaultPulseMilliseconds: 40, minimumOffMilliseconds: 150, gapBetweenPulsesMilliseconds: 30,
                            maxEnergisedAtOnce: 2)

    func make(_ limits: CoilLimits) -> (CoilScheduler, RecordingBackend) {
        let backend = RecordingBackend(SimulatedLocker(compartments: ids(1...8)))
        return (CoilScheduler(backend: backend, limits: limits, logger: testLogger()), backend)
    }

    @Test func pulseLengthIsCapped() async throws {
        let (scheduler, backend) = make(limits)
        await #expect(throws: HardwareError.pulseTooLong(requested: 2001, ceiling: 2000)) {
            try await scheduler.pulse(CompartmentID(1), milliseconds: 2001)
        }
        await #expect(throws: HardwareError.self) { try await scheduler.pulse(CompartmentID(1), milliseconds: 0) }
        #expect(backend.switches.isEmpty, "a refused pulse never touches a coil")
        let long = CompartmentDescription(id: CompartmentID(1), column: 1, row: 1, size: .small, wheelchairAccessible: false,
                                          pulseMilliseconds: 60_000)
        #expect(limits.pulse(for: long) == CoilLimits.hardCeilingMilliseconds)
        try await scheduler.pulse(CompartmentID(1), milliseconds: 40)
        let p = try #require(backend.pulses().first)
        #expect(ms(p.end - p.start) >= 38 && ms(p.end - p.start) < 2000, "pulse lasted \(ms(p.end - p.start)) ms")
        #expect(await scheduler.history.map(\.milliseconds) == [40])
    }

    @Test func neverMoreCoilsThanAllowedAndGapsRespected() async throws {
        let (scheduler, backend) = make(limits)
        await withThrowingTaskGroup(of: Void.self) { group in
            for i in 1...6 { group.addTask { try await scheduler.pulse(CompartmentID(i), milliseconds: 40) } }
        }
        #expect(backend.maxEnergisedAtOnce <= 2)
        #expect(backend.maxEnergisedAtOnce == 2, "the limit is used, not just respected")
        let starts = backend.pulses().map(\.start).sorted()
        #expect(starts.count == 6)
        for (a, b) in zip(starts, starts.dropFirst()) {
            #expect(ms(b - a) >= 29, "pulses started \(ms(b - a)) ms apart; the gap is 30 ms")
        }
        #expect(backend.switches.filter { !$0.on }.count == 6, "every coil released")
        let history = await scheduler.history
        #expect(history.count == 6)
    }

    @Test func oneCoilAtATimeMeansNoOverlap() async throws {
        let (scheduler, backend) = make(CoilLimits(defaultPulseMilliseconds: 30, minimumOffMilliseconds: 0,
                                                  gapBetweenPulsesMilliseconds: 0, maxEnergisedAtOnce: 1))
        await withThrowingTaskGroup(of: Void.self) { group in
            for i in 1...4 { group.addTask { try await scheduler.pulse(CompartmentID(i), milliseconds: 30) } }
        }
        #expect(backend.maxEnergisedAtOnce == 1)
        let p = backend.pulses().sorted { $0.start < $1.start }
        for (a, b) in zip(p, p.dropFirst()) { #expect(b.start >= a.end) }
    }

    @Test func minimumOffTimeOfOneLock() async throws {
        let (scheduler, backend) = make(limits)
        try await scheduler.pulse(CompartmentID(3), milliseconds: 40)
        try await scheduler.pulse(CompartmentID(3), milliseconds: 40)
        let p = backend.pulses()
        #expect(p.count == 2)
        #expect(ms(p[1].start - p[0].end) >= 149, "rested \(ms(p[1].start - p[0].end)) ms; the minimum is 150")
    }

    @Test func lowerBoundMatchesTheLimits() {
        let l = CoilLimits(defaultPulseMilliseconds: 300, minimumOffMilliseconds: 1000, gapBetweenPulsesMilliseconds: 100,
                           maxEnergisedAtOnce: 1)
        #expect(CoilScheduler.lowerBound(pulses: [300, 300, 300], limits: l) == .milliseconds(900))
        #expect(CoilScheduler.lowerBound(pulses: [], limits: l) == .zero)
    }
}
