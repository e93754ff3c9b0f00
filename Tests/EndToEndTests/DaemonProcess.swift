import AmtomatAPI
import AmtomatClient
import AmtomatStore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Where the built binaries are: $AMTOMAT_BIN, else next to this test bundle, else .build/debug.
let binaryDirectory: URL = {
    if let dir = ProcessInfo.processInfo.environment["AMTOMAT_BIN"] { return URL(fileURLWithPath: dir) }
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if FileManager.default.isExecutableFile(atPath: beside.appendingPathComponent("amtomatd").path) { return beside }
    for candidate in [beside, beside.deletingLastPathComponent(), beside.deletingLastPathComponent().deletingLastPathComponent()] {
        let dir = candidate.appendingPathComponent("debug")
        if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("amtomatd").path) { return dir }
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug")
}()

/// Numeric groups used to test roles without creating users: the daemon reads the peer's gid
/// from the kernel, and setpriv(1) starts the CLI with exactly these ids.
enum TestGroups {
    static let socket: UInt32 = 61100
    static let clerk: UInt32 = 61101
    static let technician: UInt32 = 61102
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion, capturing its output through files (no pipe can fill up).
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
    let dir = FileManager.default.temporaryDirectory
    let out = dir.appendingPathComponent("out-\(UUID().uuidString)")
    let err = dir.appendingPathComponent("err-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// The real `amtomatd` in a temporary folder, with a simulated locker, its control socket and a kiosk port.
final class DaemonProcess: @unchecked Sendable {
    let directory: URL
    let configPath: String
    let socketPath: String
    private(set) var kioskURL = ""
    private(set) var kioskPort = 0
    private var process: Process?
    let logPath: String

    /// - Parameters:
    ///   - labelled: give compartments door labels "A1", "B1", … (column letter, row number).
    init(extraConfig: String = "", compartments: Int = 6, directory: URL? = nil,
         labelled: Bool = false, leftOpenAlarmSeconds: Int = 120, openTimeoutSeconds: Double = 0.5) throws {
        let dir = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        chmod(dir.path, 0o755)
        self.directory = dir
        socketPath = dir.appendingPathComponent("control.sock").path
        configPath = dir.appendingPathComponent("amtomat.toml").path
        logPath = dir.appendingPathComponent("daemon.log").path
        if directory == nil || !FileManager.default.fileExists(atPath: configPath) {
            var toml = """
            [locker]
            name = "E2E"
            [locker.coil]
            pulse_ms = 50
            min_off_ms = 20
            gap_ms = 10
            [daemon]
            backend = "simulated"
            state_dir = "\(dir.path)/state"
            allow_weak_codes_for_tests = true
            [control]
            socket = "\(socketPath)"
            socket_group = "\(TestGroups.socket)"
            clerk_group = "\(TestGroups.clerk)"
            technician_group = "\(TestGroups.technician)"
            [kiosk]
            port = 0
            demo = true
            [doors]
            open_timeout_seconds = \(openTimeoutSeconds)
            left_open_alarm_seconds = \(leftOpenAlarmSeconds)
            [throttle]
            free_attempts = 3
            first_wait_seconds = 30
            refill_seconds = 60
            [office]
            name = "Bürgerbüro Test"
            phone = "0000 1"
            hours = "Mo 8–12"
            \(extraConfig)

            """
            for i in 1...compartments {
                toml += """
                [[compartment]]
                id = \(i)
                \(labelled ? "label = \"\(["A", "B", "C"][(i - 1) % 3])\((i - 1) / 3 + 1)\"" : "")
                column = \((i - 1) % 3 + 1)
                row = \((i - 1) / 3 + 1)
                size = "\(i <= 3 ? "S" : "L")"
                wheelchair = \(i <= 3)

                """
            }
            try toml.write(toFile: configPath, atomically: true, encoding: .utf8)
        }
    }

    var statePath: String { directory.appendingPathComponent("state").path }
    var databasePath: String { statePath + "/amtomat.sqlite" }

    /// The running daemon's process id (for /proc/PID/fd and signals).
    var pid: Int32? { process?.processIdentifier }

    /// Starts the daemon and waits for its READY line. `launcher` runs it through another program
    /// first, e.g. ["/usr/bin/prlimit", "--nofile=64:64", "--"].
    func start(environment: [String: String] = [:], launcher: [String] = []) throws {
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let outPath = directory.appendingPathComponent("daemon.out").path
        FileManager.default.createFile(atPath: outPath, contents: nil)
        let p = Process()
        let daemonPath = binaryDirectory.appendingPathComponent("amtomatd").path
        let daemonArguments = ["--config", configPath, "--log-level", "debug"]
        if let first = launcher.first {
            p.executableURL = URL(fileURLWithPath: first)
            p.arguments = Array(launcher.dropFirst()) + [daemonPath] + daemonArguments
        } else {
            p.executableURL = URL(fileURLWithPath: daemonPath)
            p.arguments = daemonArguments
        }
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        logHandle.seekToEndOfFile()
        p.standardError = logHandle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        process = p
        for _ in 0..<300 {
            if let out = try? String(contentsOfFile: outPath, encoding: .utf8),
               let line = out.split(separator: "\n").last(where: { $0.hasPrefix("READY ") }) {
                let url = line.split(separator: " ").first { $0.hasPrefix("kiosk=") }.map { String($0.dropFirst(6)) } ?? ""
                kioskURL = url
                kioskPort = Int(url.split(separator: ":").last?.filter(\.isNumber) ?? "") ?? 0
                return
            }
            if !p.isRunning { break }
            usleep(50_000)
        }
        throw DaemonFailed(log: self.log())
    }

    struct DaemonFailed: Error, CustomStringConvertible {
        var log: String
        var description: String { "amtomatd did not become ready:\n\(log)" }
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends a signal and waits for the process to end; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard let p = process else { return 0 }
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        process = nil
        return p.terminationStatus
    }

    deinit {
        if let p = process, p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
    }

    /// Runs the CLI, as root or as a user with the given ids (via setpriv).
    func cli(_ arguments: [String], uid: UInt32? = nil, gid: UInt32? = nil, groups: [UInt32] = []) throws -> CommandResult {
        let amtomat = binaryDirectory.appendingPathComponent("amtomat").path
        let args = ["--socket", socketPath] + arguments
        guard let uid, let gid else { return try run(amtomat, args) }
        let groupArgs = groups.isEmpty ? ["--clear-groups"] : ["--groups=\(groups.map(String.init).joined(separator: ","))"]
        return try run("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(gid)"] + groupArgs + ["--", amtomat] + args,
                       environment: ["PATH": "/usr/bin:/bin", "HOME": "/"])
    }

    var control: ControlClient { ControlClient(.unixSocket(socketPath)) }
    var kiosk: ControlClient { ControlClient(.tcp(host: "127.0.0.1", port: kioskPort)) }

    /// Deposits with the real CLI, closing the simulated door when the CLI says which compartment opened.
    func deposit(_ reference: String, kind: String = "driving-licence", size: String = "S", extra: [String] = []) throws -> CodeIssued {
        try APIJSON.decoder().decode(CodeIssued.self, from: try depositJSON(reference, kind: kind, size: size, extra: extra))
    }

    /// `amtomat --json deposit …` with the door closed for the clerk; what the CLI printed.
    func depositJSON(_ reference: String, kind: String, size: String, extra: [String]) throws -> Data {
        let amtomat = binaryDirectory.appendingPathComponent("amtomat").path
        let out = directory.appendingPathComponent("deposit-\(reference).out")
        let err = directory.appendingPathComponent("deposit-\(reference).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: amtomat)
        p.arguments = ["--socket", socketPath, "--json", "deposit", "--kind", kind, "--reference", reference, "--size", size] + extra
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        var compartment: String?
        for _ in 0..<200 where compartment == nil {
            let text = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            compartment = text.split(separator: " ").dropFirst().first.flatMap { text.hasPrefix("Compartment ") ? String($0) : nil }
            if !p.isRunning { break }
            usleep(20_000)
        }
        guard let compartment else {
            p.waitUntilExit()
            throw DaemonFailed(log: "deposit failed: \((try? String(contentsOf: err, encoding: .utf8)) ?? "")")
        }
        let closed = try cli(["sim", "close", compartment])
        guard closed.status == 0 else { throw DaemonFailed(log: closed.stderr) }
        p.waitUntilExit()
        return try Data(contentsOf: out)
    }

    func pickup(_ code: String, dateOfBirth: String? = nil) async throws -> (Int, PickupResponse) {
        let reply = try await kiosk.send(.POST, "/api/pickup", json: PickupRequest(code: code, dateOfBirth: dateOfBirth))
        return (reply.status, try reply.decode(PickupResponse.self))
    }

    func store() throws -> LockerStore { LockerStore(try AppDatabase.open(path: databasePath)) }
}
