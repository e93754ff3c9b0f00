import AmtomatAPI
import AmtomatCore
import AmtomatStore
import Crypto
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
        guard let definition else {
            throw APIError(.notFound, "No survey is configured on this locker (survey.json is missing or invalid); see the daemon's log.")
        }
        return definition
    }

    /// Validates first, so a wrong body neither stores anything nor uses up the token; then consumes
    /// the token and stores the answers with today's date only.
    func submit(_ body: SurveySubmission, consumeToken: (String) async -> Bool) async throws -> SurveySubmitted {
        let definition = try requireDefinition()
        let answers = try Self.validate(body.answers, against: definition)
        guard !body.surveyToken.isEmpty, await consumeToken(body.surveyToken) else {
            throw APIError(.forbidden, "This survey can no longer be answered: each pickup may answer once, within 30 minutes of collecting the document.")
        }
        try store.saveSurveyAnswers(answers, day: SurveyDay.of(now(), in: timeZone))
        guard definition.raffleEnabled else { return SurveySubmitted(raffleToken: nil) }
        return SurveySubmitted(raffleToken: await raffleTokens.issue(language: Self.language(body.language), at: now()))
    }

    /// One ticket per raffle token; the prize in the requested language, else the survey's, else German.
    func enterRaffle(_ body: RaffleEntryRequest) async throws -> RaffleEntry {
        let definition = try requireDefinition()
        guard let raffle = definition.raffle, raffle.enabled else {
            throw APIError(.notFound, "The raffle is not running at the moment; there is nothing to join.")
        }
        guard let token = await raffleTokens.consume(body.raffleToken, at: now()) else {
            throw APIError(.forbidden, "This raffle entry is no longer valid: each survey gives one ticket, within 30 minutes.")
        }
        let ticket = try store.addRaffleTicket(day: SurveyDay.of(now(), in: timeZone), generate: RaffleTicketCode.generate)
        let prize = raffle.prize.text(in: Self.language(body.language) ?? token.language) ?? ""
        return RaffleEntry(ticket: ticket, prize: prize)
    }

    /// Checks every answer against the definition and puts it in canonical form: option lists in the
    /// order of survey.json, empty lists dropped.
    static func validate(_ answers: [String: SurveyAnswer], against definition: SurveyDefinition) throws -> [String: StoredSurveyAnswer] {
        var stored: [String: StoredSurveyAnswer] = [:]
        for questionID in answers.keys.sorted() {
            guard let answer = answers[questionID] else { continue }
            guard let question = definition.questions.first(where: { $0.id == questionID }) else {
                let known = definition.questions.map(\.id).joined(separator: ", ")
                throw APIError(.badRequest, "The survey has no question '\(questionID)'; send only these question ids: \(known).")
            }
            let optionIDs = question.options.map(\.id)
            func check(_ option: String) throws {
                guard optionIDs.contains(option) else {
                    throw APIError(.badRequest, "Question '\(questionID)' has no option '\(option)'; use one of \(optionIDs.joined(separator: ", ")).")
                }
            }
            switch (question.type, answer) {
            case (.scale5, .one(let option)), (.single, .one(let option)):
                try check(option)
                stored[questionID] = .one(option)
            case (.scale5, .many), (.single, .many):
                throw APIError(.badRequest, "Question '\(questionID)' takes one answer; send one option id as a string, for example \"\(optionIDs[0])\".")
            case (.multi, .one):
                throw APIError(.badRequest, "Question '\(questionID)' takes a list of answers; send the option ids in an array, for example [\"\(optionIDs[0])\"].")
            case (.multi, .many(let options)):
                for option in options { try check(option) }
                guard Set(options).count == options.count else {
                    throw APIError(.badRequest, "Question '\(questionID)' lists an option more than once; send each option id once.")
                }
                if !options.isEmpty { stored[questionID] = .many(optionIDs.filter(options.contains)) }
            }
        }
        guard !stored.isEmpty else {
            throw APIError(.badRequest, "No question was answered; answer at least one question or skip the survey.")
        }
        return stored
    }

    /// A language code is only used to pick a text; anything that does not look like one is ignored.
    static func language(_ text: String?) -> String? {
        guard let text, (2...8).contains(text.count), text.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") }) else { return nil }
        return text
    }

    // MARK: - Clerk: reports

    func report(from: String?, to: String?, language: String?, by actor: Actor) throws -> SurveyReport {
        for day in [from, to].compactMap({ $0 }) where !SurveyDay.isValid(day) {
            throw APIError(.badRequest, "'\(day)' is not a date; write it as YYYY-MM-DD, for example 2026-03-31.")
        }
        if let from, let to, from > to {
            throw APIError(.badRequest, "The period starts on \(from), after it ends on \(to); swap --from and --to.")
        }
        let language = Self.language(language) ?? "de"
        let tally = try store.surveyTally(from: from, to: to, timeZone: timeZone)
        let report = Self.buildReport(tally, definition: definition, from: from, to: to, language: language)
        // Narrow periods could single out a day's few respondents; every report is on record.
        try store.record(AuditEntry(at: now(), osUser: actor.name, action: .surveyReport,
                                    detail: "\(from ?? "first day") to \(to ?? "last day"): \(tally.responses) response\(tally.responses == 1 ? "" : "s")"))
        return report
    }

    static func buildReport(_ tally: SurveyTally, definition: SurveyDefinition?, from: String?, to: String?,
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
                let values = Dictionary(uniqueKeysWithValues: q.options.enumerated().map { ($1.id, Int($1.id) ?? $0 + 1) })
                let scored = counts.compactMap { id, n in values[id].map { ($0, n) } }
                let n = scored.reduce(0) { $0 + $1.1 }
                if n > 0 {
                    question.mean = round(Double(scored.reduce(0) { $0 + $1.0 * $1.1 }) / Double(n), places: 2)
                    question.satisfiedShare = round(Double(scored.filter { $0.0 >= 4 }.reduce(0) { $0 + $1.1 }) / Double(n), places: 4)
                }
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
        let scale = questions.first { $0.type == "scale5" && $0.id == "satisfaction" } ?? questions.first { $0.type == "scale5" }
        let satisfaction = scale.flatMap { q in
            q.mean.map { mean in
                SurveyReport.Satisfaction(question: q.id, answers: q.options.reduce(0) { $0 + $1.count }, mean: mean,
                                          satisfiedShare: q.satisfiedShare ?? 0)
            }
        }
        return SurveyReport(from: from, to: to, language: language, responses: tally.responses, pickups: tally.pickups,
                            responseRate: tally.responseRate.map { round($0, places: 4) }, satisfaction: satisfaction,
                            questions: questions, definitionMissing: definition == nil)
    }

    private static func option(_ id: String, label: String, count: Int, of answered: Int) -> SurveyReport.OptionCount {
        SurveyReport.OptionCount(id: id, label: label, count: count,
                                 share: answered > 0 ? round(Double(count) / Double(answered), places: 4) : 0)
    }

    private static func round(_ value: Double, places: Int) -> Double {
        let factor = pow(10, Double(places))
        return (value * factor).rounded() / factor
    }

    func purge(_ body: SurveyPurgeRequest, by actor: Actor) throws -> DeletedCount {
        guard SurveyDay.isValid(body.before) else {
            throw APIError(.badRequest, "'\(body.before)' is not a date; write it as YYYY-MM-DD, for example 2024-12-31.")
        }
        guard body.confirm else {
            throw APIError(.badRequest, "Purging deletes the survey answers of every day before \(body.before); confirm with --yes.")
        }
        return DeletedCount(deleted: try store.deleteSurveyAnswers(before: body.before, by: actor, at: now()))
    }

    // MARK: - Clerk: raffle

    var prize: String? { definition?.raffle?.prize.text(in: "de") }

    func tickets() throws -> RaffleTicketList {
        let records = try store.raffleTickets()
        return RaffleTicketList(count: records.count, ticketListSHA256: RaffleDraw.listDigest(records.map(\.ticket)),
                                prize: prize, tickets: records.map { RaffleTicketView(ticket: $0.ticket, day: $0.day) })
    }

    func draw(_ body: RaffleDrawRequest, by actor: Actor) throws -> RaffleDrawResult {
        guard body.winners >= 1 else {
            throw APIError(.badRequest, "Draw at least one winner; use --winners 1 or more.")
        }
        let seed: [UInt8]
        if let text = body.seed {
            guard let parsed = RaffleDraw.seed(hex: text) else {
                throw APIError(.badRequest, "The seed must be 16 to 128 hexadecimal digits (8 to 64 bytes), such as the 64 digits an earlier draw printed.")
            }
            seed = parsed
        } else {
            seed = RaffleDraw.randomSeed()
        }
        let tickets = try store.raffleTickets().map(\.ticket)
        guard !tickets.isEmpty else {
            throw APIError(.conflict, "There are no raffle tickets to draw from; wait until citizens have taken part.")
        }
        guard body.winners <= tickets.count else {
            throw APIError(.badRequest, "Only \(tickets.count) ticket\(tickets.count == 1 ? " is" : "s are") in the raffle; draw at most \(tickets.count) winner\(tickets.count == 1 ? "" : "s").")
        }
        let result = RaffleDraw.draw(tickets: tickets, winners: body.winners, seed: seed, prize: prize)
        try store.record(AuditEntry(
            at: now(), osUser: actor.name, action: .raffleDraw,
            detail: "\(result.winners.count) of \(result.tickets) tickets (list SHA-256 \(result.ticketListSHA256)), seed \(result.seed): \(result.winners.map(\.ticket).joined(separator: ", "))"))
        return result
    }

    /// A participant withdraws (Art. 7(3) DSGVO) by showing the ticket; nothing else identifies it.
    func removeTicket(_ text: String, by actor: Actor) throws -> DeletedCount {
        let ticket = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard RaffleTicketCode.isValid(ticket) else {
            throw APIError(.badRequest, "'\(text)' is not a raffle ticket; type the eight characters shown on the kiosk, for example K7Q2-9XMP.")
        }
        guard try store.deleteRaffleTicket(ticket, by: actor, at: now()) else {
            throw APIError(.notFound, "Ticket \(ticket) is not in the raffle; check the characters or see 'amtomat raffle list'.")
        }
        return DeletedCount(deleted: 1)
    }

    func close(_ body: RaffleCloseRequest, by actor: Actor) throws -> DeletedCount {
        guard body.confirm else {
            throw APIError(.badRequest, "Closing the raffle deletes every ticket; confirm with --yes.")
        }
        return DeletedCount(deleted: try store.closeRaffle(by: actor, at: now()))
    }
}

