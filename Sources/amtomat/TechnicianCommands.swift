import AmtomatAPI
import AmtomatClient
import AmtomatCore
import ArgumentParser
import Foundation

struct SelfTest: LockerCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Pulse locks and check door sensors; failing compartments are blocked.",
        discussion: """
        Each lock is pulsed through the coil scheduler and its door sensor must answer. Verdicts: ok,
        lock-does-not-release, sensor-stuck-open, sensor-stuck-closed, line-missing, line-busy. A failing
        compartment stays out of assignment until 'amtomat unblock N'. Compartments holding a document are
        skipped. Close each door after it opened.

        A door sensor alone cannot tell a jammed lock from a sensor stuck closed. Standing at the locker,
        say what you saw with --door-opened or --door-stayed-shut.

        Examples:
          amtomat selftest --compartment 12
          amtomat selftest --all --json
          amtomat selftest --compartment 12 --door-opened    # it opened, but the sensor said shut
        """)
    @OptionGroup var options: GlobalOptions
    @Option(help: "Test one compartment.") var compartment: Int?
    @Flag(help: "Test every free compartment.") var all = false
    @Flag(help: "You saw the door spring open (with --compartment).") var doorOpened = false
    @Flag(help: "You saw the door stay shut (with --compartment).") var doorStayedShut = false

    func validate() throws {
        if (compartment == nil) == !all { throw ValidationError("Say which compartments: --compartment N or --all.") }
        if doorOpened && doorStayedShut { throw ValidationError("Say either --door-opened or --door-stayed-shut, not both.") }
        if (doorOpened || doorStayedShut) && compartment == nil {
            throw ValidationError("--door-opened and --door-stayed-shut describe one door; use them with --compartment N.")
        }
    }

    private var seenQuery: String {
        doorOpened ? "?doorSeenOpen=true" : doorStayedShut ? "?doorSeenOpen=false" : ""
    }

    func execute() async throws {
        var ids: [Int] = []
        if let compartment {
            ids = [compartment]
        } else {
            let status = try await options.get("/status", as: StatusView.self)
            ids = status.compartments.filter { $0.reference == nil }.map(\.id.rawValue)
        }
        var results: [SelfTestResult] = []
        for (i, id) in ids.enumerated() {
            if !options.json { progress("[\(i + 1)/\(ids.count)] compartment \(id)…") }
            let r = try await options.post("/compartments/\(id)/selftest\(seenQuery)", Optional<String>.none, as: SelfTestResult.self)
            results.append(r)
            if !options.json { print("compartment \(id): \(r.verdict.rawValue) — \(r.detail) (\(r.milliseconds) ms)") }
        }
        if options.json { try options.printJSON(results) }
        let failed = results.filter { $0.verdict != .ok }
        if !options.json {
            print(failed.isEmpty ? "All \(results.count) passed." : "\(failed.count) of \(results.count) failed and are blocked: \(failed.map(\.compartment.description).joined(separator: ", ")).")
        }
        if !failed.isEmpty { throw ExitCode(75) }
    }
}

struct Hardware: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hw", abstract: "Look at the locker's hardware.", subcommands: [Lines.self])

    struct Lines: LockerCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every configured GPIO line with its live level.",
            discussion: "Example:\n  amtomat hw lines")
        @OptionGroup var options: GlobalOptions

        func execute() async throws {
            let lines = try await options.get("/hardware/lines", as: [LineView].self)
            if options.json { return try options.printJSON(lines) }
            for l in lines { print("compartment \(l.compartment)  \(l.role)  \(l.line)  \(l.level)") }
        }
    }
}

struct Open: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open a compartment for maintenance (audited).",
        discussion: "Example:\n  amtomat open 12 --reason \"replace reed contact\"")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Compartment number.") var compartment: Int
    @Option(help: "Why it is opened; goes into the audit log.") var reason: String

    func execute() async throws {
        _ = try await options.call(.POST, "/compartments/\(compartment)/open", json: ReasonRequest(reason: reason))
        if options.json { return try options.printJSON(["opened": compartment]) }
        print("Compartment \(compartment) is open.")
    }
}

struct Block: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep a faulty compartment out of use.",
        discussion: "Example:\n  amtomat block 7 --reason \"door hinge broken\"")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Compartment number.") var compartment: Int
    @Option(help: "Why; shown in status and the audit log.") var reason: String

    func execute() async throws {
        let c = try await options.post("/compartments/\(compartment)/block", ReasonRequest(reason: reason), as: CompartmentView.self)
        if options.json { return try options.printJSON(c) }
        print("Compartment \(c.id) is blocked: \(c.blockReason ?? reason).")
    }
}

struct Unblock: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a repaired compartment back into use.",
        discussion: "Example:\n  amtomat unblock 7")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Compartment number.") var compartment: Int

    func execute() async throws {
        let c = try await options.post("/compartments/\(compartment)/unblock", Optional<String>.none, as: CompartmentView.self)
        if options.json { return try options.printJSON(c) }
        print("Compartment \(c.id) is back in use (\(c.state.rawValue)).")
    }
}

struct Sim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Act on the simulated locker (demo and tests only).",
        discussion: "Examples:\n  amtomat sim close 3\n  amtomat sim jam 5\n  amtomat sim stick 6 closed",
        subcommands: [Close.self, Jam.self, Stick.self, ForceOpen.self])

    struct Close: LockerCommand {
        static let configuration = CommandConfiguration(abstract: "Close a door, as the person at the locker would.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Compartment number.") var compartment: Int
        func execute() async throws {
            _ = try await options.call(.POST, "/sim/doors/\(compartment)/close")
            if !options.json { print("Door \(compartment) closed.") }
        }
    }

    struct Jam: LockerCommand {
        static let configuration = CommandConfiguration(abstract: "Jam a lock (its door will not open), or free it with --off.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Compartment number.") var compartment: Int
        @Flag(help: "Free the lock again.") var off = false
        func execute() async throws {
            _ = try await options.call(.POST, "/sim/locks/\(compartment)/jam", json: JamRequest(jammed: !off))
            if !options.json { print("Lock \(compartment) \(off ? "works again" : "is jammed").") }
        }
    }

    struct Stick: LockerCommand {
        static let configuration = CommandConfiguration(abstract: "Make a door sensor stick at open or closed (none repairs it).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Compartment number.") var compartment: Int
        @Argument(help: "open, closed or none.") var level: String
        func validate() throws {
            guard ["open", "closed", "none"].contains(level) else { throw ValidationError("Say open, closed or none.") }
        }
        func execute() async throws {
            _ = try await options.call(.POST, "/sim/sensors/\(compartment)/stuck", json: StuckSensorRequest(stuck: DoorState(rawValue: level)))
            if !options.json { print("Sensor \(compartment): \(level == "none" ? "repaired" : "stuck \(level)").") }
        }
    }

    struct ForceOpen: LockerCommand {
        static let configuration = CommandConfiguration(commandName: "force-open", abstract: "Force a door open without an unlock (tamper test).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Compartment number.") var compartment: Int
        func execute() async throws {
            _ = try await options.call(.POST, "/sim/doors/\(compartment)/force-open")
            if !options.json { print("Door \(compartment) forced open.") }
        }
    }
}
