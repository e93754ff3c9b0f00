import AmtomatAPI
import AmtomatCore
import AmtomatStore
import Foundation
import Logging
import Testing
@testable import AmtomatDaemon

// The survey and raffle service, exercised through its functions (no HTTP test server is available).
// Refusals are the core's SurveyError; `APIError.from` gives what the error middleware answers with.

private let surveyJSON = """
    {"questions":[
      {"id":"satisfaction","type":"scale5","title":{"de":"Wie zufrieden?","en":"How satisfied?"},
       "options":[{"id":"1","label":{"de":"sehr unzufrieden"}},{"id":"2","label":{"de":"unzufrieden"}},
                  {"id":"3","label":{"de":"teils"}},{"id":"4","label":{"de":"zufrieden","en":"satisfied"}},
                  {"id":"5","label":{"de":"sehr zufrieden"}}]},
      {"id":"improvements","type":"multi","title":{"de":"Was besser?"},
       "options":[{"id":"waiting","label":{"de":"Wartezeit"}},{"id":"signage","label":{"de":"Wegweiser"}},
                  {"id":"instructions","label":{"de":"Erklärungen"}}]},
      {"id":"use-again","type":"single","title":{"de":"Wieder?"},
       "options":[{"id":"yes","label":{"de":"ja"}},{"id":"no","label":{"de":"nein"}},{"id":"unsure","label":{"de":"weiß nicht"}}]}],
     "raffle":{"enabled":true,"prize":{"de":"Willich-Gutschein, 15 €","en":"Willich voucher, €15"}}}
    """

private let berlin = TimeZone(identifier: "Europe/Berlin")!
/// 2026-03-04 09:30 in Berlin.
private let fixedNow = Date(timeIntervalSince1970: 1_772_613_000)

/// The one-time survey tokens the kiosk would have; records which were asked for.
actor FakeTokens {
    var valid: Set<String>
    var asked: [String] = []
    init(_ valid: Set<String>) { self.valid = valid }
    func consume(_ token: String) -> Bool {
        asked.append(token)
        return valid.remove(token) != nil
    }
}

private func makeService(_ json: String? = surveyJSON, log: LogCapture = LogCapture()) throws -> (SurveyService, LockerStore) {
    let store = LockerStore(try AppDatabase.inMemory())
    let service = SurveyService(store: store, definitionData: json.map { Array($0.utf8) }, logger: log.logger,
                                now: { fixedNow }, timeZone: berlin)
    return (service, store)
}

private func storedRows(_ store: LockerStore) throws -> [SurveyAnswerRecord] {
    try store.database.writer.read { db in try SurveyAnswerRecord.fetchAll(db) }
}

private func decodeSubmission(_ json: String) throws -> SurveySubmission {
    try APIJSON.decoder().decode(SurveySubmission.self, from: Data(json.utf8))
}

@Suite("Survey service")
struct SurveyTests {
    // MARK: Definition

