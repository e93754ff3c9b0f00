import AmtomatAPI
import AmtomatClient
import AmtomatCore
import ArgumentParser
import Foundation

// The clerks' side of the anonymous satisfaction survey and the voucher raffle.

struct Survey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report on the anonymous satisfaction survey.",
        subcommands: [SurveyReportCommand.self, SurveyPurge.self])
}

struct Raffle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, draw and close the voucher raffle.",
        discussion: """
        Draw verifiably: the draw prints the number of tickets, the SHA-256 of the sorted ticket list, \
        the seed and the method. Anyone who runs 'amtomat raffle draw' again with the same --seed on the \
        same tickets gets the same winners. Close the raffle once the prizes are handed out: that deletes \
        every ticket.
        """,
        subcommands: [RaffleList.self, RaffleDrawCommand.self, RaffleRemove.self, RaffleClose.self])
}

/// Checks a --from/--to/--before value before anything is sent.
func validateDay(_ text: String?, option: String) throws {
    if let text, !SurveyDay.isValid(text) {
        throw ValidationError("\(option) '\(text)' is not a date; write it as YYYY-MM-DD, for example 2026-03-31.")
    }
}

// MARK: - survey report

struct SurveyReportCommand: LockerCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show the survey's answers: counts, bars, satisfaction score and response rate.",
        discussion: """
        The response rate is responses / pickups, where pickups are the documents collected in the same \
        days. Every report is recorded in the audit log: a period of a single quiet day could reveal \
        one person's answers, so report on weeks or months.

        Examples:
          amtomat survey report
          amtomat survey report --from 2026-01-01 --to 2026-03-31
          amtomat survey report --from 2026-01-01 --csv > survey.csv
          amtomat survey report --from 2026-01-01 --to 2026-03-31 --html bericht.html
        """)
    @OptionGroup var options: GlobalOptions
    @Option(help: ArgumentHelp("First day of the period (inclusive).", valueName: "YYYY-MM-DD")) var from: String?
    @Option(help: ArgumentHelp("Last day of the period (inclusive).", valueName: "YYYY-MM-DD")) var to: String?
    @Option(help: "Language of question titles and options: de, en, tr, uk or ar.") var language = "de"
    @Flag(help: "Print CSV: one row per question and option with its count.") var csv = false
    @Option(help: ArgumentHelp("Write a self-contained HTML report to this file.", valueName: "file")) var html: String?

    static let languages = ["de", "en", "tr", "uk", "ar"]

    func validate() throws {
        guard Self.languages.contains(language) else {
            throw ValidationError("The report is written in de, en, tr, uk or ar, not '\(language)'; choose one with --language.")
        }
        try validateDay(from, option: "--from")
        try validateDay(to, option: "--to")
        if let from, let to, from > to { throw ValidationError("--from \(from) is after --to \(to); swap them.") }
        if [csv, options.json, html != nil].filter({ $0 }).count > 1 {
            throw ValidationError("Choose one output: --csv, --json or --html FILE.")
        }
    }

    func execute() async throws {
        var query: [String] = ["lang=\(encodeQuery(language))"]
        if let from { query.append("from=\(from)") }
        if let to { query.append("to=\(to)") }
        let report = try await options.get("/survey/report?" + query.joined(separator: "&"), as: SurveyReport.self)
        if options.json { return try options.printJSON(report) }
        if csv { return print(SurveyReportFormat.csv(report), terminator: "") }
        let status = try await options.get("/status", as: StatusView.self)
        let place = SurveyReportFormat.Place(locker: status.locker, office: status.office)
        if let html {
            let page = SurveyReportFormat.html(report, generated: Date(), place: place)
            do {
                try page.write(toFile: html, atomically: true, encoding: .utf8)
            } catch {
                throw Refused(message: "Cannot write \(html) (\(error.localizedDescription)); choose a file in a directory you may write to.", code: 73)
            }
            print("Wrote the report (\(report.responses) response\(report.responses == 1 ? "" : "s")) to \(html).")
            return
        }
        print(SurveyReportFormat.text(report, place: place), terminator: "")
    }
}

func encodeQuery(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
}

// MARK: - survey purge

