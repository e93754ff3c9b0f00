import Foundation

// The questionnaire (survey.json), the answers a citizen sends and the canonical form they are
// stored in, and the rule that checks the one against the other. No I/O: the daemon reads the file
// and stores the answers.

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

/// One stored answer: an option id, or a list of option ids for multiple-choice questions.
public enum StoredSurveyAnswer: Codable, Sendable, Equatable {
    case one(String)
    case many([String])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .one(s) } else { self = .many(try c.decode([String].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .one(let s): try c.encode(s)
        case .many(let list): try c.encode(list)
        }
    }

    public var optionIDs: [String] {
        switch self {
        case .one(let s): [s]
        case .many(let list): list
        }
    }
}

extension SurveyDefinition {
    /// Checks every answer against the definition and puts it in canonical form: option lists in the
    /// order of survey.json, empty lists dropped. Throws at the first problem, by question id.
    public func validate(_ answers: [String: SurveyAnswer]) throws -> [String: StoredSurveyAnswer] {
        var stored: [String: StoredSurveyAnswer] = [:]
        for questionID in answers.keys.sorted() {
            guard let answer = answers[questionID] else { continue }
            guard let question = questions.first(where: { $0.id == questionID }) else {
                throw SurveyError.unknownQuestion(questionID, known: questions.map(\.id))
            }
            let optionIDs = question.options.map(\.id)
            func check(_ option: String) throws {
                guard optionIDs.contains(option) else {
                    throw SurveyError.unknownOption(question: questionID, option: option, options: optionIDs)
                }
            }
            switch (question.type, answer) {
            case (.scale5, .one(let option)), (.single, .one(let option)):
                try check(option)
                stored[questionID] = .one(option)
            case (.scale5, .many), (.single, .many):
                throw SurveyError.oneAnswerExpected(question: questionID, example: optionIDs[0])
            case (.multi, .one):
                throw SurveyError.listExpected(question: questionID, example: optionIDs[0])
            case (.multi, .many(let options)):
                for option in options { try check(option) }
                guard Set(options).count == options.count else { throw SurveyError.optionRepeated(question: questionID) }
                if !options.isEmpty { stored[questionID] = .many(optionIDs.filter(options.contains)) }
            }
        }
        guard !stored.isEmpty else { throw SurveyError.nothingAnswered }
        return stored
    }
}

/// A language code the kiosk sent, only ever used to pick a text.
public enum LanguageCode {
    /// The code when it looks like one (2 to 8 ASCII letters and hyphens); nil for anything else,
    /// which is then ignored rather than refused.
    public static func plausible(_ text: String?) -> String? {
        guard let text, (2...8).contains(text.count), text.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") }) else { return nil }
        return text
    }
}
