import AmtomatCore
import Foundation
import GRDB

// The anonymous satisfaction survey and the voucher raffle.
//
// Anonymity is a property of the tables, not of the code that fills them:
// - `survey_answer` holds one row per response: a random id, the day (YYYY-MM-DD) and the answers.
//   No document, compartment, code, token, time of day or language. It is a WITHOUT ROWID table
//   keyed by the random id, so neither a rowid nor the physical order of the rows follows the
//   order of the pickups.
// - `raffle_ticket` holds the ticket and the day, nothing else, and nothing joins it to an answer.

func registerSurveyMigrations(_ migrator: inout DatabaseMigrator) {
    migrator.registerMigration("survey v1: anonymous answers, raffle tickets") { db in
        try db.execute(sql: """
            CREATE TABLE survey_answer (
                id TEXT NOT NULL PRIMARY KEY,
                day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                answers TEXT NOT NULL
            ) WITHOUT ROWID
            """)
        try db.execute(sql: """
            CREATE TABLE raffle_ticket (
                ticket TEXT NOT NULL PRIMARY KEY,
                day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
            ) WITHOUT ROWID
            """)
    }
}

/// A survey response as stored. Only the store creates these; the id is random.
public struct SurveyAnswerRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "survey_answer"
    public var id: String
    public var day: String
    /// Canonical JSON: keys sorted, e.g. {"improvements":["waiting"],"satisfaction":"4"}.
    public var answers: String
}

public struct RaffleTicketRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "raffle_ticket"
    public var ticket: String
    public var day: String
    public init(ticket: String, day: String) {
        self.ticket = ticket
        self.day = day
    }
}

public enum SurveyStoreError: Error, Sendable, CustomStringConvertible {
    case invalidDay(String)
    case ticketSpaceExhausted

    public var description: String {
        switch self {
        case .invalidDay(let d): "'\(d)' is not a date; write it as YYYY-MM-DD, for example 2026-03-31."
        case .ticketSpaceExhausted: "Could not draw an unused raffle ticket; try again."
        }
    }
}

extension LockerStore {
    // MARK: Survey answers

    /// Stores one response under a random id with only its day. Returns the id (for tests; callers
    /// must not keep it next to anything that identifies the pickup).
    @discardableResult
    public func saveSurveyAnswers(_ answers: [String: StoredSurveyAnswer], day: String) throws -> String {
        guard Self.isDay(day) else { throw SurveyStoreError.invalidDay(day) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(answers), as: UTF8.self)
        let record = SurveyAnswerRecord(id: Self.randomHex(bytes: 16), day: day, answers: json)
        try database.writer.write { db in try record.insert(db) }
        return record.id
    }

    /// Counts the responses of the days `from`...`to` (inclusive, YYYY-MM-DD, nil = open) and the
    /// documents collected in those days, where a day begins at midnight in `timeZone`.
    public func surveyTally(from: String?, to: String?, timeZone: TimeZone) throws -> SurveyTally {
        for day in [from, to].compactMap({ $0 }) where !Self.isDay(day) { throw SurveyStoreError.invalidDay(day) }
        let pickupsFrom = from.flatMap { Self.startOfDay($0, in: timeZone) }
        let pickupsUntil = to.flatMap { Self.startOfDay($0, in: timeZone) }.flatMap { Self.nextDay($0, in: timeZone) }
        return try database.writer.read { db in
            var tally = SurveyTally()
            var sql = "SELECT answers FROM survey_answer WHERE 1"
            var arguments: StatementArguments = []
            if let from { sql += " AND day >= ?"; arguments += [from] }
            if let to { sql += " AND day <= ?"; arguments += [to] }
            let decoder = JSONDecoder()
            for json in try String.fetchAll(db, sql: sql, arguments: arguments) {
                // A row that does not parse (hand-edited database) counts as a response without answers.
                tally.add((try? decoder.decode([String: StoredSurveyAnswer].self, from: Data(json.utf8))) ?? [:])
            }
            var pickupSQL = "SELECT COUNT(*) FROM document WHERE state = ?"
            var pickupArguments: StatementArguments = [DocumentState.collected]
            if let pickupsFrom { pickupSQL += " AND finishedAt >= ?"; pickupArguments += [pickupsFrom] }
            if let pickupsUntil { pickupSQL += " AND finishedAt < ?"; pickupArguments += [pickupsUntil] }
            tally.pickups = try Int.fetchOne(db, sql: pickupSQL, arguments: pickupArguments) ?? 0
            return tally
        }
    }

