import AmtomatAPI
import AmtomatClient
import AmtomatCore
import ArgumentParser
import Foundation

struct Notifications: LockerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show SMS and e-mails to citizens that failed or still wait, and send a code again.",
        discussion: """
        A failed message needs you: check the number or address with the citizen, then 'resend'
        (for a ready document: it gets a fresh code, the old one stops working), or give the citizen
        a code with 'amtomat reissue'.

        Examples:
          amtomat notifications
          amtomat notifications --all --json
          amtomat notifications resend 2026-PA-0815
        """,
        subcommands: [Resend.self])
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Also show sent and cancelled messages.") var all = false

    func execute() async throws {
        let list = try await options.get("/notifications" + (all ? "?all=true" : ""), as: [NotificationView].self)
        if options.json { return try options.printJSON(list) }
        if list.isEmpty { print(all ? "No notifications yet." : "No notification is waiting or failed.") }
        for n in list {
            var parts = [n.reference, n.kind.rawValue, n.to ?? n.channel, n.state, "queued \(shown(n.queuedAt))"]
            if n.attempts > 0 { parts.append("\(n.attempts) attempt\(n.attempts == 1 ? "" : "s")") }
            if let next = n.nextAttemptAt, n.attempts > 0 { parts.append("next \(shown(next, seconds: true))") }
            if let e = n.lastError { parts.append(e) }
            print(parts.joined(separator: " · "))
        }
    }

    struct Resend: LockerCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a ready document's pickup code to the citizen again, as a fresh code.",
            discussion: "The old code stops working at once.\n\nExample:\n  amtomat notifications resend 2026-PA-0815")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The document's reference.") var reference: String

        func execute() async throws {
            let sent = try await options.post("/notifications/resend/\(encodePath(reference))", Optional<String>.none, as: NoticeQueued.self)
            if options.json { return try options.printJSON(sent) }
            for to in sent.sentTo { print("New pickup code for \(sent.reference): \(to) · the old code no longer works.") }
        }
    }
}