struct SurveyPurge: LockerCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete the survey answers of every day before a date.",
        discussion: """
        Keep the report (for example the HTML file) first: the answers are gone afterwards. The privacy \
        notice promises deletion after two years.

        Example:
          amtomat survey report --to 2024-12-31 --html bericht-2024.html
          amtomat survey purge --before 2025-01-01 --yes
        """)
    @OptionGroup var options: GlobalOptions
    @Option(help: ArgumentHelp("Delete the answers of all days before this one.", valueName: "YYYY-MM-DD")) var before: String
    @Flag(help: "Confirm the deletion.") var yes = false

    func validate() throws { try validateDay(before, option: "--before") }

    func execute() async throws {
        guard yes else {
            throw Refused(message: "This deletes every survey answer of the days before \(before); run it again with --yes to confirm.", code: 64)
        }
        let result = try await options.post("/survey/purge", SurveyPurgeRequest(before: before, confirm: true), as: DeletedCount.self)
        if options.json { return try options.printJSON(result) }
        print("Deleted \(result.deleted) survey response\(result.deleted == 1 ? "" : "s") of the days before \(before).")
    }
}

// MARK: - raffle

struct RaffleList: LockerCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show how many tickets are in the raffle, and the tickets.",
        discussion: "Example:\n  amtomat raffle list")
    @OptionGroup var options: GlobalOptions

    func execute() async throws {
        let list = try await options.get("/raffle/tickets", as: RaffleTicketList.self)
        if options.json { return try options.printJSON(list) }
        print("\(list.count) ticket\(list.count == 1 ? "" : "s") · SHA-256 of the sorted list: \(list.ticketListSHA256)")
        if let prize = list.prize { print("Prize: \(prize)") }
        for t in list.tickets { print("\(t.ticket)  \(t.day)") }
    }
}

struct RaffleDrawCommand: LockerCommand {
    static let configuration = CommandConfiguration(
        commandName: "draw",
        abstract: "Draw the winners verifiably and print everything needed to repeat the draw.",
        discussion: """
        Each ticket's HMAC-SHA256 keyed with the seed decides its place; the lowest N win. Without --seed \
        the daemon draws 32 random bytes. A second person repeats the draw with the printed seed and gets \
        the same winners as long as the ticket list (see its SHA-256) is the same. Every draw, with its \
        seed and winners, is recorded in the audit log.

        Examples:
          amtomat raffle draw --winners 3
          amtomat raffle draw --winners 3 --seed 5f0c…
        """)
    @OptionGroup var options: GlobalOptions
    @Option(help: "How many winners to draw.") var winners: Int
    @Option(help: ArgumentHelp("The seed in hex (16 to 128 digits); random if not given.", valueName: "hex")) var seed: String?

    func validate() throws {
        if winners < 1 { throw ValidationError("--winners must be at least 1.") }
    }

    func execute() async throws {
        let result = try await options.post("/raffle/draw", RaffleDrawRequest(winners: winners, seed: seed), as: RaffleDrawResult.self)
        if options.json { return try options.printJSON(result) }
        print("Tickets:              \(result.tickets)")
        print("SHA-256 of the list:  \(result.ticketListSHA256)  (sorted tickets, one per line)")
        print("Seed:                 \(result.seed)")
        print("Method:               \(result.method)")
        if let prize = result.prize { print("Prize:                \(prize)") }
        print("Winners:")
        for w in result.winners { print("  \(w.rank). \(w.ticket)   HMAC \(w.hmac)") }
        print("To repeat this draw:  amtomat raffle draw --winners \(result.winners.count) --seed \(result.seed)")
    }
}

struct RaffleRemove: LockerCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Take one ticket out of the raffle, when its holder withdraws and shows the ticket.",
        discussion: "Example:\n  amtomat raffle remove K7Q2-9XMP")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The ticket, as XXXX-XXXX.") var ticket: String

    func execute() async throws {
        let result = try await options.call(.DELETE, "/raffle/tickets/\(encodePath(ticket))").decode(DeletedCount.self)
        if options.json { return try options.printJSON(result) }
        print("Ticket \(ticket.uppercased()) is out of the raffle.")
    }
}

struct RaffleClose: LockerCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "End the raffle: delete every ticket (after the prizes are handed out).",
        discussion: "Example:\n  amtomat raffle close --yes")
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Confirm the deletion.") var yes = false

    func execute() async throws {
        guard yes else {
            let list = try await options.get("/raffle/tickets", as: RaffleTicketList.self)
            throw Refused(message: "Closing deletes every raffle ticket (\(list.count) now); run 'amtomat raffle close --yes' once the prizes are handed out.", code: 64)
        }
        let result = try await options.post("/raffle/close", RaffleCloseRequest(confirm: true), as: DeletedCount.self)
        if options.json { return try options.printJSON(result) }
        print("The raffle is closed: \(result.deleted) ticket\(result.deleted == 1 ? "" : "s") deleted.")
    }
}

