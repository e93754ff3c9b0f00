import AmtomatCore
import Foundation
import Testing

/// A seeded generator, so that statistical checks are repeatable.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Pickup codes")
struct PickupCodeTests {
    @Test("codes have the configured length and digits only", arguments: [6, 10, 12, 16])
    func lengthAndDigits(length: Int) {
        for _ in 0..<200 {
            let code = PickupCode.generate(length: length)
            #expect(code.digits.count == length)
            #expect(code.digits.allSatisfy { $0.isASCII && $0.isNumber })
        }
    }

    @Test("every digit is equally likely (chi-square over 120,000 digits)")
    func uniformDigits() {
        var rng = SplitMix64(state: 42)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<10_000 {
            for c in PickupCode.generate(length: 12, using: &rng).digits { counts[Int(String(c))!] += 1 }
        }
        let expected = 12_000.0
        let chi = counts.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
        #expect(chi < 27.88, "chi-square \(chi) with 9 degrees of freedom (p = 0.001 limit 27.88)")
    }

    @Test("what people type: spaces and hyphens are fine, anything else is not a code")
    func typing() {
        #expect(PickupCode(typed: "1234 5678 9012", length: 12)?.digits == "123456789012")
        #expect(PickupCode(typed: "1234-5678-9012", length: 12)?.digits == "123456789012")
        #expect(PickupCode(typed: "12345678901", length: 12) == nil)
        #expect(PickupCode(typed: "1234567890123", length: 12) == nil)
        #expect(PickupCode(typed: "12345678901a", length: 12) == nil)
        #expect(PickupCode(typed: "١٢٣٤٥٦٧٨٩٠١٢", length: 12) == nil, "Arabic-Indic digits are not ASCII")
    }

    @Test("grouped for the notice, and never printed whole by accident")
    func display() {
        let code = PickupCode(typed: "482109375512", length: 12)!
        #expect(code.grouped == "4821 0937 5512")
        #expect(!"\(code)".contains("482109375512"))
    }

    @Test("digests depend on the installation key and the code; equal digests compare equal")
    func hashing() {
        let a = SecretHasher(keyBytes: [UInt8](repeating: 1, count: 32))
        let b = SecretHasher(keyBytes: [UInt8](repeating: 2, count: 32))
        let code = PickupCode(typed: "111122223333", length: 12)!
        let other = PickupCode(typed: "111122223334", length: 12)!
        #expect(a.codeDigest(code) == a.codeDigest(code))
        #expect(a.codeDigest(code) != b.codeDigest(code))
        #expect(a.codeDigest(code) != a.codeDigest(other))
        #expect(a.codeDigest(code).count == 32)
        #expect(SecretHasher.equal(a.codeDigest(code), a.codeDigest(code)))
        #expect(!SecretHasher.equal(a.codeDigest(code), a.codeDigest(other)))
        #expect(!SecretHasher.equal(Data([1, 2]), Data([1, 2, 3])))
    }

    @Test("date-of-birth digests are bound to the document")
    func secondFactor() {
        let h = SecretHasher(keyBytes: [UInt8](repeating: 7, count: 32))
        let dob = DateOfBirth("1984-03-27")!
        #expect(h.secondFactorDigest(reference: "A", dateOfBirth: dob) == h.secondFactorDigest(reference: "A", dateOfBirth: DateOfBirth("1984-03-27")!))
        #expect(h.secondFactorDigest(reference: "A", dateOfBirth: dob) != h.secondFactorDigest(reference: "B", dateOfBirth: dob))
    }

    @Test("dates of birth must be real calendar dates", arguments: [
        ("1984-03-27", true), ("2000-02-29", true), ("1900-02-29", false), ("2023-02-29", false),
        ("1984-13-01", false), ("1984-04-31", false), ("27.03.1984", false), ("1984-3-27", false), ("", false),
    ])
    func dates(text: String, valid: Bool) {
        #expect((DateOfBirth(text) != nil) == valid)
    }

    @Test("second factor by default for passports and ID cards")
    func secondFactorPolicy() {
        let p = SecondFactorPolicy()
        #expect(p.required(for: .passport) && p.required(for: .idCard) && p.required(for: .eIdCard))
        #expect(!p.required(for: .drivingLicence) && !p.required(for: .other))
        #expect(p.maxFailures == 5)
    }

    @Test("dates of birth in the future or more than 120 years back are implausible")
    func plausibleDatesOfBirth() throws {
        let today = try #require(DateOfBirth("2026-11-30"))
        #expect(try #require(DateOfBirth("2031-01-01")).implausibility(today: today)?.contains("future") == true)
        #expect(try #require(DateOfBirth("2026-12-01")).implausibility(today: today) != nil, "tomorrow")
        #expect(try #require(DateOfBirth("2026-11-30")).implausibility(today: today) == nil, "a newborn's passport")
        #expect(try #require(DateOfBirth("1906-11-30")).implausibility(today: today) == nil, "exactly 120")
        #expect(try #require(DateOfBirth("1905-11-30")).implausibility(today: today)?.contains("121 years old") == true)
    }
}
