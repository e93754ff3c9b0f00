import AmtomatCore
import AmtomatStore
import Foundation
import GRDB
import Testing

/// A fresh folder for one test's database file.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

let sixCompartments = LockerDescription(name: "Test", compartments: (1...6).map { i in
    CompartmentDescription(id: CompartmentID(i), column: (i - 1) % 3 + 1, row: (i - 1) / 3 + 1,
                           size: i <= 3 ? .small : .large, wheelchairAccessible: i <= 3)
})

func allClosed(_ locker: LockerDescription) -> [CompartmentID: DoorState] {
    Dictionary(uniqueKeysWithValues: locker.compartments.map { ($0.id, DoorState.closed) })
}

@Suite("Store")
struct StoreTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("migrations create the schema in a file, and reopening the file keeps data and migrates nothing twice")
    func migrationsOnDisk() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("amtomat.sqlite").path
        do {
            let store = LockerStore(try AppDatabase.open(path: path))
            try store.syncCompartments(sixCompartments)
            _ = try store.reserve(reference: "R-1", kind: .passport, size: .small, accessible: false, holdDays: 14,
                                  secondFactorDigest: nil, doors: allClosed(sixCompartments), by: Actor("clerk"), at: t0)
        }
        let reopened = try AppDatabase.open(path: path)
        let applied = try reopened.writer.read { db in try Row.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied.count >= 1)
        let tables = try reopened.writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        for table in ["compartment", "document", "auditEntry", "selfTestVerdict"] { #expect(tables.contains(table)) }
        #expect(try LockerStore(reopened).document(reference: "R-1")?.state == .reserved)
        // Durability settings: WAL journal, synchronous FULL on every connection.
        let mode = try reopened.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        let sync = try reopened.writer.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(mode == "wal")
        #expect(sync == 2)
    }

    @Test("a reservation picks the compartment, audits it, and one reference is live only once")
    func reserve() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        try store.syncCompartments(sixCompartments)
        let doc = try store.reserve(reference: "R-1", kind: .passport, size: .small, accessible: true, holdDays: 14,
                                    secondFactorDigest: nil, doors: allClosed(sixCompartments), by: Actor("anna"), at: t0)
        #expect(doc.compartment == CompartmentID(1))
        #expect(try store.compartment(CompartmentID(1))?.state == .reserved)
        #expect(throws: LockerError.duplicateReference(reference: "R-1")) {
            try store.reserve(reference: "R-1", kind: .passport, size: .small, accessible: true, holdDays: 14,
                              secondFactorDigest: nil, doors: allClosed(sixCompartments), by: Actor("anna"), at: t0)
        }
        let audit = try store.auditLog()
        #expect(audit.map(\.action) == ["reserve"])
        #expect(audit.first?.osUser == "anna")
        #expect(audit.first?.compartmentId == 1)
    }

    @Test("when every fitting compartment is taken the clerk is told what to do")
    func full() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        try store.syncCompartments(sixCompartments)
        for i in 1...6 {
            _ = try store.reserve(reference: "R-\(i)", kind: .other, size: .small, accessible: false, holdDays: 1,
                                  secondFactorDigest: nil, doors: allClosed(sixCompartments), by: Actor("a"), at: t0)
        }
        #expect(throws: LockerError.noFreeCompartment(size: .small, accessible: false)) {
            try store.reserve(reference: "R-7", kind: .other, size: .small, accessible: false, holdDays: 1,
                              secondFactorDigest: nil, doors: allClosed(sixCompartments), by: Actor("a"), at: t0)
        }
    }

    @Test("changes follow the state machine, write their audit entry, and forget secrets at the end")
    func changes() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        try store.syncCompartments(sixCompartments)
        var doc = try store.reserve(reference: "R-1", kind: .passport, size: .small, accessible: false, holdDays: 14,
                                    secondFactorDigest: Data([9, 9]), doors: allClosed(sixCompartments), by: Actor("a"), at: t0)
        doc = try store.change(doc, to: .loading, action: .openForLoading, by: Actor("a"), at: t0)
        doc = try store.change(doc, to: .ready, action: .loaded, by: .daemon, at: t0) { $0.codeDigest = Data([1, 2, 3]) }
        #expect(try store.document(codeDigest: Data([1, 2, 3]))?.reference == "R-1")
        #expect(throws: LockerError.illegalTransition(reference: "R-1", from: .ready, to: .returned)) {
            try store.change(doc, to: .returned, action: .withdraw, by: Actor("a"), at: t0)
        }
        let stale = doc
        doc = try store.change(doc, to: .collecting, action: .pickupOpen, by: .kiosk, at: t0)
        #expect(throws: (any Error).self, "a change based on an outdated read is refused") {
            try store.change(stale, to: .withdrawn, action: .withdraw, by: Actor("a"), at: t0)
        }
        doc = try store.change(doc, to: .collected, action: .collected, by: .kiosk, at: t0)
        #expect(doc.codeDigest == nil && doc.secondFactorDigest == nil && doc.finishedAt == t0)
        #expect(try store.document(codeDigest: Data([1, 2, 3])) == nil)
        #expect(try store.compartment(CompartmentID(doc.compartmentId!))?.state == .free)
        #expect(try store.auditLog().map(\.action) == ["reserve", "open-for-loading", "loaded", "pickup-open", "collected"])
        // The reference can be used again once the first document is finished.
        #expect(throws: Never.self) {
            try store.reserve(reference: "R-1", kind: .passport, size: .small, accessible: false, holdDays: 14,
                              secondFactorDigest: nil, doors: allClosed(sixCompartments), by: Actor("a"), at: t0)
        }
    }

    @Test("two live documents can never share a code digest")
    func uniqueCodes() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        try store.syncCompartments(sixCompartments)
        var a = try store.reserve(reference: "A", kind: .other, size: .small, accessible: false, holdDays: 1,
                                  secondFactorDigest: nil, doors: allClosed(sixCompartments), by: Actor("a"), at: t0)
        var b = try store.reserve(reference: "B", kind: .other, size: .small, accessible: false, holdDays: 1,
                                  secondFactorDigest: nil, doors: allClosed(sixCompartments), by: Actor("a"), at: t0)
        a = try store.change(a, to: .loading, action: .openForLoading, by: Actor("a"), at: t0)
        b = try store.change(b, to: .loading, action: .openForLoading, by: Actor("a"), at: t0)
        _ = try store.change(a, to: .ready, action: .loaded, by: Actor("a"), at: t0) { $0.codeDigest = Data([7]) }
        #expect(throws: (any Error).self) {
            try store.change(b, to: .ready, action: .loaded, by: Actor("a"), at: t0) { $0.codeDigest = Data([7]) }
        }
        #expect(try store.document(reference: "B")?.state == .loading, "the failed transaction left nothing behind")
    }

    @Test("the sweep expires exactly the documents past their hold period")
    func expiry() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        try store.syncCompartments(sixCompartments)
        for (ref, days) in [("SHORT", 1.0), ("LONG", 10.0)] {
            var d = try store.reserve(reference: ref, kind: .other, size: .small, accessible: false, holdDays: Int(days),
                                      secondFactorDigest: nil, doors: allClosed(sixCompartments), by: Actor("a"), at: t0)
            d = try store.change(d, to: .loading, action: .openForLoading, by: Actor("a"), at: t0)
            _ = try store.change(d, to: .ready, action: .loaded, by: Actor("a"), at: t0) {
                $0.expiresAt = self.t0.addingTimeInterval(days * 86_400)
            }
        }
        #expect(try store.expireDue(at: t0.addingTimeInterval(86_399)).isEmpty)
        #expect(try store.expireDue(at: t0.addingTimeInterval(86_400)).map(\.reference) == ["SHORT"])
        #expect(try store.document(reference: "SHORT")?.state == .expired)
        #expect(try store.document(reference: "LONG")?.state == .ready)
        #expect(try store.auditLog().last?.action == "expire")
    }

    @Test("blocking keeps a compartment out of assignment; removing it from the description takes it out of service")
    func blockingAndSync() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        try store.syncCompartments(sixCompartments)
        try store.setBlocked(CompartmentID(1), blocked: true, reason: "hinge", by: Actor("tech"), at: t0)
        let doc = try store.reserve(reference: "X", kind: .other, size: .small, accessible: true, holdDays: 1,
                                    secondFactorDigest: nil, doors: allClosed(sixCompartments), by: Actor("a"), at: t0)
        #expect(doc.compartment == CompartmentID(2))
        var smaller = sixCompartments
        smaller.compartments.removeLast()
        try store.syncCompartments(smaller)
        #expect(try store.compartments().count == 5)
        #expect(try store.compartment(CompartmentID(1))?.record.blockReason == "hinge", "blocks survive a sync")
        #expect(throws: LockerError.unknownCompartment(CompartmentID(6))) {
            try store.setBlocked(CompartmentID(6), blocked: true, reason: "x", by: Actor("t"), at: t0)
        }
    }
}
