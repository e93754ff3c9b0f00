import AmtomatCore
import Foundation
import TOMLKit

/// Reads the one TOML file that describes the locker and the daemon's settings.
///
/// Reading never stops at the first problem: every problem found is reported, each with its line
/// and a sentence saying what to change, so a technician can fix the whole file in one go.
/// (A syntax error is the exception: the TOML parser stops there, so it is reported alone.)
public enum ConfigLoader {
    public static func load(path: String) throws(ConfigError) -> AmtomatConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, diagnostics: [unreadable(path)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, diagnostics: [ConfigDiagnostic(
                problem: "the file is not UTF-8 text", fix: "Save it with UTF-8 encoding.")])
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String = "<config>") throws(ConfigError) -> AmtomatConfiguration {
        // toml++ reads a C string, so text after a NUL byte would be silently ignored.
        if let nul = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex(where: { $0.contains("\0") }) {
            throw ConfigError(file: file, diagnostics: [ConfigDiagnostic(
                line: nul + 1, problem: "the file contains a NUL byte",
                fix: "Remove it; a configuration file holds only text.")])
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, diagnostics: [syntaxDiagnostic(error)])
        } catch {
            throw ConfigError(file: file, diagnostics: [ConfigDiagnostic(
                problem: "the TOML parser failed: \(error)", fix: "Check the file's TOML syntax.")])
        }
        let log = DiagnosticLog(locator: SourceLocator(text))
        let base = file.hasPrefix("<") ? FileManager.default.currentDirectoryPath
            : URL(fileURLWithPath: file).deletingLastPathComponent().path
        let configuration = DocumentReader(root: root, log: log, baseDirectory: base).read()
        guard log.diagnostics.isEmpty else { throw ConfigError(file: file, diagnostics: log.sorted) }
        return configuration
    }

    public static func defaults(locker: LockerDescription) -> AmtomatConfiguration {
        AmtomatConfiguration(locker: locker, settings: DaemonSettings())
    }

    private static func unreadable(_ path: String) -> ConfigDiagnostic {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            return ConfigDiagnostic(problem: "the configuration file does not exist",
                                    fix: "Check the path, or start from one of the examples in hardware/.")
        }
        if isDirectory.boolValue {
            return ConfigDiagnostic(problem: "this is a directory, not a configuration file",
                                    fix: "Give the path of the TOML file itself.")
        }
        return ConfigDiagnostic(problem: "the configuration file cannot be read",
                                fix: "Check its permissions: the user the daemon runs as must be allowed to read it.")
    }

    private static func syntaxDiagnostic(_ error: TOMLParseError) -> ConfigDiagnostic {
        // toml++ prefixes its messages with "Error while parsing …: "; the rest says what it expected.
        var message = error.description
        if message.hasPrefix("Error while parsing "), let colon = message.firstIndex(of: ":") {
            let what = message[message.index(message.startIndex, offsetBy: 20) ..< colon]
            message = "TOML syntax error in \(what):" + message[message.index(after: colon)...]
        } else {
            message = "TOML syntax error: " + message
        }
        while message.last == "." || message.last == " " { message.removeLast() }
        return ConfigDiagnostic(line: error.source.begin.line, column: error.source.begin.column,
                                problem: message, fix: syntaxHint(for: message))
    }

    /// A fix for the syntax errors people make most; toml++ says what it saw, this says what to do.
    private static func syntaxHint(for message: String) -> String {
        let hints: [(String, String)] = [
            ("redefine", "Each key and each [table] may appear only once; remove or rename the repeated one, and write every compartment as [[compartment]]."),
            ("expected value", "Give the key a value: a number, \"text in double quotes\", true or false."),
            ("could not determine value type", "Put text values in double quotes, for example size = \"M\"."),
            ("expected bare key", "Write keys as plain words such as pulse_ms; put text values in double quotes."),
            ("control characters", "Close the string with a double quote on the same line."),
            ("end-of-file", "Close the string, bracket or brace that is still open."),
            ("expected a comment or whitespace", "Put each key = value on a line of its own, and text values in double quotes."),
        ]
        return hints.first { message.contains($0.0) }?.1
            ?? "Correct the TOML syntax here: keys are plain words, text values need double quotes, and [headers] stand on a line of their own."
    }
}

/// Walks the parsed document section by section; problems go to `log`, defaults fill the gaps.
struct DocumentReader {
    let root: TOMLTable
    let log: DiagnosticLog
    let top: TableReader
    /// The configuration file's folder: relative paths in it ([survey] questions, [kiosk] files) start here.
    let baseDirectory: String

