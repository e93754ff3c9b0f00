/// The physical locker as the locker description (TOML) describes it.
/// Pure values: the config module reads them, the daemon and hardware layer use them.

/// A compartment's number, as printed on its door and typed by clerks ("amtomat open 12").
public struct CompartmentID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ value: Int) { self.rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// Size classes as the parcel-locker trade uses them: S (letters, ID cards), M (passports with cover letter), L (folders).
public enum SizeClass: String, CaseIterable, Codable, Sendable, Comparable {
    case small = "S", medium = "M", large = "L"
    private var rank: Int { switch self { case .small: 0; case .medium: 1; case .large: 2 } }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// Electrical bias of a GPIO input or output line.
public enum LineBias: String, Codable, Sendable, CaseIterable {
    case asIs = "as-is", disabled, pullUp = "pull-up", pullDown = "pull-down"
}

/// Where a GPIO line is: a chip (by label such as "pinctrl-bcm2711" or path "/dev/gpiochip0")
/// and a line (by name such as "GPIO17" or by offset).
public struct LineAddress: Hashable, Codable, Sendable, CustomStringConvertible {
    public enum Line: Hashable, Codable, Sendable {
        case name(String)
        case offset(Int)
    }
    public var chip: String
    public var line: Line
    public var activeLow: Bool
    public var bias: LineBias

    public init(chip: String, line: Line, activeLow: Bool = false, bias: LineBias = .asIs) {
        self.chip = chip
        self.line = line
        self.activeLow = activeLow
        self.bias = bias
    }

    /// The physical identity of the line: two addresses with the same chip and line collide,
    /// whatever their polarity.
    public var physicalKey: String {
        switch line {
        case .name(let n): "\(chip)/\(n)"
        case .offset(let o): "\(chip)/\(o)"
        }
    }

    public var description: String {
        switch line {
        case .name(let n): "\(chip) line \"\(n)\""
        case .offset(let o): "\(chip) line \(o)"
        }
    }
}

/// One compartment of the locker.
public struct CompartmentDescription: Hashable, Codable, Sendable {
    public var id: CompartmentID
    public var label: String
    public var column: Int
    public var row: Int
    public var size: SizeClass
    /// Reachable from a wheelchair (lower rows, typically up to 120 cm).
    public var wheelchairAccessible: Bool
    /// Output that energises the lock coil.
    public var lock: LineAddress?
    /// Input that reads the door's reed contact.
    public var doorSensor: LineAddress?
    /// Coil pulse for this lock in milliseconds; nil uses the locker's default.
    public var pulseMilliseconds: Int?

    public init(
        id: CompartmentID, label: String? = nil, column: Int, row: Int, size: SizeClass,
        wheelchairAccessible: Bool, lock: LineAddress? = nil, doorSensor: LineAddress? = nil,
        pulseMilliseconds: Int? = nil
    ) {
        self.id = id
        self.label = label ?? String(id.rawValue)
        self.column = column
        self.row = row
        self.size = size
        self.wheelchairAccessible = wheelchairAccessible
        self.lock = lock
        self.doorSensor = doorSensor
        self.pulseMilliseconds = pulseMilliseconds
    }
}

/// The whole locker: its compartments and the coil timing limits its power supply and locks allow.
public struct LockerDescription: Hashable, Codable, Sendable {
    public var name: String
    public var compartments: [CompartmentDescription]
    public var coil: CoilLimits

    public init(name: String, compartments: [CompartmentDescription], coil: CoilLimits = CoilLimits()) {
        self.name = name
        self.compartments = compartments
        self.coil = coil
    }

    public func compartment(_ id: CompartmentID) -> CompartmentDescription? {
        compartments.first { $0.id == id }
    }
}

/// Timing limits for lock coils. Solenoids have an intermittent rating: a maximum on-time and a
/// minimum off-time; the power supply allows only a few coils at once.
public struct CoilLimits: Hashable, Codable, Sendable {
    /// Hard ceiling in code: no configuration can make a pulse longer than this.
    public static let hardCeilingMilliseconds = 2000

    public var defaultPulseMilliseconds: Int
    public var minimumOffMilliseconds: Int
    public var gapBetweenPulsesMilliseconds: Int
    public var maxEnergisedAtOnce: Int

    public init(
        defaultPulseMilliseconds: Int = 300, minimumOffMilliseconds: Int = 1000,
        gapBetweenPulsesMilliseconds: Int = 100, maxEnergisedAtOnce: Int = 1
    ) {
        self.defaultPulseMilliseconds = defaultPulseMilliseconds
        self.minimumOffMilliseconds = minimumOffMilliseconds
        self.gapBetweenPulsesMilliseconds = gapBetweenPulsesMilliseconds
        self.maxEnergisedAtOnce = maxEnergisedAtOnce
    }

    /// The pulse a lock really gets: its own or the default, never above the hard ceiling.
    public func pulse(for compartment: CompartmentDescription) -> Int {
        min(compartment.pulseMilliseconds ?? defaultPulseMilliseconds, Self.hardCeilingMilliseconds)
    }
}
