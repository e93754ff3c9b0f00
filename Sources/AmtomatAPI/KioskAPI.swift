import AmtomatCore

// JSON bodies of the citizen kiosk API (loopback TCP). Nothing here names a clerk's action.

public struct PickupRequest: Codable, Sendable {
    public var code: String
    public var dateOfBirth: String?
    public init(code: String, dateOfBirth: String? = nil) {
        self.code = code
        self.dateOfBirth = dateOfBirth
    }
}

public struct OfficeView: Codable, Sendable, Equatable {
    public var name: String
    public var phone: String
    public var hours: String
    public init(name: String, phone: String, hours: String) {
        self.name = name
        self.phone = phone
        self.hours = hours
    }
}

public struct KioskCompartment: Codable, Sendable, Equatable {
    public var id: CompartmentID
    public var label: String
    public var column: Int
    public var row: Int
    public var size: SizeClass?
    public init(id: CompartmentID, label: String, column: Int, row: Int, size: SizeClass?) {
        self.id = id
        self.label = label
        self.column = column
        self.row = row
        self.size = size
    }
}

public struct PickupResponse: Codable, Sendable {
    public enum Result: String, Codable, Sendable {
        case open, secondFactor = "second-factor", rejected, blocked, slowed, fault
    }
    public var result: Result
    public var pickup: String?
    public var compartment: KioskCompartment?
    public var retryAfterSeconds: Int?
    public var office: OfficeView?
    public init(result: Result, pickup: String? = nil, compartment: KioskCompartment? = nil,
                retryAfterSeconds: Int? = nil, office: OfficeView? = nil) {
        self.result = result
        self.pickup = pickup
        self.compartment = compartment
        self.retryAfterSeconds = retryAfterSeconds
        self.office = office
    }
}

public struct PickupStatus: Codable, Sendable {
    public enum Result: String, Codable, Sendable { case waiting, doorOpen = "door-open", collected, fault }
    public var result: Result
    public var compartment: KioskCompartment
    public var doorOpenSeconds: Int?
    public var surveyToken: String?
    public init(result: Result, compartment: KioskCompartment, doorOpenSeconds: Int?, surveyToken: String?) {
        self.result = result
        self.compartment = compartment
        self.doorOpenSeconds = doorOpenSeconds
        self.surveyToken = surveyToken
    }
}

public struct KioskInfo: Codable, Sendable {
    public struct Layout: Codable, Sendable {
        public var name: String
        public var columns: Int
        public var rows: Int
        public var compartments: [KioskCompartment]
        public init(name: String, columns: Int, rows: Int, compartments: [KioskCompartment]) {
            self.name = name
            self.columns = columns
            self.rows = rows
            self.compartments = compartments
        }
    }
    public var locker: Layout
    public var codeLength: Int
    public var idleTimeoutSeconds: Int
    public var office: OfficeView
    public var demo: Bool
    public var languages: [String]
    /// Speech output; nil when the daemon has no usable speech.json.
    public var speech: KioskSpeech?
    public init(locker: Layout, codeLength: Int, idleTimeoutSeconds: Int, office: OfficeView, demo: Bool, languages: [String]) {
        self.locker = locker
        self.codeLength = codeLength
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.office = office
        self.demo = demo
        self.languages = languages
    }
}
