import AmtomatCore
import Testing
@testable import AmtomatConfig

/// Texts the town writes for the kiosk (`[office] hours`, `[kiosk] raffle_announcement`) in one or in
/// every language, and how long finished codes are remembered (`[codes] remember_finished_days`).
@Suite struct KioskTextTests {
    func load(_ text: String) throws -> DaemonSettings { try ConfigLoader.parse(minimalLocker + "\n" + text).settings }

    @Test func hoursAsOneStringStaysValid() throws {
        let settings = try load("[office]\nhours = \"Mo–Fr 8–12 Uhr\"")
        #expect(settings.office.hours == "Mo–Fr 8–12 Uhr" && settings.office.hoursByLanguage.isEmpty)
        #expect(KioskText(settings.office.hours).text(in: "ar") == "Mo–Fr 8–12 Uhr")
    }

    @Test func hoursPerLanguageFallBackToGerman() throws {
        let settings = try load("[office]\nhours = { de = \"Mo–Fr 8–12 Uhr\", en = \"Mon–Fri 8 am–12 noon\" }")
        let hours = KioskText(settings.office.hours, byLanguage: settings.office.hoursByLanguage)
        #expect(hours.text(in: "en") == "Mon–Fri 8 am–12 noon")
        #expect(hours.text(in: "tr") == "Mo–Fr 8–12 Uhr", "a language without its own text gets the German one")
        #expect(hours.forEveryLanguage.count == KioskSettings.languages.count)
    }

    @Test func raffleAnnouncementIsOptionalAndPerLanguage() throws {
        #expect(try load("").kiosk.raffleAnnouncement == nil)
        let settings = try load("[kiosk]\n[kiosk.raffle_announcement]\nde = \"Aushang im Foyer\"\nuk = \"Оголошення у фоє\"")
        #expect(settings.kiosk.raffleAnnouncement?.text(in: "uk") == "Оголошення у фоє")
        #expect(settings.kiosk.raffleAnnouncement?.text(in: "en") == "Aushang im Foyer")
    }

    @Test func unknownLanguageIsNamedWithTheLanguagesOffered() {
        let text = minimalLocker + "\n[office]\nhours = { de = \"Mo\", fr = \"Lu\" } # <-"
        let found = diagnostic("\"fr\", which the kiosk does not offer", in: text)
        #expect(found?.line == line(in: text) && found?.fix.contains("de, en, tr, uk or ar") == true, "\(String(describing: found))")
    }

    @Test func perLanguageTableNeedsGerman() {
        let text = minimalLocker + "\n[kiosk]\nraffle_announcement = { en = \"In the foyer\" } # <-"
        let found = diagnostic("has no German text", in: text)
        #expect(found?.line == line(in: text) && found?.fix.hasSuffix(".") == true, "\(String(describing: found))")
    }

    @Test func wrongTypeSaysBothForms() {
        let found = diagnostic("raffle_announcement must be a string or a table", in: minimalLocker + "\n[kiosk]\nraffle_announcement = 3")
        #expect(found?.fix.contains("de = ") == true)
    }

    @Test func rememberFinishedDays() throws {
        #expect(try load("").codes.rememberFinishedDays == 60)
        #expect(try load("[codes]\nremember_finished_days = 0").codes.rememberFinishedDays == 0)
        let found = diagnostic("remember_finished_days must be", in: minimalLocker + "\n[codes]\nremember_finished_days = 400")
        #expect(found?.fix.contains("0 to 365") == true)
    }
}
