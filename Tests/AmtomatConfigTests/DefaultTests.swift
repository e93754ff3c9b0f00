import AmtomatCore
import Testing
@testable import AmtomatConfig

@Suite struct DefaultTests {
    @Test func absentSectionsTakeTheirDefaults() throws {
        let configuration = try ConfigLoader.parse(minimalLocker)
        let settings = configuration.settings
        #expect(settings == DaemonSettings())
        #expect(settings.backend == .simulated)
        #expect(settings.stateDirectory == "/var/lib/amtomat")
        #expect(settings.control == ControlSettings(
            socketPath: "/run/amtomat/control.sock", socketGroup: nil,
            clerkGroup: "amtomat-clerk", technicianGroup: "amtomat-tech"))
        #expect(settings.kiosk == KioskSettings(host: "127.0.0.1", port: 8080, idleTimeoutSeconds: 60, demo: false))
        #expect(settings.codes.length == 14)
        #expect(settings.codes.defaultHoldDays == 14)
        #expect(settings.codes.maxHoldDays == 28)
        #expect(settings.codes.secondFactor.kinds == [.passport, .idCard, .eIdCard])
        #expect(settings.codes.secondFactor.maxFailures == 5)
        #expect(settings.throttle == TerminalThrottle.Policy(capacity: 5, refillSeconds: 60, firstWaitSeconds: 5))
        #expect(settings.doors == DoorSettings(openTimeoutSeconds: 3, unlockRetries: 1, leftOpenAlarmSeconds: 120, debounceMilliseconds: 30))
        #expect(settings.office == OfficeContact(name: "Bürgerbüro", phone: "", hours: ""))

        #expect(configuration.locker.name == "Test")
        #expect(configuration.locker.coil == CoilLimits())
        let compartment = try #require(configuration.locker.compartments.first)
        #expect(compartment == CompartmentDescription(
            id: CompartmentID(1), label: "1", column: 1, row: 1, size: .small, wheelchairAccessible: false))
    }

    @Test func defaultsForALocker() {
        let locker = LockerDescription(name: "Probe", compartments: [])
        let configuration = ConfigLoader.defaults(locker: locker)
        #expect(configuration.locker == locker)
        #expect(configuration.settings == DaemonSettings())
    }

    /// Sets every key to something other than its default, so a misspelt key name in the reader
    /// (or in docs/configuration.md, which this mirrors) shows up.
    @Test func everyKeyIsRead() throws {
        let text = """
            [locker]
            name = "Rathaus Willich"
            [locker.coil]
            pulse_ms = 350
            min_off_ms = 1500
            gap_ms = 120
            max_energised = 2

            [daemon]
            backend = "gpiod"
            state_dir = "/srv/amtomat"

            [control]
            socket = "/run/amt/ctl.sock"
            socket_group = 990
            clerk_group = "buergerbuero"
            technician_group = "1001"

            [kiosk]
            host = "::1"
            port = 0
            idle_timeout_seconds = 90
            demo = false

            [codes]
            length = 14
            default_hold_days = 10
            max_hold_days = 21
            second_factor_kinds = ["passport", "residence-permit"]
            second_factor_max_failures = 3

            [throttle]
            free_attempts = 3
            refill_seconds = 900.5
            first_wait_seconds = 2.5

            [doors]
            open_timeout_seconds = 2.5
            unlock_retries = 2
            left_open_alarm_seconds = 300
            debounce_ms = 40

            [office]
            name = "Bürgerbüro Willich"
            phone = "02154 949-0"
            hours = "Mo–Fr 8–12 Uhr"

            [[compartment]]
            id = 7
            label = "B3"
            column = 2
            row = 3
            size = "L"
            wheelchair = true
            pulse_ms = 450
            lock = { chip = "gpiochip0", line = 17 }
            door = { chip = "pinctrl-bcm2711", line = "GPIO27", active_low = true, bias = "pull-up" }
            """
        let configuration = try ConfigLoader.parse(text)
        #expect(configuration.locker.name == "Rathaus Willich")
        #expect(configuration.locker.coil == CoilLimits(
            defaultPulseMilliseconds: 350, minimumOffMilliseconds: 1500, gapBetweenPulsesMilliseconds: 120, maxEnergisedAtOnce: 2))
        #expect(configuration.settings == DaemonSettings(
            backend: .gpiod, stateDirectory: "/srv/amtomat",
            control: ControlSettings(socketPath: "/run/amt/ctl.sock", socketGroup: "990",
                                     clerkGroup: "buergerbuero", technicianGroup: "1001"),
            kiosk: KioskSettings(host: "::1", port: 0, idleTimeoutSeconds: 90, demo: false),
            codes: CodeSettings(length: 14, defaultHoldDays: 10, maxHoldDays: 21,
                                secondFactor: SecondFactorPolicy(kinds: [.passport, .residencePermit], maxFailures: 3)),
            throttle: TerminalThrottle.Policy(capacity: 3, refillSeconds: 900.5, firstWaitSeconds: 2.5),
            doors: DoorSettings(openTimeoutSeconds: 2.5, unlockRetries: 2, leftOpenAlarmSeconds: 300, debounceMilliseconds: 40),
            office: OfficeContact(name: "Bürgerbüro Willich", phone: "02154 949-0", hours: "Mo–Fr 8–12 Uhr")))
        #expect(configuration.locker.compartments == [CompartmentDescription(
            id: CompartmentID(7), label: "B3", column: 2, row: 3, size: .large, wheelchairAccessible: true,
            lock: LineAddress(chip: "gpiochip0", line: .offset(17)),
            doorSensor: LineAddress(chip: "pinctrl-bcm2711", line: .name("GPIO27"), activeLow: true, bias: .pullUp),
            pulseMilliseconds: 450)])
    }

    @Test func emptySecondFactorListTurnsItOff() throws {
        let configuration = try ConfigLoader.parse("[codes]\nsecond_factor_kinds = []\n" + minimalLocker)
        #expect(configuration.settings.codes.secondFactor.kinds.isEmpty)
    }

    @Test(arguments: ["127.0.0.1", "127.10.20.30", "::1", "[::1]", "0:0:0:0:0:0:0:1", "localhost", "LOCALHOST"])
    func loopbackHostsAreAccepted(host: String) throws {
        let configuration = try ConfigLoader.parse("[kiosk]\nhost = \"\(host)\"\n" + minimalLocker)
        #expect(configuration.settings.kiosk.host == host)
    }
}
