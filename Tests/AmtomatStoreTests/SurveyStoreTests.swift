import AmtomatCore
import Foundation
import GRDB
import Testing
@testable import AmtomatStore

/// A database file in a fresh temporary directory, removed by `cleanUp`.
private struct DiskDatabase {
    let directory: URL
    let store: LockerStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-survey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = LockerStore(try AppDatabase.open(path: directory.appendingPathComponent("amtomat.sqlite").path))
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }
}

private let berlin = TimeZone(identifier: "Europe/Berlin")!

private func utc(_ text: String) -> Date {
    let f = ISO8601DateFormatter()
    return f.date(from: text)!
}

private func columns(_ table: String, in store: LockerStore) throws -> [String] {
    try store.database.writer.read { db in try db.columns(in: table).map(\.name) }
}

private func createSQL(_ table: String, in store: LockerStore) throws -> String {
    try store.database.writer.read { db in
        try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table]) ?? ""
    }
}

/// Adds a document that was collected at `finishedAt` (or ended in another state).
private func addDocument(_ store: LockerStore, _ reference: String, state: DocumentState, finishedAt: Date) throws {
    try store.database.writer.write { db in
        if try CompartmentRecord.fetchOne(db, key: 1) == nil {
            try CompartmentRecord(id: 1, label: "1", column: 1, row: 1, size: .small, wheelchairAccessible: false, blocked: false,
                                  blockReason: nil, blockedAt: nil, lastDoorState: .closed, inService: true).insert(db)
        }
        var doc = DocumentRecord(reference: reference, kind: .passport, holdDays: 14, compartment: CompartmentID(1),
                                 secondFactorDigest: nil, at: finishedAt.addingTimeInterval(-86_400))
        doc.state = state
        doc.finishedAt = finishedAt
        try doc.insert(db)
    }
}

