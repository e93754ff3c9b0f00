import AmtomatCore
import AmtomatStore
import ArgumentParser
import Foundation

/// `amtomat audit verify` over a year of audit log in a database file, and the daily retention run
/// that prunes it (docs/benchmarks.md).
struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-verify",
        abstract: "Time the audit chain's verification and a retention prune over many entries on disk.")
    @Option(help: "Audit entries to write (about 300 a day for a year by default).") var entries = 100_000
    @Option(help: "Verifications to time.") var runs = 5

    func run() async throws {
        let dir = try temporaryFolder("audit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = LockerStore(try AppDatabase.open(path: dir.appendingPathComponent("amtomat.sqlite").path))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let perDay = max(entries / 365, 1)
        let clock = ContinuousClock()
        let written = try clock.measure {
            try store.database.writer.write { db in
                for i in 0..<entries {
                    // Through the record, so each entry is chained exactly as the daemon chains it.
                    var entry = AuditEntry(at: start.addingTimeInterval(Double(i) * 86_400 / Double(perDay)), osUser: "kiosk",
                                           action: "collected", reference: "A-\(i)", compartment: CompartmentID(i % 48 + 1))
                    try entry.insert(db)
                }
            }
        }
        var times: [Double] = []
        for _ in 0..<runs {
            var result: AuditVerification?
            let t = try clock.measure { result = try store.verifyAudit() }
            guard result?.intact == true, result?.entries == entries else { throw ValidationError("the chain did not verify") }
            times.append(Double(t.components.attoseconds) / 1e15 + Double(t.components.seconds) * 1000)
        }
        times.sort()
        // Retention half a year later prunes about half of the entries, after verifying all of them.
        var report = RetentionReport()
        let prune = try clock.measure {
            report = try store.applyRetention(RetentionPolicy(finishedDocumentDays: 180, auditDays: 180),
                                              at: start.addingTimeInterval(365 * 86_400), in: TimeZone(identifier: "UTC")!)
        }
        print("machine: \(machine())")
        print("entries: \(entries) written in \(written)")
        print("verify: median \(String(format: "%.0f", percentile(times, 50))) ms, max \(String(format: "%.0f", times.last ?? .nan)) ms over \(runs) runs")
        print("retention: pruned \(report.prunedAuditEntries) entries in \(prune)")
    }
}
