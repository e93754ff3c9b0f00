import AmtomatCore
import Testing
@testable import AmtomatConfig

/// The files in hardware/ are what installers copy; they must load without a single diagnostic.
@Suite struct ExampleFileTests {
    @Test(arguments: ["demo-locker.toml", "raspberry-pi.toml", "mcp23017-48.toml"])
    func loadsWithoutDiagnostics(name: String) {
        do {
            let configuration = try ConfigLoader.load(path: exampleFile(name))
            #expect(!configuration.locker.compartments.isEmpty)
        } catch {
            Issue.record("\(name) has diagnostics:\n\(error)")
        }
    }

    @Test func demoLocker() throws {
        let configuration = try ConfigLoader.load(path: exampleFile("demo-locker.toml"))
        let settings = configuration.settings
        #expect(settings.backend == .simulated)
        #expect(settings.kiosk.demo)
        #expect(settings.kiosk.port == 8080)
        #expect(settings.stateDirectory == "./demo-state")
        #expect(settings.control.socketPath == "./demo-state/control.sock")
        #expect(settings.office == OfficeContact(name: "Bürgerbüro Willich", phone: "02154 949-0", hours: "Mo–Fr 8–12 Uhr"))

        let compartments = configuration.locker.compartments
        #expect(compartments.count == 24)
        #expect(Set(compartments.map(\.column)) == Set(1...6))
        #expect(Set(compartments.map(\.row)) == Set(1...4))
        #expect(Set(compartments.map(\.size)) == Set(SizeClass.allCases))
        #expect(compartments.allSatisfy { $0.wheelchairAccessible == ($0.row <= 2) })
        #expect(compartments.allSatisfy { $0.lock == nil && $0.doorSensor == nil })
    }

    @Test func raspberryPi() throws {
        let configuration = try ConfigLoader.load(path: exampleFile("raspberry-pi.toml"))
        #expect(configuration.settings.backend == .gpiod)
        #expect(!configuration.settings.kiosk.demo)
        let compartments = configuration.locker.compartments
        #expect(compartments.count == 8)
        for compartment in compartments {
            let lock = try #require(compartment.lock)
            let door = try #require(compartment.doorSensor)
            #expect(lock.chip == "pinctrl-bcm2711" && door.chip == "pinctrl-bcm2711")
            guard case .name(let lockName) = lock.line, case .name(let doorName) = door.line else {
                Issue.record("compartment \(compartment.id) is not wired by line name")
                continue
            }
            #expect(lockName.hasPrefix("GPIO") && doorName.hasPrefix("GPIO"))
            #expect(door.activeLow && door.bias == .pullUp)
        }
    }

    @Test func mcp23017() throws {
        let configuration = try ConfigLoader.load(path: exampleFile("mcp23017-48.toml"))
        #expect(configuration.settings.backend == .gpiod)
        let compartments = configuration.locker.compartments
        #expect(compartments.count == 48)
        #expect(Set(compartments.map(\.id.rawValue)) == Set(1...48))

        let locks = compartments.compactMap(\.lock)
        let doors = compartments.compactMap(\.doorSensor)
        #expect(locks.count == 48 && doors.count == 48)
        let chips = Dictionary(grouping: locks + doors, by: \.chip)
        #expect(chips.count == 6)
        for (chip, lines) in chips {
            #expect(chip.hasPrefix("mcp23017-"))
            // All 16 lines of each expander in use, each once.
            #expect(Set(lines.map(\.line)) == Set((0...15).map(LineAddress.Line.offset)), "\(chip)")
        }
        #expect(doors.allSatisfy { $0.activeLow && $0.bias == .pullUp })
        // GPA7 and GPB7 (offsets 7 and 15) are output-only on current MCP23017s.
        #expect(doors.allSatisfy { $0.line != .offset(7) && $0.line != .offset(15) })
    }
}
