import AmtomatCore
import Foundation
import Testing

@Suite("Raffle tickets, draw and tokens")
struct RaffleTests {
    let seed64 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

    func tickets(_ n: Int, seed: UInt64 = 7) -> [String] {
        var rng = SplitMix64(state: seed)
        var set: Set<String> = []
        while set.count < n { set.insert(RaffleTicketCode.generate(using: &rng)) }
        return set.sorted()
    }

    // MARK: Tickets

    @Test("tickets are XXXX-XXXX from 32 unmistakable characters, and the same generator gives the same tickets")
    func ticketFormat() {
        var rng = SplitMix64(state: 1)
        var again = SplitMix64(state: 1)
        for _ in 0..<500 {
            let t = RaffleTicketCode.generate(using: &rng)
            #expect(RaffleTicketCode.isValid(t), "\(t)")
            #expect(t == RaffleTicketCode.generate(using: &again))
            #expect(!t.contains { "0O1I".contains($0) })
        }
        #expect(RaffleTicketCode.alphabet.count == 32 && Set(RaffleTicketCode.alphabet).count == 32)
    }

    @Test("what is not a ticket", arguments: ["K7Q2-9XM0", "K7Q2-9XMI", "K7Q29XMP", "K7Q2-9XMP-", "K7Q-29XMP", "k7q2-9xmp", "", "K7Q2-9XMPP"])
    func notTickets(text: String) {
        #expect(!RaffleTicketCode.isValid(text))
    }

    @Test("a ticket as typed: spaces around it and lower case are fine; anything else is refused as typed")
    func readTicket() throws {
        #expect(try RaffleTicketCode.read(" k7q2-9xmp ") == "K7Q2-9XMP")
        #expect(throws: SurveyError.invalidTicket(" k7q2-9xm0")) { try RaffleTicketCode.read(" k7q2-9xm0") }
    }

    // MARK: Draw

