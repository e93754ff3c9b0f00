import Foundation

// JSON of the satisfaction survey and the voucher raffle: the survey definition (survey.json),
// the kiosk's bodies (POST /api/survey, POST /api/raffle) and the clerk's reports and draws on the
// control socket. Nothing here carries a document, compartment, code or time of day.

// MARK: - Definition (Kiosk/survey.json)

/// A text in several languages, keyed by language code ("de", "en", "tr", "uk", "ar").
public typealias LocalizedText = [String: String]

extension Dictionary where Key == String, Value == String {
    /// The text in `language`, else German, else any; nil only when there is no text at all.
    public func text(in language: String?) -> String? {
        if let language, let t = self[language], !t.isEmpty { return t }
        if let t = self["de"], !t.isEmpty { return t }
        return keys.sorted().lazy.compactMap { self[$0] }.first { !$0.isEmpty }
    }
}

public struct SurveyDefinition: Codable, Sendable, Equatable {
    public struct Option: Codable, Sendable, Equatable {
        public var id: String
        public var label: LocalizedText
        public init(id: String, label: LocalizedText) {
            self.id = id
            self.label = label
        }
    }

    public enum QuestionType: String, Codable, Sendable, Equatable {
        /// Five ordered options, one answer; the mean and the share of 4–5 are reported.
        case scale5
        /// One answer.
        case single
        /// Any number of answers.
        case multi
    }

    public struct Question: Codable, Sendable, Equatable {
        public var id: String
        public var type: QuestionType
        public var title: LocalizedText
        public var options: [Option]
        public init(id: String, type: QuestionType, title: LocalizedText, options: [Option]) {
            self.id = id
            self.type = type
            self.title = title
            self.options = options
        }
    }

    public struct Raffle: Codable, Sendable, Equatable {
        public var enabled: Bool
        public var prize: LocalizedText
        public init(enabled: Bool, prize: LocalizedText) {
            self.enabled = enabled
            self.prize = prize
        }
    }

    public var questions: [Question]
    public var raffle: Raffle?

    public init(questions: [Question], raffle: Raffle? = nil) {
        self.questions = questions
        self.raffle = raffle
    }

    public var raffleEnabled: Bool { raffle?.enabled == true }

    /// Every reason the definition cannot be used, each one sentence; empty when it is fine.
    public func problems() -> [String] {
        var problems: [String] = []
        if questions.isEmpty { problems.append("survey.json has no questions; add at least one.") }
        var seen: Set<String> = []
        for q in questions {
            if q.id.isEmpty { problems.append("A question in survey.json has an empty id; give every question an id.") }
            if !seen.insert(q.id).inserted { problems.append("Question id '\(q.id)' appears twice in survey.json; make each id unique.") }
            if q.options.isEmpty { problems.append("Question '\(q.id)' has no options; add at least one.") }
            if q.type == .scale5 && q.options.count != 5 {
                problems.append("Question '\(q.id)' is a scale5 question with \(q.options.count) options; give it exactly five, from worst to best.")
            }
            var optionIDs: Set<String> = []
            for o in q.options {
                if o.id.isEmpty { problems.append("An option of question '\(q.id)' has an empty id; give every option an id.") }
                if !optionIDs.insert(o.id).inserted {
                    problems.append("Option '\(o.id)' appears twice in question '\(q.id)'; make option ids unique within a question.")
                }
            }
        }
        if let raffle, raffle.enabled, raffle.prize.text(in: "de") == nil {
            problems.append("The raffle is enabled but has no prize text; add raffle.prize.de to survey.json.")
        }
        return problems
    }
}

// MARK: - Kiosk: answering and joining the raffle

/// One answer: an option id (scale5, single) or a list of option ids (multi).
public enum SurveyAnswer: Codable, Sendable, Equatable {
    case one(String)
    case many([String])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .one(text)
        } else if let list = try? container.decode([String].self) {
            self = .many(list)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "an answer must be an option id such as \"4\" or a list of option ids such as [\"waiting\"].")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .one(let id): try container.encode(id)
        case .many(let ids): try container.encode(ids)
        }
    }
}

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

public struct SurveyReport: Codable, Sendable, Equatable {
    public struct OptionCount: Codable, Sendable, Equatable {
        public var id: String
        public var label: String
        public var count: Int
        /// count / answers to this question (for multi questions the shares add up to more than 1).
        public var share: Double
        public init(id: String, label: String, count: Int, share: Double) {
            self.id = id
            self.label = label
            self.count = count
            self.share = share
        }
    }

    public struct Question: Codable, Sendable, Equatable {
        public var id: String
        /// scale5, single, multi, or "unknown" for answers to a question no longer in survey.json.
        public var type: String
        public var title: String
        /// How many responses answered this question.
        public var answered: Int
        public var options: [OptionCount]
        /// scale5 only: mean on 1–5 and the share of answers 4 or 5.
        public var mean: Double?
        public var satisfiedShare: Double?
        public init(id: String, type: String, title: String, answered: Int, options: [OptionCount],
                    mean: Double? = nil, satisfiedShare: Double? = nil) {
            self.id = id
            self.type = type
            self.title = title
            self.answered = answered
            self.options = options
            self.mean = mean
            self.satisfiedShare = satisfiedShare
        }
    }

    public struct Satisfaction: Codable, Sendable, Equatable {
        public var question: String
        public var answers: Int
        public var mean: Double
        /// Share of answers 4 or 5 ("satisfied" or better).
        public var satisfiedShare: Double
        public init(question: String, answers: Int, mean: Double, satisfiedShare: Double) {
            self.question = question
            self.answers = answers
            self.mean = mean
            self.satisfiedShare = satisfiedShare
        }
    }

    /// The period asked for (YYYY-MM-DD, inclusive); absent means open-ended.
    public var from: String?
    public var to: String?
    public var language: String
    /// Survey responses in the period.
    public var responses: Int
    /// Documents collected in the period (state collected, finishedAt in the period).
    public var pickups: Int
    /// responses / pickups; absent when there were no pickups.
    public var responseRate: Double?
    public var satisfaction: Satisfaction?
    public var questions: [Question]
    /// True when survey.json could not be read; titles and labels are then the ids.
    public var definitionMissing: Bool

    public init(from: String?, to: String?, language: String, responses: Int, pickups: Int, responseRate: Double?,
                satisfaction: Satisfaction?, questions: [Question], definitionMissing: Bool) {
        self.from = from
        self.to = to
        self.language = language
        self.responses = responses
        self.pickups = pickups
        self.responseRate = responseRate
        self.satisfaction = satisfaction
        self.questions = questions
        self.definitionMissing = definitionMissing
    }
}

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

/// POST /raffle/close: deletes every ticket once the prizes are handed out.
public struct RaffleCloseRequest: Codable, Sendable {
    public var confirm: Bool
    public init(confirm: Bool) { self.confirm = confirm }
}

// MARK: - Days

/// A calendar day as YYYY-MM-DD, the only time the survey stores.
public enum SurveyDay {
    /// True for a real calendar date written as YYYY-MM-DD.
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1
        else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days
    }

    /// The day of `date` in `timeZone`.
    public static func of(_ date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}
