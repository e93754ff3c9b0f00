import Foundation

/// Slows the kiosk terminal down after failed pickup attempts, for a minute at most.
///
/// The terminal, not any code, carries a debt of recent failures: every wrong code or date of birth
/// adds one, and one is forgiven every `refillSeconds`. While the debt is below `capacity` a failure
/// costs nothing (a citizen who mistypes once or twice never notices). From the failure that reaches
/// it on, the terminal asks for a short wait after each failure — `firstWaitSeconds`, doubling with
/// each further failure — which never exceeds `refillSeconds`. So a stranger who walks away leaves
/// the next person a wait of at most `refillSeconds` (60 s by default), and someone who keeps
/// guessing gets at most `capacity + steps to the longest wait + elapsed / refillSeconds` tries
/// (`maxFailures(over:)`, proved in `docs/security.md`). Nobody's code is ever locked by somebody
/// else's failures. The state is a plain value the store keeps, so a restart grants nothing; time is
/// passed in, so tests use their own clock.
public struct TerminalThrottle: Sendable {
    public struct Policy: Sendable, Equatable, Codable {
        /// Failures in a row that cost nothing; the one that reaches this number starts the waits.
        public var capacity: Int
        /// Seconds after which one failure is forgiven; also the longest wait the terminal asks for.
        public var refillSeconds: Double
        /// The wait after the first failure beyond the free ones; it doubles with each further failure.
        public var firstWaitSeconds: Double

        public init(capacity: Int = 5, refillSeconds: Double = 60, firstWaitSeconds: Double = 5) {
            self.capacity = capacity
            self.refillSeconds = refillSeconds
            self.firstWaitSeconds = firstWaitSeconds
        }

        /// The longest wait the terminal ever asks for: what a stranger can cost the next person.
        public var longestWaitSeconds: Double { refillSeconds }

        /// The wait after a failure that left `debt` failures unforgiven (0 while free attempts remain).
        public func wait(afterDebt debt: Double) -> Double {
            let level = (debt - Double(capacity - 1)).rounded(.up)
            guard level >= 1 else { return 0 }
            // 2^level overflows to infinity for absurd levels; min() then caps it.
            return min(refillSeconds, firstWaitSeconds * pow(2, level - 1))
        }

        /// Failures beyond the free ones until the waits reach their longest.
        public var stepsToLongestWait: Int {
            var level = 1
            while wait(afterDebt: Double(capacity - 1 + level)) < refillSeconds && level < 64 { level += 1 }
            return level
        }

        /// The most failed attempts this policy allows over `seconds`, whatever the state at the start.
        ///
        /// The debt after a failure never exceeds `capacity - 1 + stepsToLongestWait`: above that the
        /// wait is `refillSeconds`, during which one failure is forgiven, so the next failure cannot
        /// raise it. Each failure adds one and at most `seconds / refillSeconds` are forgiven, so the
        /// failures over `seconds` are at most that ceiling plus the forgiven ones.
        public func maxFailures(over seconds: Double) -> Double {
            // Waits that never reach refillSeconds (a zero first wait) bound nothing.
            guard wait(afterDebt: Double(capacity - 1 + stepsToLongestWait)) >= refillSeconds else { return .infinity }
            return Double(capacity - 1 + stepsToLongestWait) + (seconds / refillSeconds).rounded(.down)
        }
    }

    /// What the store keeps between restarts.
    public struct State: Sendable, Equatable, Codable {
        /// Failures not yet forgiven, as of `updatedAt`.
        public var debt: Double
        public var updatedAt: Date
        /// No attempt is taken before this moment.
        public var nextAttemptAt: Date
        /// The alarm for the current burst has been raised.
        public var alarmRaised: Bool

        public init(debt: Double = 0, updatedAt: Date, nextAttemptAt: Date? = nil, alarmRaised: Bool = false) {
            self.debt = debt
            self.updatedAt = updatedAt
            self.nextAttemptAt = nextAttemptAt ?? .distantPast
            self.alarmRaised = alarmRaised
        }
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        case wait(seconds: Int)
    }

    public let policy: Policy
    public private(set) var state: State

    public init(policy: Policy, now: Date) {
        self.init(policy: policy, state: State(updatedAt: now))
    }

    public init(policy: Policy, state: State) {
        self.policy = policy
        self.state = state
    }

    /// Forgives what time has forgiven. A clock that went back (a Pi without a battery-backed clock
    /// after a power cut) forgives nothing and never stretches a wait beyond the longest one.
    private mutating func forgive(_ now: Date) {
        let elapsed = max(0, now.timeIntervalSince(state.updatedAt))
        state.debt = max(0, state.debt - elapsed / policy.refillSeconds)
        state.updatedAt = max(state.updatedAt, now)
        let latest = now.addingTimeInterval(policy.longestWaitSeconds)
        if state.nextAttemptAt > latest { state.nextAttemptAt = latest }
        if state.debt <= Double(policy.capacity - 1) { state.alarmRaised = false }
    }

    /// May an attempt be made now?
    public mutating func check(now: Date) -> Decision {
        forgive(now)
        let left = state.nextAttemptAt.timeIntervalSince(now)
        guard left > 0 else { return .allowed }
        // The small margin keeps floating-point dust from adding a whole second.
        return .wait(seconds: max(1, Int((left - 1e-6).rounded(.up))))
    }

    /// Seconds the terminal is still slowed for (0 when an attempt may be made now).
    public mutating func slowedSeconds(now: Date) -> Int {
        if case .wait(let seconds) = check(now: now) { return seconds }
        return 0
    }

    /// Records a failed attempt. Returns true exactly once per burst that uses up the free attempts:
    /// the moment to raise the alarm.
    public mutating func recordFailure(now: Date) -> Bool {
        forgive(now)
        state.debt += 1
        let wait = policy.wait(afterDebt: state.debt)
        state.nextAttemptAt = max(state.nextAttemptAt, now.addingTimeInterval(wait))
        if wait > 0 && !state.alarmRaised {
            state.alarmRaised = true
            return true
        }
        return false
    }

    /// Failures still free before the terminal slows down (for the kiosk, status pages and tests).
    public mutating func remainingFreeAttempts(now: Date) -> Int {
        forgive(now)
        return max(0, Int((Double(policy.capacity) - state.debt + 1e-9).rounded(.down)))
    }

    /// A clerk clears the terminal: every free attempt back, no wait.
    public mutating func reset(now: Date) {
        state = State(updatedAt: now)
    }
}
