import AmtomatAPI
import AmtomatConfig
import AmtomatCore
import AmtomatStore
import Crypto
import Foundation
import Logging
import Metrics

/// Seals pickup codes for the outbox with AES-GCM. The key is a file of its own (outbox.key,
/// mode 0600) next to pickup-code.key, never in the database: a copied database alone reveals
/// no code. The document's id is bound in as associated data, so a sealed code cannot be moved
/// to another document's message.
public struct CodeSealer: Sendable {
    private let key: SymmetricKey

    public init(keyBytes: [UInt8]) {
        precondition(keyBytes.count >= 32, "the outbox key must have 256 bits")
        key = SymmetricKey(data: keyBytes.prefix(32))
    }

    public func seal(_ code: PickupCode, documentId: Int64) throws -> Data {
        guard let box = try AES.GCM.seal(Data(code.digits.utf8), using: key,
                                         authenticating: Data("outbox:\(documentId)".utf8)).combined else {
            throw ServiceError.internal("Could not seal a pickup code.")
        }
        return box
    }

    public func open(_ sealed: Data, documentId: Int64) -> PickupCode? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Data("outbox:\(documentId)".utf8)),
              let digits = String(data: plain, encoding: .utf8)
        else { return nil }
        return PickupCode(typed: digits, length: digits.count)
    }
}

/// The daemon's side of notifications: hands due messages, rendered, to amtomat-notify and
/// applies what it reports. Never opens a network connection itself.
public struct NoticeDesk: Sendable {
    let store: LockerStore
    let sealer: CodeSealer
    let settings: NotifySettings
    let lockerName: String
    let officeName: String
    let officePhone: String
    let logger: Logger
    let now: @Sendable () -> Date
    /// How long a claimed message may stay unanswered before it is handed out again.
    let lease: TimeInterval

    private let sentCounter = Counter(label: "amtomat_notifications_sent_total")
    private let failedCounter = Counter(label: "amtomat_notifications_failed_total")
    private let retriedCounter = Counter(label: "amtomat_notifications_retried_total")

    public init(store: LockerStore, sealer: CodeSealer, settings: NotifySettings, lockerName: String,
                officeName: String, officePhone: String, logger: Logger, lease: TimeInterval = 120,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.sealer = sealer
        self.settings = settings
        self.lockerName = lockerName
        self.officeName = officeName
        self.officePhone = officePhone
        self.logger = logger
        self.lease = lease
        self.now = now
    }

    /// Waits up to `wait` for due messages (a long poll, so a message leaves within ~0.1 s of its
    /// queueing without the sender hammering the socket), claims and renders them.
    public func claim(limit: Int, wait: Duration) async throws -> [DueNotice] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: wait)
        while true {
            if try store.hasDueMessages(at: now()) {
                let claimed = try store.claimDueMessages(at: now(), lease: lease, limit: limit)
                var due: [DueNotice] = []
                for c in claimed {
                    if let notice = try render(c) { due.append(notice) }
                }
                if !due.isEmpty { return due }
            }
            if clock.now >= deadline { return [] }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func render(_ c: ClaimedMessage) throws -> DueNotice? {
        guard let id = c.message.id, let documentId = c.document.id else { return nil }
        var code: PickupCode?
        if c.message.kind == .ready {
            guard let sealed = c.message.sealedCode, let opened = sealer.open(sealed, documentId: documentId) else {
                try report(id: id, DeliveryReport(outcome: .failed, detail: "the sealed code cannot be opened (outbox.key replaced?); run 'amtomat notifications resend \(c.document.reference)'"))
                return nil
            }
            code = opened
        }
        let facts = NoticeFacts(locker: lockerName, place: settings.place, officeName: officeName, officePhone: officePhone,
                                code: code, secondFactor: c.document.needsSecondFactor, lastDay: c.document.expiresAt,
                                codeSentAt: c.document.codeIssuedAt, collectedAt: c.document.finishedAt)
        let rendered = NoticeTexts.of(c.contact.language).render(c.message.kind, facts)
        let to: String?
        switch c.message.channel {
        case .sms: to = c.contact.phone
        case .email: to = c.contact.email
        }
        guard let to else {
            try report(id: id, DeliveryReport(outcome: .failed, detail: "no \(c.message.channel.rawValue) address for this document"))
            return nil
        }
        return DueNotice(id: id, channel: c.message.channel == .sms ? .sms : .email, to: to, language: c.contact.language,
                         kind: c.message.kind, text: rendered.sms, subject: rendered.subject, emailBody: rendered.emailBody)
    }

    public func report(id: Int64, _ report: DeliveryReport) throws {
        // What the sender says is a status line, never an address: it is stored and shown to clerks.
        guard let message = try store.reportDelivery(messageId: id, outcome: report.outcome, detail: report.detail,
                                                     policy: settings.retry, at: now()) else { return }
        switch message.state {
        case .sent:
            sentCounter.increment()
            logger.info("Notification sent", metadata: ["message": "\(id)", "kind": "\(message.kind.rawValue)", "channel": "\(message.channel.rawValue)"])
        case .failed:
            failedCounter.increment()
            logger.warning("Notification failed; a clerk sees it in 'amtomat notifications'",
                           metadata: ["message": "\(id)", "kind": "\(message.kind.rawValue)", "channel": "\(message.channel.rawValue)", "reason": "\(message.lastError ?? "")"])
        default:
            retriedCounter.increment()
            logger.notice("Notification not delivered yet; will retry", metadata: ["message": "\(id)", "attempts": "\(message.attempts)", "reason": "\(report.detail ?? "")"])
        }
        if message.state != .waiting {
            store.flushErasedData()
            try refreshGauge()
        }
    }

    /// The daily-ish chores, run with the expiry sweep: reminders, giving up, erasing for good.
    public func sweep() throws {
        if settings.reminderDaysBefore > 0 {
            let n = try store.queueReminders(daysBefore: settings.reminderDaysBefore, at: now())
            if n > 0 { logger.info("Reminders queued", metadata: ["count": "\(n)"]) }
        }
        let given = try store.giveUpStaleMessages(policy: settings.retry, at: now())
        if given > 0 {
            for _ in 0..<given { failedCounter.increment() }
            logger.warning("Notifications given up; a clerk sees them in 'amtomat notifications'", metadata: ["count": "\(given)"])
        }
        store.flushErasedData()
        try refreshGauge()
    }

    func refreshGauge() throws {
        let counts = try store.outboxCounts()
        Gauge(label: "amtomat_notifications_waiting").record((counts[.waiting] ?? 0) + (counts[.sending] ?? 0))
        Gauge(label: "amtomat_notifications_failed").record(counts[.failed] ?? 0)
    }

    public func counts() throws -> NotificationCounts {
        let c = try store.outboxCounts()
        return NotificationCounts(waiting: (c[.waiting] ?? 0) + (c[.sending] ?? 0), failed: c[.failed] ?? 0, sent: c[.sent] ?? 0)
    }

    public func list(all: Bool) throws -> [NotificationView] {
        try store.outboxMessages(states: all ? OutboxState.allCases : [.waiting, .sending, .failed]).map { l in
            NotificationView(id: l.message.id ?? 0, reference: l.reference, kind: l.message.kind, channel: l.message.channel.rawValue,
                             to: l.destination, state: l.message.state.rawValue, attempts: l.message.attempts,
                             queuedAt: l.message.queuedAt, nextAttemptAt: l.message.state == .waiting ? l.message.dueAt : nil,
                             lastError: l.message.lastError)
        }
    }
}
