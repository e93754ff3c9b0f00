import Crypto
import Foundation

/// A pickup code as typed on the number pad: digits only.
/// The plain code exists only in memory on its way to the clerk; the store keeps its HMAC.
public struct PickupCode: Sendable, Equatable, CustomStringConvertible {
    public let digits: String

    /// Accepts what a person types: digits, with spaces or hyphens between groups.
    public init?(typed: String, length: Int) {
        let kept = typed.filter { $0 != " " && $0 != "-" }
        guard kept.count == length, kept.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        digits = kept
    }

    init(digits: String) { self.digits = digits }

    /// Draws a code from a cryptographically secure generator (getrandom on Linux).
    /// `Int.random(in:using:)` rejects biased draws, so every digit is uniform.
    public static func generate<G: RandomNumberGenerator>(length: Int, using rng: inout G) -> PickupCode {
        PickupCode(digits: String((0..<length).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) }))
    }

    public static func generate(length: Int) -> PickupCode {
        var rng = SystemRandomNumberGenerator()
        return generate(length: length, using: &rng)
    }

    /// Groups of four, as printed on the notice for the citizen: "4821 0937 5512".
    public var grouped: String {
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && i % 4 == 0 { out.append(" ") }
            out.append(c)
        }
        return out
    }

    /// Never the code itself, so that it cannot slip into a log through string interpolation.
    public var description: String { "PickupCode(\(digits.count) digits)" }
}

/// Keyed hashes of pickup codes and second factors. The key lives in a file of its own
/// (mode 0600), never in the database: a stolen database alone yields no code.
public struct SecretHasher: Sendable {
    private let key: SymmetricKey

    public init(keyBytes: [UInt8]) {
        precondition(keyBytes.count >= 32, "the installation key must have at least 256 bits")
        key = SymmetricKey(data: keyBytes)
    }

    /// Digest under which a code is stored and looked up.
    public func codeDigest(_ code: PickupCode) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("pickup-code:\(code.digits)".utf8), using: key))
    }

    /// Digest of a date of birth, bound to one document so equal birthdays do not show.
    public func secondFactorDigest(reference: String, dateOfBirth: DateOfBirth) -> Data {
        Data(HMAC<SHA256>.authenticationCode(
            for: Data("second-factor:\(reference):\(dateOfBirth.isoString)".utf8), using: key))
    }

    /// Constant-time comparison: the time taken does not depend on where the digests differ.
    public static func equal(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}

/// A date of birth as the second factor: a valid calendar date, written YYYY-MM-DD.
public struct DateOfBirth: Sendable, Equatable {
    public let year: Int, month: Int, day: Int

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1900...2100).contains(y), (1...12).contains(m), d >= 1, d <= DateOfBirth.days(inMonth: m, year: y)
        else { return nil }
        year = y; month = m; day = d
    }

    public var isoString: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// The oldest age a date of birth may give: anything beyond is a typing error.
    public static let maximumAge = 120

    /// Why this date cannot be a living citizen's date of birth on `today` (nil when it can):
    /// the kiosk refuses future dates, so a document deposited with one could never be collected.
    public func implausibility(today: DateOfBirth) -> String? {
        let mine = (year, month, day), now = (today.year, today.month, today.day)
        if mine > now { return "'\(isoString)' lies in the future" }
        var age = today.year - year
        if (today.month, today.day) < (month, day) { age -= 1 }
        if age > Self.maximumAge { return "'\(isoString)' would make the citizen \(age) years old" }
        return nil
    }

    /// Today's date in the local time zone, as a date of birth would be written.
    public static func today(_ now: Date = Date(), calendar: Calendar = .current) -> DateOfBirth {
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        return DateOfBirth(year: c.year ?? 2000, month: c.month ?? 1, day: c.day ?? 1)
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    static func days(inMonth m: Int, year y: Int) -> Int {
        switch m {
        case 2: (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Which document kinds need a second factor at pickup (default: passports and ID cards).
public struct SecondFactorPolicy: Sendable, Equatable {
    public var kinds: Set<DocumentKind>
    /// Wrong dates of birth for a correct code before that code is blocked until a clerk reissues it.
    public var maxFailures: Int

    public init(kinds: Set<DocumentKind> = [.passport, .idCard, .eIdCard], maxFailures: Int = 5) {
        self.kinds = kinds
        self.maxFailures = maxFailures
    }

    public func required(for kind: DocumentKind) -> Bool { kinds.contains(kind) }
}
