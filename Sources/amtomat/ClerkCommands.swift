import AmtomatAPI
import AmtomatClient
import AmtomatCore
import ArgumentParser
import Foundation

struct Deposit: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a finished document into a free compartment and get its pickup code.",
        discussion: """
        The daemon picks the smallest free compartment that fits (the lowest wheelchair-reachable one with --accessible) and opens it. Put the document in and close the door: the pickup code is printed once, with the kind, date of birth and compartment to check against the application. Give the code to the citizen; nobody can show it again (a lost code is replaced with 'reissue').

        Examples:
          amtomat deposit --kind passport --reference PA-0815 --size M --dob 1984-03-27
          amtomat deposit --kind driving-licence --reference FS-4711 --size S
          amtomat deposit --kind other --reference X-12 --size L --accessible
          amtomat deposit --kind id-card --reference PA-16 --size S --phone 01712345678

        With --phone or --email the code goes to the citizen by SMS or e-mail (in the language of --language) when the door closes, \
        and you see only where it went (masked). Several documents may share one contact; each gets its own code.
        """
    )
    @OptionGroup var options: GlobalOptions
    @Option(help: "The kind of document.") var kind: DocumentKind
    @Option(help: "The authority's reference number for the document.") var reference: String
    @Option(help: "The compartment size it needs.") var size: SizeClass
    @Flag(help: "Use a compartment reachable from a wheelchair.") var accessible = false
    // .unconditional: "--hold-days -3" reaches validate() and gets "must be at least 1", not "missing value".
    @Option(parsing: .unconditional, help: "Days the document waits before it goes back to the counter (default from the configuration).") var holdDays: Int?
    @Option(name: [.customLong("date-of-birth"), .customLong("dob")],
            help: ArgumentHelp("The citizen's date of birth, the second factor at pickup (--dob for short).", valueName: "YYYY-MM-DD")) var dateOfBirth: String?
    @Option(help: ArgumentHelp("Send the code by SMS to this mobile number (0171 2345678 or +49 171 2345678).", valueName: "number")) var phone: String?
    @Option(help: ArgumentHelp("Send the code by e-mail to this address.", valueName: "address")) var email: String?
    @Option(help: ArgumentHelp("The citizen's language for the messages: de, en, tr, uk or ar.", valueName: "language")) var language: NoticeLanguage?

    func validate() throws {
        if let holdDays, holdDays < 1 { throw ValidationError("--hold-days must be at least 1.") }
        if let dateOfBirth {
            guard let dob = DateOfBirth(dateOfBirth) else {
                throw ValidationError("'\(dateOfBirth)' is not a date of birth; write it as YYYY-MM-DD, for example 1984-03-27.")
            }
            if let problem = dob.implausibility(today: DateOfBirth.today()) {
                throw ValidationError("\(problem); check the date of birth on the application.")
            }
        }
        if let phone {
            do { _ = try PhoneNumber.normalise(phone) } catch { throw ValidationError(error.description) }
        }
        if let email {
            do { _ = try EmailAddress.normalise(email) } catch { throw ValidationError(error.description) }
        }
        if language != nil && phone == nil && email == nil {
            throw ValidationError("--language chooses the language of the SMS or e-mail; give --phone or --email too, or leave it out.")
        }
    }

    func execute() async throws {
        let request = DepositRequest(kind: kind, reference: reference, size: size, accessible: accessible,
                                     holdDays: holdDays, dateOfBirth: dateOfBirth,
                                     phone: phone.flatMap { try? PhoneNumber.normalise($0) },
                                     email: email.flatMap { try? EmailAddress.normalise($0) }, language: language)
        let started = try await options.post("/documents", request, as: DepositStarted.self)
        progress("Compartment \(compartmentName(started.compartment, label: started.label)) is open. Put the document in and close the door.")
        while true {
            let answer = try await options.post("/documents/\(encodePath(started.reference))/code?wait=20", Optional<String>.none, as: AwaitCodeResponse.self)
            switch answer.status {
            case .issued:
                guard let issued = answer.issued else { throw Refused(message: "The daemon sent no code.", code: 70) }
                if options.json {
                    try options.printJSON(issued)
                } else {
                    let code = PickupCode(typed: issued.code, length: issued.code.count)?.grouped ?? issued.code
                    print("Pickup code for \(issued.reference): \(code)")
                    // Repeated so the clerk can check them against the application before handing out the code.
                    let kindName = kind.displayName.prefix(1).uppercased() + kind.displayName.dropFirst()
                    print("\(kindName) · date of birth \(dateOfBirth ?? "none (no second factor)")")
                    print("Compartment \(compartmentName(issued.compartment, label: issued.label)) · valid until \(shown(issued.expiresAt))")
                    print("Give this code to the citizen now; it is shown only once.")
                }
                return
            case .sent:
                guard let sent = answer.sent else { throw Refused(message: "The daemon said nothing about the notification.", code: 70) }
                if options.json { return try options.printJSON(sent) }
                print("Document \(sent.reference) is ready in compartment \(compartmentName(sent.compartment, label: started.label)) · valid until \(shown(sent.expiresAt))")
                let kindName = kind.displayName.prefix(1).uppercased() + kind.displayName.dropFirst()
                print("\(kindName) · date of birth \(dateOfBirth ?? "none (no second factor)")")
                for to in sent.sentTo { print("Pickup code: \(to)") }
                print("Check delivery with 'amtomat notifications'.")
                return
            case .doorOpen:
                progress(answer.message ?? "Still waiting for the door to close…")
            case .noCode:
                throw Refused(message: answer.message ?? "No code is waiting.", code: 75)
            }
        }
    }
}

