import AmtomatAPI
import AmtomatClient
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
        Draw verifiably: the draw prints the number of tickets, the SHA-256 of the sorted ticket list,
        the seed and the method. Anyone who runs 'amtomat raffle draw' again with the same --seed on the
        same tickets gets the same winners. Close the raffle once the prizes are handed out: that deletes
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
        The response rate is responses / pickups, where pickups are the documents collected in the same
        days. Every report is recorded in the audit log: a period of a single quiet day could reveal
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

    func validate() throws {
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
        if let html {
            let page = SurveyReportFormat.html(report, generated: Date())
            do {
                try page.write(toFile: html, atomically: true, encoding: .utf8)
            } catch {
                throw Refused(message: "Cannot write \(html) (\(error.localizedDescription)); choose a file in a directory you may write to.", code: 73)
            }
            print("Wrote the report (\(report.responses) response\(report.responses == 1 ? "" : "s")) to \(html).")
            return
        }
        print(SurveyReportFormat.text(report), terminator: "")
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
        Keep the report (for example the HTML file) first: the answers are gone afterwards. The privacy
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
        Each ticket's HMAC-SHA256 keyed with the seed decides its place; the lowest N win. Without --seed
        the daemon draws 32 random bytes. A second person repeats the draw with the printed seed and gets
        the same winners as long as the ticket list (see its SHA-256) is the same. Every draw, with its
        seed and winners, is recorded in the audit log.

        Examples:
          amtomat raffle draw --winners 3
          amtomat raffle draw --winners 3 --seed 5f0c…  (the 64 hex digits of the first draw)
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
    static func period(_ r: SurveyReport) -> String {
        switch (r.from, r.to) {
        case (nil, nil): "all days"
        case let (from?, nil): "from \(from)"
        case let (nil, to?): "until \(to)"
        case let (from?, to?): from == to ? "on \(from)" : "\(from) to \(to)"
        }
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f %%", share * 100) }

    /// A bar of `width` cells for a share of 0...1, in eighths of a cell.
    static func bar(_ share: Double, width: Int = 30) -> String {
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let eighths = Int((min(max(share, 0), 1) * Double(width * 8)).rounded())
        let text = String(repeating: "█", count: eighths / 8) + partials[eighths % 8]
        return text + String(repeating: " ", count: width - text.count)
    }

    static func pad(_ s: String, _ width: Int) -> String {
        let cut = s.count > width ? String(s.prefix(width - 1)) + "…" : s
        return cut + String(repeating: " ", count: max(0, width - cut.count))
    }

    static func text(_ r: SurveyReport) -> String {
        var out = "Survey report · \(period(r))\n"
        out += "Responses: \(r.responses) · pickups: \(r.pickups) · response rate: \(r.responseRate.map(percent) ?? "–")\n"
        if let s = r.satisfaction {
            out += "Satisfaction: mean \(String(format: "%.2f", s.mean)) of 5 · \(percent(s.satisfiedShare)) answered 4 or 5 (\(s.answers) answer\(s.answers == 1 ? "" : "s"))\n"
        }
        if r.definitionMissing { out += "survey.json is missing on the daemon: questions and options are shown by their ids.\n" }
        if r.responses > 0 && r.responses < 5 {
            out += "Only \(r.responses) response\(r.responses == 1 ? "" : "s"): single answers may be recognisable; do not publish this period.\n"
        }
        let labelWidth = min(36, max(8, r.questions.flatMap(\.options).map(\.label.count).max() ?? 8))
        for q in r.questions {
            out += "\n\(q.title)\n"
            var summary = "  \(q.answered) answer\(q.answered == 1 ? "" : "s")"
            if q.type == "multi" { summary += ", several options possible" }
            if let mean = q.mean { summary += " · mean \(String(format: "%.2f", mean))" }
            out += summary + "\n"
            for o in q.options {
                out += "  \(pad(o.label, labelWidth)) \(bar(o.share)) \(String(format: "%5d", o.count))  \(String(format: "%5.1f", o.share * 100)) %\n"
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

    /// German number formatting for the council: decimal comma.
    static func german(_ value: Double, decimals: Int) -> String {
        String(format: "%.\(decimals)f", value).replacingOccurrences(of: ".", with: ",")
    }

    static func germanPercent(_ share: Double) -> String { german(share * 100, decimals: 1) + " %" }

    static func germanDate(_ day: String) -> String {
        let p = day.split(separator: "-")
        return p.count == 3 ? "\(p[2]).\(p[1]).\(p[0])" : day
    }

    static func germanPeriod(_ r: SurveyReport) -> String {
        switch (r.from, r.to) {
        case (nil, nil): "alle Tage"
        case let (from?, nil): "ab \(germanDate(from))"
        case let (nil, to?): "bis \(germanDate(to))"
        case let (from?, to?): from == to ? germanDate(from) : "\(germanDate(from)) bis \(germanDate(to))"
        }
    }

    /// A horizontal bar chart as inline SVG. It is hidden from screen readers: the table after it
    /// carries the same numbers.
    static func svg(_ q: SurveyReport.Question) -> String {
        let rowHeight = 30, labelWidth = 300, barWidth = 280, valueWidth = 110
        let width = labelWidth + barWidth + valueWidth
        let height = q.options.count * rowHeight + 10
        var s = "<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" aria-hidden=\"true\" focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (i, o) in q.options.enumerated() {
            let y = 5 + i * rowHeight
            let label = o.label.count > 42 ? String(o.label.prefix(41)) + "…" : o.label
            let w = max(o.count > 0 ? 2 : 0, Int((o.share * Double(barWidth)).rounded()))
            s += "<text x=\"\(labelWidth - 10)\" y=\"\(y + 19)\" text-anchor=\"end\">\(escape(label))</text>"
            s += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(barWidth)\" height=\"20\" class=\"track\"/>"
            if w > 0 { s += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(w)\" height=\"20\" class=\"bar\"/>" }
            s += "<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 19)\">\(o.count) (\(germanPercent(o.share)))</text>"
        }
        return s + "</svg>"
    }

    static func html(_ r: SurveyReport, generated: Date) -> String {
        let labelLang = r.language == "de" ? "" : " lang=\"\(escape(r.language))\" dir=\"auto\""
        var h = """
            <!DOCTYPE html>
            <html lang="de">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Zufriedenheitsbefragung Amt-o-Mat – \(escape(germanPeriod(r)))</title>
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
            <h1>Zufriedenheitsbefragung am Amt-o-Mat</h1>
            <p class="lead">Zeitraum: \(escape(germanPeriod(r)))</p>
            <ul class="figures">
            <li>Antworten<strong>\(r.responses)</strong></li>
            <li>Abholungen<strong>\(r.pickups)</strong></li>
            <li>Rücklaufquote<strong>\(r.responseRate.map(germanPercent) ?? "–")</strong></li>

            """
        if let s = r.satisfaction {
            h += "<li>Zufriedenheit (Mittelwert, 1–5)<strong>\(german(s.mean, decimals: 2))</strong></li>\n"
            h += "<li>zufrieden oder sehr zufrieden (4–5)<strong>\(germanPercent(s.satisfiedShare))</strong></li>\n"
        }
        h += "</ul>\n"
        if r.responses > 0 && r.responses < 5 {
            h += "<p class=\"note\">Nur \(r.responses) Antwort\(r.responses == 1 ? "" : "en") in diesem Zeitraum: einzelne Antworten könnten einer Person zugeordnet werden. Bitte nicht veröffentlichen.</p>\n"
        }
        if r.definitionMissing {
            h += "<p class=\"note\">Die Fragebogen-Datei (survey.json) fehlt: Fragen und Antworten erscheinen mit ihren Kennungen.</p>\n"
        }
        for (i, q) in r.questions.enumerated() {
            let id = "q\(i + 1)"
            h += "<section aria-labelledby=\"\(id)\">\n<h2 id=\"\(id)\"\(labelLang)>\(escape(q.title))</h2>\n"
            var info = "\(q.answered) Antwort\(q.answered == 1 ? "" : "en")"
            if q.type == "multi" { info += " · Mehrfachnennungen möglich, Anteile beziehen sich auf die Antwortenden" }
            if let mean = q.mean { info += " · Mittelwert \(german(mean, decimals: 2)) von 5" }
            if let share = q.satisfiedShare { info += " · \(germanPercent(share)) zufrieden oder sehr zufrieden" }
            h += "<p>\(info)</p>\n"
            if q.answered > 0 { h += "<figure>\(svg(q))</figure>\n" }
            h += "<table>\n<caption>Antworten auf „\(escape(q.title))“</caption>\n"
            h += "<thead><tr><th scope=\"col\">Antwort</th><th scope=\"col\">Anzahl</th><th scope=\"col\">Anteil</th></tr></thead>\n<tbody>\n"
            for o in q.options {
                h += "<tr><th scope=\"row\"\(labelLang)>\(escape(o.label))</th><td class=\"n\">\(o.count)</td><td class=\"n\">\(germanPercent(o.share))</td></tr>\n"
            }
            h += "</tbody>\n</table>\n</section>\n"
        }
        let stamp = generated.formatted(.dateTime.year().month(.twoDigits).day(.twoDigits).hour().minute())
        h += """
            </main>
            <footer>
            <p>Rücklaufquote = Antworten ÷ am Automaten abgeholte Dokumente im selben Zeitraum. Die Befragung ist anonym: gespeichert werden nur die Antworten und der Tag, ohne Bezug zu Dokument, Fach, Code oder Uhrzeit.</p>
            <p>Erstellt am \(escape(stamp)) mit <code>amtomat survey report</code>.</p>
            </footer>
            </body>
            </html>

            """
        return h
    }
}
