import AmtomatCore
import Foundation
import GRDB

/// The terminal throttle's state: one row, written on every failed attempt, so that a restart
/// (or a power cut) grants no fresh attempts. Times are Unix seconds, so no date format is involved.
func registerThrottleMigrations(_ migrator: inout DatabaseMigrator) {
    migrator.registerMigration("throttle v1: the terminal's guessing debt survives restarts") { db in
        try db.execute(sql: """
            CREATE TABLE terminal_throttle (
                id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                debt REAL NOT NULL CHECK (debt >= 0),
                updated_at REAL NOT NULL,
                next_attempt_at REAL NOT NULL,
                alarm_raised INTEGER NOT NULL DEFAULT 0
            )
            """)
    }
}

extension LockerStore {
    /// The saved state, or nil on a fresh database.
    public func throttleState() throws -> TerminalThrottle.State? {
        try database.writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT debt, updated_at, next_attempt_at, alarm_raised FROM terminal_throttle WHERE id = 1")
            else { return nil }
            return TerminalThrottle.State(debt: row["debt"], updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
                                          nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]),
                                          alarmRaised: row["alarm_raised"])
        }
    }

    public func saveThrottleState(_ state: TerminalThrottle.State) throws {
        try database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO terminal_throttle (id, debt, updated_at, next_attempt_at, alarm_raised) VALUES (1, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET debt = excluded.debt, updated_at = excluded.updated_at,
                    next_attempt_at = excluded.next_attempt_at, alarm_raised = excluded.alarm_raised
                """, arguments: [state.debt, state.updatedAt.timeIntervalSince1970,
                                 state.nextAttemptAt.timeIntervalSince1970, state.alarmRaised])
        }
    }
}

extension LockerStore {
    /// The most recent reference that equals `reference` except in letter case, if any.
    public func referenceDifferingInCase(from reference: String) throws -> String? {
        try database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT reference FROM document WHERE reference = ? COLLATE NOCASE AND reference <> ? ORDER BY id DESC LIMIT 1",
                                arguments: [reference, reference])
        }
    }
}