    @Test("survey.json is read from the kiosk files")
    func loadsFromStaticFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-kiosk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(surveyJSON.utf8).write(to: dir.appendingPathComponent("survey.json"))
        let log = LogCapture()
        let service = try SurveyService(store: LockerStore(try AppDatabase.inMemory()), files: StaticFiles(directory: dir), logger: log.logger)
        #expect(service.definition?.questions.map(\.id) == ["satisfaction", "improvements", "use-again"])
        #expect(service.definition?.raffleEnabled == true)
        #expect(log.warnings.isEmpty)
    }

    @Test("A missing or broken survey.json switches the survey off with a warning; its endpoints answer 404",
          arguments: [
            nil,
            "{not json",
            #"{"questions":[]}"#,
            #"{"questions":[{"id":"s","type":"scale5","title":{"de":"?"},"options":[{"id":"1","label":{}}]}]}"#,
            #"{"questions":[{"id":"s","type":"stars","title":{"de":"?"},"options":[{"id":"1","label":{}}]}]}"#,
            #"{"questions":[{"id":"a","type":"single","title":{},"options":[{"id":"x","label":{}},{"id":"x","label":{}}]}]}"#,
            #"{"questions":[{"id":"a","type":"single","title":{},"options":[{"id":"x","label":{}}]}],"raffle":{"enabled":true,"prize":{}}}"#,
          ])
    func noSurvey(json: String?) async throws {
        let log = LogCapture()
        let (service, store) = try makeService(json, log: log)
        #expect(service.definition == nil)
        #expect(log.warnings.count == 1)
        let tokens = FakeTokens(["t1"])
        let submit = await #expect(throws: SurveyError.self) {
            try await service.submit(try decodeSubmission(#"{"surveyToken":"t1","answers":{"satisfaction":"4"}}"#)) { await tokens.consume($0) }
        }.map(APIError.from)
        #expect(submit?.status.code == 404)
        #expect(submit?.message.contains("No survey is configured") == true)
        let raffle = await #expect(throws: SurveyError.self) { try await service.enterRaffle(RaffleEntryRequest(raffleToken: "x")) }.map(APIError.from)
        #expect(raffle?.status.code == 404)
        #expect(try storedRows(store).isEmpty)
        #expect(await tokens.asked.isEmpty)
    }

    // MARK: Answers

    @Test("The kiosk's body is decoded: single answers as strings, multiple answers as arrays")
    func decodesKioskBody() throws {
        let body = try decodeSubmission("""
            {"surveyToken":"abc","language":"de","answers":{"satisfaction":"4","improvements":["waiting"],"use-again":"yes"}}
            """)
        #expect(body.answers["satisfaction"] == .one("4"))
        #expect(body.answers["improvements"] == .many(["waiting"]))
        #expect(throws: (any Error).self) { try decodeSubmission(#"{"surveyToken":"abc","answers":{"satisfaction":4}}"#) }
    }

    @Test("Valid answers are stored with the day only; the token is used up; a raffle token comes back")
    func storesValidAnswers() async throws {
        let (service, store) = try makeService()
        let tokens = FakeTokens(["t1"])
        let body = try decodeSubmission("""
            {"surveyToken":"t1","language":"en","answers":{"improvements":["signage","waiting"],"satisfaction":"4","use-again":"yes"}}
            """)
        let answer = try await service.submit(body) { await tokens.consume($0) }
        #expect(answer.raffleToken?.count == 32)
        let rows = try storedRows(store)
        #expect(rows.count == 1)
        #expect(rows.first?.day == "2026-03-04")
        // Options in the order of survey.json; no token, no language, no time.
        #expect(rows.first?.answers == #"{"improvements":["waiting","signage"],"satisfaction":"4","use-again":"yes"}"#)
        #expect(rows.first.map { !$0.answers.contains("t1") && !$0.answers.contains("\"en\"") && !$0.answers.contains("language") } == true)

        // The same token a second time: refused, nothing more stored.
        let again = await #expect(throws: SurveyError.self) { try await service.submit(body) { await tokens.consume($0) } }.map(APIError.from)
        #expect(again?.status.code == 403)
        #expect(try storedRows(store).count == 1)
    }

    @Test("Questions may be skipped; an empty list counts as skipped")
    func partialAnswers() async throws {
        let (service, store) = try makeService()
        let tokens = FakeTokens(["t1"])
        _ = try await service.submit(try decodeSubmission(#"{"surveyToken":"t1","answers":{"use-again":"no","improvements":[]}}"#)) {
            await tokens.consume($0)
        }
        #expect(try storedRows(store).first?.answers == #"{"use-again":"no"}"#)
    }

    @Test("A wrong token is refused and nothing is stored")
    func wrongToken() async throws {
        let (service, store) = try makeService()
        let tokens = FakeTokens(["right"])
        for token in ["wrong", ""] {
            let error = await #expect(throws: SurveyError.self) {
                try await service.submit(try decodeSubmission(#"{"surveyToken":"\#(token)","answers":{"satisfaction":"5"}}"#)) {
                    await tokens.consume($0)
                }
            }.map(APIError.from)
            #expect(error?.status.code == 403)
        }
        #expect(try storedRows(store).isEmpty)
    }

    @Test("Bad answers: 400 with one sentence, nothing stored, the token still usable",
          arguments: [
            (#"{"colour":"blue"}"#, "has no question 'colour'"),
            (#"{"satisfaction":"6"}"#, "has no option '6'"),
            (#"{"satisfaction":"4","improvements":["waiting","parking"]}"#, "has no option 'parking'"),
            (#"{"satisfaction":["4"]}"#, "takes one answer"),
            (#"{"use-again":["yes","no"]}"#, "takes one answer"),
            (#"{"improvements":"waiting"}"#, "takes a list of answers"),
            (#"{"improvements":["waiting","waiting"]}"#, "more than once"),
            (#"{}"#, "No question was answered"),
            (#"{"improvements":[]}"#, "No question was answered"),
          ])
    func badAnswers(answers: String, fragment: String) async throws {
        let (service, store) = try makeService()
        let tokens = FakeTokens(["t1"])
        let error = await #expect(throws: SurveyError.self) {
            try await service.submit(try decodeSubmission(#"{"surveyToken":"t1","answers":\#(answers)}"#)) { await tokens.consume($0) }
        }.map(APIError.from)
        #expect(error?.status.code == 400)
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
        #expect(error.map { $0.message.hasSuffix(".") && !$0.message.dropLast().contains(". ") } == true, "one sentence")
        #expect(try storedRows(store).isEmpty)
        #expect(await tokens.asked.isEmpty)
    }

    // MARK: Raffle

    @Test("A raffle token gives one ticket, once, with the prize in the asked language or German")
    func raffleEntry() async throws {
        let (service, store) = try makeService()
        let tokens = FakeTokens(["t1", "t2", "t3"])
        func raffleToken(_ survey: String, language: String?) async throws -> String {
            let body = SurveySubmission(surveyToken: survey, language: language, answers: ["satisfaction": .one("3")])
            return try #require(try await service.submit(body) { await tokens.consume($0) }.raffleToken)
        }
        let first = try await raffleToken("t1", language: "en")
        let entry = try await service.enterRaffle(RaffleEntryRequest(raffleToken: first))
        #expect(RaffleTicketCode.isValid(entry.ticket))
        #expect(entry.prize == "Willich voucher, €15", "the survey's language")
        let reuse = await #expect(throws: SurveyError.self) { try await service.enterRaffle(RaffleEntryRequest(raffleToken: first)) }.map(APIError.from)
        #expect(reuse?.status.code == 403)

        let second = try await raffleToken("t2", language: "uk")
        #expect(try await service.enterRaffle(RaffleEntryRequest(raffleToken: second)).prize == "Willich-Gutschein, 15 €")
        let third = try await raffleToken("t3", language: nil)
        #expect(try await service.enterRaffle(RaffleEntryRequest(raffleToken: third, language: "en")).prize == "Willich voucher, €15")

        let tickets = try store.raffleTickets()
        #expect(tickets.count == 3)
        #expect(tickets.allSatisfy { $0.day == "2026-03-04" })
        // Nothing ties a ticket to an answer: the tables share no column but the day.
        #expect(try store.surveyAnswerCount() == 3)
    }

    @Test("Raffle tokens expire after 30 minutes")
    func raffleTokenExpires() async {
        let tokens = RaffleTokens()
        let start = Date(timeIntervalSince1970: 1_000_000)
        let a = await tokens.issue(language: nil, at: start)
        let b = await tokens.issue(language: "en", at: start)
        #expect(await tokens.consume(a, at: start.addingTimeInterval(1799)) != nil)
        #expect(await tokens.consume(b, at: start.addingTimeInterval(1800)) == nil)
    }

    @Test("Without the raffle there is no raffle token, and joining answers 404")
    func raffleDisabled() async throws {
        let json = surveyJSON.replacingOccurrences(of: #""enabled":true"#, with: #""enabled":false"#)
        let (service, _) = try makeService(json)
        let tokens = FakeTokens(["t1"])
        let answer = try await service.submit(SurveySubmission(surveyToken: "t1", answers: ["satisfaction": .one("5")])) { await tokens.consume($0) }
        #expect(answer.raffleToken == nil)
        let encoded = String(decoding: try APIJSON.encoder().encode(answer), as: UTF8.self)
        #expect(encoded == "{}")
        let error = await #expect(throws: SurveyError.self) { try await service.enterRaffle(RaffleEntryRequest(raffleToken: "x")) }.map(APIError.from)
        #expect(error?.status.code == 404)
    }

    @Test("Tickets: eight characters without 0, O, 1 or I, as XXXX-XXXX")
    func ticketFormat() {
        var seen: Set<String> = []
        for _ in 0..<2000 {
            let t = RaffleTicketCode.generate()
            #expect(RaffleTicketCode.isValid(t))
            #expect(t.count == 9 && t[t.index(t.startIndex, offsetBy: 4)] == "-")
            #expect(!t.contains { "0O1I".contains($0) })
            seen.insert(t)
        }
        #expect(seen.count == 2000)
        #expect(!RaffleTicketCode.isValid("K7Q2-9XM0"))
        #expect(!RaffleTicketCode.isValid("K7Q29XMP"))
    }

    // MARK: Draw

    private func storeWithTickets(_ tickets: [String]) throws -> (SurveyService, LockerStore) {
        let (service, store) = try makeService()
        for t in tickets { _ = try store.addRaffleTicket(day: "2026-03-04") { t } }
        return (service, store)
    }

    @Test("The list digest and the HMACs are what sha256sum and openssl compute")
    func drawKnownVector() throws {
        #expect(RaffleDraw.listDigest(["K7Q2-9XMP", "BBBB-BBBB", "AAAA-AAAA"])
                == "f676059e06bb0446397446fed94dc1aa3f93f092ea258fbc4b597affe70e5325")
        let seed = try #require(RaffleDraw.seed(hex: "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"))
        #expect(RaffleDraw.score("K7Q2-9XMP", seed: seed) == "423a3f7df5323b54f50a26c55fee346946c87dae1a9307a5374aa62fa5f2ea0b")
        let result = RaffleDraw.draw(tickets: ["AAAA-AAAA", "BBBB-BBBB", "K7Q2-9XMP"], winners: 2, seed: seed, prize: nil)
        #expect(result.winners == [
            .init(rank: 1, ticket: "BBBB-BBBB", hmac: "25cf0605451bbef321a598c9aa747c801c0277ba745892999fcd16c929639a03"),
            .init(rank: 2, ticket: "K7Q2-9XMP", hmac: "423a3f7df5323b54f50a26c55fee346946c87dae1a9307a5374aa62fa5f2ea0b"),
        ])
        #expect(result.seed == "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
    }

    @Test("The same seed on the same tickets draws the same winners; the draw is audited")
    func drawIsReproducible() throws {
        let tickets = (0..<50).map { _ in RaffleTicketCode.generate() }
        let (service, store) = try storeWithTickets(tickets)
        let first = try service.draw(RaffleDrawRequest(winners: 3), by: Actor("clerk1"))
        #expect(first.tickets == 50)
        #expect(first.seed.count == 64)
        #expect(first.winners.count == 3)
        #expect(first.prize == "Willich-Gutschein, 15 €")
        #expect(first.ticketListSHA256 == RaffleDraw.listDigest(tickets))
        let repeated = try service.draw(RaffleDrawRequest(winners: 3, seed: first.seed.uppercased()), by: Actor("clerk2"))
        #expect(repeated == first)
        // Drawing fewer with the same seed gives the first of the same ranking.
        let one = try service.draw(RaffleDrawRequest(winners: 1, seed: first.seed), by: Actor("clerk2"))
        #expect(one.winners == [first.winners[0]])
        // A fresh seed is a fresh draw.
        let other = try service.draw(RaffleDrawRequest(winners: 3), by: Actor("clerk1"))
        #expect(other.seed != first.seed)

        // The same tickets in another database give the same winners for the same seed.
        let (elsewhere, _) = try storeWithTickets(tickets.reversed())
        #expect(try elsewhere.draw(RaffleDrawRequest(winners: 3, seed: first.seed), by: Actor("auditor")).winners == first.winners)

        let draws = try store.auditLog().filter { $0.action == "raffle-draw" }
        #expect(draws.count == 4)
        #expect(draws.first?.osUser == "clerk1")
        #expect(draws.first?.detail?.contains(first.seed) == true)
        #expect(draws.first?.detail?.contains(first.winners[0].ticket) == true)
    }

    @Test("Draw refusals: no winners, too many, a bad seed, no tickets")
    func drawRefusals() throws {
        let (service, _) = try storeWithTickets(["AAAA-AAAA", "BBBB-BBBB"])
        let cases: [(RaffleDrawRequest, Int)] = [
            (RaffleDrawRequest(winners: 0), 400),
            (RaffleDrawRequest(winners: 3), 400),
            (RaffleDrawRequest(winners: 1, seed: "xyz"), 400),
            (RaffleDrawRequest(winners: 1, seed: "abc"), 400),
            (RaffleDrawRequest(winners: 1, seed: "00ff"), 400),
        ]
        for (request, status) in cases {
            let error = #expect(throws: SurveyError.self) { try service.draw(request, by: Actor("clerk1")) }.map(APIError.from)
            #expect(error?.status.code == status)
        }
        let (empty, _) = try makeService()
        let error = #expect(throws: SurveyError.self) { try empty.draw(RaffleDrawRequest(winners: 1), by: Actor("clerk1")) }.map(APIError.from)
        #expect(error?.status.code == 409)
    }

    @Test("Closing the raffle needs confirmation, deletes every ticket and is audited")
    func close() throws {
        let (service, store) = try storeWithTickets(["AAAA-AAAA", "BBBB-BBBB"])
        let refused = #expect(throws: SurveyError.self) { try service.close(RaffleCloseRequest(confirm: false), by: Actor("clerk1")) }.map(APIError.from)
        #expect(refused?.status.code == 400)
        #expect(try service.tickets().count == 2)
        #expect(try service.close(RaffleCloseRequest(confirm: true), by: Actor("clerk1")) == DeletedCount(deleted: 2))
        let list = try service.tickets()
        #expect(list.count == 0 && list.tickets.isEmpty)
        #expect(try store.auditLog().last?.action == "raffle-close")
    }

    @Test("A participant can withdraw one ticket by showing it")
    func removeTicket() throws {
        let (service, store) = try storeWithTickets(["AAAA-AAAA", "K7Q2-9XMP"])
        #expect(try service.removeTicket(" k7q2-9xmp ", by: Actor("clerk1")) == DeletedCount(deleted: 1))
        #expect(try store.raffleTickets().map(\.ticket) == ["AAAA-AAAA"])
        #expect(try store.auditLog().last?.action == "raffle-remove")
        #expect((#expect(throws: SurveyError.self) { try service.removeTicket("K7Q2-9XMP", by: Actor("clerk1")) }.map(APIError.from))?.status.code == 404)
        #expect((#expect(throws: SurveyError.self) { try service.removeTicket("K7Q2-9XM0", by: Actor("clerk1")) }.map(APIError.from))?.status.code == 400)
    }

    @Test("The ticket list is sorted and carries the digest the draw uses")
    func ticketList() throws {
        let (service, _) = try storeWithTickets(["K7Q2-9XMP", "AAAA-AAAA"])
        let list = try service.tickets()
        #expect(list.tickets.map(\.ticket) == ["AAAA-AAAA", "K7Q2-9XMP"])
        #expect(list.ticketListSHA256 == RaffleDraw.listDigest(["AAAA-AAAA", "K7Q2-9XMP"]))
        #expect(list.prize == "Willich-Gutschein, 15 €")
    }

    // MARK: Report

    @Test("The report counts per question, scores satisfaction and relates responses to pickups")
    func report() throws {
        let (service, store) = try makeService()
        try store.saveSurveyAnswers(["satisfaction": .one("5"), "improvements": .many(["waiting", "signage"])], day: "2026-03-02")
        try store.saveSurveyAnswers(["satisfaction": .one("4"), "use-again": .one("yes")], day: "2026-03-03")
        try store.saveSurveyAnswers(["satisfaction": .one("2"), "improvements": .many(["waiting"])], day: "2026-03-03")
        try store.saveSurveyAnswers(["satisfaction": .one("1")], day: "2026-02-01")
        try store.saveSurveyAnswers(["gone": .one("x")], day: "2026-03-03")  // a question since removed

        let r = try service.report(from: "2026-03-01", to: "2026-03-31", language: "de", by: Actor("clerk1"))
        #expect(r.responses == 4)
        #expect(r.pickups == 0 && r.responseRate == nil)
        #expect(r.questions.map(\.id) == ["satisfaction", "improvements", "use-again", "gone"])
        let satisfaction = r.questions[0]
        #expect(satisfaction.title == "Wie zufrieden?")
        #expect(satisfaction.answered == 3)
        #expect(satisfaction.options.map(\.count) == [0, 1, 0, 1, 1])
        #expect(satisfaction.options.map(\.label) == ["sehr unzufrieden", "unzufrieden", "teils", "zufrieden", "sehr zufrieden"])
        #expect(satisfaction.mean == 3.67)
        #expect(satisfaction.satisfiedShare == 0.6667)
        #expect(r.satisfaction == SurveyReport.Satisfaction(question: "satisfaction", answers: 3, mean: 3.67, satisfiedShare: 0.6667))
        let improvements = r.questions[1]
        #expect(improvements.answered == 2)
        #expect(improvements.options.map(\.count) == [2, 1, 0])
        #expect(improvements.options.map(\.share) == [1, 0.5, 0])
        #expect(r.questions[3].type == "unknown")
        #expect(r.questions[3].options.map(\.id) == ["x"])

        let english = try service.report(from: nil, to: nil, language: "en", by: Actor("clerk1"))
        #expect(english.responses == 5)
        #expect(english.questions[0].title == "How satisfied?")
        #expect(english.questions[0].options[3].label == "satisfied")
        #expect(english.questions[0].options[0].label == "sehr unzufrieden", "German when there is no translation")

        // Every report is on record.
        let audit = try store.auditLog().filter { $0.action == "survey-report" }
        #expect(audit.count == 2)
        #expect(audit.first?.detail == "2026-03-01 to 2026-03-31: 4 responses")
    }

    @Test("Report refusals: a wrong date, or a period that ends before it starts")
    func reportRefusals() throws {
        let (service, _) = try makeService()
        for (from, to) in [("2026-13-01", nil), (nil, "31.03.2026"), ("+202-03-04", nil), ("2026-04-01", "2026-03-01")] as [(String?, String?)] {
            let error = #expect(throws: SurveyError.self) { try service.report(from: from, to: to, language: nil, by: Actor("clerk1")) }.map(APIError.from)
            #expect(error?.status.code == 400)
        }
    }

    @Test("The report's JSON is stable: sorted keys, same bytes for the same data")
    func reportJSONIsStable() throws {
        let (service, store) = try makeService()
        try store.saveSurveyAnswers(["satisfaction": .one("5")], day: "2026-03-02")
        let a = try APIJSON.encoder().encode(try service.report(from: nil, to: nil, language: nil, by: Actor("c")))
        let b = try APIJSON.encoder().encode(try service.report(from: nil, to: nil, language: nil, by: Actor("c")))
        #expect(a == b)
        let text = String(decoding: a, as: UTF8.self)
        #expect(text.hasPrefix(#"{"definitionMissing":false,"language":"de","pickups":0,"questions":["#))
    }

    @Test("Without survey.json the report still shows the stored answers by their ids")
    func reportWithoutDefinition() throws {
        let (service, store) = try makeService(nil)
        try store.saveSurveyAnswers(["satisfaction": .one("5")], day: "2026-03-02")
        let r = try service.report(from: nil, to: nil, language: nil, by: Actor("clerk1"))
        #expect(r.definitionMissing)
        #expect(r.questions.map(\.id) == ["satisfaction"])
        #expect(r.questions[0].options == [.init(id: "5", label: "5", count: 1, share: 1)])
    }

    @Test("Purging needs a date and confirmation")
    func purge() throws {
        let (service, store) = try makeService()
        try store.saveSurveyAnswers(["satisfaction": .one("5")], day: "2024-01-02")
        try store.saveSurveyAnswers(["satisfaction": .one("4")], day: "2026-03-02")
        #expect((#expect(throws: SurveyError.self) { try service.purge(SurveyPurgeRequest(before: "2025-01-01", confirm: false), by: Actor("c")) }.map(APIError.from))?.status.code == 400)
        #expect((#expect(throws: SurveyError.self) { try service.purge(SurveyPurgeRequest(before: "2025", confirm: true), by: Actor("c")) }.map(APIError.from))?.status.code == 400)
        #expect(try service.purge(SurveyPurgeRequest(before: "2025-01-01", confirm: true), by: Actor("c")) == DeletedCount(deleted: 1))
        #expect(try store.surveyAnswerCount() == 1)
    }

    @Test("Answering the survey writes no log line")
    func nothingLogged() async throws {
        let log = LogCapture()
        let (service, _) = try makeService(log: log)
        let tokens = FakeTokens(["t1"])
        let answer = try await service.submit(SurveySubmission(surveyToken: "t1", answers: ["satisfaction": .one("5")])) { await tokens.consume($0) }
        _ = try await service.enterRaffle(RaffleEntryRequest(raffleToken: try #require(answer.raffleToken)))
        #expect(log.all.isEmpty)
    }
}
