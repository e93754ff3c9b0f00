import AmtomatCore
import Foundation
import Testing
@testable import AmtomatConfig

/// The package root, found from this file's path: Tests/AmtomatConfigTests/Support.swift.
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func exampleFile(_ name: String) -> String {
    packageRoot.appendingPathComponent("hardware").appendingPathComponent(name).path
}

/// A small valid locker that broken cases start from.
let minimalLocker = """
    [locker]
    name = "Test"

    [[compartment]]
    id = 1
    column = 1
    row = 1
    size = "S"
    """

/// The diagnostics `text` produces; none when it loads.
func diagnostics(_ text: String, file: String = "test.toml") -> [ConfigDiagnostic] {
    do {
        _ = try ConfigLoader.parse(text, file: file)
        return []
    } catch {
        return error.diagnostics
    }
}

/// The one diagnostic whose problem contains `fragment`; records an issue when there is not exactly one.
func diagnostic(_ fragment: String, in text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigDiagnostic? {
    let all = diagnostics(text)
    let matching = all.filter { $0.problem.contains(fragment) }
    #expect(matching.count == 1, "expected one diagnostic about \"\(fragment)\", got:\n\(all.map(\.description).joined(separator: "\n"))",
            sourceLocation: sourceLocation)
    return matching.first
}

/// A fresh directory under the system's temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The line of `text` that carries `marker` (a TOML comment, so it does not change the meaning).
func line(of marker: String = "# <-", in text: String) -> Int? {
    text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(marker) }.map { $0 + 1 }
}
