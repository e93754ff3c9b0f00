import Foundation

/// How long a document waits in the locker: expiry at loading, and extensions up to the maximum.
/// Plain arithmetic on dates; the controller only applies the result.
public struct HoldPeriod: Sendable, Equatable {
    /// The longest a document may wait, counted from the moment it became ready.
    public var maxDays: Int

    public init(maxDays: Int) { self.maxDays = maxDays }

    static let day: TimeInterval = 86_400

    /// When a document ready at `readyAt` expires after `holdDays`.
    public static func expiry(readyAt: Date, holdDays: Int) -> Date {
        readyAt.addingTimeInterval(Double(holdDays) * day)
    }

    /// The new expiry after adding `days`, or why not: an extension adds to the later of the current
    /// expiry and now, and never reaches past `maxDays` after the document became ready.
    public func extend(readyAt: Date, expiresAt: Date?, now: Date, days: Int) -> Result<Date, HoldPeriodError> {
        guard days >= 1 else { return .failure(.invalidDays(days, maximum: maxDays)) }
        let base = max(expiresAt ?? now, now)
        let newExpiry = base.addingTimeInterval(Double(days) * Self.day)
        let limit = readyAt.addingTimeInterval(Double(maxDays) * Self.day)
        // One second of slack: "extend to exactly the maximum" must not fail on rounding.
        guard newExpiry <= limit.addingTimeInterval(1) else {
            let left = max(0, Int(limit.timeIntervalSince(base) / Self.day))
            return .failure(.beyondMaximum(maxDays: maxDays, daysLeft: left))
        }
        return .success(newExpiry)
    }
}

public enum HoldPeriodError: Error, Sendable, Equatable {
    case invalidDays(Int, maximum: Int)
    case beyondMaximum(maxDays: Int, daysLeft: Int)
}

extension SecondFactorPolicy {
    /// After one more wrong date of birth: the new count, and whether the code is now blocked until a
    /// clerk reissues it.
    public func afterWrongDate(failures: Int) -> (failures: Int, blocked: Bool) {
        let count = failures + 1
        return (count, count >= maxFailures)
    }
}
