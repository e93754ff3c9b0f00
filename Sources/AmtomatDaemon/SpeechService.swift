import AmtomatAPI
import AmtomatCore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Speech output for the kiosk: `GET /api/speech/<language>/<phrase id>?<number>=<digits>` answers a WAV
/// that espeak-ng rendered from the catalogue's text. Rendered files are cached on disk, except private
/// phrases (a date of birth read back), which are rendered each time and never written anywhere.
/// See docs/adr/0070-speech-rendered-by-the-daemon.md.
public struct SpeechService: Sendable {
    let sources: SpeechSources
    let renderer: SpeechRenderer
    let logger: Logger

    /// nil when speech.json is missing or unusable: speech is then off, never the daemon.
    init?(files: StaticFiles, survey: SurveyDefinition?, office: OfficeView, cacheDirectory: URL?,
          espeak: String? = SpeechRenderer.findEspeak(), logger: Logger) {
        guard let catalogue = Self.loadCatalogue(files.data("speech.json"), logger: logger) else { return nil }
        let sources = SpeechSources(catalogue: catalogue, survey: survey) { field, language in
            switch field {
            case "name": office.name
            case "phone": office.phone
            case "hours": office.hoursByLanguage?[language].flatMap { $0.isEmpty ? nil : $0 } ?? office.hours
            default: nil
            }
        }
        self.init(sources: sources, renderer: SpeechRenderer(espeak: espeak, cacheDirectory: cacheDirectory, logger: logger), logger: logger)
    }

    init(sources: SpeechSources, renderer: SpeechRenderer, logger: Logger) {
        self.sources = sources
        self.renderer = renderer
        self.logger = logger
        if renderer.espeak == nil {
            logger.warning("espeak-ng was not found; the kiosk offers no speech output. Install it: apt-get install espeak-ng")
        }
    }

    var available: Bool { renderer.espeak != nil }

    static func loadCatalogue(_ data: [UInt8]?, logger: Logger) -> SpeechCatalogue? {
        guard let data else {
            logger.warning("No speech.json among the kiosk files; speech output is off.")
            return nil
        }
        do {
            let catalogue = try JSONDecoder().decode(SpeechCatalogue.self, from: Data(data))
            let problems = catalogue.problems()
            guard problems.isEmpty else {
                logger.warning("speech.json is not usable; speech output is off. Fix the file and restart amtomatd.",
                               metadata: ["problems": "\(problems.joined(separator: " "))"])
                return nil
            }
            return catalogue
        } catch let error as DecodingError {
            logger.warning("speech.json cannot be read; speech output is off. Fix the file and restart amtomatd.",
                           metadata: ["problem": "\(describe(error))"])
            return nil
        } catch {
            logger.warning("speech.json cannot be read; speech output is off.", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The WAV for a request; throws APIError with a sentence saying what to send instead.
    func audio(language: String, id: String, query: [(String, String)]) async throws -> [UInt8] {
        let request: SpeechRequest
        do {
            request = try sources.validate(language: language, id: id, query: query)
        } catch let error as SpeechRequestError {
            throw APIError(error.unknownPhrase ? .notFound : .badRequest, error.description)
        }
        guard let sentence = sources.sentence(for: request), let voice = sources.catalogue.voices[language] else {
            throw APIError(.notFound, "Phrase '\(id)' has no text in '\(language)'; add it to speech.json.")
        }
        return try await renderer.wav(sentence, voice: voice, cacheName: sources.isPrivate(id) ? nil : request.cacheName)
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/speech/{language}/{phrase}") { request, context in
            let language = try context.parameters.require("language")
            let phrase = try context.parameters.require("phrase")
            let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            let bytes = try await audio(language: language, id: phrase, query: query)
            var headers = HTTPFields()
            headers[.contentType] = "audio/wav"
            // A private phrase must not linger in the browser's cache either.
            headers[.cacheControl] = sources.isPrivate(phrase) ? "no-store" : "max-age=86400"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}

/// Runs espeak-ng, one rendering at a time (a Raspberry Pi has few cores and the locks come first),
/// and keeps the results in a directory so each phrase is rendered once per installation.
public actor SpeechRenderer {
    nonisolated let espeak: String?
    let cacheDirectory: URL?
    let logger: Logger
    /// The cache never holds more files than this; beyond it phrases are rendered but not kept.
    static let maximumCachedFiles = 5000
    var cachedFiles: Int?

    public init(espeak: String?, cacheDirectory: URL?, logger: Logger) {
        self.espeak = espeak
        self.cacheDirectory = cacheDirectory
        self.logger = logger
    }

    public static func findEspeak() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":").map(String.init) + ["/usr/bin"])
            .map { $0 + "/espeak-ng" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The WAV of `sentence`; with a cache name it is read from or written to the cache.
    public func wav(_ sentence: String, voice: String, cacheName: String?) async throws -> [UInt8] {
        let file = cacheName.flatMap { name in cacheDirectory?.appendingPathComponent(name + ".wav") }
        if let file, let data = try? Data(contentsOf: file), !data.isEmpty { return [UInt8](data) }
        guard let espeak else {
            throw APIError(.serviceUnavailable, "Speech output needs espeak-ng on the locker; install it (apt-get install espeak-ng) and restart amtomatd.")
        }
        let bytes = try await Self.render(sentence, voice: voice, espeak: espeak)
        if let file { store(bytes, at: file) }
        return bytes
    }

    private func store(_ bytes: [UInt8], at file: URL) {
        guard let directory = cacheDirectory else { return }
        do {
            if cachedFiles == nil {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
                cachedFiles = (try? FileManager.default.contentsOfDirectory(atPath: directory.path).count) ?? 0
            }
            guard let count = cachedFiles, count < Self.maximumCachedFiles else { return }
            // Written whole and then renamed, so a power cut never leaves half a file to be served.
            try Data(bytes).write(to: file, options: .atomic)
            cachedFiles = count + 1
        } catch {
            logger.warning("A rendered phrase could not be cached; it will be rendered again next time. Check that the state directory is writable.",
                           metadata: ["file": "\(file.path)", "error": "\(error)"])
        }
    }

    /// espeak-ng reads the sentence from standard input (never from its command line) and writes a WAV.
    static func render(_ sentence: String, voice: String, espeak: String) async throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: espeak)
        process.arguments = ["-v", voice, "-s", "150", "--stdin", "--stdout"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(sentence.utf8))
        try? input.fileHandleForWriting.close()
        // Read on a separate thread, so a long sentence cannot fill the pipe while we wait for the exit.
        let data: Data = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let d = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: d)
            }
        }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0, data.count > 44 else {
            throw APIError(.internalServerError, "espeak-ng could not render a phrase (exit \(process.terminationStatus): \(stderr.prefix(200))); check that its voice '\(voice)' is installed (espeak-ng --voices).")
        }
        return fixingSizes([UInt8](data))
    }

    /// espeak-ng writing to a pipe cannot know the length, so its WAV header says "very long";
    /// the sizes are set from the real length so every player and sox read the file as it is.
    static func fixingSizes(_ wav: [UInt8]) -> [UInt8] {
        guard wav.count > 44, wav[0..<4] == [0x52, 0x49, 0x46, 0x46], wav[36..<40] == [0x64, 0x61, 0x74, 0x61] else { return wav }
        var out = wav
        func put(_ value: Int, at offset: Int) {
            for i in 0..<4 { out[offset + i] = UInt8((value >> (8 * i)) & 0xFF) }
        }
        put(wav.count - 8, at: 4)
        put(wav.count - 44, at: 40)
        return out
    }
}
