import AmtomatCore
import Foundation
import GRDB

/// A compartment as stored: its layout (from the locker description) and what the daemon knows of it.
public struct CompartmentRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "compartment"
    public var id: Int
    public var label: String
    public var column: Int
    public var row: Int
    public var size: SizeClass
    public var wheelchairAccessible: Bool
    public var blocked: Bool
    public var blockReason: String?
    public var blockedAt: Date?
    public var lastDoorState: DoorState
    /// False when the compartment was removed from the locker description.
    public var inService: Bool

    public var compartmentID: CompartmentID { CompartmentID(id) }
}

/// A document and everything that happened to it. Codes and dates of birth are stored only as HMACs.
public struct DocumentRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "document"
    public var id: Int64?
    public var reference: String
    public var kind: DocumentKind
    public var state: DocumentState
    public var compartmentId: Int?
    public var holdDays: Int
    public var depositedAt: Date
    public var readyAt: Date?
    public var expiresAt: Date?
    public var codeDigest: Data?
    public var codeIssuedAt: Date?
    public var secondFactorDigest: Data?
    public var secondFactorFailures: Int
    public var codeBlocked: Bool
    public var doorOpenedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date

    public var compartment: CompartmentID? { compartmentId.map { CompartmentID($0) } }
    public var needsSecondFactor: Bool { secondFactorDigest != nil }

    public init(reference: String, kind: DocumentKind, holdDays: Int, compartment: CompartmentID,
                secondFactorDigest: Data?, at now: Date) {
        self.reference = reference
        self.kind = kind
        state = .reserved
        compartmentId = compartment.rawValue
        self.holdDays = holdDays
        depositedAt = now
        self.secondFactorDigest = secondFactorDigest
        secondFactorFailures = 0
        codeBlocked = false
        updatedAt = now
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One line of the audit log: who did what to which document and compartment, and when.
public struct AuditEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "auditEntry"
    public var id: Int64?
    public var at: Date
    public var osUser: String
    public var action: String
    public var reference: String?
    public var compartmentId: Int?
    public var detail: String?
    /// The hash chain (AuditChain): set by `willInsert` at the one place every entry is written.
    public var seq: Int64?
    public var prevHash: Data?
    public var hash: Data?

    public init(at: Date, osUser: String, action: String, reference: String? = nil,
                compartment: CompartmentID? = nil, detail: String? = nil) {
        self.at = at
        self.osUser = osUser
        self.action = action
        self.reference = reference
        compartmentId = compartment?.rawValue
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The last self-test verdict of a compartment.
public struct SelfTestVerdictRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "selfTestVerdict"
    public var compartmentId: Int
    public var verdict: String
    public var detail: String
    public var testedAt: Date

    public init(compartmentId: Int, verdict: String, detail: String, testedAt: Date) {
        self.compartmentId = compartmentId
        self.verdict = verdict
        self.detail = detail
        self.testedAt = testedAt
    }
}

extension SizeClass: DatabaseValueConvertible {}
extension DocumentKind: DatabaseValueConvertible {}
extension DocumentState: DatabaseValueConvertible {}
extension DoorState: DatabaseValueConvertible {}
