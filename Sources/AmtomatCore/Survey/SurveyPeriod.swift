import Foundation

// The only time the survey knows is the day; reports and purges name whole days.

/// A calendar day as YYYY-MM-DD, the only time the survey stores.
public enum SurveyDay {
    /// True for a real calendar date written as YYYY-MM-DD, from year 1 (there is no year 0, and the
    /// store's calendar refuses it).
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              y >= 1, (1...12).contains(m), d >= 1
        else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days
    }

    /// The day of `date` in `timeZone`.
    public static func of(_ date: Date, in timeZone: TimeZone) -> String {
        RetentionPolicy.day(of: date, in: timeZone)
    }

    /// `text` when it is a day; else why not, with `example` for the message.
    public static func require(_ text: String, example: String) throws -> String {
        guard isValid(text) else { throw SurveyError.invalidDay(text, example: example) }
        return text
    }
}

/// Whole days, both ends inclusive; nil is an open end.
public struct SurveyPeriod: Sendable, Equatable, CustomStringConvertible {
    public var from: String?
    public var to: String?

    /// Refuses a day that is not YYYY-MM-DD and a period that ends before it starts.
    public init(from: String?, to: String?) throws {
        for day in [from, to].compactMap({ $0 }) { _ = try SurveyDay.require(day, example: "2026-03-31") }
        if let from, let to, from > to { throw SurveyError.periodReversed(from: from, to: to) }
        self.from = from
        self.to = to
    }

    /// As the audit log names it: "2026-03-01 to last day".
    public var description: String { "\(from ?? "first day") to \(to ?? "last day")" }
}
