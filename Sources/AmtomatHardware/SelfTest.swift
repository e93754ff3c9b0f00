import AmtomatCore

/// Why a compartment's lines cannot be used.
public enum LineProblem: Sendable, Equatable {
    /// Chip or line not there (or gone).
    case missing(String)
    /// Someone else holds the line.
    case busy(String)

    public var message: String {
        switch self { case .missing(let m), .busy(let m): m }
    }
}

/// A backend that knows which compartments' lines it could not claim (GPIODBackend does; the
/// simulated locker has no lines to miss).
public protocol LineProblemReporting: LockerBackend {
    func lineProblem(_ compartment: CompartmentID) -> LineProblem?
}

extension Locker {
    /// Tests one compartment: pulses its lock through `release` (so the coil scheduler's limits hold)
    /// and watches its door sensor. The door is left open when the lock works: close it afterwards.
    public func selfTest(_ id: CompartmentID) async -> SelfTestResult {
        await selfTest(id, doorSeenOpen: nil)
    }

    /// - Parameter doorSeenOpen: what a technician in front of the locker saw after the pulse, if
    ///   anyone was looking; `true` turns "door did not open" into `sensor-stuck-closed`.
    public func selfTest(_ id: CompartmentID, doorSeenOpen: Bool?) async -> SelfTestResult {
        let clock = ContinuousClock()
        let start = clock.now
        func result(_ verdict: SelfTestVerdict, _ detail: String, since: ContinuousClock.Instant? = nil) -> SelfTestResult {
            let d = clock.now - (since ?? start)
            let ms = Int(d.components.seconds) * 1000 + Int(d.components.attoseconds / 1_000_000_000_000_000)
            return SelfTestResult(compartment: id, verdict: verdict, detail: detail, milliseconds: ms)
        }
        guard let compartment = description.compartment(id) else {
            return result(.lineMissing, "Compartment \(id) is not in the locker description.")
        }
        if let reporter = backend as? any LineProblemReporting, let problem = reporter.lineProblem(id) {
            switch problem {
            case .missing(let m): return result(.lineMissing, m)
            case .busy(let m): return result(.lineBusy, m)
            }
        }
        let before: DoorState
        do {
            before = try backend.readDoor(id)
        } catch {
            return result(.lineMissing, "The door sensor of compartment \(id) cannot be read: \(error)")
        }
        if before == .unknown {
            let where_ = compartment.doorSensor.map { " (\($0.description))" } ?? ""
            return result(.lineMissing, "Compartment \(id) has no readable door sensor\(where_).")
        }

        let pulseStart = clock.now
        let outcome: ReleaseOutcome
        do {
            outcome = try await release(id)
        } catch {
            return result(.lineMissing, "The lock of compartment \(id) cannot be driven: \(error)")
        }

        if before == .open {
            // Pulsing an open door is harmless; give the sensor a moment to change its mind.
            try? await Task.sleep(for: .milliseconds(200))
            let after = (try? backend.readDoor(id)) ?? .unknown
            if after == .closed {
                return result(.ok, "The sensor read open before the test and closed after it: the door was shut meanwhile. Test again with the door shut.")
            }
            return result(.sensorStuckOpen,
                          "The sensor read open before and after the lock pulse. If the door is shut, the reed contact, its magnet or its wiring is faulty (a broken wire reads open); if the door stands open, shut it and test again.")
        }
        switch outcome {
        case .opened:
            return result(.ok, "The door opened after the lock pulse; close it again.", since: pulseStart)
        case .doorDidNotOpen:
            if doorSeenOpen == true {
                return result(.sensorStuckClosed,
                              "The door opened but its sensor kept reading closed: check the reed contact, its magnet and wiring (a short to ground reads closed).")
            }
            return result(.lockDoesNotRelease,
                          "The sensor kept reading closed through every pulse. Either the lock does not release (jammed latch, coil, driver or its supply) or, if the door did open, the sensor is stuck closed — a single contact cannot tell these apart; look at the door.")
        case .dropped:
            // A self-test's unlock is always wanted; kept for completeness of the outcome.
            return result(.lockDoesNotRelease, "The lock pulse was not fired; run the self-test again.")
        }
    }
}
