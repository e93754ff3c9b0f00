import Foundation

/// The languages a citizen can be written to in (the kiosk's languages).
public enum NoticeLanguage: String, Sendable, Codable, CaseIterable {
    case de, en, tr, uk, ar
}

/// Where the citizen wants to hear about a document: a mobile number, an e-mail address, or both.
/// Only the masked forms ever reach a log, a metric or the audit log.
public struct Contact: Sendable, Equatable, Codable {
    /// E.164, e.g. "+491712345678".
    public var phone: String?
    public var email: String?
    public var language: NoticeLanguage

    public init(phone: String? = nil, email: String? = nil, language: NoticeLanguage = .de) {
        self.phone = phone
        self.email = email
        self.language = language
    }

    public var isEmpty: Bool { phone == nil && email == nil }

    /// "SMS to +49 171 ••• ••78", "e-mail to m•••@example.org", for the clerk and the audit log.
    public var maskedDestinations: [String] {
        (phone.map { ["SMS to \(PhoneNumber.masked($0))"] } ?? []) + (email.map { ["e-mail to \(EmailAddress.masked($0))"] } ?? [])
    }
}

/// A telephone number in E.164 form, as SMS gateways want it.
public enum PhoneNumber {
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Normalises what a clerk types: "0171 2345678", "+49 (0)171/234 56-78", "0049 171 2345678"
    /// all become "+491712345678". German numbers must be mobile numbers (015…, 016…, 017…),
    /// because only those receive SMS.
    public static func normalise(_ typed: String) throws(Problem) -> String {
        var text = typed.trimmingCharacters(in: .whitespaces)
        let example = "type it as 0171 2345678 or +49 171 2345678"
        guard !text.isEmpty else { throw Problem(description: "The phone number is empty; \(example).") }
        text = text.replacingOccurrences(of: "(0)", with: "")
        var digits = ""
        var plus = false
        for (i, c) in text.enumerated() {
            if c == "+" && i == 0 { plus = true; continue }
            if c.isASCII && c.isNumber { digits.append(c); continue }
            if " -/().\u{00A0}".contains(c) { continue }
            throw Problem(description: "'\(typed)' is not a phone number (it contains '\(c)'); \(example).")
        }
        var international: String
        if plus {
            international = digits
        } else if digits.hasPrefix("00") {
            international = String(digits.dropFirst(2))
        } else if digits.hasPrefix("0") {
            international = "49" + digits.dropFirst()
        } else {
            throw Problem(description: "'\(typed)' has no area or country code; \(example) (a number abroad starts with + or 00 and the country code).")
        }
        guard let first = international.first, first != "0" else {
            throw Problem(description: "'\(typed)' has no valid country code after + or 00; \(example).")
        }
        guard (8...15).contains(international.count) else {
            throw Problem(description: "'\(typed)' has \(international.count) digits with the country code, but a phone number has 8 to 15; check it, and \(example).")
        }
        if international.hasPrefix("49") {
            let national = international.dropFirst(2)
            guard national.hasPrefix("15") || national.hasPrefix("16") || national.hasPrefix("17") else {
                throw Problem(description: "'\(typed)' is a landline number; an SMS reaches only a mobile number (015…, 016…, 017…). Ask for a mobile number, or use --email.")
            }
            guard (10...11).contains(national.count) else {
                throw Problem(description: "'\(typed)' has \(national.count + 1) digits, but a German mobile number has 11 or 12 (0171 2345678); check it.")
            }
        }
        return "+" + international
    }

    /// "+49 171 ••• ••78": enough for the clerk to check the number with the citizen, not enough to use it.
    public static func masked(_ e164: String) -> String {
        let digits = Array(e164.filter(\.isNumber))
        guard digits.count >= 6 else { return "+••" }
        let last = String(digits.suffix(2))
        if e164.hasPrefix("+49") {
            return "+49 \(String(digits[2..<5])) ••• ••\(last)"
        }
        return "+\(String(digits[0..<2])) ••• ••\(last)"
    }
}

/// An e-mail address as a clerk types it: one @, a domain with a dot, no spaces.
public enum EmailAddress {
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static func normalise(_ typed: String) throws(Problem) -> String {
        let text = typed.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let example = "type it as name@example.org"
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              text.count <= 254, parts[0].count <= 64,
              !text.contains(where: { $0.isWhitespace || $0 == "," || $0 == ";" || $0 == "<" || $0 == ">" || $0 == "\"" || $0.asciiValue.map { $0 < 32 } == true })
        else {
            throw Problem(description: "'\(typed)' is not an e-mail address; \(example) (one address, no spaces).")
        }
        return String(parts[0]) + "@" + parts[1].lowercased()
    }

    /// "m•••@example.org".
    public static func masked(_ address: String) -> String {
        let parts = address.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, let first = parts[0].first else { return "•••" }
        return "\(first)•••@\(parts[1])"
    }
}
