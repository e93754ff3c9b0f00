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
    /// The compartment's label as printed on its door ("C3").
    public var label: String?

    public init(compartment: CompartmentID, verdict: SelfTestVerdict, detail: String, milliseconds: Int, label: String? = nil) {
        self.label = label
        self.compartment = compartment
        self.verdict = verdict
        self.detail = detail
        self.milliseconds = milliseconds
    }
}
