import AmtomatCore
import Foundation
import TOMLKit

/// `[notify]`: telling citizens by SMS or e-mail that their document is ready, with its code.
/// Both amtomatd (which queues and renders the messages) and amtomat-notify (which delivers them)
/// read it; only amtomat-notify ever opens a network connection or runs sendmail.
public struct NotifySettings: Sendable, Equatable {
    /// Where the locker stands, as the ready message says it ("Rathaus, Markt 1").
    public var place: String
    /// A reminder goes out this many days before the last day; 0 sends none.
    public var reminderDaysBefore: Int
    public var retry: RetryPolicy
    /// `[notify.email]`; nil when the locker sends no e-mail.
    public var email: EmailChannel?
    /// `[notify.sms]`; nil when the locker sends no SMS.
    public var sms: SMSChannel?
    /// `demo_inbox`: a file of delivered demo SMS (one JSON object per line) that the demo page
    /// shows as "the citizen's phone". Only with `[kiosk] demo = true`.
    public var demoInbox: String?

    public init(place: String = "", reminderDaysBefore: Int = 3, retry: RetryPolicy = RetryPolicy(),
                email: EmailChannel? = nil, sms: SMSChannel? = nil) {
        self.place = place
        self.reminderDaysBefore = reminderDaysBefore
        self.retry = retry
        self.email = email
        self.sms = sms
    }
}

/// `[notify.email]`: mail through the system's sendmail interface (msmtp, postfix, …).
public struct EmailChannel: Sendable, Equatable {
    /// The From: header, e.g. "Bürgerbüro Musterstadt <buergerbuero@musterstadt.de>".
    public var from: String
    /// Called as `sendmail -t -i` with the message on standard input.
    public var sendmail: String
    public var timeoutSeconds: Double

    public init(from: String, sendmail: String = "/usr/sbin/sendmail", timeoutSeconds: Double = 30) {
        self.from = from
        self.sendmail = sendmail
        self.timeoutSeconds = timeoutSeconds
    }
}

/// `[notify.sms]`: an HTTP gateway (with a ready preset for sipgate) or a local command.
public struct SMSChannel: Sendable, Equatable {
    public enum Gateway: String, Sendable, CaseIterable {
        case sipgate, http, command
    }

    public var gateway: Gateway
    public var url: String
    public var method: String
    public var contentType: String
    /// {number} (E.164) and {text}, escaped for `contentType`.
    public var body: String
    /// A file (mode 0600) holding one header line, e.g. "Authorization: Basic …".
    public var authHeaderFile: String?
    /// For `command`: program and arguments; {number} is replaced, the text comes on standard input.
    public var command: [String]
    public var timeoutSeconds: Double

    public static let sipgateURL = "https://api.sipgate.com/v2/sessions/sms"
    public static let sipgateBody = #"{"smsId": "s0", "recipient": "{number}", "message": "{text}"}"#

    public init(gateway: Gateway, url: String = "", method: String = "POST", contentType: String = "application/json",
                body: String = "", authHeaderFile: String? = nil, command: [String] = [], timeoutSeconds: Double = 15) {
        self.gateway = gateway
        self.url = url
        self.method = method
        self.contentType = contentType
        self.body = body
        self.authHeaderFile = authHeaderFile
        self.command = command
        self.timeoutSeconds = timeoutSeconds
    }
}

extension DocumentReader {
    func readNotify() -> NotifySettings {
        let notify = section("notify")
        var result = NotifySettings()
        result.place = notify.string("place", example: "Rathaus, Markt 1", allowEmpty: true) ?? result.place
        result.reminderDaysBefore = notify.int("reminder_days_before", in: 0...28, example: 3,
                                               rangeFix: "Choose 0 (no reminder) to 28 days.") ?? result.reminderDaysBefore
        result.retry.firstDelaySeconds = notify.double("retry_first_seconds", in: 1...86_400, example: "30") ?? result.retry.firstDelaySeconds
        result.retry.maxDelaySeconds = notify.double("retry_max_seconds", in: 1...86_400, example: "3600") ?? result.retry.maxDelaySeconds
        if let hours = notify.double("give_up_hours", in: 0.001...720, example: "48") { result.retry.giveUpSeconds = hours * 3600 }
        if result.retry.maxDelaySeconds < result.retry.firstDelaySeconds {
            notify.report("in [notify], retry_max_seconds (\(format(result.retry.maxDelaySeconds))) is less than retry_first_seconds (\(format(result.retry.firstDelaySeconds)))",
                          fix: "Raise retry_max_seconds to at least retry_first_seconds.", at: "retry_max_seconds")
        }
        result.demoInbox = notify.string("demo_inbox", example: "/home/me/amtomat/demo-state/phone.jsonl")
        if let table = notify.table("email", writtenAs: "[notify.email]") {
            result.email = readEmail(TableReader(table, place: .path(["notify", "email"]), name: "[notify.email]", log: log))
        }
        if let table = notify.table("sms", writtenAs: "[notify.sms]") {
            result.sms = readSMS(TableReader(table, place: .path(["notify", "sms"]), name: "[notify.sms]", log: log))
        }
        notify.finishReading()
        return result
    }

