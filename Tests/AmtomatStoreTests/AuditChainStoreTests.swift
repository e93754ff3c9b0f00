import AmtomatCore
@testable import AmtomatStore
import Foundation
import GRDB
import Testing

@Suite("Audit chain and retention in the store")
struct AuditChainStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15 08:00 UTC
    let utc = TimeZone(identifier: "UTC")!
    let policy = RetentionPolicy(finishedDocumentDays: 180, auditDays: 180)

    func store(_ database: AppDatabase? = nil) throws -> LockerStore {
        let store = LockerStore(try database ?? AppDatabase.inMemory())
        try store.syncCompartments(sixCompartments)
        return store
    }

    /// A document from deposit to pickup, each step a second apart.
    @discardableResult
    func collected(_ store: LockerStore, _ reference: String, kind: DocumentKind = .passport, at t: Date) throws -> DocumentRecord {
        var doc = try store.reserve(reference: reference, kind: kind, size: .small, accessible: false, holdDays: 14,
                                    secondFactorDigest: Data([7, 7]), doors: allClosed(sixCompartments), by: Actor("anna"), at: t)
        doc = try store.change(doc, to: .loading, action: "open-for-loading", by: Actor("anna"), at: t + 1)
        doc = try store.change(doc, to: .ready, action: "loaded", by: .daemon, at: t + 2) {
            $0.codeDigest = Data(reference.utf8.reversed())  // not the reference's own bytes: the file check looks for those
            $0.readyAt = t + 2
            $0.expiresAt = t + 14 * 86_400
        }
        doc = try store.change(doc, to: .collecting, action: "pickup-open", by: .kiosk, at: t + 3)
        return try store.change(doc, to: .collected, action: "collected", by: .kiosk, at: t + 4)
    }

    func rawRows(_ store: LockerStore) throws -> [Row] {
        try store.database.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM auditEntry ORDER BY id") }
    }

    @Test("every writer's entry is chained at the one insert point: contiguous numbers, each linked to the one before")
    func everyWriterIsChained() throws {
        let store = try store()
        try store.setBlocked(CompartmentID(2), blocked: true, reason: "jammed", by: Actor("tom"), at: t0)
        try collected(store, "R-1", at: t0)
        try store.record(AuditEntry(at: t0 + 10, osUser: "amtomatd", action: "tamper-alarm", compartment: CompartmentID(1)))
        _ = try store.deleteSurveyAnswers(before: "2027-01-01", by: Actor("anna"), at: t0 + 11)
        try store.saveVerdict(SelfTestVerdictRecord(compartmentId: 4, verdict: "ok", detail: "fine", testedAt: t0 + 12), by: Actor("tom"))

        let entries = try store.auditLog()
        #expect(entries.map(\.seq) == (1...9).map { Int64($0) })
        #expect(entries.first?.prevHash == AuditChain.genesis)
        for (before, after) in zip(entries, entries.dropFirst()) { #expect(after.prevHash == before.hash) }
        let result = try store.verifyAudit()
        #expect(result.intact && result.entries == 9)
        #expect(try store.auditHead().checkpoint == result.head && store.auditHead().at == t0 + 12)
    }

    @Test("the migration chains the entries written before it, and new entries continue the chain")
    func migrationChainsExistingEntries() throws {
        let queue = try DatabaseQueue()
        try AppDatabase.migrator.migrate(queue, upTo: "survey v1: anonymous answers, raffle tickets")
        try queue.write { db in
            for (i, action) in ["reserve", "loaded", "collected"].enumerated() {
                try db.execute(sql: "INSERT INTO auditEntry (at, osUser, action, reference, compartmentId) VALUES (?, 'anna', ?, 'OLD-1', 2)",
                               arguments: [t0 + Double(i), action])
            }
        }
        let store = LockerStore(try AppDatabase(queue))
        var result = try store.verifyAudit()
        #expect(result.intact && result.entries == 3 && result.head.seq == 3)
        try store.record(AuditEntry(at: t0 + 5, osUser: "tom", action: "block", compartment: CompartmentID(1)))
        result = try store.verifyAudit()
        #expect(result.intact && result.head.seq == 4)
    }

    @Test("rows edited, deleted or inserted behind the store's back are named; wrong types do not crash")
    func tamperingIsNamed() throws {
        let store = try store()
        try collected(store, "R-1", at: t0)
        let db = store.database.writer
        try db.write { try $0.execute(sql: "UPDATE auditEntry SET reference = 'R-2' WHERE seq = 3") }
        #expect(try store.verifyAudit().problem.map { [$0.kind.rawValue, "\($0.seq ?? 0)"] } == ["changed", "3"])
        try db.write { try $0.execute(sql: "UPDATE auditEntry SET reference = 'R-1', compartmentId = 'eins' WHERE seq = 3") }
        #expect(try store.verifyAudit().problem?.kind == .changed, "a value of the wrong type is a change too")
        try db.write { try $0.execute(sql: "UPDATE auditEntry SET compartmentId = 1 WHERE seq = 3") }
        #expect(try store.verifyAudit().intact)

        try db.write { try $0.execute(sql: "DELETE FROM auditEntry WHERE seq = 2") }
        #expect(try store.verifyAudit().problem.map { [$0.kind.rawValue, "\($0.seq ?? 0)"] } == ["removed", "2"])
    }

    @Test("retention erases finished documents' personal fields and prunes the old audit prefix; the chain still verifies")
    func retention() throws {
        let store = try store()
        let old = try collected(store, "OLD-4711", at: t0)
        try store.record(AuditEntry(at: t0 + 60, osUser: "amtomatd", action: "tamper-alarm", compartment: CompartmentID(3)))
        let before = try store.verifyAudit().head
        let later = t0 + 200 * 86_400
        try collected(store, "NEW-1", kind: .idCard, at: later)
        let live = try store.reserve(reference: "LIVE-1", kind: .other, size: .large, accessible: false, holdDays: 14,
                                     secondFactorDigest: nil, doors: allClosed(sixCompartments), by: Actor("anna"), at: later + 10)

        try store.database.writer.write { db in
            try db.execute(sql: "INSERT INTO notificationContact (documentId, phone) VALUES (?, '+491712345678')", arguments: [old.id])
            try db.execute(sql: """
                INSERT INTO outboxMessage (documentId, kind, channel, state, queuedAt, dueAt, finishedAt)
                VALUES (?, 'collected', 'sms', 'sent', ?, ?, ?)
                """, arguments: [old.id, t0, t0, t0 + 5])
        }
        let report = try store.applyRetention(policy, at: later + 3600, in: utc)
        #expect(report.erasedDocuments == 1 && report.prunedAuditEntries == 6 && report.pruneRefused == nil)
        #expect(try store.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM outboxMessage) + (SELECT COUNT(*) FROM notificationContact)")
        } == 0, "its notifications went with the document's personal data")
        #expect(report.checkpoint == before, "the prune records the last pruned entry as the chain's new start")

        let erased = try #require(try store.document(id: old.id!))
        #expect(erased.reference == DocumentRecord.erasedReference && erased.codeDigest == nil && erased.secondFactorDigest == nil)
        #expect(erased.kind == .passport && erased.state == .collected && erased.compartmentId == old.compartmentId)
        let midnight = RetentionPolicy.startOfDay(t0, in: utc)
        #expect([erased.depositedAt, erased.readyAt, erased.expiresAt, erased.finishedAt, erased.updatedAt]
            == [midnight, midnight, RetentionPolicy.startOfDay(t0 + 14 * 86_400, in: utc), midnight, midnight])
        #expect(try store.document(reference: "NEW-1")?.finishedAt == later + 4, "a recently finished document keeps everything")
        #expect(try store.document(reference: "LIVE-1")?.state == live.state)
        #expect(try store.document(reference: "OLD-4711") == nil)

        let entries = try store.auditLog(limit: 100)
        #expect(entries.first?.seq == 7 && !entries.contains { $0.reference == "OLD-4711" })
        let note = try #require(entries.last)
        #expect(note.action == "retention" && note.osUser == "amtomatd")
        #expect(note.detail?.contains("erased the reference and times of 1 document finished before 2027-02-04") == true)
        #expect(note.detail?.contains("pruned 6 audit entries written before 2027-02-04; the chain continues from \(before)") == true)

        let result = try store.verifyAudit()
        #expect(result.intact && result.base == before && result.entries == entries.count)
        #expect(try store.verifyAudit(checkpoint: before).intact)
        #expect(try store.verifyAudit(checkpoint: AuditCheckpoint(seq: 2, hash: Data(repeating: 1, count: 32))).problem?.kind == .checkpointPruned)

        let counts = try store.auditDailyCounts()
        #expect(counts.contains(AuditDailyCount(day: "2027-01-15", action: "collected", kind: "passport", count: 1)))
        #expect(counts.contains(AuditDailyCount(day: "2027-01-15", action: "tamper-alarm", kind: "", count: 1)))
        #expect(counts.map(\.count).reduce(0, +) == 6)

        // Idempotent: a second run the same day finds nothing and writes nothing.
        #expect(try store.applyRetention(policy, at: later + 7200, in: utc) == RetentionReport())
        #expect(try store.auditLog(limit: 100).count == entries.count)
    }

    @Test("a chain that does not verify is not pruned (the evidence stays), but documents are still erased")
    func brokenChainIsNotPruned() throws {
        let store = try store()
        try collected(store, "OLD-1", at: t0)
        try store.database.writer.write { try $0.execute(sql: "UPDATE auditEntry SET osUser = 'mallory' WHERE seq = 2") }
        let report = try store.applyRetention(policy, at: t0 + 200 * 86_400, in: utc)
        #expect(report.erasedDocuments == 1 && report.prunedAuditEntries == 0)
        #expect(report.pruneRefused?.contains("Entry 2") == true)
        let entries = try store.auditLog(limit: 100)
        #expect(entries.count == 6 && entries.last?.detail?.contains("kept audit entries due for pruning") == true)
        #expect(try store.verifyAudit().problem?.seq == 2, "the tampered entry is still there to be found")
    }

    @Test("deleted personal data is overwritten in the database file and its write-ahead log (secure_delete on every connection)")
    func secureDelete() throws {
        /// Writes a pickup, applies retention 200 days later, and answers whether the file still holds the reference.
        func remains(zeroingOffWhileUsed: Bool) throws -> Bool {
            let dir = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("amtomat.sqlite").path
            let database = try AppDatabase.open(path: path)
            #expect(try database.writer.write { try Int.fetchOne($0, sql: "PRAGMA secure_delete") } == 1)
            #expect(try database.writer.read { try Int.fetchOne($0, sql: "PRAGMA secure_delete") } == 1)
            if zeroingOffWhileUsed {
                try database.writer.writeWithoutTransaction { try $0.execute(sql: "PRAGMA secure_delete = OFF") }
            }
            let store = try store(database)
            try collected(store, "SECRET-REF-4711", at: t0)
            func fileHolds(_ text: String) -> Bool {
                [path, path + "-wal"].contains { (FileManager.default.contents(atPath: $0) ?? Data()).range(of: Data(text.utf8)) != nil }
            }
            #expect(fileHolds("SECRET-REF-4711"), "the reference was written")
            let report = try store.applyRetention(policy, at: t0 + 200 * 86_400, in: utc)
            #expect(report.erasedDocuments == 1 && report.prunedAuditEntries == 5)
            return fileHolds("SECRET-REF-4711")
        }
        #expect(try !remains(zeroingOffWhileUsed: false), "as the daemon opens the database, nothing of the reference is left")
        #expect(try remains(zeroingOffWhileUsed: true),
                "control: had the state changes before not zeroed what they freed, old copies of the row would survive retention")
    }
}
