import AmtomatCore
@testable import AmtomatHardware
import Foundation
import Testing

@Suite("GPIODBackend")
struct GPIODBackendHostTests {
    @Test func nameSaysLibraryAndAPI() {
        let backend = GPIODBackend(description: LockerDescription(name: "x", compartments: []), logger: testLogger())
        #expect(backend.name.hasPrefix("libgpiod "))
        #expect(backend.name.hasSuffix("(API v\(GPIODBackend.apiVersion))"))
        if let want = ProcessInfo.processInfo.environment["AMTOMAT_EXPECT_GPIOD_API"] {
            #expect("\(GPIODBackend.apiVersion)" == want, "built against the expected libgpiod API")
        }
    }

    @Test func probeReportsMissingChip() {
        let d = LockerDescription(name: "x", compartments: [
            CompartmentDescription(id: CompartmentID(1), column: 1, row: 1, size: .small, wheelchairAccessible: false,
                                   lock: LineAddress(chip: "mcp23017-21", line: .name("GPA0"))),
            CompartmentDescription(id: CompartmentID(2), column: 1, row: 2, size: .small, wheelchairAccessible: false,
                                   lock: LineAddress(chip: "mcp23017-21", line: .name("GPA1"))),
        ])
        let problems = GPIODBackend.probe(d)
        #expect(problems == ["chip 'mcp23017-21' not found; check the I²C expander's wiring and dtoverlay (or the chip label: `gpiodetect` lists them)"])
    }

    @Test("a missing Raspberry Pi GPIO controller is named as the board's, not as an I²C expander")
    func probeNamesThePisOwnChip() {
        let d = LockerDescription(name: "x", compartments: [
            CompartmentDescription(id: CompartmentID(1), column: 1, row: 1, size: .small, wheelchairAccessible: false,
                                   lock: LineAddress(chip: "pinctrl-bcm2711", line: .name("GPIO17"))),
        ])
        let problems = GPIODBackend.probe(d)
        // On a real Pi 4 the chip exists; everywhere else the message must point at the board, not at I²C wiring.
        if let p = problems.first {
            #expect(p.contains("Raspberry Pi 4"), "\(p)")
            #expect(p.contains("--no-probe"), "\(p)")
            #expect(!p.contains("I²C"), "\(p)")
        }
        #expect(GPIODBackend.chipOpenProblem("pinctrl-rp1", errno: ENOENT).contains("Raspberry Pi 5"))
        #expect(GPIODBackend.chipOpenProblem("/dev/gpiochip9", errno: ENOENT).contains("no such device"))
        #expect(GPIODBackend.chipOpenProblem("mcp23017-20", errno: ENOENT).contains("I²C expander"))
    }
}

@Suite("GPIODBackend on gpio-sim", .serialized, .enabled(if: GPIOSim.available))
struct GPIODBackendSimTests {
    @Test func outputsStartInactiveAndBiasIsApplied() async throws {
        let rig = try GPIOSimRig(doorBias: .pullUp)
        // Before anyone claims the lock line it floats to a pull-up: the request must drive it inactive.
        try rig.sim.setPull(bank: 0, offset: 0, up: true)
        #expect(try rig.sim.value(bank: 0, offset: 0) == 1)
        _ = try await rig.gpiod.start()
        #expect(try rig.sim.value(bank: 0, offset: 0) == 0)
        // A requested pull-up reaches the (simulated) pin: with nothing pulling it low, the door reads open.
        #expect(try rig.sim.pull(bank: 0, offset: 1) == "pull-up")
        #expect(try rig.gpiod.readDoor(CompartmentID(1)) == .open)
        await rig.tearDown()
    }

    @Test func pulseTimerSwitchesOffACoilLeftOn() async throws {
        let capture = LogCapture()
        let rig = try GPIOSimRig(logger: testLogger(capture))   // pulse 80 ms
        _ = try await rig.gpiod.start()
        try rig.jam(CompartmentID(1), true)
        let clock = ContinuousClock()
        let start = clock.now
        try rig.gpiod.setCoil(CompartmentID(1), energised: true)   // and not off in time: a hung scheduler
        #expect(try rig.coilIsOn(CompartmentID(1)))
        #expect(await eventually(.seconds(2)) { (try? rig.coilIsOn(CompartmentID(1))) == false })
        let onFor = ms(clock.now - start)
        #expect(onFor >= 80 && onFor < 1000, "coil was on for \(onFor) ms")
        try await Task.sleep(for: .milliseconds(200))
        try rig.gpiod.setCoil(CompartmentID(1), energised: false)   // the scheduler, very late
        #expect(capture.contains("switched a coil off late"))
        await rig.tearDown()
    }

