import AmtomatAPI
import AmtomatClient
import AmtomatCore
import AmtomatStore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7 (points 2, 5, 9–15) and issue 10 point 5, with the real amtomatd and amtomat binaries.
@Suite("End to end: what clerks, technicians and citizens ran into", .serialized)
struct CLIUsabilityTests {
    /// Waits until `condition` holds (the daemon acts on door events asynchronously).
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<150 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    func terminal(_ daemon: DaemonProcess) async throws -> TerminalStatus {
        try await daemon.kiosk.send(.GET, "/api/terminal", body: nil).decode(TerminalStatus.self)
    }

    @Test("the slowed terminal: attempts left, a short wait that survives a restart, status shows it, a clerk clears it")
    func slowedTerminal() async throws {
        let daemon = try DaemonProcess()  // free_attempts = 3, first_wait_seconds = 30, refill_seconds = 60
        try daemon.start()
        #expect(try await terminal(daemon) == TerminalStatus(slowedSeconds: 0, attemptsLeft: 3))
        var left: [Int?] = []
        for _ in 0..<3 {
            let (status, r) = try await daemon.pickup("11112222333344")
            #expect(status == 403 && r.result == .rejected)
            left.append(r.attemptsLeft)
            if left.count == 2 {
                let status = try daemon.cli(["status"])
                #expect(status.stdout.contains("1 wrong attempt left before it slows down"), "\(status.stdout)")
            }
        }
        #expect(left == [2, 1, 0], "the kiosk can warn before the last free attempt")
        let slowed = try await terminal(daemon)
        #expect((21...30).contains(slowed.slowedSeconds) && slowed.attemptsLeft == 0, "\(slowed)")
        let status = try daemon.cli(["status"])
        #expect(status.stdout.contains("Terminal: SLOWED") && status.stdout.contains("amtomat throttle reset"), "\(status.stdout)")
        #expect(!status.stdout.contains("0 wrong attempts left"))

        // A restart grants nothing: the state is in the database.
        #expect(daemon.stop(signal: SIGKILL) != 0)
        try daemon.start()
        let after = try await terminal(daemon)
        #expect(after.slowedSeconds > 15 && after.attemptsLeft == 0, "a restart must not grant fresh attempts: \(after)")
        let (code, r) = try await daemon.pickup("11112222333344")
        #expect(code == 429 && r.result == .slowed && (r.retryAfterSeconds ?? 0) > 15)

        // Only clerks clear it, and it is audited.
        let technician = try daemon.cli(["throttle", "reset"], uid: 61002, gid: TestGroups.technician, groups: [TestGroups.socket])
        if getuid() == 0 { #expect(technician.status == 77 && technician.stderr.contains("clerk role")) }
        let reset = try daemon.cli(["throttle", "reset"])
        #expect(reset.status == 0 && reset.stdout.contains("3 wrong attempts left"), "\(reset.stderr)")
        #expect(try await terminal(daemon) == TerminalStatus(slowedSeconds: 0, attemptsLeft: 3))
        #expect(try daemon.store().auditLog().contains { $0.action == "throttle-reset" && $0.osUser == "root" })
        let json = try daemon.cli(["--json", "throttle"])
        #expect(try APIJSON.decoder().decode(TerminalStatus.self, from: Data(json.stdout.utf8)).attemptsLeft == 3)
    }

    @Test("a door left open shows in status with its duration and document, and in the metrics")
    func openDoors() async throws {
        let daemon = try DaemonProcess(labelled: true, leftOpenAlarmSeconds: 1)
        try daemon.start()
        let empty = try daemon.cli(["status"])
        #expect(empty.stdout.contains("Documents: none") && empty.stdout.contains("Open doors: none"), "\(empty.stdout)")
        let issued = try daemon.deposit("OPEN-1")
        let (_, r) = try await daemon.pickup(issued.code)
        #expect(r.result == .open)
        try await Task.sleep(for: .milliseconds(2200))
        let status = try daemon.cli(["status"])
        let name = "\(issued.compartment) (\(issued.label ?? "?"))"
        let line = status.stdout.split(separator: "\n").first { $0.hasPrefix("  \(name) open for ") }.map(String.init) ?? ""
        #expect(line.hasSuffix(" s — holds OPEN-1 — LEFT OPEN, close it"), "\(status.stdout)")
        #expect((Int(line.split(separator: " ")[4]) ?? 0) >= 2, "the duration: \(line)")
        let json = try APIJSON.decoder().decode(StatusView.self, from: Data(try daemon.cli(["--json", "status"]).stdout.utf8))
        #expect(json.openDoors?.first?.reference == "OPEN-1" && json.openDoors?.first?.leftOpen == true)
        let metrics = String(decoding: try await daemon.control.send(.GET, "/metrics", body: nil).body, as: UTF8.self)
        #expect(metrics.contains("amtomat_doors_left_open 1"), "\(metrics)")
        #expect(metrics.contains("amtomat_doors_open 1"))
        let longest = metrics.split(separator: "\n").first { $0.hasPrefix("amtomat_door_open_longest_seconds ") }
        #expect((longest.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0) >= 2)
        #expect(try daemon.cli(["sim", "close", "\(issued.compartment)"]).status == 0)
        #expect(try await eventually {
            String(decoding: try await daemon.control.send(.GET, "/metrics", body: nil).body, as: UTF8.self).contains("amtomat_doors_left_open 0")
        })
    }

    @Test("dates of birth in the future or over 120 years ago are refused; the confirmation repeats kind, date and compartment")
    func dateOfBirth() async throws {
        let daemon = try DaemonProcess(labelled: true)
        try daemon.start()
        let future = try daemon.cli(["deposit", "--kind", "passport", "--reference", "F-1", "--size", "S", "--date-of-birth", "2031-01-01"])
        #expect(future.status == 64 && future.stderr.contains("lies in the future"), "\(future.stderr)")
        let old = try daemon.cli(["deposit", "--kind", "passport", "--reference", "F-1", "--size", "S", "--dob", "1900-01-01"])
        #expect(old.status == 64 && old.stderr.contains("years old"), "\(old.stderr)")
        // The daemon refuses them too, whoever asks.
        let reply = try await daemon.control.send(.POST, "/documents", json: DepositRequest(kind: .passport, reference: "F-1", size: .small, dateOfBirth: "2031-01-01"))
        #expect(reply.status == 400 && reply.errorMessage.contains("lies in the future"))
        #expect(try daemon.store().document(reference: "F-1") == nil, "nothing was reserved")

        let issued = try daemon.deposit("P-9", kind: "passport", extra: ["--dob", "1984-03-27"])
        #expect(issued.kind == .passport && issued.secondFactor == true && issued.label == "A1", "deposit --json names kind, second factor and label")
        let text = try depositAsText(daemon, ["--kind", "driving-licence", "--reference", "D-9", "--size", "S"])
        #expect(text.contains("Driving licence · date of birth none"), "\(text)")
        #expect(text.contains("Compartment 2 (B1) · valid until"), "\(text)")
    }

    /// Runs a deposit in text mode and closes the door the CLI names.
    func depositAsText(_ daemon: DaemonProcess, _ arguments: [String]) throws -> String {
        let out = daemon.directory.appendingPathComponent("text-\(UUID().uuidString).out")
        let err = daemon.directory.appendingPathComponent("text-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = binaryDirectory.appendingPathComponent("amtomat")
        p.arguments = ["--socket", daemon.socketPath, "deposit"] + arguments
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        var compartment: String?
        for _ in 0..<200 where compartment == nil && p.isRunning {
            let text = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            if text.hasPrefix("Compartment ") { compartment = String(text.split(separator: " ")[1]) }
            usleep(20_000)
        }
        if let compartment { _ = try daemon.cli(["sim", "close", compartment]) }
        p.waitUntilExit()
        return ((try? String(contentsOf: out, encoding: .utf8)) ?? "") + ((try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    @Test("block on a full compartment needs --force and sends the citizen to the office; unblock after a failed self-test needs a pass or --force")
    func blockAndUnblock() async throws {
        let daemon = try DaemonProcess(compartments: 3, labelled: true)
        try daemon.start()
        let issued = try daemon.deposit("B-1")
        let c = "\(issued.compartment)"
        let refused = try daemon.cli(["block", c, "--reason", "lock sticks"])
        #expect(refused.status == 75 && refused.stderr.contains("holds document B-1") && refused.stderr.contains("--force"), "\(refused.stderr)")
        let forced = try daemon.cli(["block", issued.label ?? c, "--reason", "lock sticks", "--force"])
        #expect(forced.status == 0 && forced.stdout.contains("holds B-1"), "\(forced.stderr)")
        let (status, r) = try await daemon.pickup(issued.code)
        #expect(status == 200 && r.result == .atOffice && r.office?.name == "Bürgerbüro Test", "the citizen is told the truth")
        #expect(try daemon.store().auditLog().contains { $0.action == "block" && ($0.detail ?? "").contains("forced: holds B-1") })

        #expect(try daemon.cli(["sim", "jam", "3"]).status == 0)
        #expect(try daemon.cli(["selftest", "--compartment", "C1"]).status == 75)
        let unblock = try daemon.cli(["unblock", "3"])
        #expect(unblock.status == 75 && unblock.stderr.contains("failed its last self-test") && unblock.stderr.contains("selftest --compartment 3"), "\(unblock.stderr)")
        #expect(try daemon.cli(["sim", "jam", "3", "--off"]).status == 0)
        let retest = try daemon.cli(["selftest", "--compartment", "3"])
        #expect(retest.status == 0 && retest.stdout.contains("The compartment passed.") && retest.stdout.contains("Still open — close this door: 3 (C1)"), "\(retest.stdout)")
        #expect(try daemon.cli(["sim", "close", "3"]).status == 0)
        #expect(try daemon.cli(["unblock", "C1"]).status == 0, "a passing re-test allows the unblock")

        #expect(try daemon.cli(["sim", "jam", "3"]).status == 0)
        #expect(try daemon.cli(["selftest", "--compartment", "3"]).status == 75)
        let force = try daemon.cli(["unblock", "3", "--force"])
        #expect(force.status == 0)
        #expect(try daemon.store().auditLog().contains { $0.action == "unblock" && ($0.detail ?? "").contains("forced despite the failed self-test") })
    }

    @Test("numbers and labels: 11 (C3) everywhere, either as input, label in every --json output")
    func labels() async throws {
        let daemon = try DaemonProcess(labelled: true)
        try daemon.start()
        let issued = try daemon.deposit("L-1")
        let list = try daemon.cli(["list"])
        #expect(list.stdout.contains("compartment \(issued.compartment) (\(issued.label ?? "?"))"), "\(list.stdout)")
        let docs = try APIJSON.decoder().decode([DocumentView].self, from: Data(try daemon.cli(["--json", "list"]).stdout.utf8))
        #expect(docs.first?.label == issued.label)
        let lines = try daemon.cli(["--json", "hw", "lines"])
        let parsed = try JSONSerialization.jsonObject(with: Data(lines.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(parsed.allSatisfy { $0["label"] is String && ($0["level"] is Int || $0["level"] is NSNull) }, "\(lines.stdout.prefix(300))")
        let text = try daemon.cli(["hw", "lines"]).stdout.split(separator: "\n").map(String.init)
        let header = text.first.flatMap { $0.range(of: "LINE")?.lowerBound.utf16Offset(in: $0) }
        let columns = Set(text.dropFirst().map { $0.range(of: "simulated")?.lowerBound.utf16Offset(in: $0) })
        #expect(text.count == 13 && columns == [header], "columns are aligned:\n\(text.joined(separator: "\n"))")
        let unknown = try daemon.cli(["block", "Z9", "--reason", "x"])
        #expect(unknown.status == 66 && unknown.stderr.contains("no compartment 'Z9'"))
        let selftest = try daemon.cli(["--json", "selftest", "--compartment", "B2"])
        let results = try APIJSON.decoder().decode([SelfTestResult].self, from: Data(selftest.stdout.utf8))
        #expect(results.first?.compartment == CompartmentID(5) && results.first?.label == "B2")
    }

    @Test("selftest --all --one-at-a-time waits for each door; the end names the doors still open")
    func selftestOneAtATime() async throws {
        let daemon = try DaemonProcess(compartments: 3)
        try daemon.start()
        let both = try daemon.cli(["selftest", "--all", "--compartment", "3"])
        #expect(both.status == 64 && both.stderr.contains("not both"), "\(both.stderr)")
        let all = try daemon.cli(["selftest", "--all"])
        #expect(all.stdout.contains("All 3 passed.") && all.stdout.contains("Still open — close these doors: 1, 2, 3."), "\(all.stdout)")
        for i in 1...3 { _ = try daemon.cli(["sim", "close", "\(i)"]) }

        // A technician walking the locker: the CLI must not pulse the next lock while a door is open.
        let out = daemon.directory.appendingPathComponent("walk.out")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let p = Process()
        p.executableURL = binaryDirectory.appendingPathComponent("amtomat")
        p.arguments = ["--socket", daemon.socketPath, "selftest", "--all", "--one-at-a-time"]
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle.nullDevice
        try p.run()
        var closed = 0
        var maxOpenAtOnce = 0
        while p.isRunning {
            let s = try APIJSON.decoder().decode(StatusView.self, from: Data(try daemon.cli(["--json", "status"]).stdout.utf8))
            let open = s.compartments.filter { $0.door == .open }
            maxOpenAtOnce = max(maxOpenAtOnce, open.count)
            if let door = open.first, closed < 2 {  // leave the last one open
                try await Task.sleep(for: .milliseconds(200))
                _ = try daemon.cli(["sim", "close", "\(door.id)"])
                closed += 1
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        #expect(p.terminationStatus == 0 && maxOpenAtOnce == 1, "\(text)")
        #expect(text.contains("All 3 passed.") && text.contains("Still open — close this door: 3."), "\(text)")
    }

    @Test("help texts: the parser wraps prose at 80 columns and every example stays on one line")
    func helpTexts() throws {
        let amtomat = binaryDirectory.appendingPathComponent("amtomat").path
        for command in [["deposit"], ["selftest"], ["block"], ["unblock"], ["throttle"], ["survey", "report"], []] {
            let help = try run(amtomat, command + ["--help"], environment: ["COLUMNS": "80", "PATH": "/usr/bin:/bin"])
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            // The USAGE line is the parser's own and never wrapped; everything else fits.
            #expect(lines.allSatisfy { $0.count <= 80 || $0.hasPrefix("USAGE:") }, "\(command): \(lines.filter { $0.count > 80 })")
            // A wrapped example leaves a line that starts with an option instead of 'amtomat'.
            let examples = lines.drop { !$0.contains("Example") }.prefix { !$0.isEmpty }
            #expect(!examples.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }, "\(command):\n\(help.stdout)")
        }
        let deposit = try run(amtomat, ["deposit", "--help"], environment: ["COLUMNS": "80", "PATH": "/usr/bin:/bin"])
        #expect(deposit.stdout.contains("amtomat deposit --kind passport --reference PA-0815 --size M --dob 1984-03-27\n"))
    }

    @Test("smaller blemishes: extend --days -3, --json errors, reference case, plurals")
    func blemishes() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let issued = try daemon.deposit("AB-1")
        let negative = try daemon.cli(["extend", "AB-1", "--days", "-3"])
        #expect(negative.status == 64 && negative.stderr.contains("--days must be at least 1"), "\(negative.stderr)")
        let extend = try daemon.cli(["extend", "AB-1", "--days", "1"])
        #expect(extend.status == 0)
        #expect(try daemon.store().auditLog().contains { $0.action == "extend" && $0.detail == "+1 day" })

        let lower = try daemon.cli(["show", "ab-1"])
        #expect(lower.status == 66 && lower.stderr.contains("there is AB-1"), "\(lower.stderr)")
        let jsonError = try daemon.cli(["--json", "show", "NOPE"])
        #expect(jsonError.status == 66 && jsonError.stdout.isEmpty)
        let object = try JSONSerialization.jsonObject(with: Data(jsonError.stderr.utf8)) as? [String: Any]
        #expect(object?["exitCode"] as? Int == 66 && (object?["error"] as? String ?? "").contains("NOPE"), "\(jsonError.stderr)")
        let usage = try daemon.cli(["--json", "extend", "AB-1", "--days", "0"])
        let usageObject = try JSONSerialization.jsonObject(with: Data(usage.stderr.utf8)) as? [String: Any]
        #expect(usage.status == 64 && usageObject?["exitCode"] as? Int == 64, "\(usage.stderr)")
        let survey = try daemon.cli(["survey", "report", "--language", "fr"])
        #expect(survey.status == 64 && survey.stderr.contains("de, en, tr, uk or ar"), "\(survey.stderr)")
        _ = issued
    }

    @Test("the survey report speaks one language throughout, with its date format and the locker's and office's names")
    func surveyReportLanguage() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let english = try daemon.cli(["survey", "report", "--language", "en"])
        #expect(english.status == 0, "\(english.stderr)")
        #expect(english.stdout.hasPrefix("Satisfaction survey · E2E · Bürgerbüro Test\nPeriod: all days"), "\(english.stdout)")
        #expect(english.stdout.contains("How satisfied are you"), "the questions in English too")
        let german = try daemon.cli(["survey", "report", "--language", "de", "--from", "2026-01-01", "--to", "2026-03-31"])
        #expect(german.stdout.contains("Zeitraum: 01.01.2026 bis 31.03.2026") && german.stdout.contains("Wie zufrieden"), "\(german.stdout)")
        #expect(!german.stdout.contains("Responses"))
        for (language, created) in [("de", "Erstellt am "), ("en", "Created on ")] {
            let file = daemon.directory.appendingPathComponent("report-\(language).html").path
            #expect(try daemon.cli(["survey", "report", "--language", language, "--html", file]).status == 0)
            let page = try String(contentsOfFile: file, encoding: .utf8)
            #expect(page.contains("<html lang=\"\(language)\"") && page.contains("E2E") && page.contains("Bürgerbüro Test"))
            #expect(page.contains(created), "\(language): footer in the same language")
            #expect(!page.contains("/2026, ") && !page.contains(" AM") && !page.contains(" PM"), "no US date in a \(language) report")
            if language == "en" { #expect(!page.contains("Antworten") && !page.contains("Zeitraum"), "no German in the English report") }
        }
        let arabic = try daemon.cli(["survey", "report", "--language", "ar"]).stdout.split(separator: "\n").map(String.init)
        let bars = arabic.filter { $0.contains("\u{2068}") }
        #expect(!bars.isEmpty && bars.allSatisfy { $0.contains("\u{2069}") }, "each Arabic label is isolated, so the bars keep their column")
    }
}