    init(root: TOMLTable, log: DiagnosticLog, baseDirectory: String = FileManager.default.currentDirectoryPath) {
        self.root = root
        self.log = log
        self.baseDirectory = baseDirectory
        top = TableReader(root, place: .path([]), name: "the file", log: log)
    }

    func read() -> AmtomatConfiguration {
        let (name, coil) = readLocker()
        var settings = DaemonSettings()
        let daemon = section("daemon")
        settings.backend = daemon.choice("backend", of: DaemonSettings.Backend.allCases) ?? settings.backend
        settings.stateDirectory = daemon.string("state_dir", example: "/var/lib/amtomat") ?? settings.stateDirectory
        settings.allowWeakCodesForTests = daemon.bool("allow_weak_codes_for_tests") ?? false
        daemon.finishReading()
        settings.control = readControl()
        settings.kiosk = readKiosk(backend: settings.backend)

        // The guessing bound is judged only on values that are themselves valid, so one slip does
        // not bring a second, confusing diagnostic with it.
        let before = log.diagnostics.count
        settings.codes = readCodes()
        settings.throttle = readThrottle()
        if log.diagnostics.count == before && !settings.allowWeakCodesForTests {
            checkGuessingBound(settings.codes, settings.throttle)
        }

        settings.doors = readDoors()
        settings.office = readOffice()
        settings.retention = readRetention(maxHoldDays: settings.codes.maxHoldDays)
        settings.notify = readNotify()
        if settings.notify.demoInbox != nil && !settings.kiosk.demo {
            log.report("in [notify], demo_inbox is set but [kiosk] demo is off", fix: "Remove demo_inbox: it belongs to the demonstration locker (bash hardware/demo) only.",
                       at: "demo_inbox", in: .path(["notify"]))
        }
        settings.surveyQuestions = readSurvey()
        // Compartments last: whether they need GPIO lines depends on the backend.
        let compartments = readCompartments(backend: settings.backend, coil: coil)
        top.finishReading()
        return AmtomatConfiguration(locker: LockerDescription(name: name, compartments: compartments, coil: coil),
                                    settings: settings)
    }

    /// A top-level section; an absent one reads as empty, so every value takes its default.
    func section(_ key: String) -> TableReader {
        let table = top.table(key, writtenAs: "a section of its own, [\(key)]") ?? TOMLTable()
        return TableReader(table, place: .path([key]), name: "[\(key)]", log: log)
    }

    static let pulseFix = "A lock coil overheats when energised too long; the daemon never drives one longer than \(CoilLimits.hardCeilingMilliseconds) ms, so choose 1 to \(CoilLimits.hardCeilingMilliseconds)."

    private func readLocker() -> (String, CoilLimits) {
        let locker = section("locker")
        let name = locker.string("name", example: "Rathaus Willich") ?? "Amt-o-Mat"
        let coil = TableReader(locker.table("coil", writtenAs: "[locker.coil]") ?? TOMLTable(),
                               place: .path(["locker", "coil"]), name: "[locker.coil]", log: log)
        let d = CoilLimits()
        let limits = CoilLimits(
            defaultPulseMilliseconds: coil.int("pulse_ms", in: 1...CoilLimits.hardCeilingMilliseconds, example: 300,
                                               rangeFix: Self.pulseFix) ?? d.defaultPulseMilliseconds,
            minimumOffMilliseconds: coil.int("min_off_ms", in: 0...Int.max, example: 1000) ?? d.minimumOffMilliseconds,
            gapBetweenPulsesMilliseconds: coil.int("gap_ms", in: 0...Int.max, example: 100) ?? d.gapBetweenPulsesMilliseconds,
            maxEnergisedAtOnce: coil.int("max_energised", in: 1...Int.max, example: 1,
                                         rangeFix: "At least one coil must be allowed to switch, or no door could open.")
                ?? d.maxEnergisedAtOnce)
        coil.finishReading()
        locker.finishReading()
        return (name, limits)
    }

