import AmtomatCore
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

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
        try restrictFileMode(path)
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A locker's working set is tiny; a small page cache per connection keeps the daemon lean
            // on a Raspberry Pi even with years of history in the file.
            try db.execute(sql: "PRAGMA cache_size = -512")
            // Freed space is zeroed: every rewrite of a row (each state change) would otherwise leave
            // the old copy, reference and all, in the file until the page is reused — and retention
            // could not honestly say the data is gone (docs/adr/0030-retention-and-the-audit-chain.md);
            // the same holds for deleted contacts and erased sealed codes (ADR 0040).
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        config.busyMode = .timeout(5)
        // One writer and two readers are plenty for one locker; each connection keeps its own page cache.
        config.maximumReaderCount = 2
        let pool = try DatabasePool(path: path, configuration: config)
        return try AppDatabase(pool)
    }

    /// The database says who collects which document when: only the daemon's user (and its group,
    /// for backups) may read it. SQLite creates the -wal and -shm files with the mode of the database
    /// file, so creating that one as 0640 covers all three; files made 0644 by older versions are
    /// narrowed (issue 10 point 7).
    static func restrictFileMode(_ path: String) throws {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw DatabaseError(message: "Cannot create the database \(path): \(String(cString: strerror(errno))); check the state directory's owner.")
        }
        close(fd)
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            if stat(file, &info) == 0, info.st_mode & 0o027 != 0 {
                chmod(file, info.st_mode & 0o750)
            }
        }
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
        // Migrations are SQL literals, never built from application types: a migration must create
        // the same schema on every installation forever, whatever the code says later.
        // (The v1 text is exactly what GRDB's table builder produced when v1 shipped; a test
        // compares sqlite_master byte for byte.)
        migrator.registerMigration("v1: compartments, documents, audit log") { db in
            try db.execute(sql: #"CREATE TABLE "compartment" ("id" INTEGER PRIMARY KEY, "label" TEXT NOT NULL, "column" INTEGER NOT NULL, "row" INTEGER NOT NULL, "size" TEXT NOT NULL, "wheelchairAccessible" BOOLEAN NOT NULL, "blocked" BOOLEAN NOT NULL DEFAULT 0, "blockReason" TEXT, "blockedAt" DATETIME, "lastDoorState" TEXT NOT NULL DEFAULT 'unknown', "inService" BOOLEAN NOT NULL DEFAULT 1)"#)
            try db.execute(sql: #"CREATE TABLE "document" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "reference" TEXT NOT NULL, "kind" TEXT NOT NULL, "state" TEXT NOT NULL, "compartmentId" INTEGER REFERENCES "compartment"("id"), "holdDays" INTEGER NOT NULL, "depositedAt" DATETIME NOT NULL, "readyAt" DATETIME, "expiresAt" DATETIME, "codeDigest" BLOB, "codeIssuedAt" DATETIME, "secondFactorDigest" BLOB, "secondFactorFailures" INTEGER NOT NULL DEFAULT 0, "codeBlocked" BOOLEAN NOT NULL DEFAULT 0, "doorOpenedAt" DATETIME, "finishedAt" DATETIME, "updatedAt" DATETIME NOT NULL)"#)
            // One live document per reference and per compartment; codes unique among live documents.
            try db.execute(sql: "CREATE UNIQUE INDEX document_live_reference ON document(reference) WHERE state IN ('reserved','loading','ready','collecting','expired')")
            try db.execute(sql: "CREATE UNIQUE INDEX document_live_compartment ON document(compartmentId) WHERE state IN ('reserved','loading','ready','collecting','expired')")
            try db.execute(sql: "CREATE UNIQUE INDEX document_code ON document(codeDigest) WHERE codeDigest IS NOT NULL")
            try db.execute(sql: "CREATE INDEX document_state_expiry ON document(state, expiresAt)")
            try db.execute(sql: "CREATE INDEX document_reference ON document(reference)")
            try db.execute(sql: #"CREATE TABLE "auditEntry" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "at" DATETIME NOT NULL, "osUser" TEXT NOT NULL, "action" TEXT NOT NULL, "reference" TEXT, "compartmentId" INTEGER, "detail" TEXT)"#)
            try db.execute(sql: #"CREATE TABLE "selfTestVerdict" ("compartmentId" INTEGER PRIMARY KEY REFERENCES "compartment"("id"), "verdict" TEXT NOT NULL, "detail" TEXT NOT NULL, "testedAt" DATETIME NOT NULL)"#)
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
        migrator.registerMigration("v2: withdrawing and returning hold their compartment; code delivery") { db in
            // A clerk's withdrawal or return now passes through `withdrawing`/`returning` until the door
            // was seen open and closed: the document still holds its compartment meanwhile.
            try db.execute(sql: "DROP INDEX document_live_reference")
            try db.execute(sql: "DROP INDEX document_live_compartment")
            try db.execute(sql: "CREATE UNIQUE INDEX document_live_reference ON document(reference) WHERE state IN ('reserved','loading','ready','collecting','expired','withdrawing','returning')")
            try db.execute(sql: "CREATE UNIQUE INDEX document_live_compartment ON document(compartmentId) WHERE state IN ('reserved','loading','ready','collecting','expired','withdrawing','returning')")
            // When the clerk's command received the code; a code issued but never delivered must be reissued.
            try db.execute(sql: "ALTER TABLE document ADD COLUMN codeDeliveredAt DATETIME")
            // Codes issued before this version cannot be told apart: count them as delivered.
            try db.execute(sql: "UPDATE document SET codeDeliveredAt = codeIssuedAt WHERE codeIssuedAt IS NOT NULL")
        }
        return migrator
    }
}
