import Foundation
import TOMLKit

/// Collects diagnostics while the loader reads a parsed document, placing each with the locator.
final class DiagnosticLog {
    let locator: SourceLocator
    private(set) var diagnostics: [ConfigDiagnostic] = []

    init(locator: SourceLocator) { self.locator = locator }

    /// Reports a problem at `key` of `table` (or at the table itself when `key` is nil).
    func report(_ problem: String, fix: String, at key: String?, in table: SourceLocator.Table) {
        report(problem, fix: fix, at: locator.locate(key, in: table))
    }

    func report(_ problem: String, fix: String, at position: SourceLocator.Position? = nil) {
        diagnostics.append(ConfigDiagnostic(line: position?.line, column: position?.column, problem: problem, fix: fix))
    }

    /// In file order; problems without a line last. The sort is stable, so problems on one line
    /// stay in the order they were found.
    var sorted: [ConfigDiagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let (la, lb) = (a.element.line ?? .max, b.element.line ?? .max)
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }
}

/// Reads typed values from one TOML table, reporting missing, mistyped and out-of-range values.
///
/// Each read remembers its key, so `finishReading()` can report every other key as unknown
/// (with a suggestion when it looks like a typo) without a second list of known keys.
final class TableReader {
    let table: TOMLTable
    let place: SourceLocator.Table
    /// How messages name the table: "[kiosk]", "compartment 4", "the lock of compartment 4".
    var name: String
    let log: DiagnosticLog
    private var knownKeys: [String] = []

    init(_ table: TOMLTable, place: SourceLocator.Table, name: String, log: DiagnosticLog) {
        self.table = table
        self.place = place
        self.name = name
        self.log = log
    }

    func has(_ key: String) -> Bool { table[key] != nil }

    /// Reports a problem at `key` (its line if found, else the table's header).
    func report(_ problem: String, fix: String, at key: String? = nil) {
        log.report(problem, fix: fix, at: key, in: place)
    }

    /// The raw value of `key`; marks the key as known.
    func value(_ key: String) -> (any TOMLValueConvertible)? {
        if !knownKeys.contains(key) { knownKeys.append(key) }
        return table[key]
    }

    // MARK: Typed values. Each returns nil when the key is absent or its value was reported.

    func int(_ key: String, in range: ClosedRange<Int>, example: Int, rangeFix: String? = nil) -> Int? {
        guard let raw = value(key) else { return nil }
        guard let number = raw.int else {
            return typeMismatch(key, raw, expected: "a whole number such as \(example)",
                                fix: "Write a whole number without quotes, for example \(key) = \(example).")
        }
        return checkRange(key, number, range, fix: rangeFix)
    }

    /// A number; integers are accepted too, since `open_timeout_seconds = 3` is what people write.
    func double(_ key: String, in range: ClosedRange<Double>, example: String) -> Double? {
        guard let raw = value(key) else { return nil }
        guard let number = raw.double ?? raw.int.map(Double.init) else {
            return typeMismatch(key, raw, expected: "a number such as \(example)",
                                fix: "Write a number without quotes, for example \(key) = \(example).")
        }
        guard range.contains(number) else {
            report("in \(name), \(key) must be \(describe(range)), not \(format(number))",
                   fix: "Choose a value \(describe(range)).", at: key)
            return nil
        }
        return number
    }

    /// A string; empty strings are refused unless `allowEmpty`, since an empty name or path is a slip.
    func string(_ key: String, example: String, allowEmpty: Bool = false) -> String? {
        guard let raw = value(key) else { return nil }
        guard let text = raw.string else {
            return typeMismatch(key, raw, expected: "a string such as \"\(example)\"",
                                fix: "Put the value in double quotes, for example \(key) = \"\(example)\".")
        }
        if text.isEmpty && !allowEmpty {
            report("in \(name), \(key) is empty", fix: "Give a value such as \(key) = \"\(example)\", or leave the key out for the default.", at: key)
            return nil
        }
        return text
    }

    func bool(_ key: String) -> Bool? {
        guard let raw = value(key) else { return nil }
        guard let flag = raw.bool else {
            return typeMismatch(key, raw, expected: "true or false",
                                fix: "Write \(key) = true or \(key) = false, without quotes.")
        }
        return flag
    }

