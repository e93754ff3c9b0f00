import AmtomatConfig
@testable import AmtomatDaemon
import Foundation
import Testing

/// Where the daemon finds the kiosk page and the questionnaire, and how --check-config judges the questionnaire.
@Suite("Installed files")
struct InstalledFilesTests {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the shipped questionnaire (hardware/survey.json) has no problems")
    func shippedQuestionnaire() {
        var settings = DaemonSettings()
        settings.surveyQuestions = root.appendingPathComponent("hardware/survey.json").path
        #expect(InstalledFiles.surveyProblems(settings) == [])
    }

    @Test("without [survey] questions a development build finds the checkout's questionnaire")
    func defaultQuestionnaire() throws {
        let found = try #require(InstalledFiles.surveyQuestions(DaemonSettings()))
        #expect(found.hasSuffix("survey.json"))
    }

    @Test("a broken questionnaire is named with what is wrong")
    func brokenQuestionnaire() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-q-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("survey.json")
        var settings = DaemonSettings()
        settings.surveyQuestions = file.path
        try #"{"questions": "#.write(to: file, atomically: true, encoding: .utf8)
        let syntax = InstalledFiles.surveyProblems(settings)
        #expect(syntax.count == 1 && syntax[0].contains("not a usable questionnaire"), "\(syntax)")
        try #"{"questions": [], "raffle": {"enabled": false}}"#.write(to: file, atomically: true, encoding: .utf8)
        let empty = InstalledFiles.surveyProblems(settings)
        #expect(empty.contains { $0.contains("no questions") } || empty.contains { $0.contains("not a usable questionnaire") }, "\(empty)")
    }

    @Test("the questionnaire is served as /survey.json next to the kiosk page")
    func servedAsSurveyJSON() throws {
        let files = StaticFiles(directory: root.appendingPathComponent("Sources/AmtomatDaemon/Kiosk"))
        #expect(files.data("index.html") != nil)
        #expect(files.data("survey.json") == nil, "the questionnaire no longer lives among the kiosk sources")
        let data = try Data(contentsOf: root.appendingPathComponent("hardware/survey.json"))
        let served = files.adding("survey.json", data: [UInt8](data))
        #expect(served.data("survey.json") == [UInt8](data))
    }
}
