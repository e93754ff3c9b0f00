import AmtomatCore
import Foundation

// Bodies of the notification part of the control API: the clerks' view of the outbox, and the
// exchange between amtomatd and the sender process amtomat-notify (role "notifier").

/// What `deposit` says once the door closed on a document with a contact: the code went to the
/// citizen, not to the clerk.
public struct NoticeQueued: Codable, Sendable {
    public var reference: String
    public var compartment: CompartmentID
    public var expiresAt: Date
    /// Masked: "SMS to +49 171 ••• ••78".
    public var sentTo: [String]
    public init(reference: String, compartment: CompartmentID, expiresAt: Date, sentTo: [String]) {
        self.reference = reference
        self.compartment = compartment
        self.expiresAt = expiresAt
        self.sentTo = sentTo
    }
}

/// One message handed to amtomat-notify for delivery. Exists only in memory and on the socket.
public struct DueNotice: Codable, Sendable {
    public enum Channel: String, Codable, Sendable { case sms, email }
    public var id: Int64
    public var channel: Channel
    /// E.164 number or e-mail address.
    public var to: String
    public var language: NoticeLanguage
    public var kind: NoticeKind
    public var text: String
    public var subject: String
    public var emailBody: String
    public init(id: Int64, channel: Channel, to: String, language: NoticeLanguage, kind: NoticeKind,
                text: String, subject: String, emailBody: String) {
        self.id = id
        self.channel = channel
        self.to = to
        self.language = language
        self.kind = kind
        self.text = text
        self.subject = subject
        self.emailBody = emailBody
    }
}

/// What amtomat-notify reports about one attempt. `detail` never contains an address or a code.
public struct DeliveryReport: Codable, Sendable {
    public var outcome: DeliveryOutcome
    public var detail: String?
    public init(outcome: DeliveryOutcome, detail: String? = nil) {
        self.outcome = outcome
        self.detail = detail
    }
}

/// A message as `amtomat notifications` shows it.
public struct NotificationView: Codable, Sendable {
    public var id: Int64
    public var reference: String
    public var kind: NoticeKind
    public var channel: String
    /// Masked destination; nil once the contact has been deleted.
    public var to: String?
    public var state: String
    public var attempts: Int
    public var queuedAt: Date
    public var nextAttemptAt: Date?
    public var lastError: String?
    public init(id: Int64, reference: String, kind: NoticeKind, channel: String, to: String?, state: String,
                attempts: Int, queuedAt: Date, nextAttemptAt: Date?, lastError: String?) {
        self.id = id
        self.reference = reference
        self.kind = kind
        self.channel = channel
        self.to = to
        self.state = state
        self.attempts = attempts
        self.queuedAt = queuedAt
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }
}

/// Counts of the outbox for `amtomat status`.
public struct NotificationCounts: Codable, Sendable, Equatable {
    public var waiting: Int
    public var failed: Int
    public var sent: Int
    public init(waiting: Int, failed: Int, sent: Int) {
        self.waiting = waiting
        self.failed = failed
        self.sent = sent
    }
}
