import AmtomatAPI
import AmtomatClient
import AmtomatConfig
import AmtomatCore
import ArgumentParser
import Foundation
import Logging
import NIOHTTP1

/// `amtomat-notify`: delivers the locker's SMS and e-mails. It runs as its own user in its own
/// sandbox, with network access but no GPIO and no write access to the locker's state: it asks
/// amtomatd over the control socket (role notifier) for due messages and reports each attempt;
/// amtomatd keeps the outbox, the retries and the give-up rule (docs/notifications.md).
@main
struct AmtomatNotify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amtomat-notify",
        abstract: "Deliver the locker's SMS and e-mails to citizens (run by systemd as amtomat-notify.service).",
        discussion: """
        Examples:
          amtomat-notify --config /etc/amtomat/amtomat.toml
          amtomat-notify --check-config /etc/amtomat/amtomat.toml
        """)

    @Option(help: ArgumentHelp("The locker's configuration file (its [notify] and [control] sections are used).", valueName: "file"))
    var config: String = "/etc/amtomat/amtomat.toml"

    @Option(name: .customLong("check-config"), help: ArgumentHelp("Check the notification settings (and the auth header file's mode) and exit.", valueName: "file"))
    var checkConfig: String?

    @Option(help: ArgumentHelp("The daemon's control socket (default: [control] socket).", valueName: "path"))
    var socket: String?

    @Flag(help: "Deliver what is due now, then exit (status 1 if amtomatd refused or cannot be reached).")
    var once = false

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["AMTOMAT_LOG_LEVEL"] ?? "info"

    func run() async throws {
        if let checkConfig {
            do {
                let loaded = try ConfigLoader.load(path: checkConfig)
                _ = try Delivery(settings: loaded.settings.notify)
                let n = loaded.settings.notify
                let channels = [n.sms.map { "SMS via \($0.gateway.rawValue)" }, n.email.map { _ in "e-mail via sendmail" }].compactMap { $0 }
                print("\(checkConfig): OK — \(channels.isEmpty ? "no channel configured: nothing to deliver" : channels.joined(separator: ", ")).")
                return
            } catch let error as ConfigError {
                print(error.description)
                throw ExitCode(1)
            } catch {
                print("\(checkConfig): \(error)")
                throw ExitCode(1)
            }
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "amtomat-notify")
        let loaded: AmtomatConfiguration
        do {
            loaded = try ConfigLoader.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("amtomat-notify: \(error)\n".utf8))
            throw ExitCode(78)
        }
        let delivery: Delivery
        do {
            delivery = try Delivery(settings: loaded.settings.notify)
        } catch {
            FileHandle.standardError.write(Data("amtomat-notify: \(error)\n".utf8))
            throw ExitCode(78)
        }
        let client = ControlClient(.unixSocket(socket ?? loaded.settings.control.socketPath))
        FileHandle.standardOutput.write(Data("READY amtomat-notify\n".utf8))
        let courier = Courier(client: client, delivery: delivery, logger: logger)
        if once {
            guard await courier.round(wait: 0) else { throw ExitCode(1) }
            return
        }
        await courier.run()
    }
}

/// The channels this locker uses.
struct Delivery: Sendable {
    var email: SendmailSender?
    var httpSMS: HTTPSMSSender?
    var commandSMS: CommandSMSSender?

    init(settings: NotifySettings) throws {
        if let e = settings.email {
            guard FileManager.default.isExecutableFile(atPath: e.sendmail) else {
                throw NotifyError("[notify.email] sendmail \(e.sendmail) is not an executable program; install msmtp-mta (or postfix), or set sendmail to the right path.")
            }
            email = SendmailSender(channel: e)
        }
        if let s = settings.sms {
            switch s.gateway {
            case .command:
                guard let program = s.command.first, FileManager.default.isExecutableFile(atPath: program) else {
                    throw NotifyError("[notify.sms] command \(s.command.first ?? "") is not an executable program; install it or correct the path.")
                }
                commandSMS = CommandSMSSender(channel: s)
            case .http, .sipgate:
                httpSMS = HTTPSMSSender(channel: s, authHeader: try s.authHeaderFile.map(HTTPSMSSender.readAuthHeader))
            }
        }
    }

    func send(_ notice: DueNotice) async -> Attempt {
        let attempt: Attempt
        switch notice.channel {
        case .email:
            guard let email else { return Attempt(outcome: .failed, detail: "this locker has no [notify.email] channel") }
            attempt = await email.send(notice)
        case .sms:
            if let httpSMS { attempt = await httpSMS.send(notice) } else if let commandSMS { attempt = await commandSMS.send(notice) } else {
                return Attempt(outcome: .failed, detail: "this locker has no [notify.sms] channel")
            }
        }
        return Attempt(outcome: attempt.outcome, detail: scrubbed(attempt.detail, address: notice.to))
    }
}

/// Fetches due messages from amtomatd (long poll), delivers them a few at a time, reports each.
struct Courier: Sendable {
    let client: ControlClient
    let delivery: Delivery
    let logger: Logger

    func run() async {
        while !Task.isCancelled {
            if !(await round(wait: 25)) { try? await Task.sleep(for: .seconds(2)) }
        }
    }

    /// One long poll and the delivery of what it brought; false when amtomatd refused or is away.
    func round(wait: Int) async -> Bool {
        let due: [DueNotice]
        do {
            let reply = try await client.send(.POST, "/outbox/claim?wait=\(wait)&limit=8", body: nil)
            guard reply.status == 200 else {
                logger.error("amtomatd refused to hand out messages", metadata: ["status": "\(reply.status)", "reason": "\(reply.errorMessage)"])
                return false
            }
            due = try reply.decode([DueNotice].self)
        } catch {
            logger.warning("amtomatd cannot be reached; trying again in 2 s", metadata: ["error": "\(error)"])
            return false
        }
        await withTaskGroup(of: Void.self) { group in
            for notice in due {
                group.addTask { await deliver(notice) }
            }
        }
        return true
    }

    func deliver(_ notice: DueNotice) async {
        let started = ContinuousClock.now
        let attempt = await delivery.send(notice)
        logger.info("Delivery attempt", metadata: [
            "message": "\(notice.id)", "kind": "\(notice.kind.rawValue)", "channel": "\(notice.channel.rawValue)",
            "outcome": "\(attempt.outcome.rawValue)", "detail": "\(attempt.detail ?? "-")",
            "took": "\(ContinuousClock.now - started)",
        ])
        // The report must arrive, or the message is sent again after its lease: keep trying for a while.
        for wait in [0, 1, 2, 4, 8, 16, 30] {
            if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
            do {
                let reply = try await client.send(.POST, "/outbox/\(notice.id)/report", json: DeliveryReport(outcome: attempt.outcome, detail: attempt.detail))
                if (200..<300).contains(reply.status) { return }
                logger.error("amtomatd refused a delivery report", metadata: ["message": "\(notice.id)", "status": "\(reply.status)"])
                return
            } catch {
                continue
            }
        }
        logger.error("Could not report a delivery; amtomatd will hand the message out again after its lease", metadata: ["message": "\(notice.id)"])
    }
}
