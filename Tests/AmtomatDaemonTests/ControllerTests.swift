import AmtomatAPI
@testable import AmtomatDaemon
import AmtomatCore
import AmtomatHardware
import AmtomatStore
import Foundation
import Logging
import Synchronization
import Testing

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(days: Double = 0, seconds: Double = 0) { current.withLock { $0 += days * 86_400 + seconds } }
}

/// One locker with six compartments, a simulated backend and an in-memory (or given) database.
struct Rig {
    let clock = TestClock()
    let logs = LogCapture()
    let sim: SimulatedLocker
    let controller: LockerController
    let store: LockerStore
    static let locker = LockerDescription(name: "Test", compartments: (1...6).map { i in
        CompartmentDescription(id: CompartmentID(i), column: (i - 1) % 3 + 1, row: (i - 1) / 3 + 1,
                               size: i <= 3 ? .small : .large, wheelchairAccessible: i <= 3)
    }, coil: CoilLimits(defaultPulseMilliseconds: 30, minimumOffMilliseconds: 10, gapBetweenPulsesMilliseconds: 5))

    init(database: AppDatabase? = nil, sim: SimulatedLocker? = nil, throttle: TerminalThrottle.Policy = .init()) async throws {
        let sim = sim ?? SimulatedLocker(compartments: Self.locker.compartments.map(\.id), springDelay: .milliseconds(5))
        self.sim = sim
        store = LockerStore(try database ?? AppDatabase.inMemory())
        let locker = Locker(description: Self.locker, backend: sim,
                            timing: .init(openTimeout: .seconds(1), unlockRetries: 1, leftOpenAlarm: .seconds(60),
                                          recheckInterval: .milliseconds(50)),
                            logger: logs.logger)
        var settings = LockerController.Settings()
        settings.throttle = throttle
        let clock = self.clock
        controller = LockerController(settings: settings, store: store, locker: locker,
                                      hasher: SecretHasher(keyBytes: [UInt8](repeating: 3, count: 32)),
                                      logger: logs.logger, now: { clock.now })
        try await controller.start()
    }

    /// Waits until `condition` holds (events arrive asynchronously), at most two seconds.
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Deposits a document the way a clerk does and returns its code.
    func deposit(_ reference: String, kind: DocumentKind = .drivingLicence, dob: String? = nil) async throws -> CodeIssued {
        let started = try await controller.deposit(DepositRequest(kind: kind, reference: reference, size: .small, dateOfBirth: dob),
                                                   by: Actor("clerk"))
        try sim.closeDoor(started.compartment)
        let answer = try await controller.awaitCode(reference: reference, timeout: .seconds(2))
        guard let issued = answer.issued else { throw ServiceError.internal("no code: \(answer)") }
        return issued
    }

    func state(_ reference: String) throws -> DocumentState? { try store.document(reference: reference)?.state }
}

@Suite("Locker controller")
struct ControllerTests {
    @Test("deposit → code once → pickup → door closed → collected, with the state committed before each door opens")
    func fullFlow() async throws {
        let rig = try await Rig()
        let issued = try await rig.deposit("F-1")
        #expect(issued.code.count == 14)
        #expect(try rig.state("F-1") == .ready)
        let again = try await rig.controller.awaitCode(reference: "F-1", timeout: .milliseconds(10))
        #expect(again.status == .noCode, "the clerk sees the code exactly once")

        let response = try await rig.controller.pickup(code: issued.code, dateOfBirth: nil)
        #expect(response.result == .open)
        #expect(response.compartment?.id == issued.compartment)
        #expect(try rig.state("F-1") == .collecting)
        try rig.sim.closeDoor(issued.compartment)
        #expect(try await rig.eventually { try rig.state("F-1") == .collected })
        let status = try await rig.controller.pickupStatus(token: response.pickup!)
        #expect(status?.result == .collected && status?.surveyToken != nil)

        let reuse = try await rig.controller.pickup(code: issued.code, dateOfBirth: nil)
        #expect(reuse.result == .gone && reuse.gone?.state == .collected, "a code works once, then says it was used")
        #expect(!rig.logs.text.contains(issued.code), "the code never reaches a log")
        let audit = try rig.store.auditLog().map(\.action)
        #expect(audit == ["reserve", "open-for-loading", "door-opened", "loaded", "pickup-open", "door-opened", "collected"])
    }

