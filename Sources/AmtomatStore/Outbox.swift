import AmtomatCore
import Foundation
import GRDB

// The notification outbox. A message is queued in the same transaction as the document change
// that causes it (LockerStore.modify calls `Outbox.follow`), so a crash can neither lose a message
// nor send one for a change that never happened. The pickup code is stored only sealed
// (AES-GCM, key outside the database) and only until the message has gone out.

/// How the citizen wants to hear about one document. Deleted (secure_delete) once the last
/// message about a finished document has gone out.
public struct ContactRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "notificationContact"
    public var documentId: Int64
    public var phone: String?
    public var email: String?
    public var language: String

    public var contact: Contact {
        Contact(phone: phone, email: email, language: NoticeLanguage(rawValue: language) ?? .de)
    }
}

public enum OutboxChannel: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    case sms, email
}

public enum OutboxState: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    /// Queued, or waiting for its next try.
    case waiting
    /// Handed to the sender; if no answer comes before `claimedUntil`, it is due again.
    case sending
    case sent
    /// Refused for good, or given up: a clerk must look (`amtomat notifications`).
    case failed
    /// Made pointless by a later change (a new code, a pickup, a withdrawal) before it went out.
    case cancelled

    public var isPending: Bool { self == .waiting || self == .sending }
}

extension NoticeKind: DatabaseValueConvertible {}

public struct OutboxMessageRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "outboxMessage"
    public var id: Int64?
    public var documentId: Int64
    public var kind: NoticeKind
    public var channel: OutboxChannel
    public var state: OutboxState
    /// AES-GCM sealed pickup code (ready messages only), erased when the message is finished.
    public var sealedCode: Data?
    public var queuedAt: Date
    public var dueAt: Date
    public var attempts: Int
    public var claimedUntil: Date?
    /// What the sender last said (never an address or a code).
    public var lastError: String?
    public var finishedAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A due message handed out for delivery, with what rendering it needs.
public struct ClaimedMessage: Sendable {
    public var message: OutboxMessageRecord
    public var document: DocumentRecord
    public var contact: Contact
}

/// A message as the clerk sees it.
public struct OutboxListing: Sendable {
    public var message: OutboxMessageRecord
    public var reference: String
    /// Masked ("SMS to +49 171 ••• ••78"); nil once the contact is deleted.
    public var destination: String?
}

enum Outbox {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v-notify-1: notification contacts and outbox") { db in
            try db.execute(sql: """
                CREATE TABLE notificationContact (
                    documentId INTEGER PRIMARY KEY NOT NULL REFERENCES document(id),
                    phone TEXT,
                    email TEXT,
                    language TEXT NOT NULL DEFAULT 'de'
                );
                CREATE TABLE outboxMessage (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    documentId INTEGER NOT NULL REFERENCES document(id),
                    kind TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    state TEXT NOT NULL,
                    sealedCode BLOB,
                    queuedAt DATETIME NOT NULL,
                    dueAt DATETIME NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    claimedUntil DATETIME,
                    lastError TEXT,
                    finishedAt DATETIME
                );
                CREATE INDEX outbox_due ON outboxMessage(state, dueAt);
                CREATE INDEX outbox_document ON outboxMessage(documentId);
                """)
        }
    }

    /// Called inside every document transaction: queues what the change means for the citizen.
    static func follow(_ db: Database, from before: DocumentRecord, to after: DocumentRecord,
                       sealedCode: Data?, at now: Date) throws {
        guard let id = after.id, let contact = try ContactRecord.fetchOne(db, key: id) else { return }
        if after.codeDigest != before.codeDigest || sealedCode != nil {
            // A new code makes every unsent message with an older one useless (the newest code is the valid one).
            try cancel(db, documentId: id, kinds: [.ready], at: now)
        }
        if let sealedCode {
            try queue(db, .ready, for: id, contact: contact, sealedCode: sealedCode, at: now)
        }
        if after.state != before.state {
            switch after.state {
            case .collected:
                try cancel(db, documentId: id, kinds: [.ready, .reminder], at: now)
                try queue(db, .collected, for: id, contact: contact, sealedCode: nil, at: now)
            case .returned:
                try cancel(db, documentId: id, kinds: [.ready, .reminder], at: now)
                try queue(db, .returned, for: id, contact: contact, sealedCode: nil, at: now)
            case let s where s.isFinal:
                try cancel(db, documentId: id, kinds: [.ready, .reminder], at: now)
            default:
                break
            }
        }
        if after.state.isFinal { try forgetContactIfDone(db, documentId: id) }
    }

    static func queue(_ db: Database, _ kind: NoticeKind, for documentId: Int64, contact: ContactRecord,
                      sealedCode: Data?, at now: Date) throws {
        let channels: [OutboxChannel] = (contact.phone != nil ? [.sms] : []) + (contact.email != nil ? [.email] : [])
        for channel in channels {
            var message = OutboxMessageRecord(documentId: documentId, kind: kind, channel: channel, state: .waiting,
                                              sealedCode: sealedCode, queuedAt: now, dueAt: now, attempts: 0)
            try message.insert(db)
        }
    }

    static func cancel(_ db: Database, documentId: Int64, kinds: [NoticeKind], at now: Date) throws {
        try db.execute(sql: """
            UPDATE outboxMessage SET state = 'cancelled', sealedCode = NULL, claimedUntil = NULL, finishedAt = ?
            WHERE documentId = ? AND state IN ('waiting', 'sending') AND kind IN (\(kinds.map { "'\($0.rawValue)'" }.joined(separator: ",")))
            """, arguments: [now, documentId])
    }

    /// A finished document's contact goes as soon as no message about it is still to be sent.
    static func forgetContactIfDone(_ db: Database, documentId: Int64) throws {
        guard let state = try DocumentState.fetchOne(db, sql: "SELECT state FROM document WHERE id = ?", arguments: [documentId]),
              state.isFinal else { return }
        let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outboxMessage WHERE documentId = ? AND state IN ('waiting', 'sending')",
                                       arguments: [documentId]) ?? 0
        if pending == 0 {
            try db.execute(sql: "DELETE FROM notificationContact WHERE documentId = ?", arguments: [documentId])
        }
    }
}

