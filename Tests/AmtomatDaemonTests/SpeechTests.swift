import AmtomatAPI
import AmtomatConfig
import AmtomatCore
import Foundation
import Testing
@testable import AmtomatDaemon

// Speech output: the phrase catalogue (Kiosk/speech.json), what a request may carry, and the audio that
// the real espeak-ng renders, measured with the real sox. Tests/run installs both (apt-get install
// espeak-ng sox); without them these tests fail and say so.

private let languages = ["ar", "de", "en", "tr", "uk"]

private func bundledSources() throws -> SpeechSources {
    let files = StaticFiles.bundled()
    let catalogue = try JSONDecoder().decode(SpeechCatalogue.self, from: Data(try #require(files.data("speech.json"))))
    // The questionnaire is no longer a kiosk resource: the daemon reads the shipped (or configured) file.
    let questions = try #require(InstalledFiles.surveyQuestions(DaemonSettings()), "hardware/survey.json is missing")
    let survey = try JSONDecoder().decode(SurveyDefinition.self, from: try #require(FileManager.default.contents(atPath: questions)))
    return SpeechSources(catalogue: catalogue, survey: survey) { field, _ in
        ["name": "Bürgerbüro Willich", "phone": "02154 949-0", "hours": "Mo–Fr 8–12 Uhr"][field]
    }
}

/// Runs a tool and returns its standard output and error together.
private func run(_ tool: String, _ arguments: [String], input: String? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let out = Pipe(), inp = Pipe()
    process.standardOutput = out
    process.standardError = out
    process.standardInput = inp
    do { try process.run() } catch {
        Issue.record("\(tool) is not installed; install it with: apt-get install espeak-ng sox (Tests/run does this).")
        throw error
    }
    if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
    try? inp.fileHandleForWriting.close()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// `sox FILE -n stat`: length in seconds and RMS and maximum amplitude.
private struct SoxStat {
    var seconds: Double
    var rms: Double
    var maximum: Double

    init(wav: [UInt8], name: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-speech-\(UUID().uuidString).wav")
        try Data(wav).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let text = try run("sox", [file.path, "-n", "stat"])
        func value(_ label: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(label) }
                .flatMap { $0.split(separator: ":").last }
                .flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        }
        guard let seconds = value("Length (seconds)"), let rms = value("RMS     amplitude"), let maximum = value("Maximum amplitude") else {
            throw SpeechRequestError("sox could not read the audio of \(name): \(text)")
        }
        self.seconds = seconds
        self.rms = rms
        self.maximum = maximum
    }
}

/// espeak-ng's phoneme transcription without stress, pause and word marks, to compare readings.
private func phonemes(_ text: String, voice: String) throws -> String {
    try run("espeak-ng", ["-q", "-x", "-v", voice, "--stdin"], input: text)
        .filter { !"'_,:| \n".contains($0) }
}

/// A request with plausible numbers for every number the phrase takes.
private func sample(_ sources: SpeechSources, id: String, language: String) throws -> SpeechRequest {
    let numbers = sources.catalogue.phrases[id]?.numbers ?? [:]
    let query = numbers.map { name, range in
        let preferred = ["compartment": 12, "row": 2, "rows": 4, "column": 3, "columns": 6, "day": 3, "month": 3, "year": 1985,
                         "position": 4, "total": 12, "count": 4, "digits": 12, "key": 2, "number": 2, "minutes": 5, "seconds": 30][name] ?? range[0]
        return (name, String(min(max(preferred, range[0]), range[1])))
    }
    return try sources.validate(language: language, id: id, query: query)
}

/// Every id the kiosk may ask for: speech.json, every spelled character, the survey's texts, the office.
private func everyID(_ sources: SpeechSources) -> [String] {
    var ids = sources.catalogue.phrases.keys.sorted()
    ids += sources.catalogue.spell.map { "spell-\($0)" }
    for q in sources.survey?.questions ?? [] {
        ids.append("survey-\(q.id)")
        ids += q.options.map { "survey-\(q.id)--\($0.id)" }
    }
    ids += ["survey-raffle-prize", "office-name", "office-phone", "office-hours"]
    return ids
}

@Suite("Speech output")
struct SpeechTests {
    @Test("speech.json has every phrase in all five languages, twelve month names each, and no problems")
    func catalogueIsComplete() throws {
        let catalogue = try bundledSources().catalogue
        #expect(catalogue.languages == languages)
        #expect(catalogue.problems() == [])
        for (id, phrase) in catalogue.phrases {
            #expect(Set(phrase.text.keys) == Set(languages), "phrase \(id)")
            #expect(phrase.text.values.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty }, "phrase \(id)")
        }
        // The phrases the page uses for the whole pickup are all there.
        for id in ["speech-hint", "speech-on", "speech-ended-idle", "screen-start", "screen-code", "digit-entered", "screen-dob",
                   "date-readback", "compartment-open", "close-reminder", "survey-question", "survey-option", "screen-ticket", "dash"] {
            #expect(catalogue.phrases[id] != nil, "phrase \(id)")
        }
        #expect(catalogue.phrases["date-readback"]?.private == true)
    }

    @Test("A catalogue with a missing language, an undeclared number or a bad id is reported, one sentence each")
    func catalogueProblems() throws {
        let json = """
            {"voices":{"de":"de","en":"en-gb"},"months":{"de":["a","b","c","d","e","f","g","h","i","j","k","l"],"en":["x"]},
             "spell":"AB","phrases":{
               "ok":{"text":{"de":"Fach {n}","en":"Compartment {n}"},"numbers":{"n":[1,9]}},
               "missing-en":{"text":{"de":"Hallo"}},
               "undeclared":{"text":{"de":"Fach {n}","en":"Compartment {n}"}},
               "Bad Id":{"text":{"de":"x","en":"y"}}}}
            """
        let problems = try JSONDecoder().decode(SpeechCatalogue.self, from: Data(json.utf8)).problems()
        #expect(problems.count == 5, "\(problems)")   // 'undeclared' once per language
        #expect(problems.contains { $0.contains("months in 'en'") })
        #expect(problems.contains { $0.contains("'missing-en' has no text in en") })
        #expect(problems.contains { $0.contains("'undeclared'") && $0.contains("make them agree") })
        #expect(problems.contains { $0.contains("'Bad Id'") })
    }

    @Test("Only catalogue ids and whole numbers within their ranges are accepted, never free text",
          arguments: [
            ("de", "Hallo Welt", [(String, String)](), true),
            ("de", "compartment-open", [("compartment", "12")], false),                 // numbers missing
            ("de", "digit-entered", [("position", "4"), ("total", "12"), ("text", "1")], false),
            ("de", "digit-entered", [("position", "4x"), ("total", "12")], false),
            ("de", "digit-entered", [("position", "-4"), ("total", "12")], false),
            ("de", "digit-entered", [("position", "99"), ("total", "12")], false),
            ("de", "digit-entered", [("position", "4"), ("position", "5"), ("total", "12")], false),
            ("fr", "checking", [], true),
            ("de", "spell-a", [], true),
            ("de", "spell-AB", [], true),
            ("de", "survey-nope", [], true),
            ("de", "survey-use-again--maybe", [], true),
            ("de", "../speech", [], true),
          ])
    func refusesWhatIsNotInTheCatalogue(language: String, id: String, query: [(String, String)], unknown: Bool) throws {
        let sources = try bundledSources()
        let error = try #require(throws: SpeechRequestError.self) { try sources.validate(language: language, id: id, query: query) }
        #expect(error.unknownPhrase == unknown)
        #expect(error.description.hasSuffix("."))
    }

    @Test("Numbers, months, spelled characters, survey and office texts are filled in from the catalogue")
    func sentences() throws {
        let s = try bundledSources()
        #expect(s.sentence(for: try s.validate(language: "en", id: "digit-entered", query: [("position", "4"), ("total", "12")])) == "Digit 4 of 12 entered.")
        #expect(s.sentence(for: try s.validate(language: "de", id: "date-readback", query: [("day", "3"), ("month", "3"), ("year", "1985")])) == "Eingegeben: 3. März 1985.")
        #expect(s.sentence(for: try s.validate(language: "uk", id: "date-readback", query: [("day", "31"), ("month", "12"), ("year", "2000")])) == "Ви ввели: 31 грудня 2000 року.")
        #expect(s.sentence(for: try s.validate(language: "en", id: "spell-K", query: [])) == "K")
        #expect(s.sentence(for: try s.validate(language: "tr", id: "survey-use-again--yes", query: [])) == s.survey?.questions[2].options[0].label["tr"])
        // A phone number is read digit by digit, in its groups, as people say phone numbers.
        #expect(s.sentence(for: try s.validate(language: "ar", id: "office-phone", query: [])) == "0 2 1 5 4, 9 4 9, 0")
        #expect(s.isPrivate("date-readback") && !s.isPrivate("digit-entered"))
    }

    @Test("espeak-ng renders every phrase in every language: sox finds sound of a plausible length in each")
    func everyPhraseIsAudible() async throws {
        let sources = try bundledSources()
        var jobs: [(name: String, sentence: String, voice: String)] = []
        for language in languages {
            for id in everyID(sources) {
                let request = try sample(sources, id: id, language: language)
                let sentence = try #require(sources.sentence(for: request), "\(language)/\(id)")
                jobs.append(("\(language)/\(id)", sentence, sources.catalogue.voices[language]!))
            }
        }
        let espeak = try #require(SpeechRenderer.findEspeak(), "espeak-ng is not installed; apt-get install espeak-ng (Tests/run does this).")
        // Two at a time: the machine has two cores.
        let stats = try await withThrowingTaskGroup(of: (String, String, SoxStat).self) { group in
            var results: [(String, String, SoxStat)] = []
            var next = 0
            func add(_ group: inout ThrowingTaskGroup<(String, String, SoxStat), any Error>) {
                let job = jobs[next]
                next += 1
                group.addTask {
                    let wav = try await SpeechRenderer.render(job.sentence, voice: job.voice, espeak: espeak)
                    return (job.name, job.sentence, try SoxStat(wav: wav, name: job.name))
                }
            }
            for _ in 0..<min(2, jobs.count) { add(&group) }
            while let result = try await group.next() {
                results.append(result)
                if next < jobs.count { add(&group) }
            }
            return results
        }
        #expect(stats.count == jobs.count)
        for (name, sentence, stat) in stats {
            // A single spelled letter is short; the longest phrase (the compartment's position) well under 30 s.
            #expect(stat.seconds >= 0.2 && stat.seconds <= 30, "\(name) \"\(sentence)\": \(stat.seconds) s")
            #expect(stat.rms > 0.01 && stat.maximum > 0.1, "\(name) \"\(sentence)\" is silent: RMS \(stat.rms), max \(stat.maximum)")
            // Rough speaking rate: no phrase may be much longer than its text (a runaway or looping render).
            #expect(stat.seconds <= 1.0 + Double(sentence.count) * 0.25, "\(name): \(stat.seconds) s for \(sentence.count) characters")
        }
    }

    @Test("Compartment numbers 1, 12 and 608 are spoken as numbers in each language, not digit by digit",
          arguments: languages)
    func compartmentNumbersCompose(language: String) async throws {
        let s = try bundledSources()
        let voice = s.catalogue.voices[language]!
        var seconds: [Int: Double] = [:]
        for n in [1, 12, 608] {
            let request = try s.validate(language: language, id: "compartment-open",
                                         query: [("compartment", "\(n)"), ("row", "2"), ("rows", "4"), ("column", "3"), ("columns", "5")])
            let sentence = try #require(s.sentence(for: request))
            #expect(sentence.contains("\(n)"))
            let spoken = try phonemes(sentence, voice: voice)
            let number = try phonemes("\(n)", voice: voice)
            #expect(!number.isEmpty && spoken.contains(number), "\(language): \(n) is read as \(number), the phrase as \(spoken)")
            if n == 608 {
                let digitByDigit = try phonemes("6 0 8", voice: voice)
                #expect(!spoken.contains(digitByDigit), "\(language): 608 is spelled digit by digit")
            }
            let wav = try await SpeechRenderer.render(sentence, voice: voice, espeak: try #require(SpeechRenderer.findEspeak()))
            seconds[n] = try SoxStat(wav: wav, name: "\(language) \(n)").seconds
        }
        // "six hundred and eight" takes longer to say than "one" in every language.
        #expect(seconds[608]! > seconds[1]!, "\(language): \(seconds)")
    }

    @Test("Dates of birth are spoken with the month's name and the year as a number", arguments: languages)
    func datesCompose(language: String) throws {
        let s = try bundledSources()
        let voice = s.catalogue.voices[language]!
        for (day, month, year) in [(3, 3, 1985), (31, 12, 2000), (1, 1, 1950)] {
            let request = try s.validate(language: language, id: "date-readback",
                                         query: [("day", "\(day)"), ("month", "\(month)"), ("year", "\(year)")])
            let sentence = try #require(s.sentence(for: request))
            let monthName = s.catalogue.months[language]![month - 1]
            #expect(sentence.contains(monthName) && sentence.contains("\(year)") && sentence.contains("\(day)"))
            let spoken = try phonemes(sentence, voice: voice)
            #expect(spoken.contains(try phonemes(monthName, voice: voice)), "\(language): month \(monthName) in \(spoken)")
            let yearSpoken = try phonemes("\(year)", voice: voice)
            #expect(spoken.contains(yearSpoken), "\(language): \(year) read as \(yearSpoken), not in \(spoken)")
        }
    }

    @Test("Rendered phrases are cached on disk, private ones never; the WAV header gives the real length")
    func cache() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-speech-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = LogCapture()
        let sources = try bundledSources()
        let service = SpeechService(sources: sources,
                                    renderer: SpeechRenderer(espeak: try #require(SpeechRenderer.findEspeak()), cacheDirectory: directory, logger: log.logger),
                                    logger: log.logger)
        let first = try await service.audio(language: "de", id: "digit-entered", query: [("position", "4"), ("total", "12")])
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files == ["de_digit-entered_position4_total12.wav"])
        let again = try await service.audio(language: "de", id: "digit-entered", query: [("total", "12"), ("position", "4")])
        #expect(again == first)
        // RIFF size and data size match the file, as a WAV that was written to a file would have them.
        let riff = Int(first[4]) | Int(first[5]) << 8 | Int(first[6]) << 16 | Int(first[7]) << 24
        let data = Int(first[40]) | Int(first[41]) << 8 | Int(first[42]) << 16 | Int(first[43]) << 24
        #expect(riff == first.count - 8 && data == first.count - 44)
        _ = try await service.audio(language: "de", id: "date-readback", query: [("day", "3"), ("month", "3"), ("year", "1985")])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 1, "a date of birth was written to disk")
        await #expect(throws: APIError.self) { try await service.audio(language: "de", id: "Hallo", query: []) }
    }

    @Test("Without espeak-ng the daemon says how to install it instead of failing silently")
    func noEspeak() async throws {
        let log = LogCapture()
        let service = SpeechService(sources: try bundledSources(), renderer: SpeechRenderer(espeak: nil, cacheDirectory: nil, logger: log.logger), logger: log.logger)
        #expect(!service.available)
        #expect(log.warnings.contains { $0.contains("apt-get install espeak-ng") })
        let error = try await #require(throws: APIError.self) { try await service.audio(language: "de", id: "checking", query: []) }
        #expect(error.status == .serviceUnavailable && error.message.contains("apt-get install espeak-ng"))
    }
}
