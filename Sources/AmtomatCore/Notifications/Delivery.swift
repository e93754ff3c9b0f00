import Foundation

/// How a message's delivery goes on after an attempt: the rule the daemon applies to what the
/// sender (`amtomat-notify`) reports.
public struct RetryPolicy: Sendable, Equatable {
    /// Wait after the first failed attempt; doubles after each further one.
    public var firstDelaySeconds: Double
    public var maxDelaySeconds: Double
    /// After this long without success a message is marked failed, for a clerk to see.
    public var giveUpSeconds: Double

    public init(firstDelaySeconds: Double = 30, maxDelaySeconds: Double = 3600, giveUpSeconds: Double = 48 * 3600) {
        self.firstDelaySeconds = firstDelaySeconds
        self.maxDelaySeconds = maxDelaySeconds
        self.giveUpSeconds = giveUpSeconds
    }

    /// Delay before attempt `attempts + 1`, after `attempts` failed ones (exponential, capped).
    public func delay(afterAttempts attempts: Int) -> Double {
        let exponent = Double(max(0, min(attempts - 1, 30)))
        return min(maxDelaySeconds, firstDelaySeconds * pow(2, exponent))
    }

    /// The next try, or nil when the message should be given up (it would come after the deadline).
    public func nextAttempt(queuedAt: Date, attempts: Int, now: Date) -> Date? {
        let next = now.addingTimeInterval(delay(afterAttempts: attempts))
        return next.timeIntervalSince(queuedAt) > giveUpSeconds ? nil : next
    }
}

/// What the sender says about one attempt.
public enum DeliveryOutcome: String, Sendable, Codable {
    /// Accepted by the gateway or the mail system.
    case sent
    /// Not now (5xx, timeout, gateway down, temporary mail failure): try again later.
    case retry
    /// Refused for good (4xx, a bad address): a clerk must look.
    case failed
}

/// sysexits.h, as sendmail-compatible programs (msmtp, postfix) and SMS commands use them.
public enum ExitStatusMeaning {
    /// EX_USAGE … EX_NOHOST (64–68) are mistakes in the message or the address: sending again
    /// would fail the same way. Everything else (EX_UNAVAILABLE, EX_TEMPFAIL, a crash) may pass later.
    public static func outcome(of status: Int32) -> DeliveryOutcome {
        switch status {
        case 0: .sent
        case 64...68: .failed
        default: .retry
        }
    }

    /// HTTP: 2xx sent; 408 and 429 are "later"; other 4xx are refusals; 5xx and the rest are "later".
    public static func outcome(httpStatus status: Int) -> DeliveryOutcome {
        switch status {
        case 200..<300: .sent
        case 408, 425, 429: .retry
        case 400..<500: .failed
        default: .retry
        }
    }
}

/// An RFC 5322 message for `sendmail -t -i`: UTF-8 subject as an encoded word, the body in base64,
/// so any mail relay passes it unchanged whatever its 8-bit support.
public enum MailMessage {
    public static func render(from: String, to: String, subject: String, body: String, language: String,
                              date: Date, messageID: String) -> String {
        let dateFormatter = DateFormatter()
        dateFormatter.locale = Locale(identifier: "en_US_POSIX")
        dateFormatter.timeZone = TimeZone(identifier: "UTC")
        dateFormatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let encodedBody = Data(body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        let headers = [
            "From: \(mailbox(from))",
            "To: \(to)",
            "Subject: \(encodedWord(subject))",
            "Date: \(dateFormatter.string(from: date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "Content-Language: \(language)",
            "Auto-Submitted: auto-generated",
        ]
        return headers.joined(separator: "\n") + "\n\n" + encodedBody + "\n"
    }

    /// "Bürgerbüro <bb@example.org>": the display name as an encoded word, the address as it is.
    static func mailbox(_ text: String) -> String {
        guard let open = text.lastIndex(of: "<"), text.hasSuffix(">") else { return text }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return String(text[open...]) }
        let shownName = name.allSatisfy(\.isASCII) ? name : encodedWord(name)
        return "\(shownName) \(text[open...])"
    }

    /// RFC 2047 "B" encoding, split so no encoded word is longer than 75 characters.
    static func encodedWord(_ text: String) -> String {
        if text.allSatisfy({ $0.isASCII && $0 != "=" && $0 != "?" && ($0.asciiValue ?? 0) >= 32 }) { return text }
        var words: [String] = []
        var chunk = ""
        for c in text {
            // 39 UTF-8 bytes become 52 base64 characters, plus 12 for "=?UTF-8?B?…?=": with
            // "Subject: " in front the line stays within RFC 5322's 78 characters.
            if chunk.utf8.count + String(c).utf8.count > 39 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(c)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\n ")
    }
}

/// Fills an HTTP gateway's body template: {number} and {text}, escaped for the body's content type.
public enum GatewayTemplate {
    public static func fill(_ template: String, number: String, text: String, contentType: String) -> String {
        let escape: (String) -> String
        if contentType.lowercased().contains("json") {
            escape = jsonEscaped
        } else if contentType.lowercased().contains("x-www-form-urlencoded") {
            escape = { $0.addingPercentEncoding(withAllowedCharacters: formAllowed) ?? $0 }
        } else {
            escape = { $0 }
        }
        return template.replacingOccurrences(of: "{number}", with: escape(number))
            .replacingOccurrences(of: "{text}", with: escape(text))
    }

    static let formAllowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*")

    static func jsonEscaped(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
