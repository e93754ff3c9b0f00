import Foundation

/// The chance that someone guessing at the terminal opens any compartment within a hold period.
///
///     guesses allowed = free attempts − 1 + steps to the longest wait + hold period ÷ refill seconds
///     chance ≈ guesses allowed × active codes ÷ code space × chance to pass the second factor
///
/// With the defaults (5 free attempts, waits of 5, 10, 20, 40, 60 s, one failure forgiven per
/// 60 s, 28 days, 14 digits, 608 compartments): 40 329 guesses, chance 2.5 × 10⁻⁷.
/// The throttle's state is kept in the database, so restarts grant no extra guesses and the
/// formula holds across them. `docs/security.md` walks through the numbers; `amtomatd --check-config`
/// refuses settings whose chance is above the target.
public struct GuessingBound: Sendable, Equatable {
    public static let target = 1e-6
    /// Compartments of the largest locker in use (one vendor's 608-compartment box).
    public static let largestLocker = 608
    /// Dates of birth an attacker has to choose from: a hundred years of days.
    public static let dateOfBirthSpace = 36_525.0

    public var codeLength: Int
    public var activeCodes: Int
    public var holdDays: Int
    public var throttle: TerminalThrottle.Policy
    public var secondFactorAttempts: Int

    public init(codeLength: Int, activeCodes: Int = largestLocker, holdDays: Int,
                throttle: TerminalThrottle.Policy, secondFactorAttempts: Int) {
        self.codeLength = codeLength
        self.activeCodes = activeCodes
        self.holdDays = holdDays
        self.throttle = throttle
        self.secondFactorAttempts = secondFactorAttempts
    }

    public var guessesAllowed: Double { throttle.maxFailures(over: Double(holdDays) * 86_400) }
    /// Wrong attempts one day allows: the bound on the daily total.
    public var guessesPerDay: Double { throttle.maxFailures(over: 86_400) }
    /// The longest a stranger's failures keep the next person waiting.
    public var longestWaitSeconds: Double { throttle.longestWaitSeconds }
    public var codeSpace: Double { pow(10, Double(codeLength)) }

    /// Without a second factor a correct code opens the door.
    public var chanceWithoutSecondFactor: Double {
        min(1, guessesAllowed * Double(activeCodes) / codeSpace)
    }

    /// With a second factor the guesser must also hit the date of birth within its few attempts.
    public var chanceWithSecondFactor: Double {
        chanceWithoutSecondFactor * min(1, Double(secondFactorAttempts) / Self.dateOfBirthSpace)
    }

    public var meetsTarget: Bool { chanceWithoutSecondFactor <= Self.target }

    /// The shortest code length that meets the target under the same throttle and hold period.
    public var shortestSafeCodeLength: Int {
        var bound = self
        bound.codeLength = 4
        while !bound.meetsTarget && bound.codeLength < 30 { bound.codeLength += 1 }
        return bound.codeLength
    }
}
