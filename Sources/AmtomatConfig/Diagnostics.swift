/// One thing wrong with a configuration file: where, what, and how to fix it.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// 1-based; nil when the problem has no single place (an unreadable file, no compartments).
    public var line: Int?
    /// 1-based; known for syntax errors and for keys the source locator found.
    public var column: Int?
    /// What is wrong, starting in lower case: "size in compartment 4 must be a string such as \"M\"".
    public var problem: String
    /// A full sentence saying what to change.
    public var fix: String

    public init(line: Int? = nil, column: Int? = nil, problem: String, fix: String) {
        self.line = line
        self.column = column
        self.problem = problem
        self.fix = fix
    }

    /// "FILE:LINE:COLUMN: problem. fix" – the form compilers use, so editors can jump to the place.
    /// The column appears only when known, the line only when known.
    public func rendered(file: String) -> String {
        var place = file
        if let line {
            place += ":\(line)"
            if let column { place += ":\(column)" }
        }
        // A problem that already ends a sentence ("…; did you mean 'row'?") gets no extra period.
        let separator = problem.last.map { ".?!".contains($0) } == true ? " " : ". "
        return "\(place): \(problem)\(separator)\(fix)"
    }

    public var description: String { rendered(file: "<config>") }
}

/// Every problem found in one configuration file, sorted by line.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var diagnostics: [ConfigDiagnostic]

    public init(file: String, diagnostics: [ConfigDiagnostic]) {
        self.file = file
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.map { $0.rendered(file: file) }.joined(separator: "\n")
    }
}