// MARK: - Formats

enum SurveyReportFormat {
    /// Where the survey was taken: the locker's name and the office (town) that runs it.
    struct Place: Sendable {
        var locker: String
        var office: String?
    }

    /// A bar of `width` cells for a share of 0...1, in eighths of a cell.
    static func bar(_ share: Double, width: Int = 30) -> String {
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let eighths = Int((min(max(share, 0), 1) * Double(width * 8)).rounded())
        let text = String(repeating: "█", count: eighths / 8) + partials[eighths % 8]
        return text + String(repeating: " ", count: width - text.count)
    }

    /// A label padded to `width` characters, never cut. It is wrapped in Unicode directional
    /// isolates (FSI … PDI), so that an Arabic label stays in its cell and the bar after it is not
    /// pulled to the other side of the line by the terminal's bidirectional layout.
    static func pad(_ s: String, _ width: Int) -> String {
        "\u{2068}" + s + "\u{2069}" + String(repeating: " ", count: max(0, width - s.count))
    }

    static func text(_ r: SurveyReport, place: Place) -> String {
        let t = ReportTexts.forLanguage(r.language)
        var out = "\(t.title) · \(place.locker)\(place.office.map { " · \($0)" } ?? "")\n"
        out += "\(t.period): \(t.period(from: r.from, to: r.to))\n"
        out += "\(t.responses): \(r.responses) · \(t.pickups): \(r.pickups) · \(t.responseRate): \(r.responseRate.map(t.percent) ?? "–")\n"
        if let s = r.satisfaction {
            out += "\(t.satisfactionMean): \(t.number(s.mean, decimals: 2)) · \(t.satisfiedShare): \(t.percent(s.satisfiedShare)) (\(t.answers(s.answers)))\n"
        }
        if r.definitionMissing { out += t.definitionMissing + "\n" }
        if r.responses > 0 && r.responses < 5 { out += t.fewResponses(r.responses) + "\n" }
        for q in r.questions {
            let labelWidth = max(8, q.options.map(\.label.count).max() ?? 8)
            out += "\n\(q.title)\n"
            var summary = "  \(t.answers(q.answered))"
            if q.type == "multi" { summary += ", " + t.severalOptions }
            if let mean = q.mean { summary += " · " + t.fill(t.meanOfFive, t.number(mean, decimals: 2)) }
            out += summary + "\n"
            for o in q.options {
                let count = String(repeating: " ", count: max(0, 5 - "\(o.count)".count)) + "\(o.count)"
                out += "  \(pad(o.label, labelWidth)) \(bar(o.share)) \(count)  \(t.percent(o.share))\n"
            }
        }
        return out
    }

