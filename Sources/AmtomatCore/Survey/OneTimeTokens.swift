import Foundation

/// Tokens that work once and only for a while: the survey token a pickup hands out and the raffle
/// token an answered survey hands out. They live in memory only; nothing here writes them anywhere.
public struct OneTimeTokens<Value: Sendable>: Sendable {
    /// Both the survey and the raffle token: 30 minutes after they are handed out (docs/survey.md).
    public static var surveyLifetime: TimeInterval { 1800 }

    public let lifetime: TimeInterval
    private var issued: [String: (at: Date, value: Value)] = [:]

    public init(lifetime: TimeInterval = surveyLifetime) { self.lifetime = lifetime }

    /// Remembers `token` from `now` on, forgetting the expired ones.
    public mutating func insert(_ token: String, _ value: Value, at now: Date) {
        dropExpired(at: now)
        issued[token] = (now, value)
    }

    /// The token's value, once, while it is valid; nil for an unknown, used or expired token.
    public mutating func consume(_ token: String, at now: Date) -> Value? {
        guard let entry = issued.removeValue(forKey: token), isValid(issuedAt: entry.at, now: now) else { return nil }
        return entry.value
    }

    public mutating func dropExpired(at now: Date) {
        issued = issued.filter { isValid(issuedAt: $0.value.at, now: now) }
    }

    public var count: Int { issued.count }

    func isValid(issuedAt: Date, now: Date) -> Bool { now.timeIntervalSince(issuedAt) < lifetime }

    /// A raffle token: 16 random bytes in hex.
    public static func hexToken<G: RandomNumberGenerator>(using rng: inout G) -> String {
        Hex.string((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }
}
