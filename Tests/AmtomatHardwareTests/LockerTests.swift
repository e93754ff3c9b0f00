import AmtomatCore
@testable import AmtomatHardware
import Synchronization
import Testing

@Suite("Locker")
struct LockerTests {
    func make(retries: Int = 1) -> (Locker, SimulatedLocker, LogCapture) {
        let rig = SimulatedRig()
        let capture = LogCapture()
        var timing = fastTiming()
        timing.unlockRetries = retries
        let locker = Locker(description: rig.description, backend: rig.sim, timing: timing, logger: testLogger(capture))
        return (locker, rig.sim, capture)
    }

    @Test func releaseOpensTheDoor() async throws {
        let (locker, sim, _) = make()
        _ = try await locker.startRunning()
        #expect(try await locker.release(CompartmentID(1)) == .opened)
        #expect(await locker.doorState(CompartmentID(1)) == .open)
        #expect(sim.energiseCount == 1)
        try sim.closeDoor(CompartmentID(1))
        #expect(await locker.waitForClose(CompartmentID(1), timeout: .seconds(2)))
        await locker.stop()
    }

    @Test func jammedLockIsRetriedThenReported() async throws {
        let (locker, sim, capture) = make(retries: 2)
        _ = try await locker.startRunning()
        try sim.jamLock(CompartmentID(2))
        #expect(try await locker.release(CompartmentID(2)) == .doorDidNotOpen)
        #expect(sim.energiseCount == 3, "one pulse and two retries")
        #expect(capture.all.filter { $0.contains("Door did not open") }.count == 3)
        #expect(sim.snapshot().allSatisfy { !$0.coilEnergised })
        await locker.stop()
    }

    @Test("a queued unlock whose reason is gone when its coil slot comes is dropped, never fired")
    func queuedUnlockIsDropped() async throws {
        let (locker, sim, capture) = make()
        _ = try await locker.start()
        // Compartment 1's pulse holds the only coil slot; compartment 2's unlock queues behind it.
        let wanted = Mutex(true)
        let first = Task { try await locker.release(CompartmentID(1)) }
        while !(sim.snapshot().first { $0.id == CompartmentID(1) }?.coilEnergised ?? false) { try await Task.sleep(for: .milliseconds(1)) }
        let queued = Task { try await locker.release(CompartmentID(2), stillWanted: { wanted.withLock { $0 } }) }
        wanted.withLock { $0 = false }  // the reservation is cancelled while the unlock waits
        #expect(try await first.value == .opened)
        #expect(try await queued.value == .dropped)
        #expect(sim.energiseCount == 1, "only compartment 1's coil was energised")
        #expect(await locker.doorState(CompartmentID(2)) == .closed)
        #expect(capture.contains("Queued unlock dropped"))
        await locker.stop()
    }

    @Test func forcedDoorIsATamperAlarm() async throws {
        let (locker, sim, capture) = make()
        _ = try await locker.startRunning()
        let events = EventLog(locker.events)
        defer { events.stop() }
        try sim.forceDoorOpen(CompartmentID(3))
        #expect(await events.wait(for: .doorOpened(CompartmentID(3), expected: false)))
        #expect(capture.contains("tamper"))
        await locker.stop()
    }

    @Test func doorLeftOpenRaisesAnAlarmOnce() async throws {
        let (locker, _, capture) = make()
        _ = try await locker.startRunning()
        let events = EventLog(locker.events)
        defer { events.stop() }
        #expect(try await locker.release(CompartmentID(4)) == .opened)
        #expect(await events.wait(timeout: .seconds(3)) { if case .doorLeftOpen(CompartmentID(4), _) = $0 { true } else { false } })
        try await Task.sleep(for: .milliseconds(1300))
        #expect(events.all.filter { if case .doorLeftOpen = $0 { true } else { false } }.count == 1)
        #expect(capture.contains("Door left open"))
        await locker.stop()
    }
}

@Suite("Self-test on the simulator")
struct SelfTestTests {
    func make(problems: [CompartmentID: LineProblem] = [:]) async throws -> (Locker, SimulatedLocker) {
        let rig = SimulatedRig()
        let backend = RecordingBackend(rig.sim, problems: problems)
        let locker = Locker(description: rig.description, backend: backend, timing: fastTiming(), logger: testLogger())
        _ = try await locker.startRunning()
        return (locker, rig.sim)
    }

    @Test func workingCompartmentIsOK() async throws {
        let (locker, sim) = try await make()
        let r = await locker.selfTest(CompartmentID(1))
        #expect(r.verdict == .ok, "\(r)")
        #expect(r.milliseconds >= 0 && r.milliseconds < 5000)
        #expect(sim.snapshot()[0].door == .open)
        await locker.stop()
    }

    @Test func jammedLockDoesNotRelease() async throws {
        let (locker, sim) = try await make()
        try sim.jamLock(CompartmentID(2))
        let r = await locker.selfTest(CompartmentID(2))
        #expect(r.verdict == .lockDoesNotRelease)
        #expect(r.detail.contains("stuck closed"), "the detail names the other possibility")
        await locker.stop()
    }

    @Test func sensorStuckOpen() async throws {
        let (locker, sim) = try await make()
        try sim.stickSensor(CompartmentID(3), at: .open)
        let r = await locker.selfTest(CompartmentID(3))
        #expect(r.verdict == .sensorStuckOpen)
        await locker.stop()
    }

    @Test func sensorStuckClosedNeedsSomeoneWhoSawTheDoor() async throws {
        let (locker, sim) = try await make()
        try sim.stickSensor(CompartmentID(4), at: .closed)
        let unseen = await locker.selfTest(CompartmentID(4))
        #expect(unseen.verdict == .lockDoesNotRelease, "one contact cannot tell a jam from a stuck-closed sensor")
        #expect(sim.snapshot()[3].door == .open, "the door did spring open")
        try sim.closeDoor(CompartmentID(4))
        let seen = await locker.selfTest(CompartmentID(4), doorSeenOpen: true)
        #expect(seen.verdict == .sensorStuckClosed)
        await locker.stop()
    }

    @Test func lineProblemsComeFirstAndPulseNothing() async throws {
        let (locker, sim) = try await make(problems: [
            CompartmentID(1): .missing("chip 'mcp23017-21' not found"),
            CompartmentID(2): .busy("line LOCK2 is in use by 'sysfs'"),
        ])
        let a = await locker.selfTest(CompartmentID(1))
        let b = await locker.selfTest(CompartmentID(2))
        let c = await locker.selfTest(CompartmentID(42))
        #expect(a.verdict == .lineMissing && a.detail.contains("mcp23017-21"))
        #expect(b.verdict == .lineBusy && b.detail.contains("sysfs"))
        #expect(c.verdict == .lineMissing)
        #expect(sim.energiseCount == 0)
        await locker.stop()
    }
}
