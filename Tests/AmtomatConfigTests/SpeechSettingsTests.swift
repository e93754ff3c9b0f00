import Testing
@testable import AmtomatConfig

/// `[kiosk] private_listening` and `speech_idle_timeout_seconds` (speech output, docs/accessibility.md).
@Suite struct SpeechSettingsTests {
    @Test func speechIsPublicWithALongerTimeoutByDefault() throws {
        let kiosk = try ConfigLoader.parse(minimalLocker).settings.kiosk
        #expect(kiosk.privateListening == false)
        #expect(kiosk.speechIdleTimeoutSeconds == 180)
    }

    @Test func bothKeysAreRead() throws {
        let text = "[kiosk]\nidle_timeout_seconds = 45\nprivate_listening = true\nspeech_idle_timeout_seconds = 240\n" + minimalLocker
        let kiosk = try ConfigLoader.parse(text).settings.kiosk
        #expect(kiosk.privateListening)
        #expect(kiosk.speechIdleTimeoutSeconds == 240)
        #expect(kiosk.idleTimeoutSeconds == 45)
    }

    @Test func aLongNormalTimeoutRaisesTheDefaultSpeechTimeout() throws {
        let kiosk = try ConfigLoader.parse("[kiosk]\nidle_timeout_seconds = 300\n" + minimalLocker).settings.kiosk
        #expect(kiosk.speechIdleTimeoutSeconds == 300)
    }

    @Test func aSpeechTimeoutShorterThanTheNormalOneIsAnError() throws {
        let text = "[kiosk]\nidle_timeout_seconds = 90\nspeech_idle_timeout_seconds = 30 # <-\n" + minimalLocker
        let found = try #require(diagnostic("speech_idle_timeout_seconds = 30 is shorter than idle_timeout_seconds = 90", in: text))
        #expect(found.line == line(in: text))
        #expect(found.fix.contains("at least 90"))
    }

    @Test func privateListeningMustBeABoolean() throws {
        let text = "[kiosk]\nprivate_listening = \"yes\" # <-\n" + minimalLocker
        let found = try #require(diagnostics(text).first { $0.problem.contains("private_listening") })
        #expect(found.line == line(in: text))
    }
}
