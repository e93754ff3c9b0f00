import AmtomatCore
import Testing
@testable import AmtomatConfig

/// Each broken file yields a diagnostic on the line marked `# <-`, with a sentence saying what to do.
@Suite struct DiagnosticTests {
    /// Checks the diagnostic about `fragment`: its line is the marked one, and it has a fix sentence.
    func expectDiagnostic(_ fragment: String, in text: String, fixMentions: String? = nil,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        guard let found = diagnostic(fragment, in: text, sourceLocation: sourceLocation) else { return }
        #expect(found.line == line(in: text), "\(found)", sourceLocation: sourceLocation)
        #expect(found.fix.first?.isUppercase == true && found.fix.hasSuffix("."), "\(found)", sourceLocation: sourceLocation)
        if let fixMentions {
            #expect(found.fix.contains(fixMentions), "\(found)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Syntax

    @Test func syntaxErrorHasLineAndColumn() {
        let text = """
            [locker]
            name = "Rathaus"
            [kiosk]
            port = 80 80 # <-
            """
        let all = diagnostics(text)
        #expect(all.count == 1)
        #expect(all.first?.line == 4)
        #expect(all.first?.column == 11)
        #expect(all.first?.problem.contains("syntax error") == true)
        #expect(all.first?.fix.isEmpty == false)
    }

    @Test func unquotedStringIsASyntaxErrorWithAHint() {
        let text = minimalLocker + "\nlabel = A1 # <-"
        expectDiagnostic("syntax error", in: text, fixMentions: "double quotes")
    }

    @Test func repeatedKeyIsASyntaxError() {
        let text = minimalLocker + "\nsize = \"M\" # <-"
        expectDiagnostic("redefine", in: text, fixMentions: "only once")
    }

    // MARK: Compartments

    @Test func missingRequiredField() {
        let text = """
            [[compartment]] # <-
            id = 4
            column = 1
            row = 1
            """
        expectDiagnostic("compartment 4 has no size", in: text, fixMentions: "size = \"S\"")
    }

    @Test func missingIDNamesTheCompartmentByPosition() {
        let text = minimalLocker + """

            [[compartment]] # <-
            column = 2
            row = 1
            size = "M"
            """
        expectDiagnostic("[[compartment]] number 2 has no id", in: text, fixMentions: "id = 2")
    }

    @Test func wrongType() {
        let text = """
            [[compartment]]
            id = 4
            column = 1
            row = 1
            size = 3 # <-
            """
        expectDiagnostic("size must be a string such as \"M\"", in: text, fixMentions: "double quotes")
    }

    @Test func unknownSize() {
        let text = """
            [[compartment]]
            id = 4
            column = 1
            row = 1
            size = "XL" # <-
            """
        expectDiagnostic("size \"XL\" is unknown", in: text, fixMentions: "\"S\", \"M\" or \"L\"")
    }

    @Test func duplicateIDNamesTheFirst() {
        let text = """
            [[compartment]]
            id = 5
            column = 1
            row = 1
            size = "S"

            [[compartment]]
            id = 5 # <-
            column = 2
            row = 1
            size = "S"
            """
        expectDiagnostic("id 5 is used twice", in: text, fixMentions: "6")
        #expect(diagnostic("id 5 is used twice", in: text)?.problem.contains("line 2") == true)
    }

    @Test func twoCompartmentsAtOnePlace() {
        let text = """
            [[compartment]]
            id = 1
            column = 3
            row = 2
            size = "S"

            [[compartment]]
            id = 2
            column = 3 # <-
            row = 2
            size = "S"
            """
        expectDiagnostic("compartment 2 is at column 3, row 2, where compartment 1 already is (line 3)", in: text)
    }

    @Test func oneLineUsedTwiceNamesBothPlaces() {
        let text = """
            [daemon]
            backend = "gpiod"

            [[compartment]]
            id = 1
            column = 1
            row = 1
            size = "S"
            lock = { chip = "gpiochip0", line = 17 }
            door = { chip = "gpiochip0", line = 27 }

            [[compartment]]
            id = 2
            column = 2
            row = 1
            size = "S"
            lock = { chip = "gpiochip0", line = 18 }
            door = { chip = "gpiochip0", line = 17 } # <-
            """
        expectDiagnostic("gpiochip0 line 17 is used by the door of compartment 2 and already by the lock of compartment 1 (line 9)",
                         in: text, fixMentions: "only one lock or door")
    }

    @Test func lineNamesCollideToo() {
        let text = """
            [[compartment]]
            id = 1
            column = 1
            row = 1
            size = "S"
            door = { chip = "pinctrl-bcm2711", line = "GPIO5" }

            [[compartment]]
            id = 2
            column = 2
            row = 1
            size = "S"
            door = { chip = "pinctrl-bcm2711", line = "GPIO5", active_low = true } # <-
            """
        expectDiagnostic("pinctrl-bcm2711 line \"GPIO5\" is used by the door of compartment 2", in: text)
    }

    @Test func lockAndDoorOnOneLine() {
        let text = """
            [[compartment]]
            id = 3
            column = 1
            row = 1
            size = "S"
            lock = { chip = "gpiochip0", line = 4 }
            door = { chip = "gpiochip0", line = 4 } # <-
            """
        expectDiagnostic("the lock and the door of compartment 3 are both on gpiochip0 line 4", in: text)
    }

    @Test func unknownKeyWithSuggestion() {
        let text = """
            [[compartment]]
            id = 4
            column = 1
            row = 1
            size = "S"
            wheelchiar = true # <-
            """
        expectDiagnostic("unknown key 'wheelchiar' in compartment 4; did you mean 'wheelchair'?", in: text,
                         fixMentions: "'wheelchair'")
        #expect(diagnostics(text).first?.description
            == "<config>:6:1: unknown key 'wheelchiar' in compartment 4; did you mean 'wheelchair'? Rename it to 'wheelchair'.")
    }

    @Test func unknownKeyWithoutSuggestionListsTheKnownOnes() {
        let text = "[kiosk]\nfullscreen = true # <-\n" + minimalLocker
        expectDiagnostic("unknown key 'fullscreen' in [kiosk]", in: text, fixMentions: "host, port, idle_timeout_seconds, demo")
    }

    @Test func unknownKeyInsideAnInlineTableHasItsColumn() {
        let text = minimalLocker + "\nlock = { chip = \"gpiochip0\", line = 17, bais = \"pull-up\" } # <-"
        guard let found = diagnostic("unknown key 'bais' in the lock of compartment 1; did you mean 'bias'?", in: text) else { return }
        #expect(found.line == line(in: text))
        #expect(found.column == 41)
    }

    @Test func misspeltSection() {
        let text = minimalLocker + "\n[kisok] # <-\nport = 8081"
        expectDiagnostic("unknown table [kisok] in the file; did you mean [kiosk]?", in: text)
    }

    @Test func compartmentsWrittenAsPlural() {
        let text = "[[compartments]] # <-\nid = 1\ncolumn = 1\nrow = 1\nsize = \"S\"\n"
        expectDiagnostic("did you mean [[compartment]]?", in: text)
        #expect(diagnostic("no compartments", in: text)?.line == nil)
    }

    @Test func pulseAboveTheCeiling() {
        let text = minimalLocker + "\npulse_ms = 2500 # <-"
        expectDiagnostic("pulse_ms must be from 1 to 2000, not 2500", in: text, fixMentions: "2000 ms")
    }

    @Test func pulseBelowOne() {
        let text = "[locker.coil]\npulse_ms = 0 # <-\n" + minimalLocker
        expectDiagnostic("in [locker.coil], pulse_ms must be from 1 to 2000, not 0", in: text)
    }

    @Test func noCompartments() {
        let all = diagnostics("[locker]\nname = \"Leer\"\n")
        #expect(all.count == 1)
        #expect(all.first?.problem == "the locker has no compartments")
        #expect(all.first?.line == nil)
        #expect(all.first?.fix.contains("[[compartment]]") == true)
    }

    @Test func gpiodNeedsLockAndDoor() {
        let text = """
            [daemon]
            backend = "gpiod"

            [[compartment]] # <-
            id = 9
            column = 1
            row = 1
            size = "S"
            """
        expectDiagnostic("compartment 9 has no lock line", in: text, fixMentions: "lock = {")
        expectDiagnostic("compartment 9 has no door sensor line", in: text, fixMentions: "door = {")
    }

    // MARK: Settings

    @Test func kioskHostMustBeLoopback() {
        let text = "[kiosk]\nhost = \"0.0.0.0\" # <-\n" + minimalLocker
        expectDiagnostic("host \"0.0.0.0\" is not a loopback address", in: text, fixMentions: "127.0.0.1")
    }

    @Test(arguments: ["192.168.1.10", "128.0.0.1", "::", "kiosk.rathaus.local", "::ffff:127.0.0.1"])
    func nonLoopbackHostsAreRefused(host: String) {
        let text = "[kiosk]\nhost = \"\(host)\" # <-\n" + minimalLocker
        expectDiagnostic("is not a loopback address", in: text)
    }

    @Test func demoOnlyWithTheSimulatedBackend() {
        let text = """
            [daemon]
            backend = "gpiod"
            [kiosk]
            demo = true # <-
            [[compartment]]
            id = 1
            column = 1
            row = 1
            size = "S"
            lock = { chip = "gpiochip0", line = 1 }
            door = { chip = "gpiochip0", line = 2 }
            """
        expectDiagnostic("demo = true is not allowed with backend \"gpiod\"", in: text)
        #expect(diagnostics(text).count == 1)
    }

    @Test func unknownBackend() {
        let text = "[daemon]\nbackend = \"gpio\" # <-\n" + minimalLocker
        expectDiagnostic("backend \"gpio\" is unknown", in: text, fixMentions: "did you mean \"gpiod\"?")
    }

    @Test func maxHoldDaysBelowDefault() {
        let text = "[codes]\ndefault_hold_days = 14\nmax_hold_days = 7 # <-\n" + minimalLocker
        expectDiagnostic("max_hold_days (7) is less than default_hold_days (14)", in: text)
    }

    @Test func unknownDocumentKind() {
        let text = "[codes]\nsecond_factor_kinds = [\"passport\", \"idcard\"] # <-\n" + minimalLocker
        expectDiagnostic("second_factor_kinds lists \"idcard\", which is not a document kind", in: text,
                         fixMentions: "did you mean \"id-card\"?")
    }

    @Test func guessingTargetMissed() throws {
        let text = "[codes]\nlength = 8 # <-\n" + minimalLocker
        expectDiagnostic("8-digit pickup codes are too easy to guess", in: text)
        let found = try #require(diagnostic("too easy to guess", in: text))
        let bound = GuessingBound(codeLength: 8, holdDays: 28, throttle: TerminalThrottle.Policy(), secondFactorAttempts: 5)
        #expect(abs(bound.chanceWithoutSecondFactor - 40_329.0 * 608 / 1e8) < 1e-9)
        #expect(found.problem.contains("allows 40329 wrong codes") && found.problem.contains("2.5e-01 (about 1 in 4)"))
        #expect(found.fix.contains("length = \(bound.shortestSafeCodeLength) or more"))
    }

    @Test func generousThrottleMissesTheTargetToo() {
        let text = "[throttle]\nfree_attempts = 1000000 # <-\n" + minimalLocker
        expectDiagnostic("too easy to guess", in: text, fixMentions: "length = 15")
    }

    @Test func invalidCodeLengthIsNotAlsoReportedAsGuessable() {
        let all = diagnostics("[codes]\nlength = 4\n" + minimalLocker)
        #expect(all.count == 1)
        #expect(all.first?.problem == "in [codes], length must be from 6 to 20, not 4")
    }

    @Test func numbersWhereNumbersBelong() {
        let text = "[doors]\nopen_timeout_seconds = \"3\" # <-\n" + minimalLocker
        expectDiagnostic("open_timeout_seconds must be a number such as 3, not a string", in: text, fixMentions: "without quotes")
    }

    @Test func sectionThatIsNotATable() {
        let text = "kiosk = 8080 # <-\n" + minimalLocker
        expectDiagnostic("kiosk must be a table, not an integer", in: text, fixMentions: "[kiosk]")
    }

    // MARK: Many problems at once

    @Test func everyProblemIsReportedInFileOrder() {
        let text = """
            [daemon]
            backend = "gpiod"

            [kiosk]
            host = "10.0.0.5"
            demo = true

            [codes]
            default_hold_days = 30

            [[compartment]]
            id = 1
            column = 1
            row = 1
            size = "XS"
            lock = { chip = "gpiochip0", line = 5 }
            door = { chip = "gpiochip0", line = 6 }

            [[compartment]]
            id = 1
            colum = 2
            row = 1
            size = "M"
            pulse_ms = 5000
            lock = { chip = "gpiochip0", line = 6 }
            """
        let all = diagnostics(text)
        let expected: [(Int?, String)] = [
            (5, "host \"10.0.0.5\" is not a loopback address"),
            (6, "demo = true is not allowed"),
            (9, "max_hold_days (28) is less than default_hold_days (30)"),
            (15, "size \"XS\" is unknown"),
            (19, "compartment 1 has no column"),
            (19, "compartment 1 has no door sensor line"),
            (20, "id 1 is used twice"),
            (21, "unknown key 'colum' in compartment 1; did you mean 'column'?"),
            (24, "pulse_ms must be from 1 to 2000, not 5000"),
            (25, "gpiochip0 line 6 is used by the lock of compartment 1 and already by the door of compartment 1 (line 17)"),
        ]
        #expect(all.count == expected.count, "\(all.map(\.description).joined(separator: "\n"))")
        for (line, fragment) in expected {
            #expect(all.contains { $0.line == line && $0.problem.contains(fragment) }, "line \(line ?? 0): \(fragment)")
        }
        #expect(all.map { $0.line ?? .max } == all.map { $0.line ?? .max }.sorted())
    }
}
