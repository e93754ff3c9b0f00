import AmtomatCore
import Foundation
import Testing

@Suite("Survey statistics")
struct SurveyStatisticsTests {
    let allDays = try! SurveyPeriod(from: nil, to: nil)

    func tally(_ responses: [[String: StoredSurveyAnswer]], pickups: Int = 0) -> SurveyTally {
        var tally = SurveyTally()
        for answers in responses { tally.add(answers) }
        tally.pickups = pickups
        return tally
    }

    @Test("a response counts once per question it answered and once per option it chose")
    func tallyCounts() {
        let t = tally([
            ["satisfaction": .one("5"), "improvements": .many(["waiting", "signage", "waiting"])],
            ["satisfaction": .one("4")],
            [:],
        ])
        #expect(t.responses == 3)
        #expect(t.answered == ["satisfaction": 2, "improvements": 1])
        #expect(t.counts == ["satisfaction": ["5": 1, "4": 1], "improvements": ["waiting": 1, "signage": 1]])
        #expect(t.responseRate == nil, "no pickups, no rate")
        #expect(tally([[:]], pickups: 4).responseRate == 0.25)
    }

    @Test("shares are per answered question and rounded to 4 places, means to 2")
    func sharesAndMeans() throws {
        let t = tally([
            ["satisfaction": .one("5"), "improvements": .many(["waiting", "signage"])],
            ["satisfaction": .one("4"), "use-again": .one("yes")],
            ["satisfaction": .one("2"), "improvements": .many(["waiting"])],
        ], pickups: 9)
        let r = SurveyStatistics.report(t, definition: testSurvey, period: allDays, language: "de")
        #expect(r.responses == 3 && r.pickups == 9)
        #expect(r.responseRate == 0.3333)
        #expect(r.questions.map(\.id) == ["satisfaction", "improvements", "use-again"])
        let satisfaction = r.questions[0]
        #expect(satisfaction.answered == 3)
        #expect(satisfaction.options.map(\.count) == [0, 1, 0, 1, 1])
        #expect(satisfaction.options.map(\.share) == [0, 0.3333, 0, 0.3333, 0.3333])
        #expect(satisfaction.mean == 3.67, "11 / 3")
        #expect(satisfaction.satisfiedShare == 0.6667, "two of three chose 4 or 5")
        #expect(r.satisfaction == SurveyReport.Satisfaction(question: "satisfaction", answers: 3, mean: 3.67, satisfiedShare: 0.6667))
        let improvements = r.questions[1]
        #expect(improvements.answered == 2)
        #expect(improvements.options.map(\.share) == [1, 0.5, 0], "multi shares add up to more than 1")
        #expect(improvements.mean == nil && improvements.satisfiedShare == nil, "only scale5 questions have a mean")
        #expect(r.questions[2].options.map(\.share) == [1, 0, 0])
        #expect(!r.definitionMissing && r.from == nil && r.to == nil)
    }

    @Test("halves round away from zero: a mean of 2.125 is 2.13")
    func halvesRoundUp() {
        // 2.125 is exact in binary: seven answers 2 and one answer 3.
        let t = tally(Array(repeating: ["satisfaction": .one("2")], count: 7) + [["satisfaction": .one("3")]])
        let r = SurveyStatistics.report(t, definition: testSurvey, period: allDays, language: "de")
        #expect(r.questions[0].mean == 2.13)
        #expect(r.questions[0].options[1].share == 0.875)
        #expect(r.questions[0].satisfiedShare == 0)
    }

    @Test("an empty period: every count and share 0, no mean, no satisfaction, no response rate")
    func emptyTally() {
        let r = SurveyStatistics.report(SurveyTally(), definition: testSurvey, period: allDays, language: "de")
        #expect(r.responses == 0 && r.pickups == 0 && r.responseRate == nil)
        #expect(r.satisfaction == nil)
        #expect(r.questions.count == 3)
        for q in r.questions {
            #expect(q.answered == 0 && q.mean == nil && q.satisfiedShare == nil)
            #expect(q.options.allSatisfy { $0.count == 0 && $0.share == 0 })
        }
        #expect(SurveyStatistics.report(SurveyTally(), definition: nil, period: allDays, language: "de").questions.isEmpty)
    }