    static func csv(_ r: SurveyReport) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = "question,option,label,count,share\r\n"
        for q in r.questions {
            for o in q.options {
                out += [field(q.id), field(o.id), field(o.label), String(o.count), String(format: "%.4f", o.share)].joined(separator: ",") + "\r\n"
            }
        }
        return out
    }

    // MARK: HTML

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A horizontal bar chart as inline SVG. It is hidden from screen readers: the table after it
    /// carries the same numbers.
    static func svg(_ q: SurveyReport.Question, _ t: ReportTexts) -> String {
        // Wide enough for the longest label: labels are never cut.
        let rowHeight = 30, barWidth = 280, valueWidth = 130
        let labelWidth = max(300, (q.options.map(\.label.count).max() ?? 0) * 8 + 20)
        let width = labelWidth + barWidth + valueWidth
        let height = q.options.count * rowHeight + 10
        var s = "<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" aria-hidden=\"true\" focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (i, o) in q.options.enumerated() {
            let y = 5 + i * rowHeight
            let label = o.label
            let w = max(o.count > 0 ? 2 : 0, Int((o.share * Double(barWidth)).rounded()))
            s += "<text x=\"\(labelWidth - 10)\" y=\"\(y + 19)\" text-anchor=\"end\">\(escape(label))</text>"
            s += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(barWidth)\" height=\"20\" class=\"track\"/>"
            if w > 0 { s += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(w)\" height=\"20\" class=\"bar\"/>" }
            s += "<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 19)\">\(o.count) (\(escape(t.percent(o.share))))</text>"
        }
        return s + "</svg>"
    }

    static func html(_ r: SurveyReport, generated: Date, place: Place) -> String {
        let t = ReportTexts.forLanguage(r.language)
        let lang = escape(r.language)
        let dir = r.language == "ar" ? "rtl" : "ltr"
        let period = escape(t.period(from: r.from, to: r.to))
        let heading = escape("\(t.title) – \(place.locker)")
        var h = """
            <!DOCTYPE html>
            <html lang="\(lang)" dir="\(dir)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(heading) – \(period)</title>
            <style>
            body { font-family: system-ui, "Segoe UI", Arial, sans-serif; color: #111; background: #fff; line-height: 1.5; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
            h1 { font-size: 1.8rem; margin-bottom: .25rem; }
            h2 { font-size: 1.3rem; margin-top: 2.5rem; border-bottom: 2px solid #1f5f99; padding-bottom: .2rem; }
            .lead { font-size: 1.1rem; margin-top: 0; }
            .figures { display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; list-style: none; }
            .figures li { border: 1px solid #767676; border-radius: .4rem; padding: .6rem 1rem; min-width: 10rem; }
            .figures strong { display: block; font-size: 1.6rem; }
            .chart { max-width: 100%; height: auto; font-size: 14px; font-family: inherit; }
            .chart text { fill: #111; }
            .chart .track { fill: #e8eef5; }
            .chart .bar { fill: #1f5f99; }
            table { border-collapse: collapse; margin: 1rem 0; min-width: 24rem; }
            caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
            th, td { border: 1px solid #767676; padding: .3rem .6rem; text-align: left; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            thead th { background: #e8eef5; }
            .note { border-left: 4px solid #9a6700; padding: .4rem .8rem; background: #fff8e5; }
            footer { margin-top: 3rem; font-size: .9rem; color: #333; }
            @media print { body { margin: 0; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
            </style>
            </head>
            <body>
            <main>
            <h1>\(heading)</h1>
            <p class="lead">\(place.office.map { escape($0) + " · " } ?? "")\(escape(t.period)): \(period)</p>
            <ul class="figures">
            <li>\(escape(t.responses))<strong>\(r.responses)</strong></li>
            <li>\(escape(t.pickups))<strong>\(r.pickups)</strong></li>
            <li>\(escape(t.responseRate))<strong>\(r.responseRate.map(t.percent) ?? "–")</strong></li>

            """
        if let s = r.satisfaction {
            h += "<li>\(escape(t.satisfactionMean))<strong>\(t.number(s.mean, decimals: 2))</strong></li>\n"
            h += "<li>\(escape(t.satisfiedShare))<strong>\(t.percent(s.satisfiedShare))</strong></li>\n"
        }
        h += "</ul>\n"
        if r.responses > 0 && r.responses < 5 {
            h += "<p class=\"note\">\(escape(t.fewResponses(r.responses)))</p>\n"
        }
        if r.definitionMissing {
            h += "<p class=\"note\">\(escape(t.definitionMissing))</p>\n"
        }
        for (i, q) in r.questions.enumerated() {
            let id = "q\(i + 1)"
            h += "<section aria-labelledby=\"\(id)\">\n<h2 id=\"\(id)\">\(escape(q.title))</h2>\n"
            var info = t.answers(q.answered)
            if q.type == "multi" { info += " · " + t.severalOptions }
            if let mean = q.mean { info += " · " + t.fill(t.meanOfFive, t.number(mean, decimals: 2)) }
            if let share = q.satisfiedShare { info += " · " + t.fill(t.satisfiedSuffix, t.percent(share)) }
            h += "<p>\(escape(info))</p>\n"
            if q.answered > 0 { h += "<figure>\(svg(q, t))</figure>\n" }
            h += "<table>\n<caption>\(escape(t.fill(t.answersTo, q.title)))</caption>\n"
            h += "<thead><tr><th scope=\"col\">\(escape(t.answer))</th><th scope=\"col\">\(escape(t.count))</th><th scope=\"col\">\(escape(t.share))</th></tr></thead>\n<tbody>\n"
            for o in q.options {
                h += "<tr><th scope=\"row\">\(escape(o.label))</th><td class=\"n\">\(o.count)</td><td class=\"n\">\(escape(t.percent(o.share)))</td></tr>\n"
            }
            h += "</tbody>\n</table>\n</section>\n"
        }
        let stamp = t.moment(generated)
        h += """
            </main>
            <footer>
            <p>\(escape(t.rateExplained))</p>
            <p>\(escape(t.fill(t.generated, stamp))) <code dir="ltr">amtomat survey report</code></p>
            </footer>
            </body>
            </html>

            """
        return h
    }
}
