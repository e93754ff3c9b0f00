/// Finds the line (and column) where a table or key is written, by scanning the TOML text.
///
/// TOMLKit (toml++ underneath) reports positions only for syntax errors: the values of a parsed
/// document carry none. Semantic problems ("unknown size", "duplicate id") still deserve a line
/// number, so this locator reads the text once and remembers every table header and every
/// `key = value` line. It only ever sees text TOMLKit has accepted, so it need not detect errors;
/// it only has to skip what could look like a header or a key but is not: strings, comments and
/// the continuation lines of multi-line arrays, inline tables and strings.
///
/// When a key cannot be found (say it came from an unusual dotted form), `locate` falls back to
/// the header of its table, then to the table above.
struct SourceLocator {
    struct Position: Equatable, Sendable {
        var line: Int
        var column: Int
    }

    /// A table as the configuration reader sees it.
    enum Table: Equatable, Sendable {
        /// A table by dotted path: [] is the top level, ["locker", "coil"] is [locker.coil].
        case path([String])
        /// The `index`-th (0-based) `[[name]]` element, or a table inside it (`inner` = ["lock"]).
        case element(String, index: Int, inner: [String])

        /// The table that contains this one; nil at the top.
        var parent: Table? {
            switch self {
            case .path(let p): p.isEmpty ? nil : .path(Array(p.dropLast()))
            case .element(let name, let index, let inner):
                inner.isEmpty ? .path([]) : .element(name, index: index, inner: Array(inner.dropLast()))
            }
        }

        /// The table's own name, as a key of its parent.
        var lastComponent: String? {
            switch self {
            case .path(let p): p.last
            case .element(_, _, let inner): inner.last
            }
        }
    }

    /// A `key = value` line: the dotted key as written and the line's characters, kept so keys
    /// inside a one-line inline table (`lock = { chip = "…", line = 17 }`) can be found too.
    private struct Entry {
        var key: [String]
        var position: Position
        var text: [Character]
        var valueStart: Int
    }

    /// The lines from one table header to the next. The first section is the top level.
    private struct Section {
        var path: [String]
        var isArray: Bool
        var header: Position?
        var entries: [Entry] = []
    }

    private var sections: [Section] = [Section(path: [], isArray: false, header: nil)]

