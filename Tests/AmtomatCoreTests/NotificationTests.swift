import AmtomatCore
import Foundation
import Testing

@Suite("Contacts: phone numbers and e-mail addresses")
struct ContactTests {
    @Test("German and international numbers become E.164", arguments: [
        ("0171 2345678", "+491712345678"),
        ("0171/234 56 78", "+491712345678"),
        ("+49 171 2345678", "+491712345678"),
        ("+49 (0)171 2345678", "+491712345678"),
        ("0049 171-2345678", "+491712345678"),
        ("01521 1234567", "+4915211234567"),
        ("+90 532 123 45 67", "+905321234567"),
        ("00380 67 123 4567", "+380671234567"),
        ("+44 7700 900123", "+447700900123"),
    ])
    func normalises(typed: String, e164: String) throws {
        #expect(try PhoneNumber.normalise(typed) == e164)
    }

    @Test("bad numbers get a sentence saying what to type", arguments: [
        ("", "empty"),
        ("0171 234567x", "contains 'x'"),
        ("171 2345678", "no area or country code"),
        ("+0171 2345678", "no valid country code"),
        ("0211 123456", "landline"),
        ("0171 23", "digits"),
        ("+49 171 23456789012345", "digits"),
    ])
    func refuses(typed: String, says: String) {
        do {
            _ = try PhoneNumber.normalise(typed)
            Issue.record("\(typed) was accepted")
        } catch {
            #expect(error.description.contains(says), "\(error.description)")
            #expect(error.description.contains("0171 2345678") || error.description.contains("mobile"))
        }
    }

    @Test("masked forms show neither the whole number nor the whole address")
    func masks() {
        #expect(PhoneNumber.masked("+491712345678") == "+49 171 ••• ••78")
        #expect(PhoneNumber.masked("+905321234567") == "+90 ••• ••67")
        #expect(EmailAddress.masked("maria.muster@example.org") == "m•••@example.org")
        let c = Contact(phone: "+491712345678", email: "maria@example.org", language: .tr)
        #expect(c.maskedDestinations == ["SMS to +49 171 ••• ••78", "e-mail to m•••@example.org"])
    }

    @Test("e-mail addresses: one address, domain lower-cased; junk refused")
    func emails() throws {
        #expect(try EmailAddress.normalise(" Maria@Example.ORG ") == "Maria@example.org")
        for bad in ["maria", "maria@", "@example.org", "a@b", "a@b.c, d@e.f", "a b@example.org", "a@example.org>"] {
            #expect(throws: EmailAddress.Problem.self) { try EmailAddress.normalise(bad) }
        }
    }
}

@Suite("Notice texts")
struct NoticeTextsTests {
    /// The longest values the budget allows for: a 20-character locker name, a 24-character place,
    /// a 16-character phone number, a 12-digit code and a date of birth asked.
    static let longest = NoticeFacts(
        locker: "Rathaus Neustadt a.R", place: "Marktplatz 1, Eingang Ost", officeName: "Bürgerbüro Neustadt",
        officePhone: "06321 855-1234 0", code: PickupCode(typed: "482109375512", length: 12), secondFactor: true,
        lastDay: Date(timeIntervalSince1970: 1_800_000_000), codeSentAt: Date(timeIntervalSince1970: 1_799_000_000),
        collectedAt: Date(timeIntervalSince1970: 1_800_000_000), timeZone: TimeZone(identifier: "Europe/Berlin")!)

    @Test("every message exists in every language, with every placeholder filled")
    func complete() {
        for language in NoticeLanguage.allCases {
            let texts = NoticeTexts.of(language)
            #expect(texts.language == language)
            for kind in NoticeKind.allCases {
                let r = texts.render(kind, Self.longest)
                #expect(!r.sms.isEmpty && !r.subject.isEmpty, "\(language) \(kind)")
                #expect(!r.sms.contains("{") && !r.subject.contains("{") && !r.emailBody.contains("{"), "\(language) \(kind): \(r.sms)")
                #expect(r.sms.contains(Self.longest.officePhone), "\(language) \(kind) gives no phone number")
            }
            let ready = texts.render(.ready, Self.longest).sms
            #expect(ready.contains("4821 0937 5512"), "\(language): the code grouped in fours")
            #expect(ready.contains(Self.longest.locker) && ready.contains(Self.longest.place))
            #expect(!texts.render(.reminder, Self.longest).sms.contains("4821"), "\(language): the reminder never repeats the code")
            #expect(texts.render(.collected, Self.longest).sms.contains(":"), "\(language): collected says when")
        }
    }

    @Test("German and English SMS fit one GSM-7 segment; the others at most three UCS-2 parts")
    func budgets() {
        for language in NoticeLanguage.allCases {
            for kind in NoticeKind.allCases {
                let sms = NoticeTexts.of(language).render(kind, Self.longest).sms
                let encoding = SMSEncoding.of(sms)
                switch language {
                case .de, .en:
                    guard case .gsm7(let septets) = encoding else {
                        Issue.record("\(language) \(kind) is not GSM-7: \(sms)")
                        continue
                    }
                    #expect(septets <= 160, "\(language) \(kind): \(septets) septets: \(sms)")
                default:
                    #expect(encoding.segments <= 3, "\(language) \(kind): \(encoding) \(sms)")
                }
            }
        }
    }

