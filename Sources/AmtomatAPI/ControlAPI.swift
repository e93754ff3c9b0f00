import AmtomatCore
import Foundation

// JSON bodies of the control API (Unix socket; clerks and technicians). Shared by daemon and CLI,
// so both sides always agree on field names.

public struct ErrorBody: Codable, Sendable {
    /// One sentence: what went wrong and what to do next.
    public var error: String
    public init(error: String) { self.error = error }
}

public struct DepositRequest: Codable, Sendable {
    public var kind: DocumentKind
    public var reference: String
    public var size: SizeClass
    public var accessible: Bool
    public var holdDays: Int?
    public var dateOfBirth: String?
    /// Where the code goes instead of to the clerk (normalised again by the daemon).
    public var phone: String?
    public var email: String?
    public var language: NoticeLanguage?
    public init(kind: DocumentKind, reference: String, size: SizeClass, accessible: Bool = false,
                holdDays: Int? = nil, dateOfBirth: String? = nil,
                phone: String? = nil, email: String? = nil, language: NoticeLanguage? = nil) {
        self.phone = phone
        self.email = email
        self.language = language
        self.kind = kind
        self.reference = reference
        self.size = size
        self.accessible = accessible
        self.holdDays = holdDays
        self.dateOfBirth = dateOfBirth
    }
}

/// What `deposit` answers once the compartment's door is open for the clerk.
public struct DepositStarted: Codable, Sendable {
    public var reference: String
    public var compartment: CompartmentID
    public var label: String
    public init(reference: String, compartment: CompartmentID, label: String) {
        self.reference = reference
        self.compartment = compartment
        self.label = label
    }
}

/// A pickup code, shown to the clerk exactly once.
public struct CodeIssued: Codable, Sendable {
    public var reference: String
    public var compartment: CompartmentID
    public var code: String
    public var expiresAt: Date
    /// The compartment's label as printed on its door ("C3").
    public var label: String?
    public var kind: DocumentKind?
    /// The citizen must also enter the date of birth.
    public var secondFactor: Bool?
    public init(reference: String, compartment: CompartmentID, code: String, expiresAt: Date,
                label: String? = nil, kind: DocumentKind? = nil, secondFactor: Bool? = nil) {
        self.label = label
        self.kind = kind
        self.secondFactor = secondFactor
        self.reference = reference
        self.compartment = compartment
        self.code = code
        self.expiresAt = expiresAt
    }
}

/// The answer to "wait for the code": either the code, or still waiting for the door.
public struct AwaitCodeResponse: Codable, Sendable {
    /// `sent`: the document has a contact; the code went to the citizen (see `sent`).
    public enum Status: String, Codable, Sendable { case issued, doorOpen = "door-open", noCode = "no-code", sent }
    public var status: Status
    public var issued: CodeIssued?
    public var message: String?
    public var sent: NoticeQueued?
    public init(status: Status, issued: CodeIssued? = nil, message: String? = nil, sent: NoticeQueued? = nil) {
        self.sent = sent
        self.status = status
        self.issued = issued
        self.message = message
    }
}

public struct DocumentView: Codable, Sendable, Equatable {
    public var reference: String
    public var kind: DocumentKind
    public var state: DocumentState
    public var compartment: CompartmentID?
    /// The compartment's label as printed on its door ("C3").
    public var label: String?
    public var depositedAt: Date
    public var readyAt: Date?
    public var expiresAt: Date?
    public var codeIssued: Bool
    public var codeBlocked: Bool
    public var secondFactor: Bool
    public var finishedAt: Date?
    /// The document waits for its citizen, but no clerk received a code for it: "no code delivered — reissue".
    public var codeNotDelivered: Bool
    public init(reference: String, kind: DocumentKind, state: DocumentState, compartment: CompartmentID?,
                depositedAt: Date, readyAt: Date?, expiresAt: Date?, codeIssued: Bool, codeBlocked: Bool,
                secondFactor: Bool, finishedAt: Date?, label: String? = nil, codeNotDelivered: Bool = false) {
        self.label = label
        self.codeNotDelivered = codeNotDelivered
        self.reference = reference
        self.kind = kind
        self.state = state
        self.compartment = compartment
        self.depositedAt = depositedAt
        self.readyAt = readyAt
        self.expiresAt = expiresAt
        self.codeIssued = codeIssued
        self.codeBlocked = codeBlocked
        self.secondFactor = secondFactor
        self.finishedAt = finishedAt
    }
}

public struct ExtendRequest: Codable, Sendable {
    public var days: Int
    public init(days: Int) { self.days = days }
}

public struct ReasonRequest: Codable, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

public struct JamRequest: Codable, Sendable {
    public var jammed: Bool
    public init(jammed: Bool) { self.jammed = jammed }
}

public struct StuckSensorRequest: Codable, Sendable {
    /// "open", "closed", or nil to repair.
    public var stuck: DoorState?
    public init(stuck: DoorState?) { self.stuck = stuck }
}

public struct CompartmentView: Codable, Sendable, Equatable {
    public var id: CompartmentID
    public var label: String
    public var column: Int
    public var row: Int
    public var size: SizeClass
    public var wheelchairAccessible: Bool
    public var state: CompartmentState
    public var door: DoorState
    public var blockReason: String?
    public var reference: String?
    public var selfTest: String?
    public init(id: CompartmentID, label: String, column: Int, row: Int, size: SizeClass, wheelchairAccessible: Bool,
                state: CompartmentState, door: DoorState, blockReason: String?, reference: String?, selfTest: String?) {
        self.id = id
        self.label = label
        self.column = column
        self.row = row
        self.size = size
        self.wheelchairAccessible = wheelchairAccessible
        self.state = state
        self.door = door
        self.blockReason = blockReason
        self.reference = reference
        self.selfTest = selfTest
    }
}