    init(_ text: String) {
        // Carried from line to line: inside a multi-line string, or inside open brackets/braces.
        // Only lines that start outside both are headers or keys.
        var openString: String?
        var depth = 0
        // "\r\n" is a single Character in Swift, so it needs its own test.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, lineText) in lines.enumerated() {
            let chars = Array(lineText)
            if openString == nil && depth == 0 {
                classify(chars, line: index + 1)
            }
            Self.scan(chars, openString: &openString, depth: &depth)
        }
    }

    // MARK: Looking things up

    /// Where `key` of `table` is written; else the table's header; else its parent's, and so on.
    func locate(_ key: String?, in table: Table) -> Position? {
        if let key, let found = position(of: key, in: table) { return found }
        if let header = header(of: table) { return header }
        return table.parent.flatMap { locate(nil, in: $0) }
    }

    /// Where a table begins: its `[header]`, or the key that defines it (`coil = { … }`).
    func header(of table: Table) -> Position? {
        if case .element(let name, let index, let inner) = table, inner.isEmpty {
            return elementSections(name, index).first?.section.header
        }
        guard let parent = table.parent, let name = table.lastComponent else { return nil }
        return position(of: name, in: parent)
    }

    /// Where `key` of `table` is written, or nil.
    func position(of key: String, in table: Table) -> Position? {
        // The key's full path in the table's coordinates, the sections that may hold it (each with
        // the path its header already contributes), and a header that may define it as a table.
        let target: [String]
        let candidates: [(section: Section, base: [String])]
        let ownHeader: Section?
        switch table {
        case .path(let path):
            target = path + [key]
            candidates = sections.filter { !$0.isArray && path.starts(with: $0.path) }.map { ($0, $0.path) }
            ownHeader = sections.first { $0.path == target }
        case .element(let name, let index, let inner):
            target = inner + [key]
            candidates = elementSections(name, index)
            ownHeader = candidates.first { $0.base == target }?.section
        }
        // Written as a table of its own: `[kisok]`, `[locker.coil]`, `[[compartments]]`.
        if let header = ownHeader?.header { return header }
        for (section, base) in candidates where target.starts(with: base) {
            let rest = Array(target.dropFirst(base.count))
            for entry in section.entries {
                if entry.key == rest { return entry.position }
                // `lock = { chip = "…" }`: the key sits inside the inline table of its parent key.
                if entry.key.count + 1 == rest.count, rest.starts(with: entry.key),
                   let column = Self.inlineKeyColumn(rest[rest.count - 1], in: entry) {
                    return Position(line: entry.position.line, column: column)
                }
            }
        }
        return nil
    }

    /// The `index`-th `[[name]]` section, then the `[name.sub]` sections that belong to it.
    private func elementSections(_ name: String, _ index: Int) -> [(section: Section, base: [String])] {
        var seen = -1
        var result: [(section: Section, base: [String])] = []
        for section in sections {
            if section.isArray && section.path == [name] {
                seen += 1
                if seen > index { break }
                if seen == index { result.append((section, [])) }
            } else if seen == index {
                guard section.path.first == name, !section.isArray else { break }
                result.append((section, Array(section.path.dropFirst())))
            }
        }
        return result
    }

    // MARK: Reading the text

    /// Records a header or a key line.
    private mutating func classify(_ chars: [Character], line: Int) {
        guard let start = chars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return }
        let position = Position(line: line, column: start + 1)
        if chars[start] == "[" {
            let isArray = start + 1 < chars.count && chars[start + 1] == "["
            if let (path, _) = Self.dottedKey(chars, from: start + (isArray ? 2 : 1)) {
                sections.append(Section(path: path, isArray: isArray, header: position))
            }
        } else if let (key, end) = Self.dottedKey(chars, from: start), end < chars.count, chars[end] == "=" {
            sections[sections.count - 1].entries.append(
                Entry(key: key, position: position, text: chars, valueStart: end + 1))
        }
    }

    /// Reads `a.b."c d"` starting at `from` (spaces allowed around parts and dots).
    /// Returns the parts and the index of the first character after the key and its spaces.
    private static func dottedKey(_ chars: [Character], from: Int) -> ([String], Int)? {
        var parts: [String] = []
        var i = from
        func skipSpaces() { while i < chars.count && (chars[i] == " " || chars[i] == "\t") { i += 1 } }
        while true {
            skipSpaces()
            guard i < chars.count else { return nil }
            var part = ""
            if chars[i] == "\"" || chars[i] == "'" {
                let quote = chars[i]
                i += 1
                while i < chars.count && chars[i] != quote {
                    if quote == "\"" && chars[i] == "\\" && i + 1 < chars.count { i += 1 }
                    part.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { return nil }
                i += 1
            } else {
                while i < chars.count && (chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "-") {
                    part.append(chars[i])
                    i += 1
                }
                guard !part.isEmpty else { return nil }
            }
            parts.append(part)
            skipSpaces()
            guard i < chars.count, chars[i] == "." else { return (parts, i) }
            i += 1
        }
    }

    /// The column of `key` at the top level of the inline table that is `entry`'s value.
    private static func inlineKeyColumn(_ key: String, in entry: Entry) -> Int? {
        let chars = entry.text
        var depth = 0
        var i = entry.valueStart
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\"", "'":
                i = endOfString(chars, at: i)
                continue
            case "#":
                return nil
            case "[", "{":
                depth += 1
            case "]", "}":
                depth -= 1
                if depth == 0 { return nil }
            default:
                break
            }
            // A key of the outermost inline table follows its opening brace or a comma.
            if depth == 1 && (c == "{" || c == ","),
               let (parts, end) = dottedKey(chars, from: i + 1), end < chars.count, chars[end] == "=", parts == [key] {
                return (i + 1 ..< end).first { chars[$0] != " " && chars[$0] != "\t" }.map { $0 + 1 }
            }
            i += 1
        }
        return nil
    }

    /// Follows strings, comments and brackets to the end of a line, so the next line knows whether
    /// it starts inside a multi-line string (`openString` holds its delimiter) or inside brackets.
    private static func scan(_ chars: [Character], openString: inout String?, depth: inout Int) {
        var i = 0
        while i < chars.count {
            if let delimiter = openString {
                if has(delimiter, in: chars, at: i) {
                    openString = nil
                    i += 3
                } else {
                    // A backslash in a basic string escapes the next character, even a quote.
                    i += (delimiter == "\"\"\"" && chars[i] == "\\") ? 2 : 1
                }
                continue
            }
            switch chars[i] {
            case "#":
                return
            case "\"", "'":
                let triple = String(repeating: chars[i], count: 3)
                if has(triple, in: chars, at: i) {
                    openString = triple
                    i += 3
                } else {
                    i = endOfString(chars, at: i)
                }
            case "[", "{":
                depth += 1
                i += 1
            case "]", "}":
                depth = max(0, depth - 1)
                i += 1
            default:
                i += 1
            }
        }
    }

    /// The index just after the one-line string that opens at `start`.
    private static func endOfString(_ chars: [Character], at start: Int) -> Int {
        let quote = chars[start]
        var i = start + 1
        while i < chars.count && chars[i] != quote {
            i += (quote == "\"" && chars[i] == "\\") ? 2 : 1
        }
        return i + 1
    }

    private static func has(_ needle: String, in chars: [Character], at i: Int) -> Bool {
        let n = Array(needle)
        return i + n.count <= chars.count && Array(chars[i ..< i + n.count]) == n
    }
}