    @Test("the list digest is sha256sum of the sorted list, whatever order the tickets come in")
    func listDigest() {
        let digest = "f676059e06bb0446397446fed94dc1aa3f93f092ea258fbc4b597affe70e5325"
        #expect(RaffleDraw.listDigest(["K7Q2-9XMP", "BBBB-BBBB", "AAAA-AAAA"]) == digest)
        #expect(RaffleDraw.listDigest(["AAAA-AAAA", "BBBB-BBBB", "K7Q2-9XMP"]) == digest)
        #expect(RaffleDraw.listDigest(["AAAA-AAAA", "BBBB-BBBB"]) != digest)
        // sha256sum of an empty file.
        #expect(RaffleDraw.listDigest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("the draw ranks by HMAC-SHA256 keyed with the seed, as openssl computes it")
    func knownVector() throws {
        let seed = try #require(RaffleDraw.seed(hex: seed64))
        let result = RaffleDraw.draw(tickets: ["AAAA-AAAA", "BBBB-BBBB", "K7Q2-9XMP"], winners: 2, seed: seed, prize: "Gutschein")
        #expect(result.winners == [
            .init(rank: 1, ticket: "BBBB-BBBB", hmac: "25cf0605451bbef321a598c9aa747c801c0277ba745892999fcd16c929639a03"),
            .init(rank: 2, ticket: "K7Q2-9XMP", hmac: "423a3f7df5323b54f50a26c55fee346946c87dae1a9307a5374aa62fa5f2ea0b"),
        ])
        #expect(result.seed == seed64 && result.tickets == 3 && result.prize == "Gutschein")
        #expect(result.method.hasSuffix("the first 2 win"))
        #expect(RaffleDraw.draw(tickets: ["AAAA-AAAA"], winners: 1, seed: seed, prize: nil).method.hasSuffix("the first 1 wins"))
    }

    @Test("one seed, one outcome: the order of the list does not matter, fewer winners are the first of more")
    func deterministic() throws {
        let list = tickets(60)
        let seed = try #require(RaffleDraw.seed(hex: seed64))
        let five = RaffleDraw.draw(tickets: list, winners: 5, seed: seed, prize: nil)
        #expect(RaffleDraw.draw(tickets: list.reversed(), winners: 5, seed: seed, prize: nil) == five)
        #expect(RaffleDraw.draw(tickets: list.shuffled(), winners: 2, seed: seed, prize: nil).winners == Array(five.winners.prefix(2)))
        var other = seed
        other[0] ^= 1
        #expect(RaffleDraw.draw(tickets: list, winners: 5, seed: other, prize: nil).winners != five.winners, "another seed, another draw")
    }

    @Test("winners are distinct tickets of the list, ranked 1 to n by ascending HMAC, never more than there are tickets")
    func winnersDistinct() throws {
        let list = tickets(20, seed: 3)
        for n in [1, 7, 20, 25] {
            let result = RaffleDraw.draw(tickets: list, winners: n, seed: Array(repeating: UInt8(n), count: 8), prize: nil)
            #expect(result.winners.count == min(n, 20))
            #expect(Set(result.winners.map(\.ticket)).count == result.winners.count)
            #expect(result.winners.allSatisfy { list.contains($0.ticket) })
            #expect(result.winners.map(\.rank) == Array(1...result.winners.count))
            #expect(result.winners.map(\.hmac) == result.winners.map(\.hmac).sorted())
        }
        let doubled = RaffleDraw.draw(tickets: ["AAAA-AAAA", "AAAA-AAAA", "BBBB-BBBB"], winners: 3, seed: Array(repeating: 1, count: 8), prize: nil)
        #expect(Set(doubled.winners.map(\.ticket)) == ["AAAA-AAAA", "BBBB-BBBB"], "a ticket listed twice wins at most once")
    }

    @Test("a seed is 8 to 64 bytes in hex, either case, spaces around it ignored", arguments: [
        ("0011223344556677", [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]),
        (" AABBCCDDEEFF0011 ", [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11]),
        (String(repeating: "ab", count: 64), Array(repeating: 0xab, count: 64)),
    ] as [(String, [UInt8])])
    func seeds(text: String, bytes: [UInt8]) {
        #expect(RaffleDraw.seed(hex: text) == bytes)
    }

    @Test("what is not a seed", arguments: [
        "", "00ff", String(repeating: "a", count: 14), String(repeating: "a", count: 15), String(repeating: "a", count: 17),
        String(repeating: "ab", count: 65), "xyz0112233445566", "00112233 4455667788", "+0+1+2+3+4+5+6+7", "-0-1-2-3-4-5-6-7",
        "0x11223344556677", "ää112233445566",
    ])
    func badSeeds(text: String) {
        #expect(RaffleDraw.seed(hex: text) == nil)
    }

    @Test("the terms: at least one winner first, then the seed; a fresh seed comes from the generator given")
    func terms() throws {
        var rng = SplitMix64(state: 9)
        #expect(throws: SurveyError.noWinners) { try RaffleDraw.Terms(winners: 0, seed: "xyz", using: &rng) }
        #expect(throws: SurveyError.invalidSeed) { try RaffleDraw.Terms(winners: 1, seed: "abc", using: &rng) }
        let given = try RaffleDraw.Terms(winners: 2, seed: seed64.uppercased(), using: &rng)
        #expect(given.seed == RaffleDraw.seed(hex: seed64))
        var a = SplitMix64(state: 9)
        var b = SplitMix64(state: 9)
        let fresh = try RaffleDraw.Terms(winners: 1, seed: nil, using: &a)
        #expect(fresh.seed.count == 32)
        #expect(fresh.seed == RaffleDraw.randomSeed(using: &b))
    }

    @Test("the terms meet the tickets: none to draw from, or fewer than the winners asked for, is refused")
    func termsAgainstTickets() throws {
        var rng = SplitMix64(state: 2)
        let three = try RaffleDraw.Terms(winners: 3, seed: seed64, using: &rng)
        #expect(throws: SurveyError.noTickets) { try three.draw(tickets: [], prize: nil) }
        #expect(throws: SurveyError.tooManyWinners(tickets: 2)) { try three.draw(tickets: ["AAAA-AAAA", "BBBB-BBBB"], prize: nil) }
        let list = tickets(3)
        #expect(try three.draw(tickets: list, prize: "P") == RaffleDraw.draw(tickets: list, winners: 3, seed: three.seed, prize: "P"))
    }

    // MARK: One-time tokens

    @Test("a token works once, for less than its lifetime")
    func oneTimeTokens() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        var tokens = OneTimeTokens<String?>()
        #expect(tokens.lifetime == 1800)
        tokens.insert("a", "en", at: start)
        tokens.insert("b", nil, at: start)
        tokens.insert("c", "de", at: start)
        #expect(tokens.consume("a", at: start.addingTimeInterval(1799)) == .some("en"))
        #expect(tokens.consume("a", at: start.addingTimeInterval(1799)) == nil, "used")
        #expect(tokens.consume("b", at: start.addingTimeInterval(1800)) == nil, "expired")
        #expect(tokens.consume("unknown", at: start) == nil)
        #expect(tokens.count == 1)
        tokens.insert("d", nil, at: start.addingTimeInterval(1800))
        #expect(tokens.count == 1, "the expired 'c' is forgotten when a new token comes")
        tokens.dropExpired(at: start.addingTimeInterval(3600))
        #expect(tokens.count == 0)
    }

    @Test("a raffle token is 16 bytes from the generator, in hex")
    func hexToken() {
        var a = SplitMix64(state: 5)
        var b = SplitMix64(state: 5)
        let token = OneTimeTokens<Void>.hexToken(using: &a)
        #expect(token.count == 32 && token.allSatisfy { $0.isHexDigit && ($0.isNumber || $0.isLowercase) })
        #expect(token == OneTimeTokens<Void>.hexToken(using: &b))
        #expect(token != OneTimeTokens<Void>.hexToken(using: &b))
    }
}