public struct StatusView: Codable, Sendable {
    public var locker: String
    public var backend: String
    public var version: String
    public var you: String
    public var roles: [String]
    public var compartments: [CompartmentView]
    public var documents: [String: Int]
    public var terminalFreeAttempts: Int
    /// Whether the kiosk terminal is slowed by wrong codes, and for how long.
    public var terminal: TerminalStatus?
    /// Doors standing open now, longest first.
    public var openDoors: [OpenDoorView]?
    /// The office that runs the locker (`[office] name`, e.g. "Bürgerbüro Willich"), for reports.
    public var office: String?
    /// Outbox counts (nil from a daemon without notifications).
    public var notifications: NotificationCounts?
    /// The kiosk page's reports that it is on the screen (docs/kiosk.md, "The page watch").
    public var kioskPage: KioskPageReport?
    public init(locker: String, backend: String, version: String, you: String, roles: [String],
                compartments: [CompartmentView], documents: [String: Int], terminalFreeAttempts: Int,
                terminal: TerminalStatus? = nil, openDoors: [OpenDoorView]? = nil, office: String? = nil,
                notifications: NotificationCounts? = nil, kioskPage: KioskPageReport? = nil) {
        self.kioskPage = kioskPage
        self.office = office
        self.terminal = terminal
        self.openDoors = openDoors
        self.notifications = notifications
        self.locker = locker
        self.backend = backend
        self.version = version
        self.you = you
        self.roles = roles
        self.compartments = compartments
        self.documents = documents
        self.terminalFreeAttempts = terminalFreeAttempts
    }
}

/// A door standing open: how long, and which document the compartment holds.
public struct OpenDoorView: Codable, Sendable, Equatable {
    public var compartment: CompartmentID
    public var label: String
    public var seconds: Int
    /// Open longer than `[doors] left_open_alarm_seconds`.
    public var leftOpen: Bool
    public var reference: String?
    public init(compartment: CompartmentID, label: String, seconds: Int, leftOpen: Bool, reference: String?) {
        self.compartment = compartment
        self.label = label
        self.seconds = seconds
        self.leftOpen = leftOpen
        self.reference = reference
    }
}

public struct AuditEntryView: Codable, Sendable {
    public var id: Int64
    public var at: Date
    public var user: String
    public var action: String
    public var reference: String?
    public var compartment: CompartmentID?
    public var detail: String?
    /// The entry's place in the hash chain (`amtomat audit verify` names entries by it).
    public var seq: Int64?
    public init(id: Int64, at: Date, user: String, action: String, reference: String?, compartment: CompartmentID?, detail: String?,
                seq: Int64? = nil) {
        self.seq = seq
        self.id = id
        self.at = at
        self.user = user
        self.action = action
        self.reference = reference
        self.compartment = compartment
        self.detail = detail
    }
}

/// The audit chain's head (`amtomat audit checkpoint`): keep `checkpoint` off the box and later
/// run `amtomat audit verify --checkpoint SEQ:HASH` against it.
public struct AuditHeadView: Codable, Sendable {
    public var locker: String
    /// `SEQ:HASH`, the form `verify --checkpoint` takes.
    public var checkpoint: String
    public var seq: Int64
    public var hash: String
    /// When the head entry was written (nil when every entry was pruned).
    public var at: Date?
    public init(locker: String, checkpoint: AuditCheckpoint, at: Date?) {
        self.locker = locker
        self.checkpoint = checkpoint.description
        seq = checkpoint.seq
        hash = checkpoint.hash
        self.at = at
    }
}

/// Audit entries counted per day, action and document kind; what is left of pruned entries.
public struct AuditCountView: Codable, Sendable, Equatable {
    public var day: String
    public var action: String
    /// The document kind, or "" when the entry named no document.
    public var kind: String
    public var count: Int
    public init(day: String, action: String, kind: String, count: Int) {
        self.day = day
        self.action = action
        self.kind = kind
        self.count = count
    }
}

public struct LineView: Codable, Sendable {
    public var compartment: CompartmentID
    public var label: String?
    /// "lock" or "door".
    public var role: String
    public var line: String
    /// The line's live value, 0 or 1; nil when it cannot be read.
    public var level: Int?
    /// What the value means ("closed", "open", "energised", "off") or why it cannot be read.
    public var meaning: String
    public init(compartment: CompartmentID, label: String? = nil, role: String, line: String, level: Int?, meaning: String) {
        self.label = label
        self.meaning = meaning
        self.compartment = compartment
        self.role = role
        self.line = line
        self.level = level
    }
}

/// Shared JSON settings: ISO 8601 dates, sorted keys (stable output for scripts).
public enum APIJSON {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}

/// How people name a compartment: the number the CLI takes and the label on its door, "11 (C3)".
/// A compartment without its own label is just its number.
public func compartmentName(_ id: CompartmentID, label: String?) -> String {
    guard let label, !label.isEmpty, label != "\(id)" else { return "\(id)" }
    return "\(id) (\(label))"
}
