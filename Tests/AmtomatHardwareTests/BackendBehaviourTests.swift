import AmtomatCore
@testable import AmtomatHardware
import Foundation
import Testing

/// Behaviour every LockerBackend must show. Run on SimulatedLocker everywhere, and on
/// GPIODBackend over the kernel's gpio-sim inside the HIL VM (hardware/hil/run).
enum BackendBehaviour {
    static func startReadsEveryDoor(_ rig: any BackendRig) async throws {
        try await rig.personOpens(CompartmentID(2))
        let doors = try await rig.backend.start()
        #expect(doors.count == rig.description.compartments.count)
        #expect(doors[CompartmentID(1)] == .closed)
        #expect(doors[CompartmentID(2)] == .open)
        for c in rig.description.compartments { #expect(try rig.coilIsOn(c.id) == false, "coil \(c.id) off after start") }
    }

    static func coilsSwitchAndReleaseAll(_ rig: any BackendRig) async throws {
        _ = try await rig.backend.start()
        try rig.jam(CompartmentID(1), true)
        try rig.jam(CompartmentID(3), true)
        try rig.backend.setCoil(CompartmentID(1), energised: true)
        #expect(try rig.coilIsOn(CompartmentID(1)))
        #expect(try rig.coilIsOn(CompartmentID(2)) == false)
        try rig.backend.setCoil(CompartmentID(1), energised: false)
        #expect(try rig.coilIsOn(CompartmentID(1)) == false)
        try rig.backend.setCoil(CompartmentID(1), energised: true)
        try rig.backend.setCoil(CompartmentID(3), energised: true)
        rig.backend.releaseAllCoils()
        rig.backend.releaseAllCoils()
        #expect(try rig.coilIsOn(CompartmentID(1)) == false)
        #expect(try rig.coilIsOn(CompartmentID(3)) == false)
        #expect(throws: (any Error).self) { try rig.backend.setCoil(CompartmentID(99), energised: true) }
    }

    static func doorEventsFollowThePerson(_ rig: any BackendRig) async throws {
        _ = try await rig.backend.start()
        let log = EventLog(rig.backend.events)
        defer { log.stop() }
        let id = CompartmentID(rig.description.compartments.count)  // the last one: on bank b for gpio-sim
        try await rig.personOpens(id)
        #expect(await log.wait(for: .door(id, .open)))
        #expect(try rig.backend.readDoor(id) == .open)
        try await rig.personCloses(id)
        #expect(await log.wait(for: .door(id, .closed)))
        #expect(try rig.backend.readDoor(id) == .closed)
        #expect(throws: (any Error).self) { try rig.backend.readDoor(CompartmentID(99)) }
    }

    static func lockerReleaseOpensAndJamFails(_ rig: any BackendRig) async throws {
        let capture = LogCapture()
        let locker = Locker(description: rig.description, backend: rig.backend, timing: fastTiming(), logger: testLogger(capture))
        _ = try await locker.startRunning()
        let events = EventLog(locker.events)
        defer { events.stop() }
        #expect(try await locker.release(CompartmentID(1)) == .opened)
        #expect(await events.wait(for: .doorOpened(CompartmentID(1), expected: true)))
        #expect(await eventually { (try? rig.coilIsOn(CompartmentID(1))) == false }, "coil released after the pulse")
        try rig.jam(CompartmentID(2), true)
        #expect(try await locker.release(CompartmentID(2)) == .doorDidNotOpen)
        #expect(await locker.doorState(CompartmentID(2)) == .closed)
        let pulses = await locker.scheduler.history.filter { $0.compartment == CompartmentID(2) }
        #expect(pulses.count == 2, "one pulse plus one retry")
        // Tamper: a door opened without an unlock.
        try await rig.personOpens(CompartmentID(3))
        #expect(await events.wait(for: .doorOpened(CompartmentID(3), expected: false)))
        #expect(capture.contains("tamper"))
        await locker.stop()
    }
}

@Suite("Backend behaviour: SimulatedLocker")
struct SimulatedBackendBehaviourTests {
    @Test func startReadsEveryDoor() async throws {
        let rig = SimulatedRig(); defer { Task { await rig.tearDown() } }
        try await BackendBehaviour.startReadsEveryDoor(rig)
    }
    @Test func coilsSwitchAndReleaseAll() async throws {
        let rig = SimulatedRig(); defer { Task { await rig.tearDown() } }
        try await BackendBehaviour.coilsSwitchAndReleaseAll(rig)
    }
    @Test func doorEventsFollowThePerson() async throws {
        let rig = SimulatedRig(); defer { Task { await rig.tearDown() } }
        try await BackendBehaviour.doorEventsFollowThePerson(rig)
    }
    @Test func lockerReleaseOpensAndJamFails() async throws {
        let rig = SimulatedRig(); defer { Task { await rig.tearDown() } }
        try await BackendBehaviour.lockerReleaseOpensAndJamFails(rig)
    }
}

/// The same behaviour on real gpiochips (gpio-sim). Enabled only where gpio-sim's configfs is
/// writable: inside the HIL VM.
@Suite("Backend behaviour: GPIODBackend on gpio-sim", .serialized, .enabled(if: GPIOSim.available))
struct GPIODBackendBehaviourTests {
    @Test func startReadsEveryDoor() async throws {
        let rig = try GPIOSimRig()
        try await BackendBehaviour.startReadsEveryDoor(rig)
        await rig.tearDown()
    }
    @Test func coilsSwitchAndReleaseAll() async throws {
        let rig = try GPIOSimRig()
        try await BackendBehaviour.coilsSwitchAndReleaseAll(rig)
        await rig.tearDown()
    }
    @Test func doorEventsFollowThePerson() async throws {
        let rig = try GPIOSimRig()
        try await BackendBehaviour.doorEventsFollowThePerson(rig)
        await rig.tearDown()
    }
    @Test func lockerReleaseOpensAndJamFails() async throws {
        let rig = try GPIOSimRig()
        try await BackendBehaviour.lockerReleaseOpensAndJamFails(rig)
        await rig.tearDown()
    }
}
