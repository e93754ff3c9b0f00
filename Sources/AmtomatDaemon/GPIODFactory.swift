import AmtomatConfig
import AmtomatHardware
import Logging

/// Creates the libgpiod backend: every configured line, debounced as `[doors] debounce_ms` says.
func makeGPIODBackend(_ config: AmtomatConfiguration, logger: Logger) throws -> any LockerBackend {
    GPIODBackend(description: config.locker, debounceMilliseconds: config.settings.doors.debounceMilliseconds,
                 logger: logger)
}

/// Checks, without moving anything, that every configured chip and line exists and is free.
/// Only backend "gpiod" has hardware to check.
public func hardwareProblems(_ config: AmtomatConfiguration) -> [String] {
    guard config.settings.backend == .gpiod else { return [] }
    return GPIODBackend.probe(config.locker)
}

/// `amtomatd --coils-off` (the unit's ExecStopPost): claims every configured lock line as an output
/// at its inactive level and lets go again. On the Raspberry Pi's own controller and on MCP23017
/// expanders a released line keeps driving its last level, so a daemon killed with SIGKILL in the
/// middle of a coil pulse would leave that coil energised; this puts every lock line back to "off".
/// (gpio-sim instead returns a released line to its pull, see docs/hardware.md.)
public func switchCoilsOff(_ config: AmtomatConfiguration) async throws -> String {
    guard config.settings.backend == .gpiod else { return "backend \(config.settings.backend.rawValue): no coils to switch off" }
    let locks = config.locker.compartments.filter { $0.lock != nil }.count
    let quiet = Logger(label: "amtomatd.coils-off", factory: { _ in SwiftLogNoOpLogHandler() })
    let backend = GPIODBackend(description: config.locker, logger: quiet, consumer: "amtomatd-coils-off")
    _ = try await backend.start()   // outputs are requested at their inactive level
    let unusable = backend.lineStatus().filter { $0.problem != nil }.count
    await backend.shutdown()
    return "coils off: \(locks) lock lines driven inactive and released" + (unusable > 0 ? " (\(unusable) lines could not be claimed)" : "")
}
