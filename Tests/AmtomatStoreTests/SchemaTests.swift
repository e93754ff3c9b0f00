import AmtomatCore
@testable import AmtomatStore
import Foundation
import GRDB
import Testing

@Suite("Schema and migrations")
struct SchemaTests {
    /// The v1 migration exactly as it shipped: GRDB's table builder, and the holding states as the
    /// code listed them then. The SQL-literal v1 must produce the same schema, byte for byte.
    static func shippedV1(_ db: Database) throws {
        try db.create(table: "compartment") { t in
            t.primaryKey("id", .integer)
            t.column("label", .text).notNull()
            t.column("column", .integer).notNull()
            t.column("row", .integer).notNull()
            t.column("size", .text).notNull()
            t.column("wheelchairAccessible", .boolean).notNull()
            t.column("blocked", .boolean).notNull().defaults(to: false)
            t.column("blockReason", .text)
            t.column("blockedAt", .datetime)
            t.column("lastDoorState", .text).notNull().defaults(to: "unknown")
            t.column("inService", .boolean).notNull().defaults(to: true)
        }
        try db.create(table: "document") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("reference", .text).notNull()
            t.column("kind", .text).notNull()
            t.column("state", .text).notNull()
            t.column("compartmentId", .integer).references("compartment")
            t.column("holdDays", .integer).notNull()
            t.column("depositedAt", .datetime).notNull()
            t.column("readyAt", .datetime)
            t.column("expiresAt", .datetime)
            t.column("codeDigest", .blob)
            t.column("codeIssuedAt", .datetime)
            t.column("secondFactorDigest", .blob)
            t.column("secondFactorFailures", .integer).notNull().defaults(to: 0)
            t.column("codeBlocked", .boolean).notNull().defaults(to: false)
            t.column("doorOpenedAt", .datetime)
            t.column("finishedAt", .datetime)
            t.column("updatedAt", .datetime).notNull()
        }
        // DocumentState.allCases.filter(\.holdsCompartment) in v1.
        let holding = ["reserved", "loading", "ready", "collecting", "expired"].map { "'\($0)'" }.joined(separator: ",")
        try db.execute(sql: "CREATE UNIQUE INDEX document_live_reference ON document(reference) WHERE state IN (\(holding))")
        try db.execute(sql: "CREATE UNIQUE INDEX document_live_compartment ON document(compartmentId) WHERE state IN (\(holding))")
        try db.execute(sql: "CREATE UNIQUE INDEX document_code ON document(codeDigest) WHERE codeDigest IS NOT NULL")
        try db.execute(sql: "CREATE INDEX document_state_expiry ON document(state, expiresAt)")
        try db.execute(sql: "CREATE INDEX document_reference ON document(reference)")
        try db.create(table: "auditEntry") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("at", .datetime).notNull()
            t.column("osUser", .text).notNull()
            t.column("action", .text).notNull()
            t.column("reference", .text)
            t.column("compartmentId", .integer)
            t.column("detail", .text)
        }
        try db.create(table: "selfTestVerdict") { t in
            t.primaryKey("compartmentId", .integer).references("compartment")
            t.column("verdict", .text).notNull()
            t.column("detail", .text).notNull()
            t.column("testedAt", .datetime).notNull()
        }
    }

    static func schema(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT type, name, tbl_name, sql FROM sqlite_master
                WHERE name NOT LIKE 'grdb_%' AND name NOT LIKE 'sqlite_%' ORDER BY type, name
                """).map { "\($0["type"] as String? ?? "")|\($0["name"] as String? ?? "")|\($0["tbl_name"] as String? ?? "")|\($0["sql"] as String? ?? "")" }
        }
    }

    @Test("the v1 migration written in SQL literals creates byte for byte the schema v1 shipped with (on disk)")
    func v1Unchanged() throws {
        let dir = try temporaryDirectory()
        let shipped = dir.appendingPathComponent("shipped.sqlite").path
        let literal = dir.appendingPathComponent("literal.sqlite").path
        try DatabaseQueue(path: shipped).write { db in try Self.shippedV1(db) }
        try AppDatabase.migrator.migrate(try DatabaseQueue(path: literal), upTo: "v1: compartments, documents, audit log")
        let expected = try Self.schema(shipped)
        let actual = try Self.schema(literal)
        #expect(expected.count == 9, "four tables and five indexes")
        #expect(actual == expected, "\(zip(actual, expected).filter { $0 != $1 })")
    }

    @Test("v2 makes withdrawing and returning documents hold their compartment and keeps old codes counted as delivered")
    func v2Migration() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("amtomat.sqlite").path
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        do {
            let queue = try DatabaseQueue(path: path)
            try AppDatabase.migrator.migrate(queue, upTo: "survey v1: anonymous answers, raffle tickets")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO compartment (id, label, \"column\", \"row\", size, wheelchairAccessible) VALUES (1, '1', 1, 1, 'S', 1)")
                try db.execute(sql: """
                    INSERT INTO document (reference, kind, state, compartmentId, holdDays, depositedAt, codeDigest, codeIssuedAt, updatedAt)
                    VALUES ('OLD', 'other', 'ready', 1, 14, ?, x'01', ?, ?)
                    """, arguments: [t0, t0, t0])
            }
        }
        let database = try AppDatabase.open(path: path)
        let store = LockerStore(database)
        let old = try #require(try store.document(reference: "OLD"))
        #expect(old.codeDeliveredAt == t0 && !old.codeNotDelivered, "codes issued before v2 count as delivered")
        #expect(try store.documentsWithSecrets() == 1)
        // A withdrawing document holds compartment 1: a second live document there is refused by the index.
        try database.writer.write { db in try db.execute(sql: "UPDATE document SET state = 'withdrawing'") }
        #expect(throws: (any Error).self) {
            try database.writer.write { db in
                try db.execute(sql: """
                    INSERT INTO document (reference, kind, state, compartmentId, holdDays, depositedAt, updatedAt)
                    VALUES ('NEW', 'other', 'reserved', 1, 14, ?, ?)
                    """, arguments: [t0, t0])
            }
        }
        #expect(try store.compartment(CompartmentID(1))?.state == .occupied)
    }
}