    public func surveyAnswerCount() throws -> Int {
        try database.writer.read { db in try SurveyAnswerRecord.fetchCount(db) }
    }

    /// Deletes the responses of all days before `day` (after they went into a report), audited.
    public func deleteSurveyAnswers(before day: String, by actor: Actor, at now: Date) throws -> Int {
        guard Self.isDay(day) else { throw SurveyStoreError.invalidDay(day) }
        return try Self.erasing(database.writer) { db in
            try db.execute(sql: "DELETE FROM survey_answer WHERE day < ?", arguments: [day])
            let deleted = db.changesCount
            var entry = AuditEntry(at: now, osUser: actor.name, action: .surveyPurge,
                                   detail: "deleted \(deleted) survey response\(deleted == 1 ? "" : "s") of days before \(day)")
            try entry.insert(db)
            return deleted
        }
    }

    // MARK: Raffle

    /// Stores a new ticket drawn by `generate`, drawing again while it collides with a stored one.
    public func addRaffleTicket(day: String, generate: () -> String) throws -> String {
        guard Self.isDay(day) else { throw SurveyStoreError.invalidDay(day) }
        return try database.writer.write { db in
            for _ in 0..<32 {
                let ticket = generate()
                if try RaffleTicketRecord.exists(db, key: ticket) { continue }
                try RaffleTicketRecord(ticket: ticket, day: day).insert(db)
                return ticket
            }
            throw SurveyStoreError.ticketSpaceExhausted
        }
    }

    /// All tickets, sorted by ticket.
    public func raffleTickets() throws -> [RaffleTicketRecord] {
        try database.writer.read { db in try RaffleTicketRecord.order(Column("ticket")).fetchAll(db) }
    }

    /// Deletes one ticket (its holder withdrew from the raffle), with its audit entry; false if unknown.
    public func deleteRaffleTicket(_ ticket: String, by actor: Actor, at now: Date) throws -> Bool {
        try Self.erasing(database.writer) { db in
            guard try RaffleTicketRecord.deleteOne(db, key: ticket) else { return false }
            var entry = AuditEntry(at: now, osUser: actor.name, action: .raffleRemove, detail: "removed ticket \(ticket)")
            try entry.insert(db)
            return true
        }
    }

    /// Deletes every ticket (the raffle is over), with its audit entry, in one transaction.
    public func closeRaffle(by actor: Actor, at now: Date) throws -> Int {
        try Self.erasing(database.writer) { db in
            try db.execute(sql: "DELETE FROM raffle_ticket")
            let deleted = db.changesCount
            var entry = AuditEntry(at: now, osUser: actor.name, action: .raffleClose,
                                   detail: "deleted \(deleted) raffle ticket\(deleted == 1 ? "" : "s")")
            try entry.insert(db)
            return deleted
        }
    }

    // MARK: Helpers

    /// Runs a deleting transaction with SQLite's secure_delete on, so the deleted rows are overwritten
    /// in the file rather than left in free pages, then tries to empty the WAL that still holds them.
    static func erasing<T>(_ writer: any DatabaseWriter, _ body: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            let previous = try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 0
            try db.execute(sql: "PRAGMA secure_delete = ON")
            defer { try? db.execute(sql: "PRAGMA secure_delete = \(previous == 1 ? "ON" : "OFF")") }
            var result: T?
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
            // Best effort: readers may still hold the WAL, in which case the next checkpoint empties it.
            _ = try? Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            return result!
        }
    }

    static func isDay(_ text: String) -> Bool { startOfDay(text, in: TimeZone(identifier: "UTC")!) != nil }

    static func startOfDay(_ text: String, in timeZone: TimeZone) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let date = calendar.date(from: DateComponents(year: y, month: m, day: d)) else { return nil }
        // Calendar rolls 2026-02-30 over to March; only a real date maps back to itself.
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        return (back.year, back.month, back.day) == (y, m, d) ? date : nil
    }

    static func nextDay(_ date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(byAdding: .day, value: 1, to: date)
    }

    static func randomHex(bytes: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }
}
