import AmtomatCore
import Foundation
import Testing
@testable import AmtomatConfig

@Suite("[notify] configuration")
struct NotifyConfigTests {
    @Test("every key is read; sipgate fills in url and body")
    func everyKey() throws {
        let text = minimalLocker + """

            [control]
            notifier_group = "boten"

            [notify]
            place = "Rathaus, Markt 1"
            reminder_days_before = 2
            retry_first_seconds = 10
            retry_max_seconds = 600
            give_up_hours = 12

            [notify.email]
            from = "Bürgerbüro <bb@example.org>"
            sendmail = "/usr/bin/msmtp"
            timeout_seconds = 20

            [notify.sms]
            gateway = "sipgate"
            auth_header_file = "/etc/amtomat/sms-gateway.auth"
            timeout_seconds = 9
            """
        let s = try ConfigLoader.parse(text).settings
        #expect(s.control.notifierGroup == "boten")
        #expect(s.notify.place == "Rathaus, Markt 1" && s.notify.reminderDaysBefore == 2)
        #expect(s.notify.retry == RetryPolicy(firstDelaySeconds: 10, maxDelaySeconds: 600, giveUpSeconds: 12 * 3600))
        #expect(s.notify.email == EmailChannel(from: "Bürgerbüro <bb@example.org>", sendmail: "/usr/bin/msmtp", timeoutSeconds: 20))
        let sms = try #require(s.notify.sms)
        #expect(sms.gateway == .sipgate && sms.url == SMSChannel.sipgateURL && sms.body == SMSChannel.sipgateBody)
        #expect(sms.method == "POST" && sms.contentType == "application/json" && sms.timeoutSeconds == 9)
        #expect(sms.authHeaderFile == "/etc/amtomat/sms-gateway.auth")

        let command = try ConfigLoader.parse(minimalLocker + """

            [notify.sms]
            gateway = "command"
            command = ["/usr/bin/gammu-smsd-inject", "TEXT", "{number}", "-unicode"]
            """).settings.notify.sms
        #expect(command?.command == ["/usr/bin/gammu-smsd-inject", "TEXT", "{number}", "-unicode"])
        #expect(try ConfigLoader.parse(minimalLocker).settings.notify == NotifySettings(), "no [notify]: nothing is sent")
    }

    @Test("mistakes are reported together, each at its line, with a fix")
    func diagnosticsWithLines() {
        let text = minimalLocker + """

            [notify]
            reminder_days_before = 40
            retry_first_seconds = 60
            retry_max_seconds = 30

            [notify.email]
            sendmail = "sendmail"

            [notify.sms]
            gateway = "sipgat"
            """
        let all = diagnostics(text)
        func line(_ fragment: String) -> Int? { all.first { $0.problem.contains(fragment) }?.line }
        #expect(line("reminder_days_before must be") == 10)
        #expect(line("retry_max_seconds (30) is less") == 12)
        #expect(line("from is missing") == 14)
        #expect(line("not an absolute path") == 15)
        #expect(line("gateway \"sipgat\" is unknown") == 18)
        #expect(all.first { $0.problem.contains("sipgat") }?.fix.contains("did you mean \"sipgate\"") == true)
        #expect(all.count == 5, "\(all.map(\.description))")
    }

    @Test("the code never travels over plain http to another machine; sipgate needs its secret")
    func transport() throws {
        let plain = diagnostic("plain http", in: minimalLocker + """

            [notify.sms]
            gateway = "http"
            url = "http://sms.example.org/send"
            body = "to={number}&text={text}"
            """)
        #expect(plain?.line == 11 && plain?.fix.contains("https://") == true)
        #expect(diagnostic("sipgate needs auth_header_file", in: minimalLocker + "\n[notify.sms]\ngateway = \"sipgate\"\n")?.line == 10)
        #expect(diagnostics(minimalLocker + "\n[notify.sms]\ngateway = \"http\"\nurl = \"http://127.0.0.1:8025/sms\"\nbody = \"{text}\"\n").isEmpty)
        #expect(diagnostic("command must start with the program's absolute path", in: minimalLocker + """

            [notify.sms]
            gateway = "command"
            command = ["gammu-smsd-inject"]
            """)?.line == 11)
    }
}