    /// A string that names one of a fixed set of values, such as a size or a backend.
    func choice<T: RawRepresentable>(_ key: String, of options: [T], example: T? = nil) -> T? where T.RawValue == String {
        let words = options.map(\.rawValue)
        guard let text = string(key, example: (example ?? options[0]).rawValue, allowEmpty: true) else { return nil }
        if let found = options.first(where: { $0.rawValue == text }) { return found }
        let hint = closest(to: text, among: words).map { " (did you mean \"\($0)\"?)" } ?? ""
        report("in \(name), \(key) \"\(text)\" is unknown",
               fix: "Use \(listing(words.map { "\"\($0)\"" }, or: true))\(hint).", at: key)
        return nil
    }

    /// A text for the kiosk: one string for every language, or a table with one per kiosk language.
    /// A table needs the German text, which also stands in for the languages it leaves out.
    func localizedText(_ key: String, example: String, allowEmpty: Bool = false) -> KioskText? {
        guard let raw = value(key) else { return nil }
        if raw.string != nil { return string(key, example: example, allowEmpty: allowEmpty).map { KioskText($0) } }
        let languages = KioskSettings.languages
        let form = "\(key) = { de = \"\(example)\", en = \"…\" }"
        guard let texts = raw.table else {
            return typeMismatch(key, raw, expected: "a string or a table of texts per language",
                                fix: "Write \(key) = \"\(example)\" for every language, or \(form).")
        }
        var byLanguage: [String: String] = [:]
        var ok = true
        for language in texts.keys.sorted() {
            guard languages.contains(language) else {
                report("in \(name), \(key) has a text for \"\(language)\", which the kiosk does not offer",
                       fix: "Use the language codes \(listing(languages, or: true)).", at: key)
                ok = false
                continue
            }
            guard let text = texts[language]?.string, allowEmpty || !text.isEmpty else {
                report("in \(name), the \"\(language)\" text of \(key) must be a non-empty string",
                       fix: "Write it in double quotes, as in \(form).", at: key)
                ok = false
                continue
            }
            byLanguage[language] = text
        }
        guard let german = byLanguage["de"] else {
            if ok {
                report("in \(name), \(key) has no German text \"de\"",
                       fix: "Add de = \"…\": it is shown in every language that has no text of its own, as in \(form).", at: key)
            }
            return nil
        }
        return ok ? KioskText(german, byLanguage: byLanguage) : nil
    }

    /// A group given by name or as a numeric gid; kept as text, the daemon resolves it.
    func group(_ key: String, example: String) -> String? {
        guard let raw = value(key) else { return nil }
        if let gid = raw.int {
            return checkRange(key, gid, 0...Int(UInt32.max - 1), fix: "A numeric gid is a whole number from 0 up.").map(String.init)
        }
        return string(key, example: example)
    }

    /// A sub-table (`[locker.coil]` or an inline table such as `lock = { … }`).
    func table(_ key: String, writtenAs form: String) -> TOMLTable? {
        guard let raw = value(key) else { return nil }
        guard let sub = raw.table else {
            return typeMismatch(key, raw, expected: "a table", fix: "Write it as \(form).")
        }
        return sub
    }

    /// Reports a value that is present but of the wrong type.
    func typeMismatch<T>(_ key: String, _ raw: any TOMLValueConvertible, expected: String, fix: String) -> T? {
        report("in \(name), \(key) must be \(expected), not \(article(raw.type))", fix: fix, at: key)
        return nil
    }

    private func checkRange(_ key: String, _ number: Int, _ range: ClosedRange<Int>, fix: String?) -> Int? {
        guard range.contains(number) else {
            report("in \(name), \(key) must be \(describe(range)), not \(number)",
                   fix: fix ?? "Choose a value \(describe(range)).", at: key)
            return nil
        }
        return number
    }

    /// Reports every key that was never asked for; a close known key is offered as the likely
    /// meaning. Keys are shown as they are written: 'key', [table] or [[table]].
    func finishReading() {
        for key in table.keys.sorted() where !knownKeys.contains(key) {
            let value = table[key]
            let form: (String) -> String = value?.type == .table ? { "[\($0)]" }
                : value?.array?.first?.type == .table ? { "[[\($0)]]" } : { "'\($0)'" }
            let what = value?.type == .table || value?.array?.first?.type == .table ? "table" : "key"
            if let guess = closest(to: key, among: knownKeys) {
                report("unknown \(what) \(form(key)) in \(name); did you mean \(form(guess))?",
                       fix: "Rename it to \(form(guess)).", at: key)
            } else {
                report("unknown \(what) \(form(key)) in \(name)",
                       fix: "Remove it; \(name) knows \(listing(knownKeys, or: false)).", at: key)
            }
        }
    }
}

// MARK: Wording

/// "from 1 to 2000", or "at least 1" when the range is open at the top.
func describe(_ range: ClosedRange<Int>) -> String {
    range.upperBound == .max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
}

func describe(_ range: ClosedRange<Double>) -> String {
    range.upperBound == .greatestFiniteMagnitude
        ? "at least \(format(range.lowerBound))" : "from \(format(range.lowerBound)) to \(format(range.upperBound))"
}

/// 3.0 prints as "3", 0.5 as "0.5".
func format(_ number: Double) -> String {
    number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
}

func article(_ type: TOMLType) -> String {
    switch type {
    case .int: "an integer"
    case .array: "an array"
    case .bool: "a boolean (true/false)"
    case .double: "a floating-point number"
    case .string: "a string"
    case .table: "a table"
    case .date: "a date"
    case .time: "a time"
    case .dateTime: "a date-time"
    }
}

/// "a, b or c" / "a, b and c".
func listing(_ words: [String], or: Bool) -> String {
    guard words.count > 1 else { return words.first ?? "nothing" }
    return words.dropLast().joined(separator: ", ") + (or ? " or " : " and ") + words[words.count - 1]
}

/// The candidate a typo most likely meant: within a few edits (more for longer words), ignoring
/// case and `-` versus `_`. Nil when nothing is close, so unrelated keys get no silly suggestion.
func closest(to word: String, among candidates: [String]) -> String? {
    func normal(_ s: String) -> [Character] { Array(s.lowercased().replacingOccurrences(of: "-", with: "_")) }
    let typed = normal(word)
    let allowed = max(1, min(3, typed.count / 3))
    let scored = candidates.map { ($0, editDistance(typed, normal($0))) }.filter { $0.1 <= allowed }
    return scored.min { $0.1 < $1.1 }?.0
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring letters ("wheelchiar") each count one.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}
