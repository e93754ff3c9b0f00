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
        Each lock is pulsed through the coil scheduler and its door sensor must answer. Verdicts: ok, lock-does-not-release, sensor-stuck-open, sensor-stuck-closed, line-missing, line-busy. A failing compartment stays out of assignment until it passes a new test and 'amtomat unblock N'. Compartments holding a document are skipped. Close each door after it opened; with --one-at-a-time the next lock is pulsed only once the last door is closed, and the end says which doors are still open.

        A door sensor alone cannot tell a jammed lock from a sensor stuck closed. Standing at the locker, say what you saw with --door-opened or --door-stayed-shut.

        Examples:
          amtomat selftest --compartment 12
          amtomat selftest --compartment C3 --door-opened
          amtomat selftest --all --one-at-a-time
          amtomat selftest --all --json
        """)
    @OptionGroup var options: GlobalOptions
    @Option(help: ArgumentHelp("Test one compartment: its number or the label on its door.", valueName: "number-or-label")) var compartment: CompartmentRef?
    @Flag(help: "Test every free compartment.") var all = false
    @Flag(help: "With --all: wait until each door is closed again before testing the next one.") var oneAtATime = false
    @Flag(help: "You saw the door spring open (with --compartment).") var doorOpened = false
    @Flag(help: "You saw the door stay shut (with --compartment).") var doorStayedShut = false

    func validate() throws {
        if compartment != nil && all { throw ValidationError("Say either --compartment N (one compartment) or --all (every free one), not both.") }
        if compartment == nil && !all { throw ValidationError("Say which compartments: --compartment N or --all.") }
        if oneAtATime && !all { throw ValidationError("--one-at-a-time walks through the locker; use it with --all.") }
        if doorOpened && doorStayedShut { throw ValidationError("Say either --door-opened or --door-stayed-shut, not both.") }
        if (doorOpened || doorStayedShut) && compartment == nil {
            throw ValidationError("--door-opened and --door-stayed-shut describe one door; use them with --compartment N.")
        }
    }

    private var seenQuery: String {
        doorOpened ? "?doorSeenOpen=true" : doorStayedShut ? "?doorSeenOpen=false" : ""
    }

    func execute() async throws {
        var targets: [CompartmentView] = []
        if let compartment {
            targets = [try await options.resolve(compartment)]
        } else {
            let status = try await options.get("/status", as: StatusView.self)
            targets = status.compartments.filter { $0.reference == nil }
        }
        var results: [SelfTestResult] = []
        for (i, c) in targets.enumerated() {
            let name = compartmentName(c.id, label: c.label)
            if !options.json { progress("[\(i + 1)/\(targets.count)] compartment \(name)…") }
            var r = try await options.post("/compartments/\(c.id.rawValue)/selftest\(seenQuery)", Optional<String>.none, as: SelfTestResult.self)
            r.label = r.label ?? c.label
            results.append(r)
            if !options.json { print("compartment \(name): \(r.verdict.rawValue) — \(r.detail) (\(r.milliseconds) ms)") }
            if oneAtATime && r.verdict == .ok && i < targets.count - 1 {
                try await waitUntilClosed(c)
            }
        }
        if options.json { try options.printJSON(results) }
        let failed = results.filter { $0.verdict != .ok }
        if !options.json {
            if failed.isEmpty {
                print(results.count == 1 ? "The compartment passed." : "All \(results.count) passed.")
            } else {
                let names = failed.map { compartmentName($0.compartment, label: $0.label) }.joined(separator: ", ")
                print("\(failed.count) of \(results.count) failed and \(failed.count == 1 ? "is" : "are") blocked: \(names).")
            }
            let open = try await options.get("/status", as: StatusView.self).compartments.filter { $0.door == .open }
            let tested = Set(results.map(\.compartment))
            let left = open.filter { tested.contains($0.id) }.map { compartmentName($0.id, label: $0.label) }
            print(left.isEmpty ? "Every tested door is closed." : "Still open — close \(left.count == 1 ? "this door" : "these doors"): \(left.joined(separator: ", ")).")
        }
        if !failed.isEmpty { throw ExitCode(75) }
    }

    private func waitUntilClosed(_ c: CompartmentView) async throws {
        while true {
            let answer = try await options.post("/compartments/\(c.id.rawValue)/await-closed?wait=20", Optional<String>.none, as: [String: Bool].self)
            if answer["closed"] == true { return }
            progress("Waiting for the door of compartment \(compartmentName(c.id, label: c.label)) to be closed before the next test…")
        }
    }
}

struct Hardware: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hw", abstract: "Look at the locker's hardware.", subcommands: [Lines.self])

    struct Lines: LockerCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every configured GPIO line with its live level.",
            discussion: "In --json, level is the line's value (0, 1, or null when it cannot be read) and meaning says what it means.\n\nExample:\n  amtomat hw lines")
        @OptionGroup var options: GlobalOptions

        func execute() async throws {
            let lines = try await options.get("/hardware/lines", as: [LineView].self)
            if options.json { return try options.printJSON(lines) }
            let rows = [["COMPARTMENT", "ROLE", "LINE", "LEVEL"]] + lines.map { l in
                [compartmentName(l.compartment, label: l.label), l.role, l.line, l.level.map { "\($0) (\(l.meaning))" } ?? l.meaning]
            }
            print(table(rows))
        }
    }
}

/// Columns padded to their widest cell (by characters, so labels in any script line up).
func table(_ rows: [[String]]) -> String {
    let widths = (0..<(rows.first?.count ?? 0)).map { i in rows.map { $0[i].count }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

struct Open: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open a compartment for maintenance (audited).",
        discussion: "Example:\n  amtomat open 12 --reason \"replace reed contact\"")
    @OptionGroup var options: GlobalOptions
    @Argument(help: ArgumentHelp("The compartment: its number or the label on its door.", valueName: "number-or-label")) var compartment: CompartmentRef
    @Option(help: "Why it is opened; goes into the audit log.") var reason: String

    func execute() async throws {
        let c = try await options.resolve(compartment)
        _ = try await options.call(.POST, "/compartments/\(c.id.rawValue)/open", json: ReasonRequest(reason: reason))
        struct Opened: Encodable { var opened: Int; var label: String }
        if options.json { return try options.printJSON(Opened(opened: c.id.rawValue, label: c.label)) }
        print("Compartment \(compartmentName(c.id, label: c.label)) is open.")
    }
}

struct Block: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep a faulty compartment out of use.",
        discussion: "A compartment that holds a document is blocked only with --force: its citizen is then told at the kiosk to collect the document at the office, so take it out ('amtomat withdraw REF') and bring it there.\n\nExamples:\n  amtomat block 7 --reason \"door hinge broken\"\n  amtomat block C3 --reason \"lock sticks\" --force")
    @OptionGroup var options: GlobalOptions
    @Argument(help: ArgumentHelp("The compartment: its number or the label on its door.", valueName: "number-or-label")) var compartment: CompartmentRef
    @Option(help: "Why; shown in status and the audit log.") var reason: String
    @Flag(help: "Block it even though it holds a document (audited).") var force = false

    func execute() async throws {
        let target = try await options.resolve(compartment)
        let c = try await options.post("/compartments/\(target.id.rawValue)/block\(force ? "?force=true" : "")", ReasonRequest(reason: reason), as: CompartmentView.self)
        if options.json { return try options.printJSON(c) }
        print("Compartment \(compartmentName(c.id, label: c.label)) is blocked: \(c.blockReason ?? reason).")
        if let reference = c.reference {
            print("It holds \(reference): its citizen is told to collect it at the office. Take it out with 'amtomat withdraw \(reference)'.")
        }
    }
}

struct Unblock: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a repaired compartment back into use.",
        discussion: "After a failed self-test the compartment must pass a new one first ('amtomat selftest --compartment N'); --force unblocks it anyway and is audited.\n\nExamples:\n  amtomat unblock 7\n  amtomat unblock C3 --force")
    @OptionGroup var options: GlobalOptions
    @Argument(help: ArgumentHelp("The compartment: its number or the label on its door.", valueName: "number-or-label")) var compartment: CompartmentRef
    @Flag(help: "Unblock it even though its last self-test failed (audited).") var force = false

    func execute() async throws {
        let target = try await options.resolve(compartment)
        let c = try await options.post("/compartments/\(target.id.rawValue)/unblock\(force ? "?force=true" : "")", Optional<String>.none, as: CompartmentView.self)
        if options.json { return try options.printJSON(c) }
        print("Compartment \(compartmentName(c.id, label: c.label)) is back in use (\(c.state.rawValue)).")
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
