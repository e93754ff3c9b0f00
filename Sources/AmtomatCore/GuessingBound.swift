import Foundation

/// The chance that someone guessing at the terminal opens any compartment within a hold period.
///
///     chance ≈ guesses allowed × active codes ÷ code space × chance to pass the second factor
///
/// `docs/security.md` walks through the numbers; `amtomatd --check-config` refuses settings
/// whose chance is above the target.
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
