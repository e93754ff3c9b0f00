import AmtomatAPI
import AmtomatCore
import AmtomatConfig
import Foundation

/// Where the kiosk page and the survey questionnaire come from.
///
/// The Debian package installs the binaries in /usr/bin and the shared files in /usr/share/amtomat
/// (`kiosk/` and the default `survey.json`); a town's own questionnaire is a conffile named in
/// `[survey] questions`. A development build finds the kiosk files in its resource bundle and the
/// questionnaire in the checkout's hardware/ folder.
public enum InstalledFiles {
    /// `<prefix>/share/amtomat` for a binary in `<prefix>/bin` (the package: /usr/share/amtomat).
    static var shareDirectory: URL {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "/usr/bin/amtomatd").resolvingSymlinksInPath()
        let found = Bundle.main.executableURL ?? executable
        return found.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("share/amtomat")
    }

    /// The kiosk page's folder: `[kiosk] files`, else the installed one, else the build's resources.
    public static func kiosk(_ settings: KioskSettings) -> StaticFiles {
        if let folder = settings.files { return StaticFiles(directory: URL(fileURLWithPath: folder)) }
        for candidate in [shareDirectory.appendingPathComponent("kiosk"), URL(fileURLWithPath: "/usr/share/amtomat/kiosk")]
        where FileManager.default.isReadableFile(atPath: candidate.appendingPathComponent("index.html").path) {
            return StaticFiles(directory: candidate)
        }
        return StaticFiles.bundled()
    }

    /// The questionnaire in use: `[survey] questions`, else the shipped default. nil when none exists.
    public static func surveyQuestions(_ settings: DaemonSettings) -> String? {
        if let path = settings.surveyQuestions { return path }
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("hardware/survey.json")
        return [shareDirectory.appendingPathComponent("survey.json"), URL(fileURLWithPath: "/usr/share/amtomat/survey.json"), checkout]
            .map(\.path).first { FileManager.default.isReadableFile(atPath: $0) }
    }

    /// For `amtomatd --check-config`: what is wrong with the questionnaire the configuration uses,
    /// each problem with what to do. Empty when it is usable (or when none is configured nor shipped).
    public static func surveyProblems(_ settings: DaemonSettings) -> [String] {
        guard let path = surveyQuestions(settings) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else {
            return ["the questionnaire \(path) cannot be read; let the daemon's user read it (chgrp amtomat \(path); chmod 0640 \(path))"]
        }
        do {
            let definition = try JSONDecoder().decode(SurveyDefinition.self, from: data)
            return definition.problems().map { "\(path): \($0)" }
        } catch let error as DecodingError {
            return ["\(path): not a usable questionnaire: \(describe(error)); fix the file (start from /usr/share/amtomat/survey.json) or remove [survey] questions to use the shipped one"]
        } catch {
            return ["\(path): not a usable questionnaire: \(error)"]
        }
    }
}

extension StaticFiles {
    /// The same files with one more (or one replaced): the questionnaire is served as /survey.json.
    func adding(_ path: String, data: [UInt8]) -> StaticFiles {
        var copy = self
        copy.files[path] = (data, Self.contentType(URL(fileURLWithPath: path).pathExtension))
        return copy
    }
}