extension LockerStore {
    /// Stores (or replaces) the contact of a document that still holds its compartment.
    public func setContact(_ contact: Contact, documentId: Int64) throws {
        try database.writer.write { db in try Self.saveContact(db, contact, documentId: documentId) }
    }

    static func saveContact(_ db: Database, _ contact: Contact, documentId: Int64) throws {
        if contact.isEmpty {
            try db.execute(sql: "DELETE FROM notificationContact WHERE documentId = ?", arguments: [documentId])
        } else {
            try ContactRecord(documentId: documentId, phone: contact.phone, email: contact.email,
                              language: contact.language.rawValue).save(db)
        }
    }

    public func contact(documentId: Int64) throws -> Contact? {
        try database.writer.read { db in try ContactRecord.fetchOne(db, key: documentId)?.contact }
    }

    /// Hands out due messages for delivery: each is leased for `lease` seconds; if the sender does
    /// not report back in that time (it crashed, the gateway hung), the message is due again.
    public func claimDueMessages(at now: Date, lease: TimeInterval, limit: Int = 10) throws -> [ClaimedMessage] {
        try database.writer.write { db in
            let due = try OutboxMessageRecord.fetchAll(db, sql: """
                SELECT * FROM outboxMessage
                WHERE (state = 'waiting' AND dueAt <= ?) OR (state = 'sending' AND claimedUntil <= ?)
                ORDER BY dueAt, id LIMIT ?
                """, arguments: [now, now, limit])
            var claimed: [ClaimedMessage] = []
            for var message in due {
                guard let document = try DocumentRecord.fetchOne(db, key: message.documentId),
                      let contact = try ContactRecord.fetchOne(db, key: message.documentId) else {
                    message.state = .cancelled
                    message.sealedCode = nil
                    message.finishedAt = now
                    message.lastError = "no contact left for this document"
                    try message.update(db)
                    continue
                }
                message.state = .sending
                message.claimedUntil = now.addingTimeInterval(lease)
                try message.update(db)
                claimed.append(ClaimedMessage(message: message, document: document, contact: contact.contact))
            }
            return claimed
        }
    }

