import AmtomatCore
import Foundation
import GRDB

/// The audit log's hash chain and the retention of personal data (docs/adr/0030-retention-and-the-audit-chain.md).
func registerAuditChainMigrations(_ migrator: inout DatabaseMigrator) {
    migrator.registerMigration("audit v1: hash chain, prune checkpoints, daily counts") { db in
        try db.execute(sql: """
            ALTER TABLE auditEntry ADD COLUMN seq INTEGER;
            ALTER TABLE auditEntry ADD COLUMN prevHash BLOB;
            ALTER TABLE auditEntry ADD COLUMN hash BLOB;
            CREATE TABLE auditCheckpoint (
                seq INTEGER NOT NULL PRIMARY KEY,
                hash BLOB NOT NULL,
                prunedAt TEXT NOT NULL,
                prunedEntries INTEGER NOT NULL,
                cutoff TEXT NOT NULL
            );
            CREATE TABLE auditDailyCount (
                day TEXT NOT NULL,
                action TEXT NOT NULL,
                kind TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (day, action, kind)
            ) WITHOUT ROWID;
            """)
        // Chain the entries already there, in the order they were written. AuditChain's rule is
        // versioned and frozen, so this migration computes the same hashes for as long as it exists.
        var previous = AuditChain.genesis
        var seq: Int64 = 0
        let rows = try Row.fetchAll(db, sql: "SELECT id, at, osUser, action, reference, compartmentId, detail FROM auditEntry ORDER BY id")
        for row in rows {
            seq += 1
            let link = AuditRow.link(row)
            let fields = AuditChainFields(seq: seq, at: link.at, osUser: link.osUser, action: link.action,
                                          reference: link.reference, compartment: link.compartment, detail: link.detail)
            let hash = AuditChain.hash(fields, previousHash: previous)
            try db.execute(sql: "UPDATE auditEntry SET seq = ?, prevHash = ?, hash = ? WHERE id = ?",
                           arguments: [seq, previous, hash, link.rowID])
            previous = hash
        }
        try db.execute(sql: "CREATE UNIQUE INDEX auditEntry_seq ON auditEntry(seq)")
        try db.execute(sql: "CREATE INDEX auditEntry_at ON auditEntry(at)")
    }
}

extension AuditEntry {
    /// The single insert point of every audit entry: whoever writes one, in whichever transaction,
    /// gets the next sequence number and the link to the entry before, inside that same transaction.
    public mutating func willInsert(_ db: Database) throws {
        let head = try AuditRow.head(db)
        guard case .string(let atText) = at.databaseValue.storage else {
            throw DatabaseError(message: "an audit entry's time is not stored as text")
        }
        seq = head.seq + 1
        prevHash = head.hash
        hash = AuditChain.hash(AuditChainFields(seq: head.seq + 1, at: atText, osUser: osUser, action: action,
                                                reference: reference, compartment: compartmentId, detail: detail),
                               previousHash: head.hash)
    }
}

/// Reading audit rows as stored, whatever someone wrote into them with `sqlite3`: a value of the
/// wrong type must show up as a changed entry, never crash the daemon.
enum AuditRow {
    static let columns = "id, seq, at, osUser, action, reference, compartmentId, detail, prevHash, hash"

    static func link(_ row: Row) -> StoredAuditLink {
        StoredAuditLink(rowID: integer(row["id"]) ?? 0, seq: integer(row["seq"]), at: text(row["at"]) ?? "",
                        osUser: text(row["osUser"]) ?? "", action: text(row["action"]) ?? "",
                        reference: text(row["reference"]), compartment: integer(row["compartmentId"]).map { Int($0) },
                        detail: text(row["detail"]), prevHash: blob(row["prevHash"]), hash: blob(row["hash"]))
    }

    static func text(_ value: DatabaseValue?) -> String? {
        switch value?.storage {
        case .string(let s): s
        case .int64(let i): String(i)
        case .double(let d): String(d)
        case .blob(let b): b.map { String(format: "%02x", $0) }.joined()
        case .null, nil: nil
        }
    }

    static func integer(_ value: DatabaseValue?) -> Int64? {
        switch value?.storage {
        case .int64(let i): i
        case .string(let s): Int64(s)
        default: nil
        }
    }

    static func blob(_ value: DatabaseValue?) -> Data? {
        if case .blob(let b)? = value?.storage { return b }
        return nil
    }

    /// The checkpoints recorded by prunes, oldest first; the last one is where the stored chain starts.
    static func prunePoints(_ db: Database) throws -> [AuditCheckpoint] {
        try Row.fetchAll(db, sql: "SELECT seq, hash FROM auditCheckpoint ORDER BY seq").compactMap { row in
            guard let seq = integer(row["seq"]), let hash = blob(row["hash"]) else { return nil }
            return AuditCheckpoint(seq: seq, hash: hash)
        }
    }