struct List: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the documents in the locker.",
        discussion: "Examples:\n  amtomat list\n  amtomat list --state expired --json")
    @OptionGroup var options: GlobalOptions
    @Option(help: "Only documents in this state: \(DocumentState.allCases.map(\.rawValue).joined(separator: ", ")).") var state: DocumentState?

    func execute() async throws {
        let docs = try await options.get("/documents" + (state.map { "?state=\($0.rawValue)" } ?? ""), as: [DocumentView].self)
        if options.json { return try options.printJSON(docs) }
        if docs.isEmpty { print(state.map { "No \($0.rawValue) documents." } ?? "The locker holds no documents.") }
        for d in docs { print(describe(d)) }
    }
}

struct Show: LockerCommand {
    static let configuration = CommandConfiguration(abstract: "Show one document.", discussion: "Example:\n  amtomat show 2026-PA-0815")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The document's reference.") var reference: String

    func execute() async throws {
        let d = try await options.get("/documents/\(encodePath(reference))", as: DocumentView.self)
        if options.json { return try options.printJSON(d) }
        print(describe(d))
        print("deposited \(shown(d.depositedAt))\(d.finishedAt.map { " · finished \(shown($0))" } ?? "")")
        print(d.secondFactor ? "second factor: date of birth" : "second factor: none")
    }
}

struct Reissue: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give a ready document a new pickup code; the old code stops working at once.",
        discussion: "Use it when a citizen lost the code or entered the date of birth wrongly too often.\n\nExample:\n  amtomat reissue 2026-PA-0815")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The document's reference.") var reference: String

    func execute() async throws {
        let issued = try await options.post("/documents/\(encodePath(reference))/reissue", Optional<String>.none, as: CodeIssued.self)
        if options.json { return try options.printJSON(issued) }
        print("New pickup code for \(issued.reference): \(PickupCode(typed: issued.code, length: issued.code.count)?.grouped ?? issued.code)")
        print("Compartment \(compartmentName(issued.compartment, label: issued.label)) · valid until \(shown(issued.expiresAt)) · the old code no longer works.")
    }
}

struct Extend: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Let a ready or expired document wait longer.",
        discussion: "Example:\n  amtomat extend 2026-PA-0815 --days 7")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The document's reference.") var reference: String
    // .unconditional: "--days -3" reaches validate() and gets "must be at least 1", not "missing value".
    @Option(parsing: .unconditional, help: "Days to add.") var days: Int

    func validate() throws {
        if days < 1 { throw ValidationError("--days must be at least 1.") }
    }

    func execute() async throws {
        let d = try await options.post("/documents/\(encodePath(reference))/extend", ExtendRequest(days: days), as: DocumentView.self)
        if options.json { return try options.printJSON(d) }
        print(describe(d))
    }
}

struct Withdraw: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a document back out of the locker (or cancel a reservation).",
        discussion: "The compartment opens; take the document and close the door.\n\nExample:\n  amtomat withdraw 2026-PA-0815")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The document's reference.") var reference: String

    func execute() async throws {
        let d = try await options.post("/documents/\(encodePath(reference))/withdraw", Optional<String>.none, as: DocumentView.self)
        if options.json { return try options.printJSON(d) }
        print(describe(d))
        if let c = d.compartment, d.state == .withdrawing {
            print("Compartment \(compartmentName(c, label: d.label)) is open: take the document out and close the door; it leaves the books once the door is closed.")
        }
    }
}

struct Expired: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "List expired documents, or collect them back to the counter.",
        discussion: """
        With --collect the compartments open one after another: take each document out and close its \
        door, then the next one opens.

        Examples:
          amtomat expired
          amtomat expired --collect
        """)
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Open each expired document's compartment in turn and mark it returned.") var collect = false

    func execute() async throws {
        let docs = try await options.get("/documents?state=expired", as: [DocumentView].self)
        guard collect else {
            if options.json { return try options.printJSON(docs) }
            if docs.isEmpty { print("No expired documents.") }
            for d in docs { print(describe(d)) }
            return
        }
        var returned: [DocumentView] = []
        for (i, d) in docs.enumerated() {
            let done = try await options.post("/documents/\(encodePath(d.reference))/return", Optional<String>.none, as: DocumentView.self)
            returned.append(done)
            guard let c = done.compartment else { continue }
            progress("[\(i + 1)/\(docs.count)] Compartment \(compartmentName(c, label: done.label)) is open: take \(d.reference) and close the door.")
            while true {
                let answer = try await options.post("/compartments/\(c.rawValue)/await-closed?wait=20", Optional<String>.none, as: [String: Bool].self)
                if answer["closed"] == true { break }
                progress("Waiting for compartment \(compartmentName(c, label: done.label)) to be closed…")
            }
        }
        if options.json { return try options.printJSON(returned) }
        print(returned.isEmpty ? "No expired documents." : "\(counted(returned.count, "document")) returned to the counter.")
    }
}