    /// Whether a message is due now (cheap; the sender's long poll asks this).
    public func hasDueMessages(at now: Date) throws -> Bool {
        try database.writer.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM outboxMessage
                    WHERE (state = 'waiting' AND dueAt <= ?) OR (state = 'sending' AND claimedUntil <= ?))
                """, arguments: [now, now]) ?? false
        }
    }

    /// Applies what the sender reports about one attempt. Returns the updated message, or nil when
    /// it is unknown or no longer being sent (cancelled meanwhile).
    @discardableResult
    public func reportDelivery(messageId: Int64, outcome: DeliveryOutcome, detail: String?, policy: RetryPolicy,
                               at now: Date) throws -> OutboxMessageRecord? {
        try database.writer.write { db in
            guard var message = try OutboxMessageRecord.fetchOne(db, key: messageId), message.state == .sending else { return nil }
            message.attempts += 1
            message.claimedUntil = nil
            message.lastError = detail.map { String($0.prefix(300)) }
            var final = outcome
            if outcome == .retry {
                if let next = policy.nextAttempt(queuedAt: message.queuedAt, attempts: message.attempts, now: now) {
                    message.state = .waiting
                    message.dueAt = next
                } else {
                    final = .failed
                    message.lastError = "gave up after \(message.attempts) attempts; last: \(detail ?? "no answer")"
                }
            }
            if final != .retry {
                message.state = final == .sent ? .sent : .failed
                message.sealedCode = nil
                message.finishedAt = now
                if final == .sent { message.lastError = nil }
            }
            try message.update(db)
            if final != .retry {
                let reference = try String.fetchOne(db, sql: "SELECT reference FROM document WHERE id = ?", arguments: [message.documentId])
                let destination = try ContactRecord.fetchOne(db, key: message.documentId).flatMap { c in
                    message.channel == .sms ? c.phone.map { "SMS to \(PhoneNumber.masked($0))" } : c.email.map { "e-mail to \(EmailAddress.masked($0))" }
                } ?? message.channel.rawValue
                var entry = AuditEntry(at: now, osUser: Actor.notifier.name,
                                       action: final == .sent ? "notification-sent" : "notification-failed",
                                       reference: reference, detail: "\(message.kind.rawValue), \(destination)\(final == .failed ? ": \(message.lastError ?? "")" : "")")
                try entry.insert(db)
                try Outbox.forgetContactIfDone(db, documentId: message.documentId)
            }
            return message
        }
    }

    /// Waiting messages past the give-up time become failed (the sender may not be running at all).
    public func giveUpStaleMessages(policy: RetryPolicy, at now: Date) throws -> Int {
        try database.writer.write { db in
            let stale = try OutboxMessageRecord.filter(Column("state") == OutboxState.waiting.rawValue)
                .filter(Column("queuedAt") < now.addingTimeInterval(-policy.giveUpSeconds)).fetchAll(db)
            for var m in stale {
                m.state = .failed
                m.sealedCode = nil
                m.finishedAt = now
                m.lastError = "not delivered within \(Int(policy.giveUpSeconds / 3600)) hours; is amtomat-notify running? (\(m.lastError ?? "never tried"))"
                try m.update(db)
                try Outbox.forgetContactIfDone(db, documentId: m.documentId)
            }
            return stale.count
        }
    }

    /// Queues a reminder for every ready document with a contact whose last day is `daysBefore`
    /// days away or nearer, once per document.
    public func queueReminders(daysBefore: Int, at now: Date) throws -> Int {
        try database.writer.write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT d.id FROM document d JOIN notificationContact c ON c.documentId = d.id
                WHERE d.state = 'ready' AND d.expiresAt <= ? AND d.expiresAt > ?
                  AND NOT EXISTS (SELECT 1 FROM outboxMessage m WHERE m.documentId = d.id AND m.kind = 'reminder')
                  AND EXISTS (SELECT 1 FROM outboxMessage m WHERE m.documentId = d.id AND m.kind = 'ready' AND m.state = 'sent')
                """, arguments: [now.addingTimeInterval(Double(daysBefore) * 86_400), now])
            for row in rows {
                let id: Int64 = row["id"]
                guard let contact = try ContactRecord.fetchOne(db, key: id) else { continue }
                try Outbox.queue(db, .reminder, for: id, contact: contact, sealedCode: nil, at: now)
            }
            return rows.count
        }
    }

    /// Messages for the clerk: failed and pending ones by default, newest first.
    public func outboxMessages(states: [OutboxState] = [.waiting, .sending, .failed], limit: Int = 200) throws -> [OutboxListing] {
        try database.writer.read { db in
            let messages = try OutboxMessageRecord.filter(states.map(\.rawValue).contains(Column("state")))
                .order(Column("id").desc).limit(limit).fetchAll(db)
            return try messages.map { m in
                let reference = try String.fetchOne(db, sql: "SELECT reference FROM document WHERE id = ?", arguments: [m.documentId]) ?? "?"
                let c = try ContactRecord.fetchOne(db, key: m.documentId)
                let destination = m.channel == .sms ? c?.phone.map { "SMS to \(PhoneNumber.masked($0))" } : c?.email.map { "e-mail to \(EmailAddress.masked($0))" }
                return OutboxListing(message: m, reference: reference, destination: destination)
            }
        }
    }

    public func outboxCounts() throws -> [OutboxState: Int] {
        try database.writer.read { db in
            var result: [OutboxState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outboxMessage GROUP BY state") {
                if let s = OutboxState(rawValue: row["state"]) { result[s] = row["n"] }
            }
            return result
        }
    }

    /// Moves every committed page into the database file and empties the WAL, so erased contacts
    /// and codes do not linger in old WAL frames. Best effort: a busy reader just postpones it.
    public func flushErasedData() {
        _ = try? database.writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }
}

extension Actor {
    /// The sender process, as it appears in the audit log.
    public static let notifier = Actor("amtomat-notify")
}
