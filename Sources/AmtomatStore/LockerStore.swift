import AmtomatCore
import Foundation
import GRDB

/// A compartment with what is derived from its documents.
public struct CompartmentOverview: Sendable, Equatable {
    public var record: CompartmentRecord
    public var state: CompartmentState
    public var holder: DocumentRecord?
    public var verdict: SelfTestVerdictRecord?
}

/// Who caused a change: the OS user behind the control socket, "kiosk", or the daemon itself.
public struct Actor: Sendable, Equatable {
    public var name: String
    public init(_ name: String) { self.name = name }
    public static let kiosk = Actor("kiosk")
    public static let daemon = Actor("amtomatd")
}

/// The small interface the daemon uses; every method that changes something is one transaction
/// that also writes the audit entry, so the audit log cannot miss a change or invent one.
public struct LockerStore: Sendable {
    public let database: AppDatabase
    private var writer: any DatabaseWriter { database.writer }

    public init(_ database: AppDatabase) { self.database = database }

    // MARK: Compartments

    /// Brings the compartment table in line with the locker description, keeping blocks and history.
    public func syncCompartments(_ locker: LockerDescription) throws {
        try writer.write { db in
            let configured = Set(locker.compartments.map(\.id.rawValue))
            for c in locker.compartments {
                if var existing = try CompartmentRecord.fetchOne(db, key: c.id.rawValue) {
                    existing.label = c.label
                    existing.column = c.column
                    existing.row = c.row
                    existing.size = c.size
                    existing.wheelchairAccessible = c.wheelchairAccessible
                    existing.inService = true
                    try existing.update(db)
                } else {
                    try CompartmentRecord(id: c.id.rawValue, label: c.label, column: c.column, row: c.row, size: c.size,
                                          wheelchairAccessible: c.wheelchairAccessible, blocked: false, blockReason: nil,
                                          blockedAt: nil, lastDoorState: .unknown, inService: true).insert(db)
                }
            }
            for var gone in try CompartmentRecord.fetchAll(db) where !configured.contains(gone.id) && gone.inService {
                gone.inService = false
                try gone.update(db)
            }
        }
    }

    public func compartments() throws -> [CompartmentOverview] {
        try writer.read { db in try Self.overview(db) }
    }

    public func compartment(_ id: CompartmentID) throws -> CompartmentOverview? {
        try compartments().first { $0.record.id == id.rawValue }
    }

    /// Is this compartment blocked? One indexed read: this sits on the unlock path.
    public func isBlocked(_ id: CompartmentID) throws -> Bool {
        try writer.read { db in try Bool.fetchOne(db, sql: "SELECT blocked FROM compartment WHERE id = ?", arguments: [id.rawValue]) ?? false }
    }

    static func overview(_ db: Database) throws -> [CompartmentOverview] {
        let records = try CompartmentRecord.filter(Column("inService") == true).order(Column("id")).fetchAll(db)
        let holding = DocumentState.allCases.filter(\.holdsCompartment)
        let live = try DocumentRecord.filter(holding.contains(Column("state"))).fetchAll(db)
        let byCompartment = Dictionary(live.compactMap { d in d.compartmentId.map { ($0, d) } }, uniquingKeysWith: { a, _ in a })
        let verdicts = Dictionary(try SelfTestVerdictRecord.fetchAll(db).map { ($0.compartmentId, $0) }, uniquingKeysWith: { a, _ in a })
        return records.map { r in
            let holder = byCompartment[r.id]
            return CompartmentOverview(record: r, state: .derive(blocked: r.blocked, holder: holder?.state),
                                       holder: holder, verdict: verdicts[r.id])
        }
    }

    /// Remembers the last door state (not audited: doors move all day).
    public func setDoorStates(_ doors: [CompartmentID: DoorState]) throws {
        try writer.write { db in
            for (id, state) in doors {
                try db.execute(sql: "UPDATE compartment SET lastDoorState = ? WHERE id = ?", arguments: [state, id.rawValue])
            }
        }
    }

    /// Blocks or unblocks a compartment; a blocked one is never assigned.
    @discardableResult
    public func setBlocked(_ id: CompartmentID, blocked: Bool, reason: String?, by actor: Actor, at now: Date) throws -> CompartmentRecord {
        try writer.write { db in
            guard var record = try CompartmentRecord.fetchOne(db, key: id.rawValue), record.inService else {
                throw LockerError.unknownCompartment(id)
            }
            record.blocked = blocked
            record.blockReason = blocked ? reason : nil
            record.blockedAt = blocked ? now : nil
            try record.update(db)
            var entry = AuditEntry(at: now, osUser: actor.name, action: blocked ? "block" : "unblock",
                                   reference: nil, compartment: id, detail: reason)
            try entry.insert(db)
            return record
        }
    }