    @Test func glitchShorterThanDebounceIsIgnored() async throws {
        let rig = try GPIOSimRig(debounceMilliseconds: 100)
        _ = try await rig.gpiod.start()
        let log = EventLog(rig.gpiod.events)
        defer { log.stop() }
        try rig.sim.setPull(bank: 0, offset: 1, up: true)
        try rig.sim.setPull(bank: 0, offset: 1, up: false)
        try await Task.sleep(for: .milliseconds(400))
        #expect(log.all.isEmpty, "a 0 ms bounce is no door movement: \(log.all)")
        try rig.sim.setPull(bank: 0, offset: 1, up: true)
        #expect(await log.wait(for: .door(CompartmentID(1), .open)))
        await rig.tearDown()
    }

    @Test func probeFindsMissingBusyAndOutOfRangeLines() async throws {
        let rig = try GPIOSimRig()
        #expect(GPIODBackend.probe(rig.description) == [], "all lines present and free")
        var d = rig.description
        d.compartments[0].lock = LineAddress(chip: rig.labels[0], line: .name("NOPE"))
        d.compartments[1].lock = LineAddress(chip: rig.labels[0], line: .offset(99))
        d.compartments[2].doorSensor = LineAddress(chip: rig.labels[1], line: .name("LOCK3"))
        let p = GPIODBackend.probe(d)
        #expect(p.count == 3, "\(p)")
        #expect(p.contains { $0.contains("line 'NOPE' (compartment 1 lock) not found on chip \(rig.labels[0])") }, "\(p)")
        #expect(p.contains { $0.contains("line 99 (compartment 2 lock) does not exist on chip \(rig.labels[0])") }, "\(p)")
        #expect(p.contains { $0.contains("configured twice") }, "\(p)")
        _ = try await rig.gpiod.start()
        let busy = GPIODBackend.probe(rig.description)
        #expect(busy.count == rig.description.compartments.count * 2)
        #expect(busy.first == "line LOCK1 on \(rig.labels[0]) is in use by 'amtomat-test'; free it (is amtomatd already running?)")
        // A second owner is refused, and says who holds the line.
        let second = GPIODBackend(description: rig.description, logger: testLogger())
        await #expect(throws: HardwareError.self) { _ = try await second.start() }
        await rig.tearDown()
    }

    @Test func busyLinesBecomeFaultsNotACrash() async throws {
        let rig = try GPIOSimRig()
        _ = try await rig.gpiod.start()
        var d = rig.description
        d.compartments[0].lock = nil; d.compartments[0].doorSensor = nil   // only compartment 1 is free…
        let holder = GPIODBackend(description: d, logger: testLogger(), consumer: "other")
        await rig.gpiod.shutdown()                                        // …after the rig lets go
        _ = try await holder.start()
        let second = GPIODBackend(description: rig.description, logger: testLogger())
        let log = EventLog(second.events)
        defer { log.stop() }
        let doors = try await second.start()
        #expect(doors[CompartmentID(1)] == .closed)
        #expect(doors[CompartmentID(2)] == .unknown)
        #expect(await log.wait { if case .fault(let ids, let m) = $0 { ids == [CompartmentID(2)] && m.contains("Device or resource busy") && m.contains("'other'") } else { false } })
        #expect(second.lineProblem(CompartmentID(2)).map { if case .busy = $0 { true } else { false } } == true)
        await second.shutdown()
        await holder.shutdown()
        rig.sim.remove()
    }

    @Test func vanishingChipIsAFault() async throws {
        let capture = LogCapture()
        let rig = try GPIOSimRig(logger: testLogger(capture))
        let locker = Locker(description: rig.description, backend: rig.gpiod, timing: fastTiming(), logger: testLogger(capture))
        _ = try await locker.start()
        let log = EventLog(locker.events)
        defer { log.stop() }
        rig.sim.remove()
        // One fault per gpiochip (each bank is its own chip), naming the chip and its compartments.
        let faulted: @Sendable ([LockerEvent]) -> Set<CompartmentID> = { events in
            var all = Set<CompartmentID>()
            for case let .fault(faultIDs, message) in events where message.contains("disappeared") { all.formUnion(faultIDs) }
            return all
        }
        #expect(await eventually { faulted(log.all) == Set(ids(1...4)) }, "\(log.all)")
        #expect(log.all.contains { if case .fault(let faultIDs, let m) = $0 { faultIDs == ids(1...2) && m.contains(rig.labels[0]) } else { false } })
        print("HIL vanishing chip events: \(log.all)")
        #expect(await locker.doorState(CompartmentID(1)) == .unknown)
        #expect(rig.gpiod.lineProblem(CompartmentID(3)) != nil)
        await #expect(throws: (any Error).self) { _ = try await locker.release(CompartmentID(1)) }
        await locker.stop()
        await rig.tearDown()
    }
}
