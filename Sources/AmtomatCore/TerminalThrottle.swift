import Foundation

/// Slows the kiosk terminal down after failed pickup attempts.
///
/// A token bucket that belongs to the terminal, not to any code: every wrong code or date of birth
/// takes a token, one token comes back per `refillSeconds`, and while no token is left the terminal
/// asks the person to wait. A citizen who mistypes once or twice never notices it; someone who
/// guesses is held to `capacity + elapsed / refillSeconds` tries. Nobody's code is ever locked
/// by somebody else's failures. Time is passed in, so tests use their own clock.
public struct TerminalThrottle: Sendable {
    public struct Policy: Sendable, Equatable, Codable {
        /// Failures allowed in a row before the terminal slows down.
        public var capacity: Int
        /// Seconds until one more failure is allowed.
        public var refillSeconds: Double

        public init(capacity: Int = 5, refillSeconds: Double = 1800) {
            self.capacity = capacity
            self.refillSeconds = refillSeconds
        }

        /// The most failed attempts this policy allows over `seconds`, starting with a full bucket.
        public func maxFailures(over seconds: Double) -> Double {
            Double(capacity) + (seconds / refillSeconds).rounded(.down)
        }
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        case wait(seconds: Int)
    }

    public let policy: Policy
    private var tokens: Double
    private var updatedAt: Date
    private var alarmRaised = false

    public init(policy: Policy, now: Date) {
        self.policy = policy
        tokens = Double(policy.capacity)
        updatedAt = now
    }

    private mutating func refill(_ now: Date) {
        let elapsed = max(0, now.timeIntervalSince(updatedAt))
        tokens = min(Double(policy.capacity), tokens + elapsed / policy.refillSeconds)
        updatedAt = max(updatedAt, now)
        if tokens >= 1 { alarmRaised = false }
    }

    /// May an attempt be made now?
    public mutating func check(now: Date) -> Decision {
        refill(now)
        if tokens >= 1 { return .allowed }
        // The small margin keeps floating-point dust from adding a whole second.
        let seconds = ((1 - tokens) * policy.refillSeconds - 1e-6).rounded(.up)
        return .wait(seconds: max(1, Int(seconds)))
    }

    /// Records a failed attempt. Returns true exactly once per burst that empties the bucket:
    /// the moment to raise the alarm.
    public mutating func recordFailure(now: Date) -> Bool {
        refill(now)
        tokens = max(0, tokens - 1)
        if tokens < 1 && !alarmRaised {
            alarmRaised = true
            return true
        }
        return false
    }

    /// Failures still allowed before the terminal slows down (for status pages and tests).
    public mutating func remainingFreeAttempts(now: Date) -> Int {
        refill(now)
        return Int(tokens.rounded(.down))
    }
}
