import AmtomatCore
import Foundation
import GRDB

/// The locker's database: every state lives here, every change is one transaction.
///
/// Works over any `DatabaseWriter`: a `DatabasePool` on disk in the daemon, a `DatabaseQueue`
/// in memory in tests. WAL with `synchronous = FULL` makes a commit durable before it returns,
/// which is what lets us open a door right after committing.
public final class AppDatabase: Sendable {
    public let writer: any DatabaseWriter

    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// Opens (or creates) the database file.
    public static func open(path: String) throws -> AppDatabase {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Deleted contacts and erased sealed codes are overwritten with zeros, not left in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // A locker's working set is tiny; a small page cache per connection keeps the daemon lean
            // on a Raspberry Pi even with years of history in the file.
            try db.execute(sql: "PRAGMA cache_size = -512")
            // Freed space is zeroed: every rewrite of a row (each state change) would otherwise leave
            // the old copy, reference and all, in the file until the page is reused — and retention
            // could not honestly say the data is gone (docs/adr/0030-retention-and-the-audit-chain.md).
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        config.busyMode = .timeout(5)
        // One writer and two readers are plenty for one locker; each connection keeps its own page cache.
        config.maximumReaderCount = 2
        let pool = try DatabasePool(path: path, configuration: config)
        return try AppDatabase(pool)
    }

    /// Answers when the database can be read (the watchdog's health check).
    public func isReadable() -> Bool {
        (try? writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    /// An empty database in memory, for tests and benchmarks.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue())
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: compartments, documents, audit log") { db in
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
            let holding = DocumentState.allCases.filter(\.holdsCompartment).map { "'\($0.rawValue)'" }.joined(separator: ",")
            // One live document per reference and per compartment; codes unique among live documents.
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
        registerSurveyMigrations(&migrator)
        registerAuditChainMigrations(&migrator)
        Outbox.register(&migrator)
        migrator.registerMigration("kiosk v1: codes of finished documents") { db in
            // Only the code's digest, what happened and when: enough to tell a late citizen where the
            // document went, nothing that names it. Rows are deleted after [codes] remember_finished_days.
            try db.execute(sql: """
                CREATE TABLE finishedCode (
                    codeDigest BLOB PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL,
                    at DATETIME NOT NULL)
                """)
            try db.execute(sql: "CREATE INDEX finishedCode_at ON finishedCode(at)")
        }
        registerThrottleMigrations(&migrator)
        return migrator
    }
}
