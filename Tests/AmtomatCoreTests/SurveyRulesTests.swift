import AmtomatCore
import Foundation
import Testing

/// The questionnaire the survey tests share: a scale, a multiple choice and a single choice.
let testSurvey = SurveyDefinition(questions: [
    .init(id: "satisfaction", type: .scale5, title: ["de": "Wie zufrieden?", "en": "How satisfied?"],
          options: (1...5).map { .init(id: "\($0)", label: ["de": "Stufe \($0)"]) }),
    .init(id: "improvements", type: .multi, title: ["de": "Was besser?"],
          options: ["waiting", "signage", "instructions"].map { .init(id: $0, label: ["de": $0.uppercased()]) }),
    .init(id: "use-again", type: .single, title: ["de": "Wieder?"],
          options: ["yes", "no", "unsure"].map { .init(id: $0, label: ["de": $0]) }),
], raffle: .init(enabled: true, prize: ["de": "Gutschein", "en": "Voucher"]))

@Suite("Survey answers and periods")
struct SurveyRulesTests {
    @Test("valid answers come back in canonical form: lists in the questionnaire's order, empty lists dropped")
    func canonicalForm() throws {
        let stored = try testSurvey.validate([
            "satisfaction": .one("4"),
            "improvements": .many(["instructions", "waiting"]),
            "use-again": .one("no"),
        ])
        #expect(stored == ["satisfaction": .one("4"), "improvements": .many(["waiting", "instructions"]), "use-again": .one("no")])
        #expect(try testSurvey.validate(["use-again": .one("yes"), "improvements": .many([])]) == ["use-again": .one("yes")])
    }

    @Test("each wrong answer is refused with its own reason", arguments: [
        (["colour": .one("blue")], SurveyError.unknownQuestion("colour", known: ["satisfaction", "improvements", "use-again"])),
        (["satisfaction": .one("6")], .unknownOption(question: "satisfaction", option: "6", options: ["1", "2", "3", "4", "5"])),
        (["improvements": .many(["waiting", "parking"])],
         .unknownOption(question: "improvements", option: "parking", options: ["waiting", "signage", "instructions"])),
        (["satisfaction": .many(["4"])], .oneAnswerExpected(question: "satisfaction", example: "1")),
        (["use-again": .many(["yes", "no"])], .oneAnswerExpected(question: "use-again", example: "yes")),
        (["improvements": .one("waiting")], .listExpected(question: "improvements", example: "waiting")),
        (["improvements": .many(["waiting", "waiting"])], .optionRepeated(question: "improvements")),
        ([:], .nothingAnswered),
        (["improvements": .many([])], .nothingAnswered),
    ] as [([String: SurveyAnswer], SurveyError)])
    func refusals(answers: [String: SurveyAnswer], expected: SurveyError) {
        #expect(throws: expected) { try testSurvey.validate(answers) }
    }