    public func saveVerdict(_ verdict: SelfTestVerdictRecord, by actor: Actor) throws {
        try writer.write { db in
            try verdict.save(db)
            var entry = AuditEntry(at: verdict.testedAt, osUser: actor.name, action: "selftest",
                                   compartment: CompartmentID(verdict.compartmentId), detail: "\(verdict.verdict): \(verdict.detail)")
            try entry.insert(db)
        }
    }

    // MARK: Documents

    /// Registers a document and reserves the compartment the assignment policy picks, in one transaction.
    public func reserve(reference: String, kind: DocumentKind, size: SizeClass, accessible: Bool, holdDays: Int,
                        secondFactorDigest: Data?, doors: [CompartmentID: DoorState],
                        contact: Contact? = nil,
                        by actor: Actor, at now: Date) throws -> DocumentRecord {
        try writer.write { db in
            if try Self.live(db, reference: reference) != nil { throw LockerError.duplicateReference(reference: reference) }
            let candidates = try Self.overview(db).compactMap { o -> CompartmentAssignment.Candidate? in
                let d = CompartmentDescription(id: o.record.compartmentID, label: o.record.label, column: o.record.column,
                                               row: o.record.row, size: o.record.size,
                                               wheelchairAccessible: o.record.wheelchairAccessible)
                return .init(description: d, state: o.state, door: doors[d.id] ?? .unknown)
            }
            guard let chosen = CompartmentAssignment.choose(size: size, accessible: accessible, from: candidates) else {
                throw LockerError.noFreeCompartment(size: size, accessible: accessible)
            }
            var document = DocumentRecord(reference: reference, kind: kind, holdDays: holdDays, compartment: chosen.id,
                                          secondFactorDigest: secondFactorDigest, at: now)
            try document.insert(db)
            if let contact, let id = document.id { try Self.saveContact(db, contact, documentId: id) }
            // The audit log names the contact only masked.
            let notify = contact.map { $0.maskedDestinations.isEmpty ? "" : "; notify by " + $0.maskedDestinations.joined(separator: ", ") } ?? ""
            var entry = AuditEntry(at: now, osUser: actor.name, action: "reserve", reference: reference,
                                   compartment: chosen.id, detail: "\(kind.rawValue), size \(size.rawValue)\(accessible ? ", wheelchair-reachable" : "")\(notify)")
            try entry.insert(db)
            return document
        }
    }

    /// Moves a document to `next`, applying `mutate`, and writes the audit entry — all in one
    /// transaction. Refuses if the document changed meanwhile or the transition is not allowed.
    @discardableResult
    public func change(_ document: DocumentRecord, to next: DocumentState, action: String, detail: String? = nil,
                       sealedCode: Data? = nil, by actor: Actor, at now: Date,
                       _ mutate: @Sendable (inout DocumentRecord) throws -> Void = { _ in }) throws -> DocumentRecord {
        try modify(document, to: next, action: action, detail: detail, sealedCode: sealedCode, by: actor, at: now, mutate)
    }

    /// Changes a document without changing its state (door seen open, code reissued, a wrong date
    /// of birth counted), with its audit entry, in one transaction.
    @discardableResult
    public func update(_ document: DocumentRecord, action: String, detail: String? = nil, sealedCode: Data? = nil,
                       by actor: Actor, at now: Date,
                       _ mutate: @Sendable (inout DocumentRecord) throws -> Void) throws -> DocumentRecord {
        try modify(document, to: nil, action: action, detail: detail, sealedCode: sealedCode, by: actor, at: now, mutate)
    }

    private func modify(_ document: DocumentRecord, to next: DocumentState?, action: String, detail: String?,
                        sealedCode: Data? = nil, by actor: Actor, at now: Date,
                        _ mutate: @Sendable (inout DocumentRecord) throws -> Void) throws -> DocumentRecord {
        try writer.write { db in
            guard let id = document.id, var current = try DocumentRecord.fetchOne(db, key: id) else {
                throw LockerError.unknownDocument(reference: document.reference)
            }
            // Optimistic check: the caller decided on the state it read; if that changed, it decides again.
            guard current.state == document.state else {
                throw LockerError.illegalTransition(reference: current.reference, from: current.state, to: next ?? document.state)
            }
            let before = current
            if let next { current.state = try current.state.move(to: next, reference: current.reference) }
            try mutate(&current)
            current.state = next ?? document.state
            if current.state.isFinal {
                // The code's digest moves to finishedCode, so the kiosk can tell a late citizen what happened.
                if let digest = current.codeDigest {
                    try Self.rememberFinishedCode(db, digest: digest, state: current.state, at: now)
                }
                // A finished document keeps no secret: the code and date-of-birth digests go.
                current.codeDigest = nil
                current.secondFactorDigest = nil
                current.finishedAt = current.finishedAt ?? now
            }
            current.updatedAt = now
            try current.update(db)
            // Whatever the change means for the citizen is queued in this same transaction.
            try Outbox.follow(db, from: before, to: current, sealedCode: sealedCode, at: now)
            var entry = AuditEntry(at: now, osUser: actor.name, action: action, reference: current.reference,
                                   compartment: current.compartment, detail: detail)
            try entry.insert(db)
            return current
        }
    }

