import AmtomatAPI
import AmtomatClient
import AmtomatConfig
import AmtomatCore
import AmtomatDaemon
import AmtomatHardware
import AmtomatStore
import ArgumentParser
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Benchmarks for docs/benchmarks.md. Not tests: they print figures, they do not judge them.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amtomat-bench",
        abstract: "Measure pickup latency, and the daemon's memory and start time with a large locker.",
        discussion: "Example:\n  swift run -c release amtomat-bench --pickups 1000",
        subcommands: [Pickup.self, Startup.self, AuditVerify.self],
        defaultSubcommand: Pickup.self)
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

func machine() -> String {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)"
}

func temporaryFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-bench-\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Code accepted at the kiosk → coil energised, through the real HTTP listener, controller, SQLite commit
/// (on disk, synchronous FULL) and coil scheduler, on the simulated backend.
struct Pickup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "p50/p99 from a correct code reaching the kiosk API until the lock pulse starts.")
    @Option(help: "Number of pickups.") var pickups = 1000

    func run() async throws {
        let dir = try temporaryFolder("pickup")
        let compartments = (1...50).map {
            CompartmentDescription(id: CompartmentID($0), column: ($0 - 1) % 10 + 1, row: ($0 - 1) / 10 + 1, size: .small, wheelchairAccessible: false)
        }
        // Short pulses and no enforced gaps, so that the figure is the software path, not the coil's duty cycle.
        let locker = LockerDescription(name: "bench", compartments: compartments,
                                       coil: CoilLimits(defaultPulseMilliseconds: 5, minimumOffMilliseconds: 0,
                                                        gapBetweenPulsesMilliseconds: 0, maxEnergisedAtOnce: 4))
        var config = ConfigLoader.defaults(locker: locker)
        config.settings.stateDirectory = dir.appendingPathComponent("state").path
        config.settings.control.socketPath = dir.appendingPathComponent("control.sock").path
        config.settings.kiosk.port = 0
        config.settings.throttle = .init(capacity: 1_000_000, refillSeconds: 1)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let sim = SimulatedLocker(compartments: compartments.map(\.id), springDelay: .milliseconds(1))
        let daemon = try await Daemon.build(config, logger: logger, backend: sim)
        let runner = Task { try await daemon.run() }
        let url = await daemon.ready()
        let port = Int(url.split(separator: ":").last!.filter(\.isNumber))!
        let kiosk = ControlClient(.tcp(host: "127.0.0.1", port: port))

        let pulseStarted = Mutex<ContinuousClock.Instant?>(nil)
        await daemon.controller.locker.scheduler.setPulseObserver { _ in
            pulseStarted.withLock { if $0 == nil { $0 = ContinuousClock.now } }
        }
        var samples: [Double] = []
        let clock = ContinuousClock()
        for i in 0..<pickups {
            let started = try await daemon.controller.deposit(
                DepositRequest(kind: .drivingLicence, reference: "B-\(i)", size: .small), by: Actor("bench"))
            try sim.closeDoor(started.compartment)
            guard let issued = try await daemon.controller.awaitCode(reference: "B-\(i)", timeout: .seconds(5)).issued else {
                throw ValidationError("no code for B-\(i)")
            }
            try await Task.sleep(for: .milliseconds(8))  // the deposit's pulse is over
            pulseStarted.withLock { $0 = nil }
            let sent = clock.now
            let reply = try await kiosk.send(.POST, "/api/pickup", json: PickupRequest(code: issued.code))
            guard reply.status == 200, let pulse = pulseStarted.withLock({ $0 }) else {
                throw ValidationError("pickup \(i) failed: HTTP \(reply.status)")
            }
            let elapsed = pulse - sent
            samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
            try sim.closeDoor(issued.compartment)
            _ = await daemon.controller.locker.waitForClose(issued.compartment, timeout: .seconds(2))
        }
        runner.cancel()
        samples.sort()
        print(String(format: "pickup latency over %d pickups: p50 %.2f ms, p99 %.2f ms, max %.2f ms", samples.count,
                     percentile(samples, 50), percentile(samples, 99), samples.last ?? 0))
        print("machine: \(machine())")
        try? FileManager.default.removeItem(at: dir)
    }
}

