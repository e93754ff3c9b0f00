import AmtomatCore
import Foundation

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
    /// The opening hours in every kiosk language (`[office] hours` per language); absent in old answers.
    public var hoursByLanguage: [String: String]?
    public init(name: String, phone: String, hours: String, hoursByLanguage: [String: String]? = nil) {
        self.name = name
        self.phone = phone
        self.hours = hours
        self.hoursByLanguage = hoursByLanguage
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
        /// The code belongs to a document that is no longer waiting; `gone` says what happened.
        case gone
        /// The document is in a compartment a technician blocked: it is collected at the office.
        case atOffice = "at-office"
    }
    /// What became of a document whose code is still recognised after it stopped waiting.
    public struct Gone: Codable, Sendable, Equatable {
        /// `withdrawn`, `expired`, `returned` or `collected`.
        public var state: DocumentState
        /// When that happened (for `expired`: when the hold period ended).
        public var at: Date
        public init(state: DocumentState, at: Date) {
            self.state = state
            self.at = at
        }
    }
    public var result: Result
    public var pickup: String?
    public var compartment: KioskCompartment?
    public var retryAfterSeconds: Int?
    public var office: OfficeView?
    public var gone: Gone?
    /// On `rejected`: wrong attempts left before the terminal slows down (1 = the last free one).
    public var attemptsLeft: Int?
    public init(result: Result, pickup: String? = nil, compartment: KioskCompartment? = nil,
                retryAfterSeconds: Int? = nil, office: OfficeView? = nil, gone: Gone? = nil, attemptsLeft: Int? = nil) {
        self.result = result
        self.pickup = pickup
        self.compartment = compartment
        self.retryAfterSeconds = retryAfterSeconds
        self.office = office
        self.gone = gone
        self.attemptsLeft = attemptsLeft
    }
}

/// `GET /api/terminal`: whether the terminal is slowed, so a reloaded page shows the wait at once.
public struct TerminalStatus: Codable, Sendable, Equatable {
    /// Seconds until the next attempt is taken (0: not slowed).
    public var slowedSeconds: Int
    /// Wrong attempts left before the terminal slows down.
    public var attemptsLeft: Int
    public init(slowedSeconds: Int, attemptsLeft: Int) {
        self.slowedSeconds = slowedSeconds
        self.attemptsLeft = attemptsLeft
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
    /// `[kiosk] raffle_announcement` in every kiosk language; absent when the town set none.
    public var raffleAnnouncement: [String: String]?
    /// Speech output; nil when the daemon has no usable speech.json.
    public var speech: KioskSpeech?
    public init(locker: Layout, codeLength: Int, idleTimeoutSeconds: Int, office: OfficeView, demo: Bool, languages: [String],
                raffleAnnouncement: [String: String]? = nil) {
        self.locker = locker
        self.codeLength = codeLength
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.office = office
        self.demo = demo
        self.languages = languages
        self.raffleAnnouncement = raffleAnnouncement
    }
}

/// `GET /api/kiosk/page-report`: how often the kiosk page has shown that it is alive since the
/// daemon started, and how long ago it last did. The kiosk's start script restarts the browser when
/// the count stops changing (docs/kiosk.md, "The page watch").
public struct KioskPageReport: Codable, Sendable, Equatable {
    public var reports: Int
    /// Seconds since the last report; nil before the first one.
    public var secondsSinceLastReport: Double?
    public init(reports: Int, secondsSinceLastReport: Double?) {
        self.reports = reports
        self.secondsSinceLastReport = secondsSinceLastReport
    }
}