    @Test("answers to removed questions and options still count, sorted by id after the defined ones")
    func removedQuestionsAndOptions() {
        let t = tally([
            ["satisfaction": .one("5"), "gone": .one("x")],
            ["satisfaction": .one("0"), "gone": .one("a"), "also-gone": .many(["b"])],
        ])
        let r = SurveyStatistics.report(t, definition: testSurvey, period: allDays, language: "de")
        #expect(r.questions.map(\.id) == ["satisfaction", "improvements", "use-again", "also-gone", "gone"])
        #expect(r.questions[0].options.map(\.id) == ["1", "2", "3", "4", "5", "0"], "the removed option \"0\" last")
        #expect(r.questions[0].mean == 5, "a removed option has no value on the scale")
        #expect(r.questions[0].satisfiedShare == 1)
        #expect(r.satisfaction?.answers == 2, "the satisfaction line counts every answer to the question")
        let gone = r.questions[4]
        #expect(gone.type == "unknown" && gone.title == "gone")
        #expect(gone.options == [.init(id: "a", label: "a", count: 1, share: 0.5), .init(id: "x", label: "x", count: 1, share: 0.5)])
    }

    @Test("without a questionnaire the ids stand for titles and labels")
    func withoutDefinition() {
        let r = SurveyStatistics.report(tally([["satisfaction": .one("5")]]), definition: nil,
                                        period: try! SurveyPeriod(from: "2026-03-01", to: "2026-03-31"), language: "en")
        #expect(r.definitionMissing)
        #expect(r.from == "2026-03-01" && r.to == "2026-03-31" && r.language == "en")
        #expect(r.questions == [.init(id: "satisfaction", type: "unknown", title: "satisfaction", answered: 1,
                                      options: [.init(id: "5", label: "5", count: 1, share: 1)])])
        #expect(r.satisfaction == nil, "an unknown question is not a scale")
    }

    @Test("titles and labels in the asked language, else German")
    func language() {
        let r = SurveyStatistics.report(tally([["satisfaction": .one("4")]]), definition: testSurvey, period: allDays, language: "en")
        #expect(r.questions[0].title == "How satisfied?")
        #expect(r.questions[0].options[3].label == "Stufe 4")
        #expect(r.questions[1].title == "Was besser?")
    }

    @Test("the satisfaction line is the question 'satisfaction', else the first scale; scale values by position when ids are words")
    func satisfactionQuestion() {
        let words = ["awful", "poor", "fair", "good", "great"]
        let survey = SurveyDefinition(questions: [
            .init(id: "speed", type: .scale5, title: [:], options: words.map { .init(id: $0, label: [:]) }),
            .init(id: "satisfaction", type: .scale5, title: [:], options: (1...5).map { .init(id: "\($0)", label: [:]) }),
        ])
        let both = SurveyStatistics.report(tally([["speed": .one("poor"), "satisfaction": .one("5")]]),
                                           definition: survey, period: allDays, language: "de")
        #expect(both.satisfaction?.question == "satisfaction")
        #expect(both.questions[0].mean == 2, "'poor' is the second option")
        let unanswered = SurveyStatistics.report(tally([["speed": .one("great")]]), definition: survey, period: allDays, language: "de")
        #expect(unanswered.satisfaction == nil, "the question 'satisfaction' decides even when nobody answered it")
        let noSatisfaction = SurveyDefinition(questions: [survey.questions[0]])
        let speedOnly = SurveyStatistics.report(tally([["speed": .one("great")], ["speed": .one("good")]]),
                                                definition: noSatisfaction, period: allDays, language: "de")
        #expect(speedOnly.satisfaction == SurveyReport.Satisfaction(question: "speed", answers: 2, mean: 4.5, satisfiedShare: 1))
    }
}