/// Resident memory and start-to-ready time of the real amtomatd with a large locker and a long history.
struct Startup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start amtomatd with many compartments and archived documents; report RSS and time to READY.")
    @Option(help: "Compartments in the locker.") var compartments = 1000
    @Option(help: "Archived (collected) documents in the database.") var archived = 100_000
    @Option(help: "Runs to time.") var runs = 5
    @Option(help: "The amtomatd binary to start (default: the one beside this benchmark).") var daemon: String?

    func run() async throws {
        let dir = try temporaryFolder("startup")
        let state = dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        var toml = """
        [locker]
        name = "Bench"
        [daemon]
        backend = "simulated"
        state_dir = "\(state.path)"
        [control]
        socket = "\(dir.path)/control.sock"
        [kiosk]
        port = 0
        [retention]
        # The history below is kept: this measures a start with years of it in the file.
        finished_document_days = 3650
        audit_days = 3650

        """
        var described: [CompartmentDescription] = []
        for i in 1...compartments {
            let (column, row) = ((i - 1) % 40 + 1, (i - 1) / 40 + 1)
            toml += "[[compartment]]\nid = \(i)\ncolumn = \(column)\nrow = \(row)\nsize = \"M\"\n\n"
            described.append(CompartmentDescription(id: CompartmentID(i), column: column, row: row, size: .medium, wheelchairAccessible: false))
        }
        let configPath = dir.appendingPathComponent("amtomat.toml").path
        try toml.write(toFile: configPath, atomically: true, encoding: .utf8)

        // The history: collected documents with their audit entries, as years of use leave them.
        let database = try AppDatabase.open(path: state.appendingPathComponent("amtomat.sqlite").path)
        let store = LockerStore(database)
        try store.syncCompartments(LockerDescription(name: "Bench", compartments: described))
        try await database.writer.write { db in
            let start = Date(timeIntervalSince1970: 1_700_000_000)
            for i in 0..<archived {
                let t = start.addingTimeInterval(Double(i) * 600)
                try db.execute(sql: """
                    INSERT INTO document (reference, kind, state, compartmentId, holdDays, depositedAt, readyAt, expiresAt,
                                          secondFactorFailures, codeBlocked, finishedAt, updatedAt)
                    VALUES (?, 'passport', 'collected', ?, 14, ?, ?, ?, 0, 0, ?, ?)
                    """, arguments: ["A-\(i)", i % compartments + 1, t, t, t.addingTimeInterval(14 * 86_400), t, t])
                // Through the record, so each entry is chained as the daemon chains it.
                var entry = AuditEntry(at: t, osUser: "kiosk", action: "collected", reference: "A-\(i)",
                                       compartment: CompartmentID(i % compartments + 1))
                try entry.insert(db)
            }
        }
        let bin = daemon ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("amtomatd").path
        var times: [Double] = []
        var rss: [Int] = []
        for _ in 0..<runs {
            let out = dir.appendingPathComponent("out")
            FileManager.default.createFile(atPath: out.path, contents: nil)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: bin)
            p.arguments = ["--config", configPath, "--log-level", "error"]
            p.standardOutput = try FileHandle(forWritingTo: out)
            p.standardError = FileHandle.nullDevice
            let clock = ContinuousClock()
            let t0 = clock.now
            try p.run()
            while !((try? String(contentsOf: out, encoding: .utf8)) ?? "").contains("READY") {
                guard p.isRunning else { throw ValidationError("amtomatd exited before READY") }
                usleep(1000)
            }
            let ready = clock.now - t0
            times.append(Double(ready.components.seconds) * 1000 + Double(ready.components.attoseconds) / 1e15)
            usleep(300_000)  // let it settle
            let status = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8)) ?? ""
            let kb = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            rss.append(kb)
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
        }
        times.sort()
        rss.sort()
        print(String(format: "start to READY with %d compartments and %d archived documents: median %.0f ms (min %.0f, max %.0f) over %d runs",
                     compartments, archived, percentile(times, 50), times.first ?? 0, times.last ?? 0, runs))
        print(String(format: "resident memory after READY: median %.1f MB (max %.1f MB)", Double(percentile(rss.map(Double.init), 50)) / 1024, Double(rss.last ?? 0) / 1024))
        print("machine: \(machine())")
        try? FileManager.default.removeItem(at: dir)
    }
}