    /// The newest point of the chain: the last entry, or the last prune checkpoint, or the genesis.
    static func head(_ db: Database) throws -> (seq: Int64, hash: Data) {
        var head: (seq: Int64, hash: Data) = (0, AuditChain.genesis)
        for sql in ["SELECT seq, hash FROM auditCheckpoint ORDER BY seq DESC LIMIT 1",
                    "SELECT seq, hash FROM auditEntry WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"] {
            if let row = try Row.fetchOne(db, sql: sql), let seq = integer(row["seq"]), let hash = blob(row["hash"]), seq >= head.seq {
                head = (seq, hash)
            }
        }
        return head
    }

    static func verify(_ db: Database, checkpoint: AuditCheckpoint?) throws -> AuditVerification {
        let points = try prunePoints(db)
        var verifier = AuditChainVerifier(base: points.last ?? .genesis, checkpoint: checkpoint, prunePoints: points)
        let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM auditEntry ORDER BY id")
        while let row = try rows.next() {
            if !verifier.feed(link(row)) { break }
        }
        return verifier.finish()
    }
}

/// The head of the audit chain with the time of its entry, for `amtomat audit checkpoint`.
public struct AuditHead: Sendable, Equatable {
    public var checkpoint: AuditCheckpoint
    public var at: Date?
}

/// Audit counts kept after the entries themselves were pruned.
public struct AuditDailyCount: Codable, Sendable, Equatable, FetchableRecord {
    public var day: String
    public var action: String
    /// The document kind, or "" when the entry named no document (or its kind was no longer known).
    public var kind: String
    public var count: Int
}

extension DocumentRecord {
    /// What a finished document's reference becomes once its retention period is over. It cannot be
    /// a clerk's reference: those never contain parentheses or spaces.
    public static let erasedReference = "(erased)"
}

extension LockerStore {
    /// Recomputes the whole chain; with a checkpoint, also proves nothing up to it was rewritten or cut off.
    public func verifyAudit(checkpoint: AuditCheckpoint? = nil) throws -> AuditVerification {
        try database.writer.read { db in try AuditRow.verify(db, checkpoint: checkpoint) }
    }

    public func auditHead() throws -> AuditHead {
        try database.writer.read { db in
            let head = try AuditRow.head(db)
            let at = try Date.fetchOne(db, sql: "SELECT at FROM auditEntry WHERE seq = ?", arguments: [head.seq])
            return AuditHead(checkpoint: AuditCheckpoint(seq: head.seq, hash: head.hash), at: at)
        }
    }

    public func auditDailyCounts() throws -> [AuditDailyCount] {
        try database.writer.read { db in
            try AuditDailyCount.fetchAll(db, sql: "SELECT day, action, kind, count FROM auditDailyCount ORDER BY day, action, kind")
        }
    }

    /// Deletes what is past its retention period, in one transaction with SQLite's secure_delete:
    ///
    /// 1. the audit entries written before `policy.auditCutoff` — a whole prefix of the chain, after
    ///    adding them to the daily counts; the chain goes on from a recorded checkpoint. A chain that
    ///    does not verify is not pruned: that would destroy the evidence (the report says why).
    /// 2. the reference and exact times of documents finished before `policy.documentCutoff`: the
    ///    row keeps its kind, state, compartment and days for statistics.
    ///
    /// Writes one `retention` audit entry when anything was deleted or a prune was refused.
    public func applyRetention(_ policy: RetentionPolicy, at now: Date, in timeZone: TimeZone,
                               by actor: Actor = .daemon) throws -> RetentionReport {
        try Self.erasing(database.writer) { db in
            var report = RetentionReport()
            let auditCutoff = policy.auditCutoff(now: now, in: timeZone)
            let pruneUpTo = try Self.prunablePrefix(db, before: auditCutoff)
            if let last = pruneUpTo {
                let verification = try AuditRow.verify(db, checkpoint: nil)
                if let problem = verification.problem {
                    report.pruneRefused = problem.message
                } else {
                    report.prunedAuditEntries = try Self.prune(db, upTo: last, cutoff: auditCutoff, at: now, in: timeZone)
                    report.checkpoint = try AuditRow.prunePoints(db).last
                }
            }
            report.erasedDocuments = try Self.eraseFinishedDocuments(db, before: policy.documentCutoff(now: now, in: timeZone), in: timeZone)

            var parts: [String] = []
            if report.erasedDocuments > 0 {
                parts.append("erased the reference and times of \(report.erasedDocuments) document\(report.erasedDocuments == 1 ? "" : "s") finished before \(RetentionPolicy.day(of: policy.documentCutoff(now: now, in: timeZone), in: timeZone))")
            }
            if let checkpoint = report.checkpoint, report.prunedAuditEntries > 0 {
                parts.append("pruned \(report.prunedAuditEntries) audit entr\(report.prunedAuditEntries == 1 ? "y" : "ies") written before \(RetentionPolicy.day(of: auditCutoff, in: timeZone)); the chain continues from \(checkpoint)")
            }
            if let refused = report.pruneRefused {
                parts.append("kept audit entries due for pruning because the chain does not verify: \(refused)")
            }
            if !parts.isEmpty {
                var entry = AuditEntry(at: now, osUser: actor.name, action: "retention", detail: parts.joined(separator: "; "))
                try entry.insert(db)
            }
            return report
        }
    }

