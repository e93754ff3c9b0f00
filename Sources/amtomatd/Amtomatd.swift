import AmtomatConfig
import AmtomatDaemon
import ArgumentParser
import Foundation
import Logging

/// `amtomatd`: the daemon inside the locker.
@main
struct Amtomatd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amtomatd",
        abstract: "Run the document pickup locker: locks, doors, database, kiosk and control socket.",
        discussion: """
        Examples:
          amtomatd --config /etc/amtomat/amtomat.toml
          amtomatd --check-config hardware/raspberry-pi.toml
          amtomatd --check-config my-locker.toml --no-probe    (on a laptop, without the locker's GPIO)

        When ready it prints 'READY kiosk=URL control=SOCKET' and tells systemd READY=1.
        """,
        version: Daemon.version
    )

    @Option(name: .long, help: ArgumentHelp("The locker description and settings (TOML).", valueName: "file"))
    var config = "/etc/amtomat/amtomat.toml"

    @Option(name: .customLong("check-config"), help: ArgumentHelp("Check a configuration file and exit: 0 when it is usable, 1 with every problem listed.", valueName: "file"))
    var checkConfig: String?

    @Flag(name: .customLong("no-probe"), help: "With --check-config: check the file only, without opening the GPIO chips and lines it names (for preparing a configuration on another machine).")
    var noProbe = false

    @Flag(name: .customLong("coils-off"), help: "Drive every lock line of --config inactive (coil off) once, then exit. systemd runs it after the daemon stops (ExecStopPost): on most GPIO chips a line keeps its last level when a killed process lets go of it.")
    var coilsOff = false

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["AMTOMAT_LOG_LEVEL"] ?? "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("'\(logLevel)' is not a log level; use trace, debug, info, notice, warning, error or critical.")
        }
        if coilsOff && checkConfig != nil {
            throw ValidationError("--coils-off and --check-config do different jobs; give one of them.")
        }
        if noProbe && checkConfig == nil {
            throw ValidationError("--no-probe only goes with --check-config FILE; the running daemon always opens its GPIO lines.")
        }
    }

    func run() async throws {
        if let checkConfig {
            do {
                let loaded = try ConfigLoader.load(path: checkConfig)
                let problems = InstalledFiles.surveyProblems(loaded.settings) + (noProbe ? [] : hardwareProblems(loaded))
                guard problems.isEmpty else {
                    for p in problems { print("\(checkConfig): \(p)") }
                    throw ExitCode(1)
                }
                let probed = loaded.settings.backend != .gpiod ? "" : noProbe
                    ? " GPIO chips and lines not probed (--no-probe); run the check again on the locker."
                    : " Every GPIO chip and line is present and free."
                print("\(checkConfig): OK — \(loaded.locker.compartments.count) compartments, backend \(loaded.settings.backend.rawValue).\(probed)")
                return
            } catch let error as ConfigError {
                print(error.description)
                throw ExitCode(1)
            }
        }
        if coilsOff {
            do {
                let loaded = try ConfigLoader.load(path: config)
                print(try await switchCoilsOff(loaded))
                return
            } catch let error as ConfigError {
                FileHandle.standardError.write(Data("amtomatd: the configuration cannot be used:\n\(error.description)\n".utf8))
                throw ExitCode(78)
            } catch {
                FileHandle.standardError.write(Data("amtomatd --coils-off: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "amtomatd")
        let loaded: AmtomatConfiguration
        do {
            loaded = try ConfigLoader.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("amtomatd: the configuration cannot be used:\n\(error.description)\n".utf8))
            throw ExitCode(78)
        }
        let metrics = LockerMetrics.bootstrapPrometheus()
        do {
            let daemon = try await Daemon.build(loaded, logger: logger, metricsText: metrics)
            try await daemon.run()
        } catch let error as ServiceError {
            FileHandle.standardError.write(Data("amtomatd: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
