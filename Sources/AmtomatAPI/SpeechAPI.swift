import AmtomatCore
import Foundation

// The kiosk's spoken phrases (Kiosk/speech.json) and how a phrase request becomes one sentence.
// The page asks for audio by phrase id and whole numbers only; the text is always the catalogue's,
// so nothing a request carries is ever spoken (see docs/adr/0070-speech-rendered-by-the-daemon.md).

/// What `GET /api/kiosk` says about speech output.
public struct KioskSpeech: Codable, Sendable, Equatable {
    /// espeak-ng was found at start-up; without it the page hides the speech button.
    public var available: Bool
    /// `[kiosk] private_listening`: speech goes to a headphone jack, so entered digits may be read back.
    public var privateListening: Bool
    /// `[kiosk] speech_idle_timeout_seconds`: the idle timeout while speech mode is on.
    public var idleTimeoutSeconds: Int
    /// `[kiosk] speech_hint_seconds`: the start screen's spoken hint comes this often; 0 = never.
    public var hintSeconds: Int
    public init(available: Bool, privateListening: Bool, idleTimeoutSeconds: Int, hintSeconds: Int = 40) {
        self.available = available
        self.privateListening = privateListening
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.hintSeconds = hintSeconds
    }
}

/// Kiosk/speech.json.
public struct SpeechCatalogue: Codable, Sendable, Equatable {
    public struct Phrase: Codable, Sendable, Equatable {
        /// Every placeholder the text may hold, with the whole numbers allowed for it (inclusive).
        public var numbers: [String: [Int]]?
        /// Spoken only for the citizen's ears (a date of birth): never written to the cache.
        public var `private`: Bool?
        /// The sentence per language; `{name}` is a number, `{name:month}` that month's name.
        public var text: LocalizedText
    }

    /// The espeak-ng voice per language code.
    public var voices: [String: String]
    /// Month names per language, January first; for `{name:month}`.
    public var months: [String: [String]]
    /// Characters that may be spelled one at a time as `spell-X` (raffle tickets, digits).
    public var spell: String
    public var phrases: [String: Phrase]

    public var languages: [String] { voices.keys.sorted() }

    /// Every reason the catalogue cannot be used, each one sentence; empty when it is fine.
    public func problems() -> [String] {
        var problems: [String] = []
        let langs = Set(voices.keys)
        for lang in langs.sorted() where (months[lang]?.count ?? 0) != 12 || months[lang]!.contains(where: \.isEmpty) {
            problems.append("speech.json: months in '\(lang)' must list twelve names; add the missing ones.")
        }
        for (id, phrase) in phrases.sorted(by: { $0.key < $1.key }) {
            if !SpeechRequest.isPlainID(id) {
                problems.append("speech.json: phrase id '\(id)' may only hold a-z, 0-9 and '-'; rename it.")
            }
            let missing = langs.subtracting(phrase.text.filter { !$0.value.isEmpty }.keys)
            if !missing.isEmpty {
                problems.append("speech.json: phrase '\(id)' has no text in \(missing.sorted().joined(separator: ", ")); add it.")
            }
            let declared = Set((phrase.numbers ?? [:]).keys)
            for (name, range) in phrase.numbers ?? [:] where range.count != 2 || range[0] > range[1] || range[0] < 0 {
                problems.append("speech.json: phrase '\(id)' number '\(name)' needs [lowest, highest] with 0 ≤ lowest ≤ highest.")
            }
            for (lang, text) in phrase.text.sorted(by: { $0.key < $1.key }) {
                let used = Set(Self.placeholders(in: text).map(\.name))
                if used != declared {
                    problems.append("speech.json: phrase '\(id)' in '\(lang)' uses {\(used.sorted().joined(separator: "}, {"))} but declares {\(declared.sorted().joined(separator: "}, {"))}; make them agree.")
                }
            }
        }
        return problems
    }

    struct Placeholder { var name: String; var month: Bool; var range: Range<String.Index> }

    static func placeholders(in text: String) -> [Placeholder] {
        var out: [Placeholder] = []
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: "{"), let close = text[open...].firstIndex(of: "}") {
            let inner = text[text.index(after: open)..<close]
            let parts = inner.split(separator: ":", maxSplits: 1).map(String.init)
            out.append(Placeholder(name: parts.first ?? "", month: parts.count == 2 && parts[1] == "month", range: open..<text.index(after: close)))
            index = text.index(after: close)
        }
        return out
    }
}

/// One phrase the kiosk asked for: a catalogue id and whole numbers, already checked.
public struct SpeechRequest: Sendable, Hashable {
    public var language: String
    public var id: String
    public var numbers: [String: Int]

    public init(language: String, id: String, numbers: [String: Int] = [:]) {
        self.language = language
        self.id = id
        self.numbers = numbers
    }