    private func readControl() -> ControlSettings {
        let control = section("control")
        var result = ControlSettings()
        if let path = control.string("socket", example: result.socketPath) {
            // sockaddr_un holds 108 bytes including the final NUL; longer paths cannot be bound.
            if path.utf8.count > 107 {
                control.report("in [control], socket path is \(path.utf8.count) bytes long, but a Unix socket path may have at most 107",
                               fix: "Choose a shorter path, such as \(result.socketPath).", at: "socket")
            } else {
                result.socketPath = path
            }
        }
        result.socketGroup = control.group("socket_group", example: "amtomat")
        result.clerkGroup = control.group("clerk_group", example: result.clerkGroup) ?? result.clerkGroup
        result.technicianGroup = control.group("technician_group", example: result.technicianGroup) ?? result.technicianGroup
        result.notifierGroup = control.group("notifier_group", example: result.notifierGroup) ?? result.notifierGroup
        control.finishReading()
        return result
    }

    private func readKiosk(backend: DaemonSettings.Backend) -> KioskSettings {
        let kiosk = section("kiosk")
        var result = KioskSettings()
        if let host = kiosk.string("host", example: result.host) {
            if isLoopback(host) {
                result.host = host
            } else {
                kiosk.report("in [kiosk], host \"\(host)\" is not a loopback address",
                             fix: "Use host = \"127.0.0.1\" (or \"::1\" or \"localhost\"): the kiosk page opens doors, so only the terminal itself may reach it.",
                             at: "host")
            }
        }
        result.port = kiosk.int("port", in: 0...65535, example: 8080) ?? result.port
        result.idleTimeoutSeconds = kiosk.int("idle_timeout_seconds", in: 1...Int.max, example: 60) ?? result.idleTimeoutSeconds
        result.demo = kiosk.bool("demo") ?? result.demo
        result.raffleAnnouncement = kiosk.localizedText("raffle_announcement", example: "Die Gewinner hängen ab dem 1. jedes Monats im Foyer des Rathauses aus.")
        result.privateListening = kiosk.bool("private_listening") ?? result.privateListening
        if let speechIdle = kiosk.int("speech_idle_timeout_seconds", in: 1...Int.max, example: 180) {
            if speechIdle < result.idleTimeoutSeconds {
                kiosk.report("in [kiosk], speech_idle_timeout_seconds = \(speechIdle) is shorter than idle_timeout_seconds = \(result.idleTimeoutSeconds)",
                             fix: "Listening takes longer than reading: set speech_idle_timeout_seconds to at least \(result.idleTimeoutSeconds) (the default is 180).",
                             at: "speech_idle_timeout_seconds")
            } else {
                result.speechIdleTimeoutSeconds = speechIdle
            }
        } else if result.speechIdleTimeoutSeconds < result.idleTimeoutSeconds {
            result.speechIdleTimeoutSeconds = result.idleTimeoutSeconds
        }
        if let files = kiosk.string("files", example: "/usr/share/amtomat/kiosk") {
            let folder = resolve(files)
            if FileManager.default.isReadableFile(atPath: folder + "/index.html") {
                result.files = folder
            } else {
                kiosk.report("in [kiosk], files \"\(files)\" is not a folder with the kiosk page (no readable index.html in \(folder))",
                             fix: "Give the folder of the kiosk files, /usr/share/amtomat/kiosk when installed from the package, or leave the key out.",
                             at: "files")
            }
        }
        if result.demo && backend == .gpiod {
            kiosk.report("in [kiosk], demo = true is not allowed with backend \"gpiod\"",
                         fix: "Set demo = false, or use backend = \"simulated\" in [daemon] for a demonstration locker.", at: "demo")
        }
        kiosk.finishReading()
        return result
    }

    private func readCodes() -> CodeSettings {
        let codes = section("codes")
        var result = CodeSettings()
        result.length = codes.int("length", in: CodeSettings.lengthRange, example: 12) ?? result.length
        result.defaultHoldDays = codes.int("default_hold_days", in: 1...Int.max, example: 14) ?? result.defaultHoldDays
        result.maxHoldDays = codes.int("max_hold_days", in: 1...Int.max, example: 28) ?? result.maxHoldDays
        if result.maxHoldDays < result.defaultHoldDays {
            codes.report("in [codes], max_hold_days (\(result.maxHoldDays)) is less than default_hold_days (\(result.defaultHoldDays))",
                         fix: "Raise max_hold_days to at least \(result.defaultHoldDays), or lower default_hold_days.",
                         at: codes.has("max_hold_days") ? "max_hold_days" : "default_hold_days")
        }
        if let kinds = readDocumentKinds(codes) { result.secondFactor.kinds = kinds }
        result.rememberFinishedDays = codes.int("remember_finished_days", in: 0...365, example: 60,
                                                rangeFix: "Choose 0 to 365 days: long enough for a late citizen to learn where the document went, short enough to keep no more than needed (0 forgets at once).")
            ?? result.rememberFinishedDays
        result.secondFactor.maxFailures = codes.int("second_factor_max_failures", in: 1...Int.max, example: 5)
            ?? result.secondFactor.maxFailures
        codes.finishReading()
        return result
    }