struct Status: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the locker: compartments, doors, documents, and your roles.",
        discussion: "Example:\n  amtomat status --json")
    @OptionGroup var options: GlobalOptions

    func execute() async throws {
        let s = try await options.get("/status", as: StatusView.self)
        if options.json { return try options.printJSON(s) }
        print("\(s.locker) · backend \(s.backend) · amtomatd \(s.version)")
        print("You are \(s.you) (\(s.roles.joined(separator: ", "))).")
        let counts = Dictionary(grouping: s.compartments, by: \.state).mapValues(\.count)
        print("Compartments: " + CompartmentState.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", "))
        let documents = s.documents.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        print("Documents: " + (documents.isEmpty ? "none" : documents.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
        let terminal = s.terminal ?? TerminalStatus(slowedSeconds: 0, attemptsLeft: s.terminalFreeAttempts)
        if terminal.slowedSeconds > 0 {
            print("Terminal: SLOWED after wrong codes — the next attempt is taken in \(spoken(seconds: terminal.slowedSeconds)); a clerk can clear it with 'amtomat throttle reset'.")
        } else {
            print("Terminal: ready; \(counted(terminal.attemptsLeft, "wrong attempt")) left before it slows down.")
        }
        if let n = s.notifications {
            print("Notifications: \(n.waiting) waiting, \(n.failed) failed\(n.failed > 0 ? " — see 'amtomat notifications'" : "").")
        }
        if let page = s.kioskPage { print(kioskScreenLine(page)) }
        let open = s.openDoors ?? []
        print(open.isEmpty ? "Open doors: none" : "Open doors:")
        for door in open {
            let holds = door.reference.map { " — holds \($0)" } ?? " — empty"
            print("  \(compartmentName(door.compartment, label: door.label)) open for \(spoken(seconds: door.seconds))\(holds)\(door.leftOpen ? " — LEFT OPEN, close it" : "")")
        }
        for c in s.compartments where c.state == .blocked || c.door == .unknown {
            print("  compartment \(compartmentName(c.id, label: c.label)): \(c.state.rawValue), door \(c.door.rawValue)\(c.blockReason.map { " — \($0)" } ?? "")")
        }
    }
}

struct Throttle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "See or clear the kiosk terminal's slowdown after wrong codes.",
        discussion: "After a few wrong codes the terminal waits a little before taking the next one (a minute at most). 'amtomat status' shows it; a clerk who knows the cause (a child at the keypad, a citizen who mixed up two codes) can clear it. Clearing is audited.\n\nExamples:\n  amtomat throttle\n  amtomat throttle reset",
        subcommands: [Show.self, Reset.self], defaultSubcommand: Show.self)

    struct Show: LockerCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Say whether the terminal is slowed, and for how long.")
        @OptionGroup var options: GlobalOptions
        func execute() async throws {
            let s = try await options.get("/status", as: StatusView.self)
            let terminal = s.terminal ?? TerminalStatus(slowedSeconds: 0, attemptsLeft: s.terminalFreeAttempts)
            if options.json { return try options.printJSON(terminal) }
            print(terminal.slowedSeconds > 0
                ? "The terminal is slowed: the next attempt is taken in \(spoken(seconds: terminal.slowedSeconds)). Clear it with 'amtomat throttle reset'."
                : "The terminal is not slowed; \(counted(terminal.attemptsLeft, "wrong attempt")) left before it slows down.")
        }
    }

    struct Reset: LockerCommand {
        static let configuration = CommandConfiguration(commandName: "reset", abstract: "Clear the slowdown at once (clerks; audited).")
        @OptionGroup var options: GlobalOptions
        func execute() async throws {
            let terminal = try await options.post("/terminal/throttle/reset", Optional<String>.none, as: TerminalStatus.self)
            if options.json { return try options.printJSON(terminal) }
            print("The terminal takes codes again; \(counted(terminal.attemptsLeft, "wrong attempt")) left before it slows down.")
        }
    }
}

/// The page reports every 10 s and the kiosk's start script restarts a browser silent for 45 s; a
/// minute without a report means the screen shows no working page (docs/kiosk.md, "The page watch").
func kioskScreenLine(_ page: KioskPageReport) -> String {
    guard let age = page.secondsSinceLastReport.map({ Int($0.rounded()) }) else {
        return "Kiosk screen: NO REPORT from the kiosk page since amtomatd started — check the screen and 'systemctl status amtomat-kiosk'."
    }
    if age < 60 { return "Kiosk screen: the page reported \(spoken(seconds: age)) ago." }
    return "Kiosk screen: SILENT for \(spoken(seconds: age)) — check the screen and 'systemctl status amtomat-kiosk'."
}