    static func isPlainID(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 64 && s.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// A file name for the cache that is a function of the request alone.
    public var cacheName: String {
        ([language, id] + numbers.sorted { $0.key < $1.key }.map { "\($0.key)\($0.value)" }).joined(separator: "_")
    }
}

/// Why a phrase request was refused: one sentence that says what to send instead.
public struct SpeechRequestError: Error, Equatable, CustomStringConvertible {
    public var description: String
    /// The language or the phrase does not exist (rather than wrong numbers for a phrase that does).
    public var unknownPhrase: Bool
    public init(_ description: String, unknownPhrase: Bool = false) {
        self.description = description
        self.unknownPhrase = unknownPhrase
    }
}

/// Where the texts of ids outside speech.json come from: the survey and the office details.
public struct SpeechSources: Sendable {
    public var catalogue: SpeechCatalogue
    public var survey: SurveyDefinition?
    /// `office-name`, `office-phone`, `office-hours` in a language, from the daemon's configuration.
    public var office: @Sendable (_ field: String, _ language: String) -> String?

    public init(catalogue: SpeechCatalogue, survey: SurveyDefinition?,
                office: @escaping @Sendable (_ field: String, _ language: String) -> String? = { _, _ in nil }) {
        self.catalogue = catalogue
        self.survey = survey
        self.office = office
    }

    /// Checks a request against the catalogue: the language has a voice, the id exists and the numbers
    /// are exactly the phrase's, as digits within their ranges. Anything else is refused.
    public func validate(language: String, id: String, query: [(String, String)]) throws -> SpeechRequest {
        guard catalogue.voices[language] != nil else {
            throw SpeechRequestError("There is no voice for language '\(language)'; use one of \(catalogue.languages.joined(separator: ", ")).", unknownPhrase: true)
        }
        let allowed = catalogue.phrases[id]?.numbers ?? [:]
        guard text(id: id, language: language) != nil else {
            throw SpeechRequestError("'\(id)' is not a phrase of the kiosk's catalogue (speech.json or survey.json); ask only for those.", unknownPhrase: true)
        }
        var numbers: [String: Int] = [:]
        for (name, value) in query {
            guard let range = allowed[name], range.count == 2 else {
                throw SpeechRequestError("Phrase '\(id)' takes no number '\(name)'; send only \(allowed.keys.sorted().joined(separator: ", ").ifEmpty("no numbers")).")
            }
            guard value.count <= 6, !value.isEmpty, value.allSatisfy({ ("0"..."9").contains($0) }), let n = Int(value),
                  n >= range[0], n <= range[1] else {
                throw SpeechRequestError("Number '\(name)' of phrase '\(id)' must be a whole number from \(range[0]) to \(range[1]).")
            }
            guard numbers.updateValue(n, forKey: name) == nil else {
                throw SpeechRequestError("Number '\(name)' appears twice; send it once.")
            }
        }
        let missing = Set(allowed.keys).subtracting(numbers.keys)
        guard missing.isEmpty else {
            throw SpeechRequestError("Phrase '\(id)' needs the numbers \(missing.sorted().joined(separator: ", ")); add them to the query.")
        }
        return SpeechRequest(language: language, id: id, numbers: numbers)
    }

    /// Phrases that must never be written to disk.
    public func isPrivate(_ id: String) -> Bool { catalogue.phrases[id]?.private == true }

    /// The sentence for a checked request, numbers filled in.
    public func sentence(for request: SpeechRequest) -> String? {
        guard var text = text(id: request.id, language: request.language) else { return nil }
        for p in SpeechCatalogue.placeholders(in: text).reversed() {
            guard let n = request.numbers[p.name] else { return nil }
            if p.month {
                guard let names = catalogue.months[request.language], (1...12).contains(n) else { return nil }
                text.replaceSubrange(p.range, with: names[n - 1])
            } else {
                text.replaceSubrange(p.range, with: String(n))
            }
        }
        return text
    }

    /// "02154 949-0" → "0 2 1 5 4, 9 4 9, 0": a voice would otherwise read "two thousand one hundred …".
    static func digitByDigit(_ phone: String) -> String {
        phone.split(whereSeparator: { !$0.isNumber && $0 != "+" })
            .map { group in group.map(String.init).joined(separator: " ") }
            .joined(separator: ", ")
    }

    /// The raw text of an id in a language, before numbers are filled in.
    func text(id: String, language: String) -> String? {
        if let phrase = catalogue.phrases[id] { return phrase.text[language].flatMap { $0.isEmpty ? nil : $0 } }
        if id.hasPrefix("spell-"), id.count == 7, let c = id.last, catalogue.spell.contains(c) { return String(c) }
        if id.hasPrefix("office-") {
            guard let text = office(String(id.dropFirst(7)), language), !text.isEmpty else { return nil }
            return id == "office-phone" ? Self.digitByDigit(text) : text
        }
        if let survey, id.hasPrefix("survey-") {
            let rest = String(id.dropFirst(7))
            if rest == "raffle-prize" { return survey.raffle?.prize.text(in: language) }
            // survey-<question>, survey-<question>--<option>: ids hold single hyphens, so "--" separates.
            let parts = rest.components(separatedBy: "--")
            guard let q = survey.questions.first(where: { $0.id == parts[0] }) else { return nil }
            if parts.count == 1 { return q.title.text(in: language) }
            if parts.count == 2 { return q.options.first { $0.id == parts[1] }?.label.text(in: language) }
        }
        return nil
    }
}

private extension String {
    func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}