@Suite("Survey store")
struct SurveyStoreTests {
    @Test("Answers live in a WITHOUT ROWID table with only a random id, the day and the answers")
    func answerTableShape() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        #expect(try columns("survey_answer", in: store) == ["id", "day", "answers"])
        #expect(try createSQL("survey_answer", in: store).contains("WITHOUT ROWID"))
        #expect(try columns("raffle_ticket", in: store) == ["ticket", "day"])
        #expect(try createSQL("raffle_ticket", in: store).contains("WITHOUT ROWID"))
        // No hidden sequence either: a WITHOUT ROWID table has no rowid to select.
        #expect(throws: (any Error).self) {
            try store.database.writer.read { db in try Row.fetchAll(db, sql: "SELECT rowid FROM survey_answer") }
        }
        // Nothing references the answers, and the answers reference nothing.
        let foreignKeys = try store.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM pragma_foreign_key_list('survey_answer')").count
                + Row.fetchAll(db, sql: "SELECT * FROM pragma_foreign_key_list('raffle_ticket')").count
        }
        #expect(foreignKeys == 0)
    }

    @Test("A response is stored under a random key with its day and canonical JSON, nothing else")
    func storedWithoutLink() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        let id = try store.saveSurveyAnswers(["satisfaction": .one("4"), "improvements": .many(["waiting", "signage"])], day: "2026-03-04")
        try store.saveSurveyAnswers(["satisfaction": .one("4"), "improvements": .many(["waiting", "signage"])], day: "2026-03-04")
        let rows = try store.database.writer.read { db in try SurveyAnswerRecord.fetchAll(db) }
        #expect(rows.count == 2)
        #expect(Set(rows.map(\.id)).count == 2, "identical answers must still get distinct random keys")
        #expect(rows.contains { $0.id == id })
        for row in rows {
            #expect(row.id.count == 32 && row.id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(row.day == "2026-03-04")
            #expect(row.answers == #"{"improvements":["waiting","signage"],"satisfaction":"4"}"#)
        }
        #expect(try store.surveyAnswerCount() == 2)
        // The answers do not appear in the audit log: answering is not an action of anybody.
        #expect(try store.auditLog().isEmpty)
    }

    @Test("Only a calendar day is accepted, never a time")
    func dayOnly() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        for bad in ["2026-03-04T10:15:00", "2026-02-30", "04.03.2026", "2026-3-4", "+202-03-04", ""] {
            #expect(throws: SurveyStoreError.self) { try store.saveSurveyAnswers(["q": .one("1")], day: bad) }
            #expect(throws: SurveyStoreError.self) { try store.addRaffleTicket(day: bad) { "AAAA-AAAA" } }
        }
        // Even past the store, the table refuses anything but YYYY-MM-DD.
        #expect(throws: (any Error).self) {
            try store.database.writer.write { db in
                try db.execute(sql: "INSERT INTO survey_answer (id, day, answers) VALUES ('x', '2026-03-04 10:15', '{}')")
            }
        }
    }

    @Test("The stored order does not follow the order of the responses")
    func orderIsNotSequence() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        let n = 40
        for i in 0..<n { try store.saveSurveyAnswers(["n": .one(String(format: "%02d", i))], day: "2026-03-04") }
        let stored = try store.database.writer.read { db in try String.fetchAll(db, sql: "SELECT answers FROM survey_answer") }
        let inserted = (0..<n).map { #"{"n":"\#(String(format: "%02d", $0))"}"# }
        #expect(stored.count == n)
        #expect(Set(stored) == Set(inserted))
        // 1 in 40! that a random order equals the insertion order.
        #expect(stored != inserted)
    }

    @Test("Counts and response rate of a period, on a database file")
    func tallyOnDisk() throws {
        let disk = try DiskDatabase()
        defer { disk.cleanUp() }
        let store = disk.store
        try store.saveSurveyAnswers(["satisfaction": .one("5"), "improvements": .many(["waiting", "signage"])], day: "2026-03-01")
        try store.saveSurveyAnswers(["satisfaction": .one("4")], day: "2026-03-02")
        try store.saveSurveyAnswers(["improvements": .many(["waiting"]), "use-again": .one("yes")], day: "2026-03-02")
        try store.saveSurveyAnswers(["satisfaction": .one("1")], day: "2026-02-28")  // before the period
        try store.saveSurveyAnswers(["satisfaction": .one("2")], day: "2026-03-03")  // after it

        // 23:30 in Berlin on 1 March is 22:30 UTC: it belongs to 1 March.
        try addDocument(store, "A", state: .collected, finishedAt: utc("2026-03-01T22:30:00Z"))
        try addDocument(store, "B", state: .collected, finishedAt: utc("2026-03-02T08:00:00Z"))
        try addDocument(store, "C", state: .collected, finishedAt: utc("2026-03-02T12:00:00Z"))
        try addDocument(store, "D", state: .collected, finishedAt: utc("2026-03-02T23:30:00Z"))  // 3 March in Berlin
        try addDocument(store, "E", state: .collected, finishedAt: utc("2026-02-28T22:59:00Z"))  // 28 Feb in Berlin
        try addDocument(store, "F", state: .returned, finishedAt: utc("2026-03-02T09:00:00Z"))   // not a pickup
        try addDocument(store, "G", state: .withdrawn, finishedAt: utc("2026-03-01T09:00:00Z"))  // not a pickup

        let tally = try store.surveyTally(from: "2026-03-01", to: "2026-03-02", timeZone: berlin)
        #expect(tally.responses == 3)
        #expect(tally.pickups == 3)
        #expect(tally.responseRate == 1.0)
        #expect(tally.answered == ["satisfaction": 2, "improvements": 2, "use-again": 1])
        #expect(tally.counts["satisfaction"] == ["5": 1, "4": 1])
        #expect(tally.counts["improvements"] == ["waiting": 2, "signage": 1])
        #expect(tally.counts["use-again"] == ["yes": 1])

        let all = try store.surveyTally(from: nil, to: nil, timeZone: berlin)
        #expect(all.responses == 5)
        #expect(all.pickups == 5)
        let march2 = try store.surveyTally(from: "2026-03-02", to: "2026-03-02", timeZone: berlin)
        #expect(march2.responses == 2)
        #expect(march2.pickups == 2)
        let empty = try store.surveyTally(from: "2025-01-01", to: "2025-01-31", timeZone: berlin)
        #expect(empty.responses == 0 && empty.pickups == 0 && empty.responseRate == nil)
        #expect(throws: SurveyStoreError.self) { try store.surveyTally(from: "yesterday", to: nil, timeZone: berlin) }
    }

    @Test("Raffle tickets: stored apart, drawn again on a collision, deleted by close with an audit entry")
    func raffleClose() throws {
        let disk = try DiskDatabase()
        defer { disk.cleanUp() }
        let store = disk.store
        var sequence = ["K7Q2-9XMP", "K7Q2-9XMP", "ABCD-EFGH"].makeIterator()
        #expect(try store.addRaffleTicket(day: "2026-03-04") { sequence.next()! } == "K7Q2-9XMP")
        #expect(try store.addRaffleTicket(day: "2026-03-05") { sequence.next()! } == "ABCD-EFGH")
        #expect(try store.raffleTickets() == [RaffleTicketRecord(ticket: "ABCD-EFGH", day: "2026-03-05"),
                                              RaffleTicketRecord(ticket: "K7Q2-9XMP", day: "2026-03-04")])
        #expect(throws: SurveyStoreError.self) { try store.addRaffleTicket(day: "2026-03-05") { "ABCD-EFGH" } }

        // Move the tickets from the WAL into the main file, as a checkpoint would at any time.
        try store.database.writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        let before = try Data(contentsOf: disk.directory.appendingPathComponent("amtomat.sqlite"))
        #expect(before.range(of: Data("K7Q2-9XMP".utf8)) != nil)

        // The survey answers are untouched by the raffle.
        try store.saveSurveyAnswers(["satisfaction": .one("3")], day: "2026-03-04")
        let at = utc("2026-04-01T10:00:00Z")
        #expect(try store.closeRaffle(by: Actor("clerk1"), at: at) == 2)
        #expect(try store.raffleTickets().isEmpty)
        #expect(try store.surveyAnswerCount() == 1)
        let audit = try store.auditLog()
        #expect(audit.count == 1)
        #expect(audit.first?.action == "raffle-close")
        #expect(audit.first?.osUser == "clerk1")
        #expect(audit.first?.detail == "deleted 2 raffle tickets")
        // Neither the file nor its WAL still holds the deleted tickets (secure_delete, then a checkpoint).
        for name in ["amtomat.sqlite", "amtomat.sqlite-wal"] {
            let file = (try? Data(contentsOf: disk.directory.appendingPathComponent(name))) ?? Data()
            #expect(file.range(of: Data("K7Q2-9XMP".utf8)) == nil, "\(name)")
        }
    }

    @Test("Purging deletes the answers of earlier days only")
    func purge() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        try store.saveSurveyAnswers(["satisfaction": .one("3")], day: "2024-02-29")
        try store.saveSurveyAnswers(["satisfaction": .one("4")], day: "2024-03-01")
        try store.saveSurveyAnswers(["satisfaction": .one("5")], day: "2026-03-01")
        #expect(try store.deleteSurveyAnswers(before: "2024-03-01", by: Actor("clerk1"), at: Date()) == 1)
        #expect(try store.surveyAnswerCount() == 2)
        #expect(try store.auditLog().last?.action == "survey-purge")
        #expect(throws: SurveyStoreError.self) { try store.deleteSurveyAnswers(before: "soon", by: Actor("clerk1"), at: Date()) }
    }
}