// MARK: - Raffle tokens and tickets

/// Raffle tokens, in memory only: one-time, valid 30 minutes, never written anywhere.
actor RaffleTokens {
    struct Entry {
        var issued: Date
        var language: String?
    }

    static let lifetime: TimeInterval = 1800
    private var entries: [String: Entry] = [:]

    func issue(language: String?, at now: Date) -> String {
        entries = entries.filter { now.timeIntervalSince($0.value.issued) < Self.lifetime }
        var rng = SystemRandomNumberGenerator()
        let token = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        entries[token] = Entry(issued: now, language: language)
        return token
    }

    func consume(_ token: String, at now: Date) -> Entry? {
        guard let entry = entries.removeValue(forKey: token), now.timeIntervalSince(entry.issued) < Self.lifetime else { return nil }
        return entry
    }
}

/// Raffle tickets: 8 random characters from 32 that cannot be mistaken for one another, as XXXX-XXXX.
enum RaffleTicketCode {
    /// No 0/O and no 1/I; 32 symbols, so each is drawn without bias.
    static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return generate(using: &rng)
    }

    static func generate<G: RandomNumberGenerator>(using rng: inout G) -> String {
        let chars = (0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
        return String(chars[0..<4]) + "-" + String(chars[4..<8])
    }

    static func isValid(_ ticket: String) -> Bool {
        let parts = ticket.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { $0.count == 4 && $0.allSatisfy(alphabet.contains) }
    }
}

