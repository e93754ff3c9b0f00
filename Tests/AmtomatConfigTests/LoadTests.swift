import Foundation
import Testing
@testable import AmtomatConfig

/// `load(path:)` on real files in a temporary directory.
@Suite struct LoadTests {
    @Test func loadsAFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("amtomat.toml").path
        try ("[kiosk]\nport = 9090\n" + minimalLocker).write(toFile: path, atomically: true, encoding: .utf8)

        let configuration = try ConfigLoader.load(path: path)
        #expect(configuration.settings.kiosk.port == 9090)
        #expect(configuration.locker.compartments.count == 1)
    }

    @Test func diagnosticsNameTheFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("broken.toml").path
        try (minimalLocker + "\nwheelchiar = true\n[kiosk]\nport = 99999\n").write(toFile: path, atomically: true, encoding: .utf8)

        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: path) }
        #expect(error.file == path)
        #expect(error.diagnostics.count == 2)
        let lines = error.description.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0] == "\(path):9:1: unknown key 'wheelchiar' in compartment 1; did you mean 'wheelchair'? Rename it to 'wheelchair'.")
        #expect(lines[1] == "\(path):11:1: in [kiosk], port must be from 0 to 65535, not 99999. Choose a value from 0 to 65535.")
    }

    @Test func syntaxErrorInAFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("syntax.toml").path
        try "[locker]\nname = \"Rathaus\"\n[[compartment]\nid = 1\n".write(toFile: path, atomically: true, encoding: .utf8)

        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: path) }
        #expect(error.diagnostics.count == 1)
        #expect(error.diagnostics.first?.line == 3)
        #expect(error.description.hasPrefix("\(path):3:"))
    }

    @Test func missingFile() throws {
        let path = "/nonexistent/amtomat-\(UUID().uuidString).toml"
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: path) }
        #expect(error.file == path)
        #expect(error.diagnostics.count == 1)
        #expect(error.diagnostics.first?.line == nil)
        #expect(error.description == "\(path): the configuration file does not exist. Check the path, or start from one of the examples in hardware/.")
    }

    @Test func directoryInsteadOfFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: directory.path) }
        #expect(error.diagnostics.count == 1)
        #expect(error.diagnostics.first?.problem.contains("directory") == true)
    }

    @Test func notUTF8() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("latin1.toml").path
        try Data("[office]\nname = \"B".utf8 + [0xFC] + Data("rgerb\u{FC}ro\"\n".utf8)).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: path) }
        #expect(error.diagnostics.first?.problem == "the file is not UTF-8 text")
    }
}
