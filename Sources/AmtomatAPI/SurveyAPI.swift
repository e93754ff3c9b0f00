import AmtomatCore
import Foundation

// JSON of the satisfaction survey and the voucher raffle: the kiosk's bodies (POST /api/survey,
// POST /api/raffle) and the clerk's requests on the control socket. The survey definition, the
// report and the draw's result are the core's values (AmtomatCore/Survey) and go out as they are.
// Nothing here carries a document, compartment, code or time of day.

// MARK: - Kiosk: answering and joining the raffle

/// POST /api/survey. Any question may be missing. The language only picks the prize text; it is never stored.
public struct SurveySubmission: Codable, Sendable {
    public var surveyToken: String
    public var language: String?
    public var answers: [String: SurveyAnswer]
    public init(surveyToken: String, language: String? = nil, answers: [String: SurveyAnswer]) {
        self.surveyToken = surveyToken
        self.language = language
        self.answers = answers
    }
}

/// The answer to POST /api/survey; `raffleToken` only while the raffle is enabled.
public struct SurveySubmitted: Codable, Sendable, Equatable {
    public var raffleToken: String?
    public init(raffleToken: String?) { self.raffleToken = raffleToken }
}

/// POST /api/raffle. `language` is optional; without it the survey's language (or German) is used.
public struct RaffleEntryRequest: Codable, Sendable {
    public var raffleToken: String
    public var language: String?
    public init(raffleToken: String, language: String? = nil) {
        self.raffleToken = raffleToken
        self.language = language
    }
}

public struct RaffleEntry: Codable, Sendable, Equatable {
    /// Eight characters from an alphabet without 0, O, 1 and I, shown as XXXX-XXXX.
    public var ticket: String
    public var prize: String
    public init(ticket: String, prize: String) {
        self.ticket = ticket
        self.prize = prize
    }
}

// MARK: - Control: reports

/// POST /survey/purge: deletes answers of days before `before` (after they went into a report).
public struct SurveyPurgeRequest: Codable, Sendable {
    public var before: String
    public var confirm: Bool
    public init(before: String, confirm: Bool) {
        self.before = before
        self.confirm = confirm
    }
}

public struct DeletedCount: Codable, Sendable, Equatable {
    public var deleted: Int
    public init(deleted: Int) { self.deleted = deleted }
}

// MARK: - Control: raffle

public struct RaffleTicketView: Codable, Sendable, Equatable {
    public var ticket: String
    public var day: String
    public init(ticket: String, day: String) {
        self.ticket = ticket
        self.day = day
    }
}

/// GET /raffle/tickets: sorted by ticket, the order the draw's list digest uses.
public struct RaffleTicketList: Codable, Sendable, Equatable {
    public var count: Int
    /// SHA-256 (hex) of the sorted tickets, one per line, each followed by "\n".
    public var ticketListSHA256: String
    public var prize: String?
    public var tickets: [RaffleTicketView]
    public init(count: Int, ticketListSHA256: String, prize: String?, tickets: [RaffleTicketView]) {
        self.count = count
        self.ticketListSHA256 = ticketListSHA256
        self.prize = prize
        self.tickets = tickets
    }
}

/// POST /raffle/draw. Without a seed the daemon draws 32 random bytes.
public struct RaffleDrawRequest: Codable, Sendable {
    public var winners: Int
    public var seed: String?
    public init(winners: Int, seed: String? = nil) {
        self.winners = winners
        self.seed = seed
    }
}

/// POST /raffle/close: deletes every ticket once the prizes are handed out.
public struct RaffleCloseRequest: Codable, Sendable {
    public var confirm: Bool
    public init(confirm: Bool) { self.confirm = confirm }
}
