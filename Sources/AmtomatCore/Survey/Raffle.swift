import Crypto
import Foundation

// The voucher raffle's rules: the ticket format, the verifiable draw and the terms a clerk may ask
// for. The daemon supplies the randomness (a seed, a generator) and stores the tickets.

/// Raffle tickets: 8 random characters from 32 that cannot be mistaken for one another, as XXXX-XXXX.
public enum RaffleTicketCode {
    /// No 0/O and no 1/I; 32 symbols, so each is drawn without bias.
    public static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    public static func generate<G: RandomNumberGenerator>(using rng: inout G) -> String {
        let chars = (0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
        return String(chars[0..<4]) + "-" + String(chars[4..<8])
    }

    public static func isValid(_ ticket: String) -> Bool {
        let parts = ticket.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { $0.count == 4 && $0.allSatisfy(alphabet.contains) }
    }

    /// A ticket as a participant reads it out or types it: surrounding spaces and lower case are fine.
    public static func read(_ text: String) throws -> String {
        let ticket = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard isValid(ticket) else { throw SurveyError.invalidTicket(text) }
        return ticket
    }
}

/// Everything a second person needs to repeat the draw and check it.
public struct RaffleDrawResult: Codable, Sendable, Equatable {
    public struct Winner: Codable, Sendable, Equatable {
        public var rank: Int
        public var ticket: String
        /// HMAC-SHA256(seed, ticket) in lowercase hex: the ticket's place in the draw.
        public var hmac: String
        public init(rank: Int, ticket: String, hmac: String) {
            self.rank = rank
            self.ticket = ticket
            self.hmac = hmac
        }
    }

    public var tickets: Int
    public var ticketListSHA256: String
    /// Lowercase hex.
    public var seed: String
    public var method: String
    public var winners: [Winner]
    public var prize: String?
    public init(tickets: Int, ticketListSHA256: String, seed: String, method: String, winners: [Winner], prize: String?) {
        self.tickets = tickets
        self.ticketListSHA256 = ticketListSHA256
        self.seed = seed
        self.method = method
        self.winners = winners
        self.prize = prize
    }
}

/// The verifiable draw: anyone with the ticket list and the seed gets the same winners.
///
/// Each ticket's HMAC-SHA256, keyed with the seed's bytes, over the ticket's text decides its place;
/// the lowest win. Nobody can steer the outcome without choosing the seed, and the seed, the list's
/// digest and the winners all go into the audit log, so a repeated draw with another seed shows.
public enum RaffleDraw {
    /// What a clerk asked for, checked before any ticket is read: at least one winner, and the seed
    /// given (to repeat a draw) or a fresh one.
    public struct Terms: Sendable, Equatable {
        public var winners: Int
        public var seed: [UInt8]

        public init<G: RandomNumberGenerator>(winners: Int, seed text: String?, using rng: inout G) throws {
            guard winners >= 1 else { throw SurveyError.noWinners }
            if let text {
                guard let parsed = RaffleDraw.seed(hex: text) else { throw SurveyError.invalidSeed }
                seed = parsed
            } else {
                seed = RaffleDraw.randomSeed(using: &rng)
            }
            self.winners = winners
        }

        /// The draw among `tickets`; refused when there are none or fewer than the winners asked for.
        public func draw(tickets: [String], prize: String?) throws -> RaffleDrawResult {
            guard !tickets.isEmpty else { throw SurveyError.noTickets }
            guard winners <= tickets.count else { throw SurveyError.tooManyWinners(tickets: tickets.count) }
            return RaffleDraw.draw(tickets: tickets, winners: winners, seed: seed, prize: prize)
        }
    }

    public static func method(winners: Int) -> String {
        "HMAC-SHA256 of each ticket's text (UTF-8, e.g. K7Q2-9XMP) keyed with the seed's bytes; tickets sorted by that HMAC in ascending hex order; the first \(winners) win\(winners == 1 ? "s" : "")"
    }

    /// SHA-256 (lowercase hex) of the tickets sorted ascending, one per line, each followed by "\n":
    /// what `sha256sum` prints for such a list.
    public static func listDigest(_ tickets: [String]) -> String {
        Hex.string(SHA256.hash(data: Data(tickets.sorted().map { $0 + "\n" }.joined().utf8)))
    }

    /// Parses a seed of 8 to 64 bytes written in hex (either case, surrounding spaces ignored).
    public static func seed(hex text: String) -> [UInt8]? {
        let digits = text.trimmingCharacters(in: .whitespaces)
        guard (16...128).contains(digits.utf8.count) else { return nil }
        return Hex.bytes(digits)
    }

    /// 32 bytes from `rng`; the daemon passes the system's cryptographically secure generator.
    public static func randomSeed<G: RandomNumberGenerator>(using rng: inout G) -> [UInt8] {
        (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    public static func score(_ ticket: String, seed: [UInt8]) -> String {
        Hex.string(HMAC<SHA256>.authenticationCode(for: Data(ticket.utf8), using: SymmetricKey(data: seed)))
    }

    public static func draw(tickets: [String], winners: Int, seed: [UInt8], prize: String?) -> RaffleDrawResult {
        let ranked = Set(tickets).map { (ticket: $0, hmac: score($0, seed: seed)) }
            .sorted { ($0.hmac, $0.ticket) < ($1.hmac, $1.ticket) }
        let chosen = ranked.prefix(max(0, winners)).enumerated().map {
            RaffleDrawResult.Winner(rank: $0.offset + 1, ticket: $0.element.ticket, hmac: $0.element.hmac)
        }
        return RaffleDrawResult(tickets: tickets.count, ticketListSHA256: listDigest(tickets), seed: Hex.string(seed),
                                method: method(winners: winners), winners: chosen, prize: prize)
    }
}