    @Test("with several wrong answers the first question id in sorted order is named")
    func firstProblemByQuestionID() {
        // "improvements" sorts before "satisfaction", whatever order the kiosk sent them in.
        #expect(throws: SurveyError.listExpected(question: "improvements", example: "waiting")) {
            try testSurvey.validate(["satisfaction": .one("9"), "improvements": .one("waiting")])
        }
    }

    @Test("a questionnaire's problems are all named, each in one sentence")
    func definitionProblems() {
        #expect(testSurvey.problems().isEmpty)
        let broken = SurveyDefinition(questions: [
            .init(id: "s", type: .scale5, title: [:], options: [.init(id: "1", label: [:])]),
            .init(id: "s", type: .single, title: [:], options: [.init(id: "x", label: [:]), .init(id: "x", label: [:])]),
            .init(id: "", type: .multi, title: [:], options: []),
        ], raffle: .init(enabled: true, prize: [:]))
        let problems = broken.problems()
        #expect(problems.count == 6, "\(problems)")
        #expect(problems.contains { $0.contains("scale5 question with 1 options") })
        #expect(problems.contains { $0.contains("'s' appears twice") })
        #expect(problems.contains { $0.contains("Option 'x' appears twice") })
        #expect(problems.contains { $0.contains("empty id") })
        #expect(problems.contains { $0.contains("has no options") })
        #expect(problems.contains { $0.contains("no prize text") })
        #expect(SurveyDefinition(questions: []).problems() == ["survey.json has no questions; add at least one."])
    }

    @Test("a text falls back to German, then to any language; empty texts do not count")
    func localizedText() {
        let text: LocalizedText = ["de": "Gutschein", "en": "Voucher", "tr": ""]
        #expect(text.text(in: "en") == "Voucher")
        #expect(text.text(in: "tr") == "Gutschein")
        #expect(text.text(in: nil) == "Gutschein")
        #expect((["uk": "Ваучер", "ar": ""] as LocalizedText).text(in: "de") == "Ваучер")
        #expect(([:] as LocalizedText).text(in: "de") == nil)
    }

    @Test("only what looks like a language code picks a text", arguments: [
        ("de", "de"), ("pt-BR", "pt-BR"), ("d", nil), ("de1", nil), ("toolong-x", nil), ("dé", nil), ("", nil),
    ] as [(String, String?)])
    func languageCode(text: String, expected: String?) {
        #expect(LanguageCode.plausible(text) == expected)
        #expect(LanguageCode.plausible(nil) == nil)
    }

    @Test("a day is a real calendar date written YYYY-MM-DD", arguments: [
        ("2026-03-31", true), ("2024-02-29", true), ("2000-02-29", true),
        ("2023-02-29", false), ("1900-02-29", false), ("2026-04-31", false), ("2026-13-01", false), ("2026-00-10", false),
        ("2026-3-01", false), ("31.03.2026", false), ("+202-03-04", false), ("2026-03-3a", false), ("0000-01-01", false), ("0001-01-01", true), ("２０２６-03-31", false),
    ])
    func days(text: String, valid: Bool) {
        #expect(SurveyDay.isValid(text) == valid)
    }

    @Test("the day of a moment is the town hall's day")
    func dayInTimeZone() throws {
        let lateEvening = Date(timeIntervalSince1970: 1_772_580_600)  // 2026-03-03 23:30 UTC
        #expect(SurveyDay.of(lateEvening, in: try #require(TimeZone(identifier: "UTC"))) == "2026-03-03")
        #expect(SurveyDay.of(lateEvening, in: try #require(TimeZone(identifier: "Europe/Berlin"))) == "2026-03-04")
    }

    @Test("a period: open ends allowed, wrong days and reversed ends refused")
    func period() throws {
        #expect(try SurveyPeriod(from: nil, to: nil).description == "first day to last day")
        #expect(try SurveyPeriod(from: "2026-03-01", to: nil).description == "2026-03-01 to last day")
        let one = try SurveyPeriod(from: "2026-03-01", to: "2026-03-01")
        #expect(one.from == "2026-03-01" && one.to == "2026-03-01")
        #expect(throws: SurveyError.invalidDay("2026-02-30", example: "2026-03-31")) { try SurveyPeriod(from: "2026-02-30", to: nil) }
        #expect(throws: SurveyError.invalidDay("31.03.2026", example: "2026-03-31")) { try SurveyPeriod(from: nil, to: "31.03.2026") }
        #expect(throws: SurveyError.periodReversed(from: "2026-04-01", to: "2026-03-01")) {
            try SurveyPeriod(from: "2026-04-01", to: "2026-03-01")
        }
        #expect(try SurveyDay.require("2024-12-31", example: "x") == "2024-12-31")
        #expect(throws: SurveyError.invalidDay("2025", example: "2024-12-31")) { try SurveyDay.require("2025", example: "2024-12-31") }
    }

    @Test("every refusal is one sentence that ends with a full stop")
    func refusalSentences() {
        let all: [SurveyError] = [
            .noSurvey, .unknownQuestion("q", known: ["a", "b"]), .unknownOption(question: "q", option: "o", options: ["a"]),
            .oneAnswerExpected(question: "q", example: "a"), .listExpected(question: "q", example: "a"),
            .optionRepeated(question: "q"), .nothingAnswered, .surveyTokenInvalid, .raffleNotRunning, .raffleTokenInvalid,
            .invalidDay("x", example: "2026-03-31"), .periodReversed(from: "b", to: "a"), .purgeNotConfirmed(before: "2025-01-01"),
            .noWinners, .invalidSeed, .noTickets, .tooManyWinners(tickets: 1), .tooManyWinners(tickets: 2),
            .invalidTicket("x"), .unknownTicket("AAAA-AAAA"), .closeNotConfirmed,
        ]
        for error in all {
            let text = error.description
            #expect(text.hasSuffix(".") && !text.dropLast().contains(". "), "\(text)")
        }
        #expect(SurveyError.tooManyWinners(tickets: 1).description == "Only 1 ticket is in the raffle; draw at most 1 winner.")
        #expect(SurveyError.tooManyWinners(tickets: 3).description == "Only 3 tickets are in the raffle; draw at most 3 winners.")
    }
}
