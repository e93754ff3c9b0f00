import Foundation

// The survey's statistics: what a report says about the responses of a period. Plain arithmetic
// over the counts the store reads; the daemon only fetches the tally and audits the report.

/// Counts over the responses of a period, and the pickups of the same period.
public struct SurveyTally: Sendable, Equatable {
    public var responses = 0
    /// Documents collected in the period.
    public var pickups = 0
    /// question id → responses that answered it.
    public var answered: [String: Int] = [:]
    /// question id → option id → how often it was chosen.
    public var counts: [String: [String: Int]] = [:]

    public init() {}

    /// Counts one response: each question it answered once, each option chosen in it once.
    public mutating func add(_ answers: [String: StoredSurveyAnswer]) {
        responses += 1
        for (question, answer) in answers {
            answered[question, default: 0] += 1
            for option in Set(answer.optionIDs) { counts[question, default: [:]][option, default: 0] += 1 }
        }
    }

    /// Responses per pickup; nil when nothing was collected in the period.
    public var responseRate: Double? { pickups > 0 ? Double(responses) / Double(pickups) : nil }
}

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

public enum SurveyStatistics {
    /// The report of `tally` in `language`: every question of the definition in its order (with its
    /// options in theirs), then answers to questions and options no longer in it, by id. Shares and
    /// rates are rounded to 4 decimals, means to 2. Without a definition the ids stand for the texts.
    public static func report(_ tally: SurveyTally, definition: SurveyDefinition?, period: SurveyPeriod,
                              language: String) -> SurveyReport {
        var questions: [SurveyReport.Question] = []
        for q in definition?.questions ?? [] {
            let counts = tally.counts[q.id] ?? [:]
            let answered = tally.answered[q.id] ?? 0
            let known = Set(q.options.map(\.id))
            var options = q.options.map { o in
                option(o.id, label: o.label.text(in: language) ?? o.id, count: counts[o.id] ?? 0, of: answered)
            }
            // Answers to options since removed from survey.json still count.
            options += counts.keys.filter { !known.contains($0) }.sorted().map { option($0, label: $0, count: counts[$0] ?? 0, of: answered) }
            var question = SurveyReport.Question(id: q.id, type: q.type.rawValue, title: q.title.text(in: language) ?? q.id,
                                                 answered: answered, options: options)
            if q.type == .scale5 {
                let score = scale(q, counts: counts)
                question.mean = score?.mean
                question.satisfiedShare = score?.satisfiedShare
            }
            questions.append(question)
        }
        let defined = Set(questions.map(\.id))
        for id in tally.answered.keys.filter({ !defined.contains($0) }).sorted() {
            let answered = tally.answered[id] ?? 0
            let counts = tally.counts[id] ?? [:]
            questions.append(SurveyReport.Question(
                id: id, type: "unknown", title: id, answered: answered,
                options: counts.keys.sorted().map { option($0, label: $0, count: counts[$0] ?? 0, of: answered) }))
        }
        let scaleQuestion = questions.first { $0.type == "scale5" && $0.id == "satisfaction" } ?? questions.first { $0.type == "scale5" }
        let satisfaction = scaleQuestion.flatMap { q in
            q.mean.map { mean in
                SurveyReport.Satisfaction(question: q.id, answers: q.options.reduce(0) { $0 + $1.count }, mean: mean,
                                          satisfiedShare: q.satisfiedShare ?? 0)
            }
        }
        return SurveyReport(from: period.from, to: period.to, language: language, responses: tally.responses, pickups: tally.pickups,
                            responseRate: tally.responseRate.map { round($0, places: 4) }, satisfaction: satisfaction,
                            questions: questions, definitionMissing: definition == nil)
    }

    /// A scale5 question's mean on 1–5 and share of answers 4 or 5; nil when nobody chose one of its
    /// options. An option's value is its id when that is a number, else its position.
    static func scale(_ q: SurveyDefinition.Question, counts: [String: Int]) -> (mean: Double, satisfiedShare: Double)? {
        let values = Dictionary(uniqueKeysWithValues: q.options.enumerated().map { ($1.id, Int($1.id) ?? $0 + 1) })
        let scored = counts.compactMap { id, n in values[id].map { ($0, n) } }
        let n = scored.reduce(0) { $0 + $1.1 }
        guard n > 0 else { return nil }
        return (round(Double(scored.reduce(0) { $0 + $1.0 * $1.1 }) / Double(n), places: 2),
                round(Double(scored.filter { $0.0 >= 4 }.reduce(0) { $0 + $1.1 }) / Double(n), places: 4))
    }

    static func option(_ id: String, label: String, count: Int, of answered: Int) -> SurveyReport.OptionCount {
        SurveyReport.OptionCount(id: id, label: label, count: count,
                                 share: answered > 0 ? round(Double(count) / Double(answered), places: 4) : 0)
    }

    /// To the nearest, halves away from zero: 2/3 → 0.6667 at 4 places.
    static func round(_ value: Double, places: Int) -> Double {
        let factor = pow(10, Double(places))
        return (value * factor).rounded() / factor
    }
}