    @Test("the date of birth sentence appears only where a second factor applies")
    func secondFactor() {
        var facts = Self.longest
        #expect(NoticeTexts.of(.de).render(.ready, facts).sms.contains("Geburtsdatum"))
        facts.secondFactor = false
        #expect(!NoticeTexts.of(.de).render(.ready, facts).sms.contains("Geburtsdatum"))
    }

    @Test("GSM-7 counting: umlauts are one septet, the euro sign two, Cyrillic forces UCS-2")
    func encoding() {
        #expect(SMSEncoding.of("Grüße") == .gsm7(septets: 5))
        #expect(SMSEncoding.of("5 €") == .gsm7(septets: 4))
        #expect(SMSEncoding.of("Код") == .ucs2(units: 3))
        #expect(SMSEncoding.of(String(repeating: "a", count: 161)).segments == 2)
        #expect(SMSEncoding.of(String(repeating: "ж", count: 71)).segments == 2)
    }
}

@Suite("Delivery rules")
struct DeliveryRuleTests {
    @Test("retries back off exponentially up to the cap, and stop at the give-up time")
    func backoff() {
        let p = RetryPolicy(firstDelaySeconds: 30, maxDelaySeconds: 600, giveUpSeconds: 3600)
        #expect(p.delay(afterAttempts: 1) == 30)
        #expect(p.delay(afterAttempts: 2) == 60)
        #expect(p.delay(afterAttempts: 4) == 240)
        #expect(p.delay(afterAttempts: 9) == 600)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(p.nextAttempt(queuedAt: t0, attempts: 1, now: t0.addingTimeInterval(10)) == t0.addingTimeInterval(40))
        #expect(p.nextAttempt(queuedAt: t0, attempts: 7, now: t0.addingTimeInterval(3300)) == nil)
    }

    @Test("sysexits and HTTP statuses: refusals are permanent, outages are retried")
    func outcomes() {
        #expect(ExitStatusMeaning.outcome(of: 0) == .sent)
        #expect(ExitStatusMeaning.outcome(of: 65) == .failed)  // EX_DATAERR
        #expect(ExitStatusMeaning.outcome(of: 67) == .failed)  // EX_NOUSER
        #expect(ExitStatusMeaning.outcome(of: 69) == .retry)   // EX_UNAVAILABLE
        #expect(ExitStatusMeaning.outcome(of: 75) == .retry)   // EX_TEMPFAIL
        #expect(ExitStatusMeaning.outcome(httpStatus: 200) == .sent)
        #expect(ExitStatusMeaning.outcome(httpStatus: 401) == .failed)
        #expect(ExitStatusMeaning.outcome(httpStatus: 429) == .retry)
        #expect(ExitStatusMeaning.outcome(httpStatus: 500) == .retry)
        #expect(ExitStatusMeaning.outcome(httpStatus: 503) == .retry)
    }

    @Test("an e-mail has UTF-8 headers as encoded words and a base64 body")
    func mail() throws {
        let text = MailMessage.render(from: "Bürgerbüro <bb@example.org>", to: "maria@example.org",
                                      subject: "Ваш документ готовий до видачі", body: "Код 1234 — ok\n",
                                      language: "uk", date: Date(timeIntervalSince1970: 0), messageID: "x@example.org")
        let (head, body) = try #require(text.split(separator: "\n\n", maxSplits: 1).map(String.init).pairs)
        #expect(head.contains("To: maria@example.org"))
        #expect(head.contains("Content-Type: text/plain; charset=UTF-8"))
        #expect(head.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000"))
        #expect(head.contains("Subject: =?UTF-8?B?"))
        #expect(head.contains("From: =?UTF-8?B?") && head.contains("<bb@example.org>"))
        #expect(head.split(separator: "\n").allSatisfy { $0.count <= 78 })
        let decoded = Data(base64Encoded: body.replacingOccurrences(of: "\n", with: ""))
        #expect(decoded.flatMap { String(data: $0, encoding: .utf8) } == "Код 1234 — ok\n")
    }

    @Test("gateway bodies escape the text for JSON and forms")
    func template() {
        let json = GatewayTemplate.fill(#"{"to":"{number}","msg":"{text}"}"#, number: "+491712345678",
                                        text: "Code \"12\"\nbis", contentType: "application/json")
        #expect(json == #"{"to":"+491712345678","msg":"Code \"12\"\nbis"}"#)
        let form = GatewayTemplate.fill("to={number}&text={text}", number: "+491712345678", text: "Grüße & mehr",
                                        contentType: "application/x-www-form-urlencoded")
        #expect(form == "to=%2B491712345678&text=Gr%C3%BC%C3%9Fe%20%26%20mehr")
    }
}

extension Array where Element == String {
    var pairs: (String, String)? { count == 2 ? (self[0], self[1]) : nil }
}