    /// The last sequence number of the longest prefix written entirely before `cutoff`, if it goes
    /// beyond what was pruned already.
    private static func prunablePrefix(_ db: Database, before cutoff: Date) throws -> Int64? {
        let base = try AuditRow.prunePoints(db).last?.seq ?? 0
        let firstKept = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM auditEntry WHERE at >= ?", arguments: [cutoff])
        var last = firstKept.map { $0 - 1 }
        if firstKept == nil { last = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM auditEntry") }
        guard let last, last > base else { return nil }
        return last
    }

    private static func prune(_ db: Database, upTo last: Int64, cutoff: Date, at now: Date, in timeZone: TimeZone) throws -> Int {
        guard let hash = try Data.fetchOne(db, sql: "SELECT hash FROM auditEntry WHERE seq = ?", arguments: [last]) else { return 0 }
        // Counts per day, action and document kind, so statistics survive the entries.
        let rows = try Row.fetchAll(db, sql: """
            SELECT a.at AS at, a.action AS action,
                   (SELECT d.kind FROM document d WHERE d.reference = a.reference ORDER BY d.id DESC LIMIT 1) AS kind
            FROM auditEntry a WHERE a.seq <= ?
            """, arguments: [last])
        var counts: [[String]: Int] = [:]
        for row in rows {
            let at = Date.fromDatabaseValue(row["at"] ?? .null)
            let day = at.map { RetentionPolicy.day(of: $0, in: timeZone) } ?? "unknown"
            counts[[day, AuditRow.text(row["action"]) ?? "", AuditRow.text(row["kind"]) ?? ""], default: 0] += 1
        }
        for (key, count) in counts {
            try db.execute(sql: """
                INSERT INTO auditDailyCount (day, action, kind, count) VALUES (?, ?, ?, ?)
                ON CONFLICT (day, action, kind) DO UPDATE SET count = count + excluded.count
                """, arguments: [key[0], key[1], key[2], count])
        }
        try db.execute(sql: "DELETE FROM auditEntry WHERE seq <= ?", arguments: [last])
        let pruned = db.changesCount
        try db.execute(sql: "INSERT INTO auditCheckpoint (seq, hash, prunedAt, prunedEntries, cutoff) VALUES (?, ?, ?, ?, ?)",
                       arguments: [last, hash, now, pruned, cutoff])
        return pruned
    }

    private static func eraseFinishedDocuments(_ db: Database, before cutoff: Date, in timeZone: TimeZone) throws -> Int {
        let finished = DocumentState.allCases.filter(\.isFinal)
        let due = try DocumentRecord.filter(finished.contains(Column("state")))
            .filter(Column("finishedAt") < cutoff)
            .filter(Column("reference") != DocumentRecord.erasedReference)
            .fetchAll(db)
        func day(_ date: Date) -> Date { RetentionPolicy.startOfDay(date, in: timeZone) }
        for var d in due {
            d.reference = DocumentRecord.erasedReference
            d.codeDigest = nil
            d.secondFactorDigest = nil
            d.depositedAt = day(d.depositedAt)
            d.readyAt = d.readyAt.map(day)
            d.expiresAt = d.expiresAt.map(day)
            d.codeIssuedAt = d.codeIssuedAt.map(day)
            d.doorOpenedAt = d.doorOpenedAt.map(day)
            d.finishedAt = d.finishedAt.map(day)
            d.updatedAt = day(d.updatedAt)
            try d.update(db)
            // Its notifications go with it: finished outbox rows (kind, channel, times), and a contact
            // that is somehow still there (amtomat-notify deletes it after the last message).
            try db.execute(sql: "DELETE FROM outboxMessage WHERE documentId = ? AND finishedAt IS NOT NULL", arguments: [d.id])
            try db.execute(sql: "DELETE FROM notificationContact WHERE documentId = ?", arguments: [d.id])
        }
        return due.count
    }
}
