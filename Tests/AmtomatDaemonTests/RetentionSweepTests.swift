import AmtomatAPI
@testable import AmtomatDaemon
import AmtomatCore
import AmtomatStore
import Foundation
import Testing

@Suite("Retention in the daily sweep")
struct RetentionSweepTests {
    @Test("the sweep applies retention once a day: 200 days after a pickup the reference is gone and the chain still verifies")
    func dailyRetention() async throws {
        let rig = try await Rig()
        let issued = try await rig.deposit("RET-1")
        #expect(try await rig.controller.pickup(code: issued.code, dateOfBirth: nil).result == .open)
        try rig.sim.closeDoor(issued.compartment)
        #expect(try await rig.eventually { try rig.state("RET-1") == .collected })
        let written = try rig.store.auditLog().count
        try await rig.controller.sweep()
        #expect(try rig.store.auditLog().count == written, "nothing is due on the day of the pickup")

        rig.clock.advance(days: 179)
        try await rig.controller.sweep()
        #expect(try rig.store.document(reference: "RET-1")?.state == .collected, "kept for the whole period")

        rig.clock.advance(days: 21)
        try await rig.controller.sweep()
        #expect(try rig.store.document(reference: "RET-1") == nil)
        #expect(try rig.store.documents(state: .collected).map(\.reference) == [DocumentRecord.erasedReference])
        let log = try rig.store.auditLog()
        #expect(log.map(\.action) == ["retention"] && log.first?.seq == Int64(written) + 1)
        let verification = try rig.store.verifyAudit()
        #expect(verification.intact && verification.base.seq == Int64(written))
        #expect(rig.logs.text.contains("Retention: personal data past its period deleted"))

        rig.clock.advance(seconds: 60)
        try await rig.controller.sweep()
        #expect(try rig.store.auditLog().count == 1, "once a day, and a run with nothing due writes nothing")
    }
}
