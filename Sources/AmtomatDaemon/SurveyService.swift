import AmtomatAPI
import AmtomatCore
import AmtomatStore
import Foundation
import Hummingbird
import Logging

/// The anonymous satisfaction survey after a pickup, the voucher raffle, and the clerk's reports.
///
/// Nothing on the survey path logs, counts in metrics or stores anything that could tie an answer to
/// a pickup: the kiosk's one-time survey token is checked and forgotten, the answers are stored with
/// the day only, and a raffle ticket is stored apart from them. See docs/privacy.md.
public struct SurveyService: Sendable {
    let store: LockerStore
    /// nil when survey.json is missing or invalid: the kiosk endpoints then answer 404.
    let definition: SurveyDefinition?
    let logger: Logger
    let raffleTokens: RaffleTokens
    let now: @Sendable () -> Date
    /// The town hall's time zone: a day of answers and a day of pickups begin at its midnight.
    let timeZone: TimeZone

    init(store: LockerStore, files: StaticFiles, logger: Logger) throws {
        self.init(store: store, definitionData: files.data("survey.json"), logger: logger)
    }

    init(store: LockerStore, definitionData: [UInt8]?, logger: Logger,
         now: @escaping @Sendable () -> Date = Date.init, timeZone: TimeZone = .current) {
        self.store = store
        self.definition = Self.loadDefinition(definitionData, logger: logger)
        self.logger = logger
        self.raffleTokens = RaffleTokens()
        self.now = now
        self.timeZone = timeZone
    }

    /// Reads survey.json; a missing or broken file switches the survey off with a warning, never the daemon.
    static func loadDefinition(_ data: [UInt8]?, logger: Logger) -> SurveyDefinition? {
        guard let data else {
            logger.warning("No survey.json among the kiosk files; the survey and the raffle are off.")
            return nil
        }
        let definition: SurveyDefinition
        do {
            definition = try JSONDecoder().decode(SurveyDefinition.self, from: Data(data))
        } catch let error as DecodingError {
            logger.warning("survey.json cannot be read; the survey and the raffle are off. Fix the file and restart amtomatd.",
                           metadata: ["problem": "\(describe(error))"])
            return nil
        } catch {
            logger.warning("survey.json cannot be read; the survey and the raffle are off.", metadata: ["error": "\(error)"])
            return nil
        }
        let problems = definition.problems()
        guard problems.isEmpty else {
            logger.warning("survey.json is not usable; the survey and the raffle are off. Fix the file and restart amtomatd.",
                           metadata: ["problems": "\(problems.joined(separator: " "))"])
            return nil
        }
        return definition
    }

    // MARK: - Routes

    /// Citizen side: POST /api/survey, POST /api/raffle.
    func addRoutes(to router: Router<BasicRequestContext>, controller: LockerController) {
        let service = self
        router.post("/api/survey") { request, _ in
            let body = try await decodeBody(SurveySubmission.self, from: request)
            let submitted = try await service.submit(body) { await controller.consumeSurveyToken($0) }
            return try jsonResponse(submitted)
        }
        router.post("/api/raffle") { request, _ in
            let body = try await decodeBody(RaffleEntryRequest.self, from: request)
            return try jsonResponse(try await service.enterRaffle(body))
        }
    }

    /// Clerk side: reports, raffle draw and close.
    func addControlRoutes(to router: Router<ControlContext>) {
        let service = self
        router.get("/survey/report") { request, context in
            let actor = try context.actor(.clerk)
            let query = request.uri.queryParameters
            func param(_ name: String) -> String? {
                guard let value = query.get(name), !value.isEmpty else { return nil }
                return value
            }
            return try jsonResponse(try service.report(from: param("from"), to: param("to"), language: param("lang"), by: actor))
        }
        router.post("/survey/purge") { request, context in
            let actor = try context.actor(.clerk)
            let body = try await decodeBody(SurveyPurgeRequest.self, from: request)
            return try jsonResponse(try service.purge(body, by: actor))
        }
        router.get("/raffle/tickets") { _, context in
            _ = try context.actor(.clerk)
            return try jsonResponse(try service.tickets())
        }
        router.delete("/raffle/tickets/{ticket}") { _, context in
            let actor = try context.actor(.clerk)
            return try jsonResponse(try service.removeTicket(try context.parameters.require("ticket"), by: actor))
        }
        router.post("/raffle/draw") { request, context in
            let actor = try context.actor(.clerk)
            let body = try await decodeBody(RaffleDrawRequest.self, from: request)
            return try jsonResponse(try service.draw(body, by: actor))
        }
        router.post("/raffle/close") { request, context in
            let actor = try context.actor(.clerk)
            let body = try await decodeBody(RaffleCloseRequest.self, from: request)
            return try jsonResponse(try service.close(body, by: actor))
        }
    }

    // MARK: - Citizen

    func requireDefinition() throws -> SurveyDefinition {
        guard let definition else { throw SurveyError.noSurvey }
        return definition
    }

