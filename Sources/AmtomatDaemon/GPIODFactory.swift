import AmtomatConfig
import AmtomatHardware
import Logging

/// Creates the libgpiod backend (it lives on the gpio branch until merged).
func makeGPIODBackend(_ config: AmtomatConfiguration, logger: Logger) throws -> any LockerBackend {
    throw ServiceError.unavailable("This build has no libgpiod backend yet; use backend = \"simulated\".")
}

/// Checks, without moving anything, that every configured chip and line exists and is free.
public func hardwareProblems(_ config: AmtomatConfiguration) -> [String] {
    []
}
