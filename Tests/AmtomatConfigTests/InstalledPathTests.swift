import Foundation
import Testing
@testable import AmtomatConfig

/// `[survey] questions` and `[kiosk] files`: paths a town sets in the installed configuration.
@Suite struct InstalledPathTests {
    @Test("[survey] questions: a relative path is read from the configuration file's folder")
    func relativeQuestionnaire() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "{}".write(to: directory.appendingPathComponent("survey.json"), atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("amtomat.toml").path
        try (minimalLocker + "\n[survey]\nquestions = \"survey.json\"\n").write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConfigLoader.load(path: path)
        #expect(configuration.settings.surveyQuestions == directory.appendingPathComponent("survey.json").standardizedFileURL.path)
    }

    @Test("[survey] questions naming a missing file is a located problem with a fix")
    func missingQuestionnaire() throws {
        let text = minimalLocker + "\n[survey]\nquestions = \"/nonexistent/amtomat/survey.json\"\n"
        let d = try #require(diagnostic("questions names", in: text))
        #expect(d.line == 10)
        #expect(d.fix.contains("/usr/share/amtomat/survey.json"))
    }

    @Test("without [survey] the shipped questionnaire is used (no path in the settings)")
    func defaultQuestionnaire() throws {
        let configuration = try ConfigLoader.parse(minimalLocker)
        #expect(configuration.settings.surveyQuestions == nil)
        #expect(configuration.settings.kiosk.files == nil)
    }

    @Test("[kiosk] files must be a folder with index.html")
    func kioskFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let d = try #require(diagnostic("not a folder with the kiosk page", in: minimalLocker + "\n[kiosk]\nfiles = \"\(directory.path)\"\n"))
        #expect(d.line == 10)
        try "<!doctype html>".write(to: directory.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        let configuration = try ConfigLoader.parse(minimalLocker + "\n[kiosk]\nfiles = \"\(directory.path)\"\n")
        #expect(configuration.settings.kiosk.files == directory.path)
    }

    @Test("a typo in [survey] gets a suggestion")
    func surveyTypo() {
        #expect(diagnostic("unknown key 'question'", in: minimalLocker + "\n[survey]\nquestion = \"x\"\n") != nil)
    }
}