    /// Validates first, so a wrong body neither stores anything nor uses up the token; then consumes
    /// the token and stores the answers with today's date only.
    func submit(_ body: SurveySubmission, consumeToken: (String) async -> Bool) async throws -> SurveySubmitted {
        let definition = try requireDefinition()
        let answers = try definition.validate(body.answers)
        guard !body.surveyToken.isEmpty, await consumeToken(body.surveyToken) else { throw SurveyError.surveyTokenInvalid }
        try store.saveSurveyAnswers(answers, day: SurveyDay.of(now(), in: timeZone))
        guard definition.raffleEnabled else { return SurveySubmitted(raffleToken: nil) }
        return SurveySubmitted(raffleToken: await raffleTokens.issue(language: LanguageCode.plausible(body.language), at: now()))
    }

    /// One ticket per raffle token; the prize in the requested language, else the survey's, else German.
    func enterRaffle(_ body: RaffleEntryRequest) async throws -> RaffleEntry {
        let definition = try requireDefinition()
        guard let raffle = definition.raffle, raffle.enabled else { throw SurveyError.raffleNotRunning }
        guard let token = await raffleTokens.consume(body.raffleToken, at: now()) else { throw SurveyError.raffleTokenInvalid }
        let ticket = try store.addRaffleTicket(day: SurveyDay.of(now(), in: timeZone), generate: RaffleTicketCode.generate)
        let prize = raffle.prize.text(in: LanguageCode.plausible(body.language) ?? token.language) ?? ""
        return RaffleEntry(ticket: ticket, prize: prize)
    }

    // MARK: - Clerk: reports

    func report(from: String?, to: String?, language: String?, by actor: Actor) throws -> SurveyReport {
        let period = try SurveyPeriod(from: from, to: to)
        let tally = try store.surveyTally(from: from, to: to, timeZone: timeZone)
        let report = SurveyStatistics.report(tally, definition: definition, period: period,
                                             language: LanguageCode.plausible(language) ?? "de")
        // Narrow periods could single out a day's few respondents; every report is on record.
        try store.record(AuditEntry(at: now(), osUser: actor.name, action: .surveyReport,
                                    detail: "\(period): \(tally.responses) response\(tally.responses == 1 ? "" : "s")"))
        return report
    }

    func purge(_ body: SurveyPurgeRequest, by actor: Actor) throws -> DeletedCount {
        let before = try SurveyDay.require(body.before, example: "2024-12-31")
        guard body.confirm else { throw SurveyError.purgeNotConfirmed(before: before) }
        return DeletedCount(deleted: try store.deleteSurveyAnswers(before: before, by: actor, at: now()))
    }

    // MARK: - Clerk: raffle

    var prize: String? { definition?.raffle?.prize.text(in: "de") }

    func tickets() throws -> RaffleTicketList {
        let records = try store.raffleTickets()
        return RaffleTicketList(count: records.count, ticketListSHA256: RaffleDraw.listDigest(records.map(\.ticket)),
                                prize: prize, tickets: records.map { RaffleTicketView(ticket: $0.ticket, day: $0.day) })
    }

    func draw(_ body: RaffleDrawRequest, by actor: Actor) throws -> RaffleDrawResult {
        var rng = SystemRandomNumberGenerator()
        let terms = try RaffleDraw.Terms(winners: body.winners, seed: body.seed, using: &rng)
        let result = try terms.draw(tickets: try store.raffleTickets().map(\.ticket), prize: prize)
        try store.record(AuditEntry(
            at: now(), osUser: actor.name, action: .raffleDraw,
            detail: "\(result.winners.count) of \(result.tickets) tickets (list SHA-256 \(result.ticketListSHA256)), seed \(result.seed): \(result.winners.map(\.ticket).joined(separator: ", "))"))
        return result
    }

    /// A participant withdraws (Art. 7(3) DSGVO) by showing the ticket; nothing else identifies it.
    func removeTicket(_ text: String, by actor: Actor) throws -> DeletedCount {
        let ticket = try RaffleTicketCode.read(text)
        guard try store.deleteRaffleTicket(ticket, by: actor, at: now()) else { throw SurveyError.unknownTicket(ticket) }
        return DeletedCount(deleted: 1)
    }

    func close(_ body: RaffleCloseRequest, by actor: Actor) throws -> DeletedCount {
        guard body.confirm else { throw SurveyError.closeNotConfirmed }
        return DeletedCount(deleted: try store.closeRaffle(by: actor, at: now()))
    }
}

// MARK: - Raffle tokens and tickets

/// Raffle tokens, in memory only: one-time, valid 30 minutes, never written anywhere.
actor RaffleTokens {
    struct Entry {
        /// The survey's language, for the prize text when joining the raffle names none.
        var language: String?
    }

    private var tokens = OneTimeTokens<Entry>()

    func issue(language: String?, at now: Date) -> String {
        var rng = SystemRandomNumberGenerator()
        let token = OneTimeTokens<Entry>.hexToken(using: &rng)
        tokens.insert(token, Entry(language: language), at: now)
        return token
    }

    func consume(_ token: String, at now: Date) -> Entry? { tokens.consume(token, at: now) }
}

// The system's cryptographically secure generator (getrandom on Linux) for the core's raffle rules.

extension RaffleTicketCode {
    static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return generate(using: &rng)
    }
}
