import AmtomatAPI
@testable import AmtomatDaemon
import AmtomatCore
import AmtomatHardware
import AmtomatStore
import Foundation
import Testing

/// Issue 10, point 1: a document leaves the books only once its door has been seen open and closed.
@Suite("Withdrawals, returns and codes that never reached the clerk")
struct WithdrawalTests {
    @Test("a withdrawal holds the compartment until the door was seen open and closed; a deposit meanwhile gets another one")
    func withdrawalHoldsTheCompartment() async throws {
        let rig = try await Rig()
        let a = try await rig.deposit("A")
        try await rig.eventually { await rig.controller.locker.doorState(a.compartment) == .closed }
        // The lock does not release at once (here: never), as when the coil slot is busy.
        try rig.sim.jamLock(a.compartment)
        let withdrawal = Task { try await rig.controller.withdraw(reference: "A", by: Actor("clerk-1")) }
        #expect(try await rig.eventually { try rig.state("A") != .ready })
        #expect(try rig.state("A") == .withdrawing, "still in the books while the door has not opened")
        #expect(try rig.store.compartment(a.compartment)?.state == .occupied)
        let b = try await rig.controller.deposit(DepositRequest(kind: .other, reference: "B", size: .small), by: Actor("clerk-2"))
        #expect(b.compartment != a.compartment, "the second clerk is not sent to the compartment being withdrawn")
        await #expect(throws: ServiceError.self) { try await withdrawal.value }
        #expect(try rig.state("A") == .ready, "the door never opened, so the document is still inside and still tracked")
        #expect(try rig.store.compartment(a.compartment)?.state == .blocked)
        let actions = try rig.store.auditLog(limit: 1000).filter { $0.reference == "A" }.map(\.action)
        #expect(actions.suffix(2) == ["withdraw-open", "withdraw-failed"])
        #expect(try rig.store.auditLog(limit: 1000).last?.action == "block", "failure and block in one transaction, in that order")
    }

    @Test("withdraw and return finish only when the door closes after it opened")
    func finishOnClose() async throws {
        let rig = try await Rig()
        let a = try await rig.deposit("A")
        let b = try await rig.deposit("B")
        for c in [a.compartment, b.compartment] { try await rig.eventually { await rig.controller.locker.doorState(c) == .closed } }
        rig.clock.advance(days: 15)
        try await rig.controller.sweep()
        let returning = try await rig.controller.returnExpired(reference: "A", by: Actor("c"))
        #expect(returning.state == .returning && returning.doorOpenedAt != nil)
        let withdrawing = try await rig.controller.withdraw(reference: "B", by: Actor("c"))
        #expect(withdrawing.state == .withdrawing)
        #expect(try rig.store.documents().count == 2, "both still listed")
        try rig.sim.closeDoor(a.compartment)
        try rig.sim.closeDoor(b.compartment)
        #expect(try await rig.eventually { try rig.state("A") == .returned && rig.state("B") == .withdrawn })
        let b2 = try #require(try rig.store.document(reference: "B"))
        #expect(b2.codeDigest == nil && b2.finishedAt != nil)
        let trail = try rig.store.auditLog(limit: 1000).filter { $0.reference == "B" }.map(\.action)
        #expect(trail.suffix(3) == ["withdraw-open", "door-opened", "withdrawn"])
    }

