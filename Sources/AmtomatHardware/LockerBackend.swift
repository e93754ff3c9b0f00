import AmtomatCore

/// What the locker's hardware reports on its own.
public enum HardwareEvent: Sendable, Equatable {
    /// A door sensor changed (after debouncing).
    case door(CompartmentID, DoorState)
    /// Part of the hardware failed: a gpiochip disappeared, a line could not be read.
    /// `compartments` are the ones that can no longer be trusted.
    case fault(compartments: [CompartmentID], message: String)
    /// The answer to `livenessTick`, sent from the loop that sends door events.
    case tick(UInt64)
}

/// A way to drive lock coils and read door sensors: the simulated locker or libgpiod.
///
/// Only `CoilScheduler` calls `setCoil`; everything else opens a door through `Locker.release`,
/// which goes through the scheduler, so every coil pulse is bounded in time and count.
public protocol LockerBackend: AnyObject, Sendable {
    /// For logs and `amtomat status`, e.g. "simulated" or "libgpiod 1.6.3 (API v1)".
    var name: String { get }

    /// Claims every line, outputs with their inactive value in the same request so that starting
    /// never twitches a lock, and reads every door sensor.
    func start() async throws -> [CompartmentID: DoorState]

    /// Energises (`true`) or releases (`false`) one lock coil. Scheduler only.
    func setCoil(_ compartment: CompartmentID, energised: Bool) throws

    /// Reads one door sensor now.
    func readDoor(_ compartment: CompartmentID) throws -> DoorState

    /// Door changes and faults, as they happen.
    var events: AsyncStream<HardwareEvent> { get }

    /// Sends `.tick(sequence)` through `events` from the same loop that reads door changes, so
    /// that the watchdog is petted only while that loop is alive (issue 10 point 4).
    func livenessTick(_ sequence: UInt64)

    /// Drives every coil output inactive. Safe to call at any time and more than once.
    func releaseAllCoils()

    /// Releases every line and ends the event stream.
    func shutdown() async

    /// Every lock and door line with where it is and its value now (`amtomat hw lines`).
    func lineStatus() -> [LineStatus]
}

/// One lock or door line as `amtomat hw lines` shows it.
public struct LineStatus: Sendable, Codable, Equatable {
    public var compartment: CompartmentID
    public var role: String           // "lock" or "door"
    public var chip: String           // as configured, or "simulated"
    public var device: String?        // "/dev/gpiochip3"
    public var line: String           // as configured
    public var offset: Int?
    /// Logical value now: a door reads 1 when closed, a lock 1 while its coil is energised.
    public var value: Int?
    public var problem: String?

    public init(compartment: CompartmentID, role: String, chip: String, device: String?, line: String,
                offset: Int?, value: Int?, problem: String?) {
        self.compartment = compartment
        self.role = role
        self.chip = chip
        self.device = device
        self.line = line
        self.offset = offset
        self.value = value
        self.problem = problem
    }
}

/// Errors of the hardware layer; each names the compartment and says what to do.
public enum HardwareError: Error, Sendable, CustomStringConvertible, Equatable {
    case unknownCompartment(CompartmentID)
    case pulseTooLong(requested: Int, ceiling: Int)
    case backend(String)

    public var description: String {
        switch self {
        case .unknownCompartment(let id): "The hardware has no compartment \(id) configured."
        case .pulseTooLong(let r, let c): "A coil pulse of \(r) ms was refused: the ceiling is \(c) ms."
        case .backend(let message): message
        }
    }
}
