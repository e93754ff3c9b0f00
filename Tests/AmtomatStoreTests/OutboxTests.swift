import AmtomatCore
import AmtomatStore
import Foundation
import GRDB
import Testing

@Suite("Notification outbox")
struct OutboxTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let clerk = Actor("clerk")
    let policy = RetryPolicy(firstDelaySeconds: 30, maxDelaySeconds: 300, giveUpSeconds: 3600)
    let contact = Contact(phone: "+491712345678", email: "maria@example.org", language: .en)

    func loaded(_ store: LockerStore, reference: String = "R-1", contact: Contact? = nil) throws -> DocumentRecord {
        try store.syncCompartments(sixCompartments)
        var doc = try store.reserve(reference: reference, kind: .passport, size: .small, accessible: false, holdDays: 14,
                                    secondFactorDigest: nil, doors: allClosed(sixCompartments), contact: contact ?? self.contact,
                                    by: clerk, at: t0)
        doc = try store.change(doc, to: .loading, action: "open-for-loading", by: clerk, at: t0)
        return try store.change(doc, to: .ready, action: "loaded", sealedCode: Data([1, 2, 3]), by: .daemon, at: t0) {
            $0.codeDigest = Data(repeating: 7, count: 32)
            $0.readyAt = self.t0
            $0.expiresAt = self.t0.addingTimeInterval(14 * 86_400)
        }
    }

    @Test("the ready message is queued in the transition's transaction, one per channel, and the audit log shows the contact masked")
    func queuedWithTransition() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        _ = try loaded(store)
        let waiting = try store.outboxMessages()
        #expect(waiting.map(\.message.kind) == [.ready, .ready])
        #expect(Set(waiting.map(\.message.channel)) == [.sms, .email])
        #expect(waiting.allSatisfy { $0.message.sealedCode == Data([1, 2, 3]) })
        #expect(Set(waiting.compactMap(\.destination)) == ["SMS to +49 171 ••• ••78", "e-mail to m•••@example.org"])
        let audit = try store.auditLog()
        #expect(audit.contains { $0.detail?.contains("SMS to +49 171 ••• ••78") == true })
        #expect(!audit.contains { ($0.detail ?? "").contains("2345678") || ($0.detail ?? "").contains("maria@") })
    }

    @Test("a failed transition queues nothing: the message shares its fate")
    func rolledBack() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        let doc = try loaded(store)
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try store.update(doc, action: "reissue", sealedCode: Data([9]), by: clerk, at: t0) { _ in throw Boom() }
        }
        #expect(try store.outboxMessages().count == 2)
        #expect(try store.outboxMessages().allSatisfy { $0.message.sealedCode == Data([1, 2, 3]) })
    }

    @Test("sent erases the sealed code; a new code cancels unsent ready messages")
    func sentAndSuperseded() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        let doc = try loaded(store)
        let claimed = try store.claimDueMessages(at: t0, lease: 60)
        #expect(claimed.count == 2)
        #expect(try store.claimDueMessages(at: t0, lease: 60).isEmpty, "a claimed message is not handed out twice")
        let sms = try #require(claimed.first { $0.message.channel == .sms })
        let done = try store.reportDelivery(messageId: sms.message.id!, outcome: .sent, detail: nil, policy: policy, at: t0)
        #expect(done?.state == .sent && done?.sealedCode == nil)
        // A clerk reissues: the e-mail still being sent carries a dead code and is cancelled.
        _ = try store.update(doc, action: "reissue", by: clerk, at: t0) { $0.codeDigest = Data(repeating: 8, count: 32) }
        let states = try store.outboxMessages(states: OutboxState.allCases).map(\.message.state)
        #expect(states.sorted { $0.rawValue < $1.rawValue } == [.cancelled, .sent])
    }

    @Test("retries back off, a lease that runs out hands the message out again, and giving up marks it failed")
    func retries() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        _ = try loaded(store, contact: Contact(phone: "+491712345678"))
        var m = try #require(try store.claimDueMessages(at: t0, lease: 60).first)
        var r = try #require(try store.reportDelivery(messageId: m.message.id!, outcome: .retry, detail: "HTTP 500", policy: policy, at: t0))
        #expect(r.state == .waiting && r.dueAt == t0.addingTimeInterval(30) && r.attempts == 1)
        #expect(try store.claimDueMessages(at: t0.addingTimeInterval(29), lease: 60).isEmpty)
        m = try #require(try store.claimDueMessages(at: t0.addingTimeInterval(30), lease: 60).first)
        // The sender dies without a report: after the lease the message is due again (kill -9 safe).
        #expect(try store.claimDueMessages(at: t0.addingTimeInterval(89), lease: 60).isEmpty)
        m = try #require(try store.claimDueMessages(at: t0.addingTimeInterval(90), lease: 60).first)
        r = try #require(try store.reportDelivery(messageId: m.message.id!, outcome: .retry, detail: "timeout", policy: policy, at: t0.addingTimeInterval(3590)))
        #expect(r.state == .failed && r.sealedCode == nil && r.lastError?.contains("gave up") == true)
        #expect(try store.outboxCounts()[.failed] == 1)
        #expect(try store.auditLog().contains { $0.action == "notification-failed" })
    }

    @Test("waiting messages nobody fetched are given up after the give-up time")
    func givesUp() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        _ = try loaded(store)
        #expect(try store.giveUpStaleMessages(policy: policy, at: t0.addingTimeInterval(3599)) == 0)
        #expect(try store.giveUpStaleMessages(policy: policy, at: t0.addingTimeInterval(3601)) == 2)
        #expect(try store.outboxMessages().allSatisfy { $0.message.state == .failed && $0.message.sealedCode == nil })
    }

    @Test("reminders: once, only after the code went out, within the days before the last day")
    func reminders() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        _ = try loaded(store, contact: Contact(phone: "+491712345678"))
        let near = t0.addingTimeInterval(12 * 86_400)
        #expect(try store.queueReminders(daysBefore: 3, at: near) == 0, "the code has not gone out yet")
        let m = try #require(try store.claimDueMessages(at: t0, lease: 60).first)
        try store.reportDelivery(messageId: m.message.id!, outcome: .sent, detail: nil, policy: policy, at: t0)
        #expect(try store.queueReminders(daysBefore: 3, at: t0.addingTimeInterval(10 * 86_400)) == 0)
        #expect(try store.queueReminders(daysBefore: 3, at: near) == 1)
        #expect(try store.queueReminders(daysBefore: 3, at: near) == 0)
        #expect(try store.outboxMessages().map(\.message.kind) == [.reminder])
    }

    @Test("after a pickup: ready cancelled, collected queued; once it is sent the contact is gone from the file's bytes")
    func contactErased() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("amtomat.sqlite").path
        let store = LockerStore(try AppDatabase.open(path: path))
        var doc = try loaded(store, contact: Contact(phone: "+491719876543", email: "erika.zeugin@example.org"))
        doc = try store.change(doc, to: .collecting, action: "pickup-open", by: .kiosk, at: t0)
        doc = try store.change(doc, to: .collected, action: "collected", by: .kiosk, at: t0)
        let pending = try store.outboxMessages()
        #expect(pending.map(\.message.kind) == [.collected, .collected])
        #expect(try store.contact(documentId: doc.id!) != nil, "kept until the collected message is out")
        for m in try store.claimDueMessages(at: t0, lease: 60) {
            try store.reportDelivery(messageId: m.message.id!, outcome: m.message.channel == .sms ? .sent : .failed,
                                     detail: "refused", policy: policy, at: t0)
        }
        #expect(try store.contact(documentId: doc.id!) == nil)
        store.flushErasedData()
        for file in [path, path + "-wal"] {
            guard let bytes = FileManager.default.contents(atPath: file) else { continue }
            #expect(bytes.range(of: Data("1719876543".utf8)) == nil, "\(file) still holds the number")
            #expect(bytes.range(of: Data("erika.zeugin".utf8)) == nil, "\(file) still holds the address")
        }
    }

    @Test("a withdrawn document's unsent messages are cancelled and its contact deleted at once")
    func withdrawn() throws {
        let store = LockerStore(try AppDatabase.inMemory())
        let doc = try loaded(store)
        let done = try store.change(doc, to: .withdrawn, action: "withdraw", by: clerk, at: t0)
        #expect(try store.outboxMessages().isEmpty)
        #expect(try store.contact(documentId: done.id!) == nil)
    }
}