    private func readDocumentKinds(_ codes: TableReader) -> Set<DocumentKind>? {
        let key = "second_factor_kinds"
        guard let raw = codes.value(key) else { return nil }
        let words = DocumentKind.allCases.map(\.rawValue)
        guard let array = raw.array else {
            return codes.typeMismatch(key, raw, expected: "a list of document kinds such as [\"passport\", \"id-card\"]",
                                      fix: "Write the kinds in square brackets, for example \(key) = [\"passport\", \"id-card\"].")
        }
        var kinds: Set<DocumentKind> = []
        var valid = true
        for item in array {
            if let word = item.string, let kind = DocumentKind(rawValue: word) {
                kinds.insert(kind)
                continue
            }
            valid = false
            let shown = item.string.map { "\"\($0)\"" } ?? item.debugDescription
            let hint = item.string.flatMap { closest(to: $0, among: words) }.map { " (did you mean \"\($0)\"?)" } ?? ""
            codes.report("in [codes], \(key) lists \(shown), which is not a document kind",
                         fix: "Use \(listing(words.map { "\"\($0)\"" }, or: true))\(hint).", at: key)
        }
        return valid ? kinds : nil
    }

    private func readThrottle() -> TerminalThrottle.Policy {
        let throttle = section("throttle")
        var result = TerminalThrottle.Policy()
        result.capacity = throttle.int("free_attempts", in: 1...Int.max, example: 5,
                                       rangeFix: "Allow at least one attempt, or nobody could ever collect a document.")
            ?? result.capacity
        result.refillSeconds = throttle.double("refill_seconds", in: 1...Double.greatestFiniteMagnitude, example: "60")
            ?? result.refillSeconds
        result.firstWaitSeconds = throttle.double("first_wait_seconds", in: 1...Double.greatestFiniteMagnitude, example: "5")
            ?? result.firstWaitSeconds
        throttle.finishReading()
        return result
    }

    /// The chance that someone at the terminal guesses a valid code within the longest hold period,
    /// for the largest locker in use, must stay under `GuessingBound.target`.
    private func checkGuessingBound(_ codes: CodeSettings, _ throttle: TerminalThrottle.Policy) {
        let bound = GuessingBound(codeLength: codes.length, activeCodes: GuessingBound.largestLocker,
                                  holdDays: codes.maxHoldDays, throttle: throttle,
                                  secondFactorAttempts: codes.secondFactor.maxFailures)
        guard !bound.meetsTarget else { return }
        let chance = bound.chanceWithoutSecondFactor
        let odds = chance >= 1 ? "certain" : "about 1 in \(Int((1 / chance).rounded()))"
        let problem = "\(codes.length)-digit pickup codes are too easy to guess: over \(codes.maxHoldDays) days the terminal allows \(format(bound.guessesAllowed)) wrong codes, so with up to \(GuessingBound.largestLocker) documents waiting the chance to open a compartment is \(String(format: "%.1e", chance)) (\(odds)), above the target of \(String(format: "%.0e", GuessingBound.target))"
        let slower = "shorten max_hold_days, or make the terminal slower with a larger [throttle] refill_seconds (which also lengthens the longest wait)"
        let shortest = bound.shortestSafeCodeLength
        let fix = shortest <= CodeSettings.lengthRange.upperBound
            ? "Set length = \(shortest) or more in [codes]; or \(slower)."
            : "Even \(CodeSettings.lengthRange.upperBound)-digit codes are not enough here; \(slower)."
        // Point at the setting most likely changed last: the code length, else the hold period, else the throttle.
        let places: [(String, SourceLocator.Table)] = [
            ("length", .path(["codes"])), ("max_hold_days", .path(["codes"])),
            ("free_attempts", .path(["throttle"])), ("refill_seconds", .path(["throttle"])), ("first_wait_seconds", .path(["throttle"])),
        ]
        let position = places.lazy.compactMap { self.log.locator.position(of: $0.0, in: $0.1) }.first
        log.report(problem, fix: fix, at: position)
    }

    private func readDoors() -> DoorSettings {
        let doors = section("doors")
        var result = DoorSettings()
        result.openTimeoutSeconds = doors.double("open_timeout_seconds", in: 0.1...60, example: "3") ?? result.openTimeoutSeconds
        result.unlockRetries = doors.int("unlock_retries", in: 0...5, example: 1,
                                         rangeFix: "Choose 0 to 5; a lock that does not open after a few pulses needs a technician, not more heat.")
            ?? result.unlockRetries
        result.leftOpenAlarmSeconds = doors.int("left_open_alarm_seconds", in: 1...Int.max, example: 120) ?? result.leftOpenAlarmSeconds
        result.debounceMilliseconds = doors.int("debounce_ms", in: 0...1000, example: 30) ?? result.debounceMilliseconds
        doors.finishReading()
        return result
    }

    /// An absolute path as it is; a relative one from the configuration file's folder.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardizedFileURL.path
    }

    /// `[survey] questions`: the questionnaire file must exist and be readable by the daemon's user;
    /// its content is checked by `amtomatd --check-config` (the survey's own rules live with the survey).
    private func readSurvey() -> String? {
        let survey = section("survey")
        defer { survey.finishReading() }
        guard let questions = survey.string("questions", example: "/etc/amtomat/survey.json") else { return nil }
        let path = resolve(questions)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue {
            survey.report("in [survey], questions names \"\(questions)\", but there is no such file (\(path))",
                          fix: "Give the path of the questionnaire, such as /etc/amtomat/survey.json; the shipped one is /usr/share/amtomat/survey.json.",
                          at: "questions")
            return nil
        }
        if !FileManager.default.isReadableFile(atPath: path) {
            survey.report("in [survey], the questionnaire \(path) cannot be read",
                          fix: "Let the daemon's user read it: chgrp amtomat \(path) && chmod 0640 \(path).",
                          at: "questions")
            return nil
        }
        return path
    }

    private func readOffice() -> OfficeContact {
        let office = section("office")
        var result = OfficeContact()
        result.name = office.string("name", example: "Bürgerbüro Willich") ?? result.name
        result.phone = office.string("phone", example: "02154 949-0", allowEmpty: true) ?? result.phone
        if let hours = office.localizedText("hours", example: "Mo–Fr 8–12 Uhr", allowEmpty: true) {
            result.hours = hours.text
            result.hoursByLanguage = hours.byLanguage
        }
        office.finishReading()
        return result
    }
}