    /// The live document with this reference, or else the most recent finished one.
    public func document(reference: String) throws -> DocumentRecord? {
        try writer.read { db in
            if let live = try Self.live(db, reference: reference) { return live }
            return try DocumentRecord.filter(Column("reference") == reference).order(Column("id").desc).fetchOne(db)
        }
    }

    public func document(id: Int64) throws -> DocumentRecord? {
        try writer.read { db in try DocumentRecord.fetchOne(db, key: id) }
    }

    /// The document whose pickup code has this digest (only live documents keep a digest).
    public func document(codeDigest: Data) throws -> DocumentRecord? {
        try writer.read { db in try DocumentRecord.filter(Column("codeDigest") == codeDigest).fetchOne(db) }
    }

    /// What became of the document whose code had this digest, while it is remembered
    /// (see `rememberFinishedCode`); nil for codes never issued or already forgotten.
    public func finishedCode(codeDigest: Data) throws -> (state: DocumentState, at: Date)? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT state, at FROM finishedCode WHERE codeDigest = ?", arguments: [codeDigest]),
                  let state = DocumentState(rawValue: row["state"]) else { return nil }
            return (state, row["at"])
        }
    }

    /// Deletes the digests of codes whose document finished before `date`; returns how many.
    @discardableResult
    public func forgetFinishedCodes(finishedBefore date: Date) throws -> Int {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM finishedCode WHERE at < ?", arguments: [date])
            return db.changesCount
        }
    }

    static func rememberFinishedCode(_ db: Database, digest: Data, state: DocumentState, at: Date) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO finishedCode (codeDigest, state, at) VALUES (?, ?, ?)",
                       arguments: [digest, state.rawValue, at])
    }

    public func liveDocument(in compartment: CompartmentID) throws -> DocumentRecord? {
        try writer.read { db in
            try DocumentRecord.filter(Column("compartmentId") == compartment.rawValue)
                .filter(DocumentState.allCases.filter(\.holdsCompartment).contains(Column("state"))).fetchOne(db)
        }
    }

    public func documents(state: DocumentState? = nil, limit: Int = 1000) throws -> [DocumentRecord] {
        try writer.read { db in
            var request = DocumentRecord.all()
            if let state {
                request = request.filter(Column("state") == state)
            } else {
                request = request.filter(DocumentState.allCases.filter(\.holdsCompartment).contains(Column("state")))
            }
            return try request.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// Documents in the given states (reconciliation at start).
    public func documents(in states: [DocumentState]) throws -> [DocumentRecord] {
        try writer.read { db in try DocumentRecord.filter(states.contains(Column("state"))).fetchAll(db) }
    }

    /// Every ready document past its hold period becomes expired; its code stops working.
    public func expireDue(at now: Date) throws -> [DocumentRecord] {
        try writer.write { db in
            let due = try DocumentRecord.filter(Column("state") == DocumentState.ready)
                .filter(Column("expiresAt") <= now).fetchAll(db)
            var expired: [DocumentRecord] = []
            for var d in due {
                d.state = try d.state.move(to: .expired, reference: d.reference)
                d.updatedAt = now
                try d.update(db)
                var entry = AuditEntry(at: now, osUser: Actor.daemon.name, action: "expire", reference: d.reference,
                                       compartment: d.compartment, detail: nil)
                try entry.insert(db)
                expired.append(d)
            }
            return expired
        }
    }

    public func counts() throws -> [DocumentState: Int] {
        try writer.read { db in
            var result: [DocumentState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM document GROUP BY state") {
                if let s = DocumentState(rawValue: row["state"]) { result[s] = row["n"] }
            }
            return result
        }
    }

    // MARK: Audit

    public func record(_ entry: AuditEntry) throws {
        try writer.write { db in
            var e = entry
            try e.insert(db)
        }
    }

    public func auditLog(limit: Int = 100, after id: Int64? = nil) throws -> [AuditEntry] {
        try writer.read { db in
            var request = AuditEntry.all()
            if let id { request = request.filter(Column("id") > id) }
            return try request.order(Column("id").desc).limit(limit).fetchAll(db).reversed()
        }
    }

    private static func live(_ db: Database, reference: String) throws -> DocumentRecord? {
        try DocumentRecord.filter(Column("reference") == reference)
            .filter(DocumentState.allCases.filter(\.holdsCompartment).contains(Column("state"))).fetchOne(db)
    }
}
