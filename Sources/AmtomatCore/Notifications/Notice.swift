import Foundation

/// The messages the locker sends a citizen about a document.
public enum NoticeKind: String, Sendable, Codable, CaseIterable {
    /// The door closed on the document: where, the pickup code, the last day.
    case ready
    /// A few days before the last day; never repeats the code.
    case reminder
    /// Right after a pickup, so a citizen learns at once if someone else took it.
    case collected
    /// An expired document went back to the counter.
    case returned
}

/// What a message says, besides its wording: filled in by the daemon when the message is sent.
public struct NoticeFacts: Sendable, Equatable {
    public var locker: String
    public var place: String
    public var officeName: String
    public var officePhone: String
    /// Only for `ready`: the plain code, which exists only while the message is rendered.
    public var code: PickupCode?
    public var secondFactor: Bool
    public var lastDay: Date?
    /// When the ready message (with the code) was sent; the reminder points to it.
    public var codeSentAt: Date?
    public var collectedAt: Date?
    public var timeZone: TimeZone

    public init(locker: String, place: String, officeName: String, officePhone: String, code: PickupCode? = nil,
                secondFactor: Bool = false, lastDay: Date? = nil, codeSentAt: Date? = nil, collectedAt: Date? = nil,
                timeZone: TimeZone = .current) {
        self.locker = locker
        self.place = place
        self.officeName = officeName
        self.officePhone = officePhone
        self.code = code
        self.secondFactor = secondFactor
        self.lastDay = lastDay
        self.codeSentAt = codeSentAt
        self.collectedAt = collectedAt
        self.timeZone = timeZone
    }
}

/// The wording of every message in one language. Each language lives in a file of its own
/// (NoticeTexts+de.swift, …), like the kiosk's texts; `NoticeTextsTests` checks that every
/// language has every message and that each fits its SMS budget.
public struct NoticeTexts: Sendable {
    public var language: NoticeLanguage
    /// Placeholders: {locker} {place} {code} {lastDay} {secondFactor} {phone}
    public var ready: String
    /// Appended at {secondFactor} when the pickup asks for a date of birth.
    public var secondFactor: String
    /// {locker} {lastDay} {sentDay} {phone}
    public var reminder: String
    /// {locker} {date} {time} {phone}
    public var collected: String
    /// {office} {phone}
    public var returned: String
    /// E-mail subjects; {office} may appear.
    public var subjects: [NoticeKind: String]
    /// Last line of an e-mail.
    public var footer: String
    /// "dd.MM.yyyy" and friends; fixed patterns, so the text does not depend on the system's locale data.
    public var datePattern: String

    public static func of(_ language: NoticeLanguage) -> NoticeTexts {
        switch language {
        case .de: .german
        case .en: .english
        case .tr: .turkish
        case .uk: .ukrainian
        case .ar: .arabic
        }
    }

    public func template(_ kind: NoticeKind) -> String {
        switch kind {
        case .ready: ready
        case .reminder: reminder
        case .collected: collected
        case .returned: returned
        }
    }
}

/// One message ready to go out: the SMS text, and the e-mail's subject and body.
public struct RenderedNotice: Sendable, Equatable {
    public var sms: String
    public var subject: String
    public var emailBody: String
}

extension NoticeTexts {
    public func render(_ kind: NoticeKind, _ facts: NoticeFacts) -> RenderedNotice {
        let dates = DateFormatter()
        dates.locale = Locale(identifier: "en_US_POSIX")
        dates.timeZone = facts.timeZone
        dates.dateFormat = datePattern
        let times = DateFormatter()
        times.locale = Locale(identifier: "en_US_POSIX")
        times.timeZone = facts.timeZone
        times.dateFormat = "HH:mm"
        let values: [String: String] = [
            "locker": facts.locker,
            "place": facts.place,
            "office": facts.officeName,
            "phone": facts.officePhone,
            "code": facts.code?.grouped ?? "",
            "secondFactor": facts.secondFactor ? secondFactor : "",
            "lastDay": facts.lastDay.map(dates.string) ?? "",
            "sentDay": facts.codeSentAt.map(dates.string) ?? "",
            "date": facts.collectedAt.map(dates.string) ?? "",
            "time": facts.collectedAt.map(times.string) ?? "",
        ]
        let sms = Self.fill(template(kind), values)
        let subject = Self.fill(subjects[kind] ?? "", values)
        return RenderedNotice(sms: sms, subject: subject, emailBody: sms + "\n\n" + Self.fill(footer, values) + "\n")
    }

    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = template
        for (key, value) in values { out = out.replacingOccurrences(of: "{\(key)}", with: value) }
        return out
    }
}

/// How an SMS text is encoded and how many parts it costs.
public enum SMSEncoding: Equatable, Sendable {
    case gsm7(septets: Int)
    case ucs2(units: Int)

    /// GSM 03.38 basic alphabet; the extension table's characters take two septets.
    static let basic: Set<Character> = Set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
    static let extended: Set<Character> = Set("^{}\\[~]|€\u{0C}")

    public static func of(_ text: String) -> SMSEncoding {
        var septets = 0
        for c in text {
            if basic.contains(c) { septets += 1 } else if extended.contains(c) { septets += 2 } else {
                return .ucs2(units: text.utf16.count)
            }
        }
        return .gsm7(septets: septets)
    }

    /// Parts the network bills: 160/153 septets or 70/67 UTF-16 units per part.
    public var segments: Int {
        switch self {
        case .gsm7(let n): n <= 160 ? 1 : (n + 152) / 153
        case .ucs2(let n): n <= 70 ? 1 : (n + 66) / 67
        }
    }
}