extension DocumentReader {
    /// `[retention]`: days, each within `RetentionPolicy.dayRange`. Audit entries must outlive the
    /// longest hold period, or a waiting document's deposit would vanish from the log.
    func readRetention(maxHoldDays: Int) -> RetentionPolicy {
        let retention = section("retention")
        var result = RetentionPolicy()
        let range = RetentionPolicy.dayRange
        let rangeFix = "Choose \(range.lowerBound) to \(range.upperBound) days; docs/privacy.md explains the default of \(RetentionPolicy.defaultFinishedDocumentDays)."
        result.finishedDocumentDays = retention.int("finished_document_days", in: range, example: RetentionPolicy.defaultFinishedDocumentDays,
                                                    rangeFix: rangeFix) ?? result.finishedDocumentDays
        if let days = retention.int("audit_days", in: range, example: RetentionPolicy.defaultAuditDays, rangeFix: rangeFix) {
            if days <= maxHoldDays {
                retention.report("in [retention], audit_days (\(days)) is not longer than [codes] max_hold_days (\(maxHoldDays)), so a document still waiting in the locker could lose its deposit from the audit log",
                                 fix: "Set audit_days to more than \(maxHoldDays), for example \(max(RetentionPolicy.defaultAuditDays, maxHoldDays + 1)).",
                                 at: "audit_days")
            } else {
                result.auditDays = days
            }
        } else if result.auditDays <= maxHoldDays {
            log.report("[codes] max_hold_days (\(maxHoldDays)) is not shorter than the default [retention] audit_days (\(result.auditDays)), so a document still waiting in the locker could lose its deposit from the audit log",
                       fix: "Add audit_days = \(maxHoldDays + 1) or more to [retention].", at: "max_hold_days", in: .path(["codes"]))
        }
        retention.finishReading()
        return result
    }
}

/// 127.0.0.0/8, ::1 and "localhost": addresses only the machine itself can reach.
func isLoopback(_ host: String) -> Bool {
    var text = host.lowercased()
    if text == "localhost" { return true }
    if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 {
        return UInt32(bigEndian: v4.s_addr) >> 24 == 127
    }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 {
        return withUnsafeBytes(of: &v6) { Array($0) } == Array(repeating: 0, count: 15) + [1]
    }
    return false
}
