import AmtomatAPI
import AmtomatCore
import Foundation
import Testing

/// The audit chain with the real binaries: rows changed with Debian's sqlite3 while the daemon runs,
/// and retention seen from 200 days later through libfaketime (Debian's faketime).
@Suite("Audit log end to end", .serialized)
struct AuditEndToEndTests {
    static let faketime = ["x86_64-linux-gnu", "aarch64-linux-gnu"].map { "/usr/lib/\($0)/faketime/libfaketime.so.1" }
        .first { FileManager.default.fileExists(atPath: $0) } ?? "libfaketime.so.1 (not installed)"

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

    @Test("200 days later (libfaketime): retention erases the reference, prunes the audit log, and verify is clean")
    func retentionPrune() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.faketime), "Tests/run installs Debian's faketime")
        let daemon = try DaemonProcess()
        try daemon.start()
        try await collect(daemon, "RET-2026-77")
        let before = try #require(AuditCheckpoint(try daemon.cli(["audit", "checkpoint"]).stdout))
        let second = try #require(AuditCheckpoint(try sqlite(daemon, "SELECT seq || ':' || lower(hex(hash)) FROM auditEntry WHERE seq = 2")))
        #expect(daemon.stop() == 0)

        try daemon.start(environment: ["LD_PRELOAD": Self.faketime, "FAKETIME": "+200d",
                                          "FAKETIME_DONT_FAKE_MONOTONIC": "1", "DONT_FAKE_MONOTONIC": "1"])
        let (status, result) = try verify(daemon)
        #expect(status == 0 && result.intact && result.base == before, "the pruned prefix is replaced by its checkpoint")
        let text = try daemon.cli(["audit", "verify"])
        #expect(text.status == 0 && text.stdout.contains("from checkpoint \(before.seq) (older entries pruned for retention)"))
        #expect(try verify(daemon, ["--checkpoint", before.description]).0 == 0, "a checkpoint at the prune point still checks")
        let old = try verify(daemon, ["--checkpoint", second.description])
        #expect(old.0 == 1 && old.1.problem?.kind == .checkpointPruned)

        let log = try daemon.cli(["--json", "audit"])
        let entries = try APIJSON.decoder().decode([AuditEntryView].self, from: Data(log.stdout.utf8))
        #expect(entries.first?.seq == before.seq + 1 && entries.contains { $0.action == "retention" && $0.user == "amtomatd" })
        #expect(!log.stdout.contains("RET-2026-77"))
        #expect(try daemon.cli(["show", "RET-2026-77"]).status == 66)
        let counts = try APIJSON.decoder().decode([AuditCountView].self, from: Data(try daemon.cli(["--json", "audit", "counts"]).stdout.utf8))
        #expect(counts.map(\.count).reduce(0, +) == Int(before.seq))
        #expect(counts.contains { $0.action == "collected" && $0.kind == "driving-licence" && $0.count == 1 })

        // The reference is gone from the file itself, not only from the answers.
        for file in [daemon.databasePath, daemon.databasePath + "-wal"] {
            let bytes = FileManager.default.contents(atPath: file) ?? Data()
            #expect(bytes.range(of: Data("RET-2026-77".utf8)) == nil, "\(file)")
        }
        #expect(daemon.stop() == 0)
    }
}