    @Test("a passport needs the date of birth; five wrong ones block the code until a clerk reissues it")
    func secondFactor() async throws {
        let rig = try await Rig(throttle: .init(capacity: 100, refillSeconds: 1))
        let issued = try await rig.deposit("P-1", kind: .passport, dob: "1984-03-27")
        #expect(try await rig.controller.pickup(code: issued.code, dateOfBirth: nil).result == .secondFactor)
        for attempt in 1...4 {
            let r = try await rig.controller.pickup(code: issued.code, dateOfBirth: "1984-03-2\(attempt)")
            #expect(r.result == .rejected)
        }
        #expect(try await rig.controller.pickup(code: issued.code, dateOfBirth: "1999-01-01").result == .blocked)
        #expect(try await rig.controller.pickup(code: issued.code, dateOfBirth: "1984-03-27").result == .blocked,
                "even the right date no longer helps")
        let fresh = try await rig.controller.reissue(reference: "P-1", by: Actor("clerk"))
        #expect(fresh.code != issued.code)
        #expect(try await rig.controller.pickup(code: issued.code, dateOfBirth: "1984-03-27").result == .rejected,
                "the old code stopped working")
        #expect(try await rig.controller.pickup(code: fresh.code, dateOfBirth: "1984-03-27").result == .open)
    }

    @Test("a deposit of a passport without date of birth is refused with what to add")
    func depositNeedsSecondFactor() async throws {
        let rig = try await Rig()
        await #expect(throws: LockerError.secondFactorMissing(kind: .passport)) {
            try await rig.controller.deposit(DepositRequest(kind: .passport, reference: "P", size: .small), by: Actor("c"))
        }
        await #expect(throws: LockerError.invalidHoldDays(40, maximum: 28)) {
            try await rig.controller.deposit(DepositRequest(kind: .other, reference: "O", size: .small, holdDays: 40), by: Actor("c"))
        }
        #expect(try rig.store.documents().isEmpty, "nothing was reserved")
    }

    @Test("the terminal slows down for everybody, but no citizen's code is locked by someone else's failures")
    func throttleIsTheTerminals() async throws {
        let rig = try await Rig(throttle: .init(capacity: 3, refillSeconds: 60, firstWaitSeconds: 30))
        let issued = try await rig.deposit("F-1")
        var left: [Int?] = []
        for _ in 0..<3 {
            let r = try await rig.controller.pickup(code: "00000000000000", dateOfBirth: nil)
            #expect(r.result == .rejected)
            left.append(r.attemptsLeft)
        }
        #expect(left == [2, 1, 0])
        let slowed = try await rig.controller.pickup(code: issued.code, dateOfBirth: nil)
        #expect(slowed.result == .slowed && slowed.retryAfterSeconds == 30)
        #expect(await rig.controller.terminalStatus() == TerminalStatus(slowedSeconds: 30, attemptsLeft: 0))
        #expect(rig.logs.text.contains("Burst of failed pickup attempts"))
        rig.clock.advance(seconds: 30)
        #expect(try await rig.controller.pickup(code: issued.code, dateOfBirth: nil).result == .open, "the code itself was never locked")
    }

    @Test("the throttle lives in the database: a restarted controller grants no fresh attempts; a clerk's reset is audited")
    func throttleSurvivesRestart() async throws {
        let database = try AppDatabase.inMemory()
        let policy = TerminalThrottle.Policy(capacity: 3, refillSeconds: 60, firstWaitSeconds: 30)
        let first = try await Rig(database: database, throttle: policy)
        for _ in 0..<3 { _ = try await first.controller.pickup(code: "00000000000000", dateOfBirth: nil) }
        await first.controller.stop()
        let second = try await Rig(database: database, sim: SimulatedLocker(compartments: Rig.locker.compartments.map(\.id), springDelay: .milliseconds(5)),
                                   throttle: policy)
        second.clock.advance(seconds: 10)
        #expect(await second.controller.terminalStatus() == TerminalStatus(slowedSeconds: 20, attemptsLeft: 0))
        #expect(try await second.controller.pickup(code: "00000000000000", dateOfBirth: nil).result == .slowed)
        #expect(try await second.controller.resetThrottle(by: Actor("clerk1")) == TerminalStatus(slowedSeconds: 0, attemptsLeft: 3))
        #expect(try second.store.auditLog().contains { $0.action == "throttle-reset" && $0.osUser == "clerk1" })
        let third = try await Rig(database: database, sim: SimulatedLocker(compartments: Rig.locker.compartments.map(\.id), springDelay: .milliseconds(5)),
                                  throttle: policy)
        third.clock.advance(seconds: 10)
        #expect(await third.controller.terminalStatus() == TerminalStatus(slowedSeconds: 0, attemptsLeft: 3), "the reset is saved too")
    }

    @Test("documents past their hold period expire and their codes stop working; extend brings them back")
    func expiryAndExtend() async throws {
        let rig = try await Rig()
        let issued = try await rig.deposit("F-1")
        rig.clock.advance(days: 14, seconds: 1)
        let late = try await rig.controller.pickup(code: issued.code, dateOfBirth: nil)
        #expect(late.result == .gone && late.gone?.state == .expired && late.office != nil,
                "expired codes no longer open, even before the sweep runs, and say why")
        #expect(try await rig.controller.sweep() == 1)
        #expect(try rig.state("F-1") == .expired)
        await #expect(throws: ServiceError.self) { try await rig.controller.extend(reference: "F-1", days: 30, by: Actor("c")) }
        let extended = try await rig.controller.extend(reference: "F-1", days: 7, by: Actor("c"))
        #expect(extended.state == .ready)
        #expect(try await rig.controller.pickup(code: issued.code, dateOfBirth: nil).result == .open)
    }

    @Test("expired documents go back to the counter; withdraw takes a ready one back")
    func returnAndWithdraw() async throws {
        let rig = try await Rig()
        let a = try await rig.deposit("A")
        try await rig.eventually { await rig.controller.locker.doorState(a.compartment) == .closed }
        _ = try await rig.deposit("B")
        rig.clock.advance(days: 15)
        try await rig.controller.sweep()
        #expect(try await rig.controller.returnExpired(reference: "A", by: Actor("c")).state == .returned)
        #expect(try await rig.controller.withdraw(reference: "B", by: Actor("c")).state == .withdrawn)
        await #expect(throws: (any Error).self) { try await rig.controller.returnExpired(reference: "B", by: Actor("c")) }
        #expect(try rig.store.compartments().allSatisfy { $0.state == .free })
    }

    @Test("codes of finished documents are recognised for remember_finished_days, not counted as guesses, then forgotten")
    func finishedCodesAreRememberedThenForgotten() async throws {
        let rig = try await Rig(throttle: .init(capacity: 2, refillSeconds: 600))
        let collected = try await rig.deposit("G-1")
        let withdrawn = try await rig.deposit("G-2")
        let returned = try await rig.deposit("G-3")
        let open = try await rig.controller.pickup(code: collected.code, dateOfBirth: nil)
        #expect(open.result == .open)
        try rig.sim.closeDoor(collected.compartment)
        #expect(try await rig.eventually { try rig.state("G-1") == .collected })
        _ = try await rig.controller.withdraw(reference: "G-2", by: Actor("clerk"))
        try rig.sim.closeDoor(withdrawn.compartment)
        rig.clock.advance(days: 15)
        try await rig.controller.sweep()
        let expired = try await rig.controller.pickup(code: returned.code, dateOfBirth: nil)
        #expect(expired.result == .gone && expired.gone?.state == .expired)
        _ = try await rig.controller.returnExpired(reference: "G-3", by: Actor("clerk"))
        try rig.sim.closeDoor(returned.compartment)
        #expect(try await rig.eventually { try rig.state("G-3") == .returned && rig.state("G-2") == .withdrawn })

        // Five answers in a row, but only two free attempts: none of them counted as a guess.
        for (code, state) in [(collected.code, DocumentState.collected), (withdrawn.code, .withdrawn), (returned.code, .returned),
                              (collected.code, .collected), (returned.code, .returned)] {
            let r = try await rig.controller.pickup(code: code, dateOfBirth: nil)
            #expect(r.result == .gone && r.gone?.state == state && r.office?.name == "Bürgerbüro", "\(r)")
        }
        #expect(await rig.controller.terminalFreeAttempts() == 2)
        let at = try #require(try await rig.controller.pickup(code: collected.code, dateOfBirth: nil).gone?.at)
        #expect(abs(at.timeIntervalSince(rig.clock.now) + 15 * 86_400) < 5, "collected when the door closed, 15 days ago")

        // 60 days after it finished, the digest is deleted and the code reads like any wrong code.
        rig.clock.advance(days: 46)
        try await rig.controller.sweep()
        #expect(try await rig.controller.pickup(code: collected.code, dateOfBirth: nil).result == .rejected)
        #expect(try await rig.controller.pickup(code: returned.code, dateOfBirth: nil).result == .gone, "returned only 46 days ago")
        let hasher = SecretHasher(keyBytes: [UInt8](repeating: 3, count: 32))   // the rig's key
        let digest = { (code: String) in hasher.codeDigest(PickupCode(typed: code, length: code.count)!) }
        #expect(try rig.store.finishedCode(codeDigest: digest(collected.code)) == nil, "deleted 61 days after it finished")
        #expect(try rig.store.finishedCode(codeDigest: digest(withdrawn.code)) == nil)
        #expect(try rig.store.finishedCode(codeDigest: digest(returned.code))?.state == .returned)
    }

    @Test("a jammed lock at pickup: retried, then the compartment is blocked and the citizen sent to the office")
    func jammedAtPickup() async throws {
        let rig = try await Rig()
        let issued = try await rig.deposit("F-1")
        try await rig.eventually { await rig.controller.locker.doorState(issued.compartment) == .closed }
        try rig.sim.jamLock(issued.compartment)
        let pulsesBefore = rig.sim.energiseCount
        let r = try await rig.controller.pickup(code: issued.code, dateOfBirth: nil)
        #expect(r.result == .fault && r.office != nil)
        #expect(rig.sim.energiseCount - pulsesBefore == 2, "one pulse and one retry")
        #expect(try rig.state("F-1") == .ready, "the document is still there and still tracked")
        #expect(try rig.store.compartment(issued.compartment)?.state == .blocked)
    }

    @Test("a jammed lock at deposit: the compartment is blocked, the reservation cancelled, and the next try uses another")
    func jammedAtDeposit() async throws {
        let rig = try await Rig()
        // Jam every small compartment, so whichever the assignment picks does not open.
        try rig.sim.jamLock(CompartmentID(1))
        try rig.sim.jamLock(CompartmentID(2))
        try rig.sim.jamLock(CompartmentID(3))
        try rig.sim.jamLock(CompartmentID(4))
        let request = DepositRequest(kind: .other, reference: "J-1", size: .small)
        await #expect(throws: ServiceError.self) { try await rig.controller.deposit(request, by: Actor("clerk")) }
        let blocked = try rig.store.compartments().filter { $0.state == .blocked }.map(\.record.id)
        #expect(blocked.count == 1)
        #expect(try rig.state("J-1") == .withdrawn)
        for id in 1...4 { try rig.sim.jamLock(CompartmentID(id), false) }
        let second = try await rig.controller.deposit(request, by: Actor("clerk"))
        #expect(second.compartment.rawValue != blocked[0])
        #expect(try rig.store.auditLog().map(\.action).contains("deposit-cancelled"))
    }

    @Test("a pickup whose door already stood open still finishes when the door closes")
    func doorAlreadyOpen() async throws {
        let rig = try await Rig()
        let issued = try await rig.deposit("F-1")
        try await rig.eventually { await rig.controller.locker.doorState(issued.compartment) == .closed }
        try rig.sim.forceDoorOpen(issued.compartment)  // someone pulled it open: a tamper alarm, and the door is open
        try await rig.eventually { await rig.controller.locker.doorState(issued.compartment) == .open }
        #expect(try await rig.controller.pickup(code: issued.code, dateOfBirth: nil).result == .open)
        try rig.sim.closeDoor(issued.compartment)
        #expect(try await rig.eventually { try rig.state("F-1") == .collected })
    }

    @Test("a door opened without an unlock is a tamper alarm in the audit log")
    func tamper() async throws {
        let rig = try await Rig()
        try rig.sim.forceDoorOpen(CompartmentID(5))
        #expect(try await rig.eventually { try rig.store.auditLog().contains { $0.action == "tamper-alarm" && $0.compartmentId == 5 } })
    }

    @Test("after a crash mid-loading or mid-pickup the database is resolved from the doors")
    func reconciliation() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-rec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("db.sqlite").path
        let ids = Rig.locker.compartments.map(\.id)
        let sim = SimulatedLocker(compartments: ids, springDelay: .milliseconds(5))
        var loadedCompartment = CompartmentID(0)
        var pickedCompartment = CompartmentID(0)
        do {
            let rig = try await Rig(database: try AppDatabase.open(path: path), sim: sim)
            // Loaded, door open: the "crash" comes before the door closes.
            loadedCompartment = try await rig.controller.deposit(DepositRequest(kind: .other, reference: "LOADED", size: .small), by: Actor("c")).compartment
            // Picked up, door open.
            let picked = try await rig.deposit("PICKED")
            pickedCompartment = picked.compartment
            _ = try await rig.controller.pickup(code: picked.code, dateOfBirth: nil)
            // Reserved, then marked collecting with the door never opened (crash between commit and pulse).
            let never = try await rig.deposit("NEVER")
            if let d = try rig.store.document(reference: "NEVER") {
                try rig.store.change(d, to: .collecting, action: "pickup-open", by: .kiosk, at: rig.clock.now)
            }
            _ = never
            await rig.controller.stop()
        }
        // While the daemon is down, both open doors are closed.
        try sim.closeDoor(loadedCompartment)
        try sim.closeDoor(pickedCompartment)
        let restarted = try await Rig(database: try AppDatabase.open(path: path), sim: sim)
        let loaded = try restarted.store.document(reference: "LOADED")
        #expect(loaded?.state == .ready && loaded?.codeDigest == nil, "loaded but without a code: the clerk reissues")
        #expect(try restarted.state("PICKED") == .collected)
        #expect(try restarted.state("NEVER") == .ready, "never opened, so still inside")
        let code = try await restarted.controller.reissue(reference: "LOADED", by: Actor("c"))
        #expect(try await restarted.controller.pickup(code: code.code, dateOfBirth: nil).result == .open)
    }
}