    private func readEmail(_ email: TableReader) -> EmailChannel? {
        let from = email.string("from", example: "Bürgerbüro <buergerbuero@example.org>")
        if from == nil && !email.has("from") {
            email.report("in [notify.email], from is missing",
                         fix: "Add from = \"Bürgerbüro <buergerbuero@example.org>\": the sender citizens see.")
        }
        if let from, !from.contains("@") {
            email.report("in [notify.email], from \"\(from)\" has no e-mail address",
                         fix: "Write it as from = \"Bürgerbüro <buergerbuero@example.org>\".", at: "from")
        }
        var channel = EmailChannel(from: from ?? "")
        if let path = email.string("sendmail", example: "/usr/sbin/sendmail") {
            if path.hasPrefix("/") {
                channel.sendmail = path
            } else {
                email.report("in [notify.email], sendmail \"\(path)\" is not an absolute path",
                             fix: "Give the full path, for example sendmail = \"/usr/sbin/sendmail\" (msmtp-mta and postfix install it there).", at: "sendmail")
            }
        }
        channel.timeoutSeconds = email.double("timeout_seconds", in: 1...600, example: "30") ?? channel.timeoutSeconds
        email.finishReading()
        return from == nil ? nil : channel
    }

    private func readSMS(_ sms: TableReader) -> SMSChannel? {
        guard let gateway = sms.choice("gateway", of: SMSChannel.Gateway.allCases, example: .sipgate) else {
            if !sms.has("gateway") {
                sms.report("in [notify.sms], gateway is missing",
                           fix: "Add gateway = \"sipgate\", \"http\" (another HTTP gateway) or \"command\" (e.g. gammu with a GSM modem).")
            }
            sms.finishReading()
            return nil
        }
        var channel = SMSChannel(gateway: gateway)
        if gateway == .sipgate {
            channel.url = SMSChannel.sipgateURL
            channel.body = SMSChannel.sipgateBody
        }
        if let url = sms.string("url", example: SMSChannel.sipgateURL) {
            if let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil {
                if scheme == "http" && !isLoopback(parsed.host ?? "") {
                    sms.report("in [notify.sms], url \"\(url)\" is plain http to another machine",
                               fix: "Use https:// — the message carries the pickup code; plain http is allowed only on loopback (for tests).", at: "url")
                } else {
                    channel.url = url
                }
            } else {
                sms.report("in [notify.sms], url \"\(url)\" is not an http(s) URL",
                           fix: "Write it like url = \"\(SMSChannel.sipgateURL)\".", at: "url")
            }
        }
        if let method = sms.string("method", example: "POST") {
            if ["POST", "PUT", "GET"].contains(method.uppercased()) { channel.method = method.uppercased() } else {
                sms.report("in [notify.sms], method \"\(method)\" is not supported", fix: "Use \"POST\", \"PUT\" or \"GET\".", at: "method")
            }
        }
        channel.contentType = sms.string("content_type", example: "application/json") ?? channel.contentType
        channel.body = sms.string("body", example: SMSChannel.sipgateBody) ?? channel.body
        channel.authHeaderFile = sms.string("auth_header_file", example: "/etc/amtomat/sms-gateway.auth")
        channel.timeoutSeconds = sms.double("timeout_seconds", in: 1...120, example: "15") ?? channel.timeoutSeconds
        if let raw = sms.value("command") {
            if let items = raw.array, !items.isEmpty, items.allSatisfy({ $0.string != nil }) {
                channel.command = items.compactMap(\.string)
                if !(channel.command.first ?? "").hasPrefix("/") {
                    sms.report("in [notify.sms], command must start with the program's absolute path",
                               fix: "Write it like command = [\"/usr/bin/gammu-smsd-inject\", \"TEXT\", \"{number}\", \"-len\", \"400\", \"-unicode\"].", at: "command")
                }
            } else {
                sms.report("in [notify.sms], command must be a list of strings",
                           fix: "Write it like command = [\"/usr/local/bin/send-sms\", \"{number}\"]; the text comes on standard input.", at: "command")
            }
        }
        switch gateway {
        case .command:
            if channel.command.isEmpty && !sms.has("command") {
                sms.report("in [notify.sms], gateway \"command\" needs command",
                           fix: "Add command = [\"/usr/local/bin/send-sms\", \"{number}\"]: the program gets the text on standard input.", at: "gateway")
            }
        case .http, .sipgate:
            if channel.url.isEmpty && !sms.has("url") {
                sms.report("in [notify.sms], gateway \"http\" needs url", fix: "Add the gateway's address, e.g. url = \"https://sms.example.org/send\".", at: "gateway")
            }
            if channel.body.isEmpty && !sms.has("body") && channel.method != "GET" {
                sms.report("in [notify.sms], gateway \"http\" needs body",
                           fix: "Add the request body with {number} and {text}, e.g. body = '{\"to\": \"{number}\", \"text\": \"{text}\"}'.", at: "gateway")
            }
            if gateway == .sipgate && channel.authHeaderFile == nil && !sms.has("auth_header_file") {
                sms.report("in [notify.sms], sipgate needs auth_header_file",
                           fix: "Add auth_header_file = \"/etc/amtomat/sms-gateway.auth\", a file (mode 0600) with the line 'Authorization: Basic <base64 of token-id:token>'.", at: "gateway")
            }
        }
        sms.finishReading()
        return channel
    }
}
