import AmtomatCore

/// What the self-test of one compartment found.
///
/// How the verdicts are told apart (in this order):
/// - `line-missing`: the backend could not find the compartment's chip or line (wrong name, dead I²C
///   expander, chip gone at run time), or the door sensor cannot be read at all.
/// - `line-busy`: the line exists but another owner holds it (a second daemon, a sysfs export, a
///   kernel driver). Nothing is pulsed in either case.
/// - `sensor-stuck-open`: the sensor read "open" before the pulse and still reads "open" after it.
/// - `ok`: the sensor read "closed", the lock was pulsed, the sensor went to "open" in time.
/// - `lock-does-not-release`: the sensor read "closed" and stayed "closed" through every pulse and
///   retry of `Locker.release`.
/// - `sensor-stuck-closed`: as the previous one, but someone watching saw the door open
///   (`selfTest(_:doorSeenOpen: true)`).
///
/// The limits of a single reed contact: it reports one bit, "contact made or not". It cannot tell
///   * a jammed lock (door shut, sensor right) from a door that sprang open while its sensor is
///     stuck closed (welded reed, magnet fallen onto the contact, short to ground) — only a person
///     looking at the door (or a second sensor, or coil-current sensing) can. Without that
///     observation the verdict is `lock-does-not-release` and the detail says what else it may be;
///   * a door that really stands open from a sensor stuck open (broken wire, lost magnet) — the
///     detail asks to shut the door and test again;
///   * whether the coil pulled at all: the pulse is checked only through its effect on the door.
/// With the usual wiring (contact to ground, pull-up, `active_low`), a broken wire reads "open":
/// failures show up as stuck-open, the side that raises alarms rather than hiding a door.
public enum SelfTestVerdict: String, Codable, Sendable, CaseIterable {
    case ok
    case lockDoesNotRelease = "lock-does-not-release"
    case sensorStuckOpen = "sensor-stuck-open"
    case sensorStuckClosed = "sensor-stuck-closed"
    case lineMissing = "line-missing"
    case lineBusy = "line-busy"
}

public struct SelfTestResult: Codable, Sendable, Equatable {
    public var compartment: CompartmentID
    public var verdict: SelfTestVerdict
    public var detail: String
    /// How long the test took: for `ok`, from the unlock to the door being seen open.
    public var milliseconds: Int

    public init(compartment: CompartmentID, verdict: SelfTestVerdict, detail: String, milliseconds: Int) {
        self.compartment = compartment
        self.verdict = verdict
        self.detail = detail
        self.milliseconds = milliseconds
    }
}

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
        }
    }
}