    @Test("after a restart, a withdrawal or return whose door never opened goes back; one whose door opened and closed finishes")
    func reconciliationOfTakeBacks() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-wd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("db.sqlite").path
        let sim = SimulatedLocker(compartments: Rig.locker.compartments.map(\.id), springDelay: .milliseconds(5))
        var compartments: [String: CompartmentID] = [:]
        do {
            let rig = try await Rig(database: try AppDatabase.open(path: path), sim: sim)
            for ref in ["W-NEVER", "W-OPENED", "R-NEVER", "R-OPENED"] { compartments[ref] = try await rig.deposit(ref).compartment }
            rig.clock.advance(days: 15)
            try await rig.controller.sweep()
            _ = try await rig.controller.extend(reference: "W-NEVER", days: 10, by: Actor("c"))
            // The crash comes between the commit and the coil pulse, or after the door opened.
            let t = rig.clock.now
            for (ref, state, opened) in [("W-NEVER", DocumentState.withdrawing, false), ("W-OPENED", .withdrawing, true),
                                         ("R-NEVER", .returning, false), ("R-OPENED", .returning, true)] {
                let d = try #require(try rig.store.document(reference: ref))
                try rig.store.change(d, to: state, action: state == .withdrawing ? .withdrawOpen : .returnOpen, by: Actor("c"), at: t) {
                    $0.doorOpenedAt = opened ? t : nil
                }
            }
            await rig.controller.stop()
        }
        let restarted = try await Rig(database: try AppDatabase.open(path: path), sim: sim)
        #expect(try restarted.state("W-NEVER") == .ready)
        #expect(try restarted.state("W-OPENED") == .withdrawn)
        #expect(try restarted.state("R-NEVER") == .expired)
        #expect(try restarted.state("R-OPENED") == .returned)
        #expect(try restarted.store.compartment(compartments["W-NEVER"]!)?.state == .occupied)
        #expect(try restarted.store.compartment(compartments["R-NEVER"]!)?.state == .occupied)
        #expect(try restarted.store.compartment(compartments["W-OPENED"]!)?.state == .free)
    }

    @Test("a deposit records that the door opened before it tells the clerk the door is open")
    func depositRecordsTheOpening() async throws {
        let rig = try await Rig()
        for i in 1...4 {
            let started = try await rig.controller.deposit(DepositRequest(kind: .other, reference: "D-\(i)", size: .small), by: Actor("c"))
            // No waiting: the answer itself must come after the record.
            #expect(try rig.store.document(reference: "D-\(i)")?.doorOpenedAt != nil)
            try rig.sim.closeDoor(started.compartment)
            _ = try await rig.controller.awaitCode(reference: "D-\(i)", timeout: .seconds(2))
        }
    }

    @Test("a code issued but never fetched by the clerk's command: flagged, and a new deposit of the reference says so")
    func codeNeverDelivered() async throws {
        let rig = try await Rig()
        let started = try await rig.controller.deposit(DepositRequest(kind: .other, reference: "LOST", size: .small), by: Actor("c"))
        try rig.sim.closeDoor(started.compartment)
        #expect(try await rig.eventually { try rig.state("LOST") == .ready })
        _ = await rig.controller.terminalFreeAttempts()  // the door event's actor turn has ended: the code waits in memory
        // The clerk's command died before it fetched the code.
        let lost = try #require(try rig.store.document(reference: "LOST"))
        #expect(lost.codeNotDelivered && lost.codeDigest != nil)
        rig.clock.advance(seconds: 601)  // the code waited in memory long enough
        try await rig.controller.sweep()
        let answer = try await rig.controller.awaitCode(reference: "LOST", timeout: .milliseconds(10))
        #expect(answer.status == .noCode && answer.message?.contains("reissue") == true, "\(answer)")
        do {
            _ = try await rig.controller.deposit(DepositRequest(kind: .other, reference: "LOST", size: .small), by: Actor("c"))
            Issue.record("a second deposit of the same reference must be refused")
        } catch {
            #expect("\(error)".contains("no code was delivered") && "\(error)".contains("amtomat reissue LOST"), "\(error)")
            #expect(!"\(error)".contains("already in the locker;"))
        }
        _ = try await rig.controller.reissue(reference: "LOST", by: Actor("c"))
        #expect(try rig.store.document(reference: "LOST")?.codeNotDelivered == false)

        let delivered = try await rig.deposit("FETCHED")
        #expect(try rig.store.document(reference: delivered.reference)?.codeNotDelivered == false, "fetched codes are not flagged")
    }
}

@Suite("Installation key")
struct InstallationKeyTests {
    func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    @Test("a new key is created whole, mode 0600, with no temporary file left behind")
    func created() throws {
        let dir = try folder()
        let path = dir + "/pickup-code.key"
        FileManager.default.createFile(atPath: path + ".tmp-999", contents: Data([1]))  // a power cut during an earlier creation
        let loaded = try InstallationKey.loadOrCreate(at: path, documentsWithSecrets: 0)
        #expect(loaded.bytes.count == 32 && loaded.warning == nil)
        #expect(FileManager.default.contents(atPath: path) == Data(loaded.bytes))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["pickup-code.key"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try InstallationKey.loadOrCreate(at: path, documentsWithSecrets: 5).bytes == loaded.bytes, "the same key next time")
    }

    @Test("a 0-byte key on a database without codes is replaced with a warning, never refused")
    func damagedButUnused() throws {
        let path = try folder() + "/pickup-code.key"
        FileManager.default.createFile(atPath: path, contents: Data(), attributes: [.posixPermissions: 0o600])
        let loaded = try InstallationKey.loadOrCreate(at: path, documentsWithSecrets: 0)
        #expect(loaded.bytes.count == 32)
        #expect(loaded.warning?.contains("damaged") == true)
        #expect(FileManager.default.contents(atPath: path)?.count == 32)
    }

    @Test("a missing or damaged key while the database holds codes made with it: refused, naming the backup")
    func refusedWhenCodesExist() throws {
        let missing = try folder() + "/pickup-code.key"
        let refused = #expect(throws: ServiceError.self) { try InstallationKey.loadOrCreate(at: missing, documentsWithSecrets: 3) }
        #expect(refused.map { "\($0)".contains("missing") && "\($0)".contains("backup") && "\($0)".contains("3 documents") } == true)
        #expect(!FileManager.default.fileExists(atPath: missing), "no new key is made")
        let damaged = try folder() + "/pickup-code.key"
        FileManager.default.createFile(atPath: damaged, contents: Data([1, 2]), attributes: [.posixPermissions: 0o600])
        let refusedDamaged = #expect(throws: ServiceError.self) { try InstallationKey.loadOrCreate(at: damaged, documentsWithSecrets: 1) }
        #expect(refusedDamaged.map { "\($0)".contains("damaged") && "\($0)".contains("backup") } == true)
        #expect(FileManager.default.contents(atPath: damaged) == Data([1, 2]), "the damaged key is left for inspection")
    }
}
