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
