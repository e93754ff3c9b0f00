import AmtomatAPI
import AmtomatCore
import AmtomatStore
import Foundation
import Testing

/// The audit chain with the real binaries: rows changed with Debian's sqlite3 while the daemon runs,
/// and retention applied by the daemon to a history written 200 days back.
@Suite("Audit log end to end", .serialized)
struct AuditEndToEndTests {
    @discardableResult
    func sqlite(_ daemon: DaemonProcess, _ sql: String) throws -> String {
        let result = try run("/usr/bin/sqlite3", [daemon.databasePath, sql])
        guard result.status == 0 else { throw DaemonProcess.DaemonFailed(log: "sqlite3: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func verify(_ daemon: DaemonProcess, _ extra: [String] = []) throws -> (Int32, AuditVerification) {
        let result = try daemon.cli(["--json", "audit", "verify"] + extra)
        return (result.status, try APIJSON.decoder().decode(AuditVerification.self, from: Data(result.stdout.utf8)))
    }

    func collect(_ daemon: DaemonProcess, _ reference: String) async throws {
        let issued = try daemon.deposit(reference)
        let (_, response) = try await daemon.pickup(issued.code)
        #expect(response.result == .open)
        #expect(try daemon.cli(["sim", "close", "\(issued.compartment)"]).status == 0)
        for _ in 0..<100 {
            let show = try daemon.cli(["--json", "show", reference])
            if (try? APIJSON.decoder().decode(DocumentView.self, from: Data(show.stdout.utf8)).state) == .collected { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(reference) was not collected")
    }

    @Test("entries edited, deleted or inserted with sqlite3 behind the daemon's back are named; a checkpoint catches a cut-off tail")
    func tampering() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        _ = try daemon.deposit("T-1")
        _ = try daemon.deposit("T-2")
        var (status, result) = try verify(daemon)
        #expect(status == 0 && result.intact && result.entries >= 8 && result.head.seq == Int64(result.entries))
        let intact = try daemon.cli(["audit", "verify"])
        #expect(intact.status == 0 && intact.stdout.contains("Audit log intact: \(result.entries) entries"))

        // Edited.
        let original = try sqlite(daemon, "SELECT quote(detail) FROM auditEntry WHERE seq = 3")
        try sqlite(daemon, "UPDATE auditEntry SET detail = 'nothing happened' WHERE seq = 3")
        (status, result) = try verify(daemon)
        #expect(status == 1 && !result.intact && result.problem?.kind == .changed && result.problem?.seq == 3)
        let named = try daemon.cli(["audit", "verify"])
        #expect(named.status == 1 && named.stdout.contains("Entry 3 (") && named.stdout.contains("was changed"))
        try sqlite(daemon, "UPDATE auditEntry SET detail = \(original) WHERE seq = 3")
        #expect(try verify(daemon).0 == 0)

        // Deleted.
        try sqlite(daemon, "CREATE TABLE kept AS SELECT * FROM auditEntry WHERE seq = 5; DELETE FROM auditEntry WHERE seq = 5")
        (status, result) = try verify(daemon)
        #expect(status == 1 && result.problem?.kind == .removed && result.problem?.seq == 5)
        try sqlite(daemon, "INSERT INTO auditEntry SELECT * FROM kept; DROP TABLE kept")
        #expect(try verify(daemon).0 == 0)

        // Inserted.
        let row = try sqlite(daemon, """
            INSERT INTO auditEntry (at, osUser, action, reference, compartmentId)
            VALUES ('2026-01-01 09:00:00.000', 'root', 'withdraw', 'T-1', 1); SELECT last_insert_rowid()
            """)
        (status, result) = try verify(daemon)
        #expect(status == 1 && result.problem?.kind == .inserted && result.problem?.rowID == Int64(row))
        try sqlite(daemon, "DELETE FROM auditEntry WHERE seq IS NULL")
        #expect(try verify(daemon).0 == 0)

        // Cut off: invisible without a checkpoint, caught with one.
        let checkpoint = try daemon.cli(["audit", "checkpoint"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let head = try #require(AuditCheckpoint(checkpoint))
        #expect(head == result.head)
        try sqlite(daemon, "DELETE FROM auditEntry WHERE seq > \(head.seq - 2)")
        #expect(try verify(daemon).0 == 0, "a chain cut at its end is still a chain; only a checkpoint kept elsewhere shows the cut")
        (status, result) = try verify(daemon, ["--checkpoint", checkpoint])
        #expect(status == 1 && result.problem?.kind == .truncated && result.problem?.seq == head.seq - 1)
        let cut = try daemon.cli(["audit", "verify", "--checkpoint", checkpoint])
        #expect(cut.status == 1 && cut.stdout.contains("were cut off"))

        // The daemon goes on chaining after all this: a new entry continues from the current end.
        _ = try daemon.deposit("T-3")
        #expect(try verify(daemon).0 == 0)

        let bad = try daemon.cli(["audit", "verify", "--checkpoint", "12:abc"])
        #expect(bad.status == 64 && bad.stderr.contains("SEQ:HASH"))
        #expect(daemon.stop() == 0)
    }

    @Test("a locker used 200 days ago: at start retention erases the reference, prunes the audit log, and verify is clean")
    func retentionPrune() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()  // creates the database and its compartments
        #expect(daemon.stop() == 0)
        // The history of a pickup 200 days ago, written through the store as the daemon wrote it then.
        let then = Date().addingTimeInterval(-200 * 86_400)
        let before: AuditCheckpoint
        do {
            let store = try daemon.store()
            var doc = try store.reserve(reference: "RET-2026-77", kind: .passport, size: .small, accessible: false, holdDays: 14,
                                        secondFactorDigest: Data([1]),
                                        doors: Dictionary(uniqueKeysWithValues: (1...6).map { (CompartmentID($0), DoorState.closed) }), by: Actor("anna"), at: then)
            let steps: [(DocumentState, String, Actor)] = [(.loading, "open-for-loading", Actor("anna")), (.ready, "loaded", .daemon),
                                                           (.collecting, "pickup-open", .kiosk), (.collected, "collected", .kiosk)]
            for (next, action, actor) in steps {
                doc = try store.change(doc, to: next, action: action, by: actor, at: then + 60)
            }
            before = try store.auditHead().checkpoint
        }
        #expect(before.seq == 5)

        try daemon.start()
        let (status, result) = try verify(daemon)
        #expect(status == 0 && result.intact && result.base == before, "the pruned prefix is replaced by its checkpoint")
        let text = try daemon.cli(["audit", "verify"])
        #expect(text.status == 0 && text.stdout.contains("from checkpoint 5 (older entries pruned for retention)"))
        #expect(try verify(daemon, ["--checkpoint", before.description]).0 == 0, "a checkpoint at the prune point still checks")
        let old = try verify(daemon, ["--checkpoint", "2:" + String(repeating: "0", count: 64)])
        #expect(old.0 == 1 && old.1.problem?.kind == .checkpointPruned)

        try await collect(daemon, "NEW-2026-1")
        #expect(try verify(daemon, ["--checkpoint", before.description]).0 == 0, "new entries chain on from the prune point")
        let log = try daemon.cli(["--json", "audit"])
        let entries = try APIJSON.decoder().decode([AuditEntryView].self, from: Data(log.stdout.utf8))
        #expect(entries.first?.seq == 6 && entries.first?.action == "retention" && entries.first?.user == "amtomatd")
        #expect(entries.first?.detail?.contains("pruned 5 audit entries") == true)
        #expect(!log.stdout.contains("RET-2026-77") && log.stdout.contains("NEW-2026-1"))
        #expect(try daemon.cli(["show", "RET-2026-77"]).status == 66)
        let collected = try daemon.cli(["--json", "list", "--state", "collected"])
        let views = try APIJSON.decoder().decode([DocumentView].self, from: Data(collected.stdout.utf8))
        #expect(Set(views.map(\.reference)) == ["(erased)", "NEW-2026-1"])
        let counts = try APIJSON.decoder().decode([AuditCountView].self, from: Data(try daemon.cli(["--json", "audit", "counts"]).stdout.utf8))
        #expect(counts.map(\.count).reduce(0, +) == 5)
        #expect(counts.contains { $0.action == "collected" && $0.kind == "passport" && $0.count == 1 })

        // The reference is gone from the file itself, not only from the answers.
        #expect(daemon.stop() == 0)
        for file in [daemon.databasePath, daemon.databasePath + "-wal"] {
            let bytes = FileManager.default.contents(atPath: file) ?? Data()
            #expect(bytes.range(of: Data("RET-2026-77".utf8)) == nil, "\(file)")
        }
    }
}