/// The verifiable draw: anyone with the ticket list and the seed gets the same winners.
///
/// Each ticket's HMAC-SHA256, keyed with the seed's bytes, over the ticket's text decides its place;
/// the lowest win. Nobody can steer the outcome without choosing the seed, and the seed, the list's
/// digest and the winners all go into the audit log, so a repeated draw with another seed shows.
public enum RaffleDraw {
    public static func method(winners: Int) -> String {
        "HMAC-SHA256 of each ticket's text (UTF-8, e.g. K7Q2-9XMP) keyed with the seed's bytes; tickets sorted by that HMAC in ascending hex order; the first \(winners) win\(winners == 1 ? "s" : "")"
    }

    /// SHA-256 (lowercase hex) of the tickets sorted ascending, one per line, each followed by "\n":
    /// what `sha256sum` prints for such a list.
    public static func listDigest(_ tickets: [String]) -> String {
        hex(SHA256.hash(data: Data(tickets.sorted().map { $0 + "\n" }.joined().utf8)))
    }

    /// Parses a seed of 8 to 64 bytes written in hex (either case).
    public static func seed(hex text: String) -> [UInt8]? {
        let digits = Array(text.trimmingCharacters(in: .whitespaces).lowercased())
        guard digits.count % 2 == 0, (16...128).contains(digits.count) else { return nil }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let b = UInt8(String(digits[i...i + 1]), radix: 16) else { return nil }
            bytes.append(b)
        }
        return bytes
    }

    public static func randomSeed() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    public static func score(_ ticket: String, seed: [UInt8]) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data(ticket.utf8), using: SymmetricKey(data: seed)))
    }

    public static func draw(tickets: [String], winners: Int, seed: [UInt8], prize: String?) -> RaffleDrawResult {
        let ranked = Set(tickets).map { (ticket: $0, hmac: score($0, seed: seed)) }
            .sorted { ($0.hmac, $0.ticket) < ($1.hmac, $1.ticket) }
        let chosen = ranked.prefix(max(0, winners)).enumerated().map {
            RaffleDrawResult.Winner(rank: $0.offset + 1, ticket: $0.element.ticket, hmac: $0.element.hmac)
        }
        return RaffleDrawResult(tickets: tickets.count, ticketListSHA256: listDigest(tickets), seed: hex(seed),
                                method: method(winners: winners), winners: chosen, prize: prize)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
