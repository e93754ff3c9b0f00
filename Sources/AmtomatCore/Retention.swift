import Foundation

/// How long personal data stays in the locker's database (`[retention]`; docs/privacy.md).
///
/// - A finished document (collected, withdrawn, returned) keeps its reference and exact times for
///   `finishedDocumentDays` after it was finished; then only its kind, state, compartment and the
///   days remain, for statistics.
/// - Audit entries older than `auditDays` are pruned as a whole prefix of the hash chain; counts per
///   day, action and document kind stay in `auditDailyCount`, and the chain goes on from a recorded
///   checkpoint (docs/adr/0030-retention-and-the-audit-chain.md).
public struct RetentionPolicy: Sendable, Equatable {
    public static let defaultFinishedDocumentDays = 180
    public static let defaultAuditDays = 180
    /// Ten years: longer is a typo, not a policy.
    public static let dayRange = 1...3650

    public var finishedDocumentDays: Int
    public var auditDays: Int

    public init(finishedDocumentDays: Int = defaultFinishedDocumentDays, auditDays: Int = defaultAuditDays) {
        self.finishedDocumentDays = finishedDocumentDays
        self.auditDays = auditDays
    }

    /// Documents finished before this moment lose their personal fields: the start of the day
    /// `finishedDocumentDays` before today, so a document is kept for whole days.
    public func documentCutoff(now: Date, in timeZone: TimeZone) -> Date {
        Self.startOfDay(now, daysBack: finishedDocumentDays, in: timeZone)
    }

    /// Audit entries written before this moment are pruned.
    public func auditCutoff(now: Date, in timeZone: TimeZone) -> Date {
        Self.startOfDay(now, daysBack: auditDays, in: timeZone)
    }

    /// The start of the day of `date`, `daysBack` days earlier, in `timeZone`.
    public static func startOfDay(_ date: Date, daysBack: Int = 0, in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = calendar.startOfDay(for: date)
        return calendar.date(byAdding: .day, value: -daysBack, to: start) ?? start
    }

    /// `YYYY-MM-DD` of `date` in `timeZone`.
    public static func day(of date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}

/// What one retention run did (audited as `retention`, returned to tests and logged).
public struct RetentionReport: Codable, Sendable, Equatable {
    /// Finished documents whose reference and exact times were erased.
    public var erasedDocuments: Int
    /// Audit entries pruned (their counts went to the daily statistics).
    public var prunedAuditEntries: Int
    /// The chain's new starting point, when entries were pruned.
    public var checkpoint: AuditCheckpoint?
    /// Why old audit entries were kept although they are due (the chain did not verify).
    public var pruneRefused: String?

    public init(erasedDocuments: Int = 0, prunedAuditEntries: Int = 0, checkpoint: AuditCheckpoint? = nil, pruneRefused: String? = nil) {
        self.erasedDocuments = erasedDocuments
        self.prunedAuditEntries = prunedAuditEntries
        self.checkpoint = checkpoint
        self.pruneRefused = pruneRefused
    }
}
