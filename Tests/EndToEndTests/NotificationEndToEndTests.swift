import AmtomatAPI
import AmtomatClient
import AmtomatCore
import AmtomatStore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real parts around a notifying locker: a loopback SMS gateway (Python's http.server),
/// a real SMTP server (aiosmtpd) with msmtp as the sendmail program, and amtomat-notify.
final class NotifyRig: @unchecked Sendable {
    let dir: URL
    private var gateway: Process?
    private(set) var gatewayPort = 0
    private var smtp: Process?
    private(set) var smtpPort = 0
    private var notifier: Process?
    var notifierLog: String { dir.appendingPathComponent("notify.log").path }
    var gatewayDir: URL { dir.appendingPathComponent("gateway") }
    var maildir: URL { dir.appendingPathComponent("mail") }
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("notify")

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-notify-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: gatewayDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: maildir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: notifierLog, contents: nil)
    }

    deinit {
        for p in [gateway, smtp, notifier].compactMap({ $0 }) where p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
    }

    private func python(_ script: String, _ arguments: [String], portFile: URL) throws -> (Process, Int) {
        try? FileManager.default.removeItem(at: portFile)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [Self.scripts.appendingPathComponent(script).path] + arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        for _ in 0..<200 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) { return (p, port) }
            usleep(25_000)
        }
        throw Failure("\(script) did not start; is python3-aiosmtpd installed (bash Tests/run installs it)?")
    }

    /// Starts the gateway; with `port`, on that port again (after `stopGateway`, "the gateway is back").
    func startGateway(port: Int = 0) throws {
        (gateway, gatewayPort) = try python("sms_gateway.py", [gatewayDir.path, String(port)], portFile: gatewayDir.appendingPathComponent("port"))
    }

    func stopGateway() {
        guard let p = gateway else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        gateway = nil
    }

    func gatewayAnswers(_ mode: String) throws {
        try mode.write(to: gatewayDir.appendingPathComponent("mode"), atomically: true, encoding: .utf8)
    }

    struct GatewayRequest: Decodable {
        var path: String
        var authorization: String?
        var contentType: String?
        var body: String
        var answer: String
        struct SMS: Decodable { var recipient: String; var message: String }
        var sms: SMS? { try? JSONDecoder().decode(SMS.self, from: Data(body.utf8)) }
    }

    func gatewayRequests() -> [GatewayRequest] {
        let text = (try? String(contentsOf: gatewayDir.appendingPathComponent("requests.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(GatewayRequest.self, from: Data($0.utf8)) }
    }

    /// Messages the gateway accepted (answered 200).
    func smsAccepted() -> [GatewayRequest.SMS] { gatewayRequests().filter { $0.answer == "ok" }.compactMap(\.sms) }

    func startSMTP() throws {
        (smtp, smtpPort) = try python("smtp_sink.py", [maildir.path], portFile: maildir.appendingPathComponent("port"))
        let rc = dir.appendingPathComponent("msmtprc")
        try "defaults\nauth off\ntls off\naccount default\nhost 127.0.0.1\nport \(smtpPort)\nfrom buergerbuero@example.org\n"
            .write(to: rc, atomically: true, encoding: .utf8)
        chmod(rc.path, 0o600)
        let wrapper = dir.appendingPathComponent("sendmail")
        try "#!/bin/sh\nexec /usr/bin/msmtp -C \(rc.path) \"$@\"\n".write(to: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper.path, 0o755)
    }

    struct Mail: Decodable {
        var from: String, to: String, subject: String, date: String, messageId: String
        var contentType: String, charset: String?, language: String, autoSubmitted: String, body: String
    }

    /// Every stored e-mail, parsed by Python's own MIME parser.
    func mails() throws -> [Mail] {
        let files = try FileManager.default.contentsOfDirectory(atPath: maildir.path).filter { $0.hasSuffix(".eml") }.sorted()
        return try files.map { f in
            let r = try run("/usr/bin/python3", [Self.scripts.appendingPathComponent("parse_mail.py").path, maildir.appendingPathComponent(f).path])
            guard r.status == 0 else { throw Failure("parse_mail.py: \(r.stderr)") }
            return try JSONDecoder().decode(Mail.self, from: Data(r.stdout.utf8))
        }
    }

    /// The [notify] section for the daemon's configuration.
    func config(sms: Bool = true, email: Bool = false, timeout: Int = 1) throws -> String {
        let auth = dir.appendingPathComponent("sms-gateway.auth")
        try "Authorization: Basic dGVzdC1pZDp0ZXN0LXRva2Vu\n".write(to: auth, atomically: true, encoding: .utf8)
        chmod(auth.path, 0o600)
        var toml = """
        [notify]
        place = "Markt 1"
        retry_first_seconds = 1
        retry_max_seconds = 2

        """
        if sms {
            toml += """
            [notify.sms]
            gateway = "sipgate"
            url = "http://127.0.0.1:\(gatewayPort)/v2/sessions/sms"
            auth_header_file = "\(auth.path)"
            timeout_seconds = \(timeout)

            """
        }
        if email {
            toml += """
            [notify.email]
            from = "Bürgerbüro Test <buergerbuero@example.org>"
            sendmail = "\(dir.appendingPathComponent("sendmail").path)"

            """
        }
        return toml
    }

    func startNotifier(_ daemon: DaemonProcess) throws {
        let p = Process()
        p.executableURL = binaryDirectory.appendingPathComponent("amtomat-notify")
        p.arguments = ["--config", daemon.configPath, "--log-level", "debug"]
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: notifierLog))
        log.seekToEndOfFile()
        p.standardError = log
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        notifier = p
    }

    func stopNotifier() {
        guard let p = notifier else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        notifier = nil
    }

    func log() -> String { (try? String(contentsOfFile: notifierLog, encoding: .utf8)) ?? "" }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Polls until `condition` holds or `seconds` pass.
func eventually(_ seconds: Double = 15, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try condition()
}

/// "4821 0937 5512 73" in a message → "48210937551273" (groups of four, the last may be shorter).
func code(in text: String) -> String? {
    guard let r = text.range(of: #"\d{4}( \d{4})+( \d{1,3})?"#, options: .regularExpression) else { return nil }
    return text[r].filter(\.isNumber)
}

extension DaemonProcess {
    /// A deposit with a contact through the real CLI: the clerk gets where the code went, not the code.
    func depositNotified(_ reference: String, extra: [String]) throws -> NoticeQueued {
        try APIJSON.decoder().decode(NoticeQueued.self, from: try depositJSON(reference, kind: "driving-licence", size: "S", extra: extra))
    }

    /// Picks up with `code` and closes the door again, as a citizen does.
    func collect(_ code: String) async throws -> Bool {
        let (_, response) = try await pickup(code)
        guard response.result == .open, let c = response.compartment else { return false }
        _ = try cli(["sim", "close", "\(c.id)"])
        return true
    }
}

@Suite("Notifications end to end (real amtomatd, amtomat-notify, SMTP and HTTP servers)", .serialized)
struct NotificationEndToEndTests {
    @Test("a deposit with a phone number sends exactly one SMS whose code opens the compartment; after the pickup the collected SMS arrives and the number is gone from the database file")
    func smsEndToEnd() async throws {
        let rig = try NotifyRig()
        try rig.startGateway()
        let daemon = try DaemonProcess(extraConfig: try rig.config())
        try daemon.start()
        try rig.startNotifier(daemon)

        let queued = try daemon.depositNotified("SMS-1", extra: ["--phone", "0171 2345678"])
        #expect(queued.sentTo == ["SMS to +49 171 ••• ••78"])
        #expect(try await eventually { rig.smsAccepted().count == 1 })
        let sms = try #require(rig.smsAccepted().first)
        #expect(sms.recipient == "+491712345678")
        let request = try #require(rig.gatewayRequests().first)
        #expect(request.path == "/v2/sessions/sms" && request.contentType == "application/json")
        #expect(request.authorization == "Basic dGVzdC1pZDp0ZXN0LXRva2Vu", "the header from auth_header_file")
        #expect(SMSEncoding.of(sms.message).segments == 1, "\(sms.message)")
        let pickupCode = try #require(code(in: sms.message))
        #expect(sms.message.contains("E2E") && sms.message.contains("Markt 1") && sms.message.contains("0000 1"))
        try await Task.sleep(for: .milliseconds(500))
        #expect(rig.smsAccepted().count == 1, "exactly one SMS")

        #expect(try await daemon.collect(pickupCode))
        #expect(try await eventually { rig.smsAccepted().count == 2 })
        let collected = try #require(rig.smsAccepted().last)
        #expect(collected.message.contains("abgeholt") && code(in: collected.message) == nil)

        // The contact is deleted once the collected message is out, and no copy stays in the file or its WAL.
        let gone = try await eventually {
            try daemon.store().contact(documentId: try daemon.store().document(reference: "SMS-1")?.id ?? 0) == nil
        }
        #expect(gone)
        try await Task.sleep(for: .milliseconds(300))
        for file in [daemon.databasePath, daemon.databasePath + "-wal"] {
            let bytes = FileManager.default.contents(atPath: file) ?? Data()
            #expect(bytes.range(of: Data("1712345678".utf8)) == nil, "\(file) holds the phone number")
            #expect(bytes.range(of: Data(pickupCode.utf8)) == nil, "\(file) holds the code")
        }
        for (name, log) in [("amtomatd", daemon.log()), ("amtomat-notify", rig.log())] {
            let grouped = PickupCode(typed: pickupCode, length: pickupCode.count)?.grouped ?? pickupCode
            #expect(!log.contains("1712345678") && !log.contains(pickupCode) && !log.contains(grouped),
                    "\(name)'s log holds the number or the code")
        }
        #expect(rig.log().contains("outcome=sent") || rig.log().contains("sent"))
        let audit = try daemon.cli(["audit", "--limit", "100"]).stdout
        #expect(audit.contains("notification-sent") && audit.contains("+49 171 ••• ••78") && !audit.contains("1712345678"))
        let metrics = try await daemon.control.send(.GET, "/metrics", body: nil)
        #expect(String(decoding: metrics.body, as: UTF8.self).contains("amtomat_notifications_sent_total 2"))
    }

    @Test("e-mails arrive through msmtp at a real SMTP server with correct headers and UTF-8 text in every language; an unknown mailbox fails for the clerk")
    func emailEveryLanguage() async throws {
        let rig = try NotifyRig()
        try rig.startSMTP()
        let daemon = try DaemonProcess(extraConfig: try rig.config(sms: false, email: true))
        try daemon.start()
        try rig.startNotifier(daemon)
        let expected: [(NoticeLanguage, String)] = [(.de, "abholbereit"), (.en, "ready for pickup"), (.tr, "teslime hazır"),
                                                     (.uk, "готовий до видачі"), (.ar, "جاهزة للاستلام")]
        for (language, _) in expected {
            _ = try daemon.depositNotified("MAIL-\(language.rawValue)", extra: ["--email", "citizen.\(language.rawValue)@example.org", "--language", language.rawValue])
        }
        #expect(try await eventually { try rig.mails().count == expected.count })
        let mails = try rig.mails()
        for (language, subject) in expected {
            let mail = try #require(mails.first { $0.to == "citizen.\(language.rawValue)@example.org" })
            #expect(mail.subject.lowercased().contains(subject), "\(language): \(mail.subject)")
            #expect(mail.from.contains("Bürgerbüro Test") && mail.from.contains("<buergerbuero@example.org>"))
            #expect(mail.contentType == "text/plain" && mail.charset?.lowercased() == "utf-8" && mail.language == language.rawValue)
            #expect(mail.autoSubmitted == "auto-generated" && !mail.date.isEmpty && mail.messageId.contains("@example.org"))
            #expect(mail.body.contains(NoticeTexts.of(language).render(.ready, NoticeFacts(locker: "", place: "", officeName: "", officePhone: "")).sms.prefix(5)))
            let c = try #require(code(in: mail.body), "\(language): no code in \(mail.body)")
            #expect(try await daemon.pickup(c).1.result == .open, "\(language): the e-mailed code opens the compartment")
        }

        _ = try daemon.depositNotified("MAIL-BAD", extra: ["--email", "nobody@example.org"])
        #expect(try await eventually {
            let list = try daemon.cli(["--json", "notifications"])
            return list.stdout.contains("\"failed\"")
        })
        let text = try daemon.cli(["notifications"]).stdout
        #expect(text.contains("MAIL-BAD") && text.contains("failed") && text.contains("n•••@example.org") && text.contains("status 65"))
        #expect(!text.contains("nobody@"), "the address is masked for the clerk too")
        let status = try APIJSON.decoder().decode(StatusView.self, from: Data(try daemon.cli(["--json", "status"]).stdout.utf8))
        #expect(status.notifications?.failed == 1)
        #expect(try daemon.cli(["status"]).stdout.contains("1 failed"))
        #expect(!daemon.log().contains("nobody@example.org") && !rig.log().contains("nobody@example.org"))
    }

    @Test("the gateway answers 500, hangs and is down: the SMS is retried until it goes through; a 401 fails for the clerk, and resend sends a fresh code")
    func gatewayTrouble() async throws {
        let rig = try NotifyRig()
        try rig.startGateway()
        let daemon = try DaemonProcess(extraConfig: try rig.config(timeout: 1))
        try daemon.start()
        try rig.startNotifier(daemon)

        try rig.gatewayAnswers("500")
        _ = try daemon.depositNotified("RETRY-500", extra: ["--phone", "+49 160 1111111"])
        #expect(try await eventually { rig.gatewayRequests().filter { $0.answer == "500" }.count >= 2 })
        let waiting = try daemon.cli(["notifications"]).stdout
        #expect(waiting.contains("RETRY-500") && waiting.contains("waiting") && waiting.contains("HTTP 500"))
        try rig.gatewayAnswers("hang")
        #expect(try await eventually { rig.gatewayRequests().contains { $0.answer == "hang" } })
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try daemon.cli(["notifications"]).stdout.contains("did not answer"))
        let port = rig.gatewayPort
        rig.stopGateway()
        try await Task.sleep(for: .seconds(3))
        #expect(try daemon.cli(["notifications"]).stdout.contains("cannot be reached"))
        try rig.gatewayAnswers("ok")
        try rig.startGateway(port: port)
        #expect(try await eventually(20) { rig.smsAccepted().count == 1 })
        let first = try #require(rig.smsAccepted().first)
        #expect(first.recipient == "+491601111111")
        let firstCode = try #require(code(in: first.message))
        #expect(try await daemon.pickup(firstCode).1.result == .open)

        try rig.gatewayAnswers("401")
        _ = try daemon.depositNotified("REFUSED", extra: ["--phone", "0170 2222222"])
        #expect(try await eventually {
            (try? APIJSON.decoder().decode(StatusView.self, from: Data(try daemon.cli(["--json", "status"]).stdout.utf8)))?.notifications?.failed == 1
        })
        #expect(rig.gatewayRequests().filter { $0.answer == "401" }.count == 1, "a 401 is not retried")
        let list = try APIJSON.decoder().decode([NotificationView].self, from: Data(try daemon.cli(["--json", "notifications"]).stdout.utf8))
        let failed = try #require(list.first { $0.reference == "REFUSED" })
        #expect(failed.state == "failed" && failed.lastError?.contains("HTTP 401") == true && failed.to == "SMS to +49 170 ••• ••22")

        try rig.gatewayAnswers("ok")
        let resend = try daemon.cli(["notifications", "resend", "REFUSED"])
        #expect(resend.status == 0 && resend.stdout.contains("+49 170 ••• ••22"), "\(resend.stderr)")
        #expect(try await eventually { rig.smsAccepted().contains { $0.recipient == "+491702222222" } })
        let freshSMS = try #require(rig.smsAccepted().last { $0.recipient == "+491702222222" })
        let fresh = try #require(code(in: freshSMS.message))
        let refusedCode = rig.gatewayRequests().first { $0.answer == "401" }?.sms.flatMap { code(in: $0.message) }
        #expect(fresh != refusedCode)
        if let refusedCode { #expect(try await daemon.pickup(refusedCode).1.result == .rejected, "the old code stopped working") }
        #expect(try await daemon.pickup(fresh).1.result == .open)
    }

    @Test("kill -9 between queueing and delivery: after the restart the SMS arrives and its code opens the compartment")
    func crashBeforeDelivery() async throws {
        let rig = try NotifyRig()
        try rig.startGateway()
        let daemon = try DaemonProcess(extraConfig: try rig.config())
        try daemon.start()
        _ = try daemon.depositNotified("CRASH-SMS", extra: ["--phone", "0151 33333333", "--language", "en"])
        #expect(try daemon.store().outboxCounts()[.waiting] == 1, "queued, not delivered: amtomat-notify is not running")
        daemon.stop(signal: SIGKILL)
        try daemon.start()
        try rig.startNotifier(daemon)
        #expect(try await eventually { rig.smsAccepted().count == 1 })
        let sms = try #require(rig.smsAccepted().first)
        #expect(sms.message.hasPrefix("Ready for pickup"))
        let smsCode = try #require(code(in: sms.message))
        #expect(try await daemon.pickup(smsCode).1.result == .open)
        var info = stat()
        #expect(stat(daemon.statePath + "/outbox.key", &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    @Test("bad contact input gets a sentence saying what to type; only the notifier role may take messages",
          .enabled(if: getuid() == 0, "needs root to start amtomat-notify as another user with setpriv"))
    func validationAndRoles() async throws {
        let rig = try NotifyRig()
        try rig.startGateway()
        let daemon = try DaemonProcess(extraConfig: try rig.config())
        try daemon.start()
        let bad = try daemon.cli(["deposit", "--kind", "passport", "--reference", "X", "--size", "S", "--phone", "0211 123456"])
        #expect(bad.status == 64 && bad.stderr.contains("landline"))
        let noEmail = try await daemon.control.send(.POST, "/documents", json: DepositRequest(kind: .other, reference: "Y", size: .small, email: "a@example.org"))
        #expect(noEmail.status == 400 && noEmail.errorMessage.contains("[notify.email]"))
        let language = try daemon.cli(["deposit", "--kind", "passport", "--reference", "X", "--size", "S", "--language", "fr"])
        #expect(language.status == 64)
        // amtomat-notify started by a clerk (who may read the gateway's secret here) is refused by amtomatd.
        chown(rig.dir.appendingPathComponent("sms-gateway.auth").path, 61234, TestGroups.clerk)
        let notify = binaryDirectory.appendingPathComponent("amtomat-notify").path
        let clerk = try run("/usr/bin/setpriv", ["--reuid=61234", "--regid=\(TestGroups.clerk)", "--groups=\(TestGroups.socket)", "--",
                                                 notify, "--config", daemon.configPath, "--once"],
                            environment: ["PATH": "/usr/bin:/bin", "HOME": "/"])
        #expect(clerk.status == 1 && clerk.stderr.contains("notifier role"), "a clerk is refused: \(clerk.stderr)")
        let root = try run(notify, ["--config", daemon.configPath, "--once"])
        #expect(root.status == 0, "\(root.stderr)")
    }
}
