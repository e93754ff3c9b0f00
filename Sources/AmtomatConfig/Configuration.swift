import AmtomatCore

/// Everything one TOML file says: the physical locker and how the daemon runs it.
public struct AmtomatConfiguration: Sendable, Equatable {
    public var locker: LockerDescription
    public var settings: DaemonSettings

    public init(locker: LockerDescription, settings: DaemonSettings = DaemonSettings()) {
        self.locker = locker
        self.settings = settings
    }
}

/// The daemon's settings. Every value has a default, so a file may leave out any section.
/// `docs/configuration.md` lists each key with its default and meaning.
public struct DaemonSettings: Sendable, Equatable {
    public enum Backend: String, Sendable, CaseIterable {
        case simulated, gpiod
    }

    /// `[daemon] backend`
    public var backend: Backend
    /// `[daemon] state_dir`: the database and the key file live here.
    public var stateDirectory: String
    public var control: ControlSettings
    public var kiosk: KioskSettings
    public var codes: CodeSettings
    /// `[throttle] free_attempts` (capacity) and `refill_seconds`.
    public var throttle: TerminalThrottle.Policy
    public var doors: DoorSettings
    public var office: OfficeContact
    /// `[notify]`: SMS and e-mail to citizens (see NotifySettings.swift).
    public var notify = NotifySettings()
    /// `[daemon] allow_weak_codes_for_tests`: skips the guessing-bound check so that tests can use a
    /// fast throttle. Never set it on a real locker; the daemon logs a warning when it is on.
    public var allowWeakCodesForTests = false
    /// `[retention]`: how long finished documents and audit entries keep personal data.
    public var retention = RetentionPolicy()
    /// `[survey] questions`: the questionnaire (JSON) a town edits; nil means the shipped default
    /// (`/usr/share/amtomat/survey.json`, see `SurveyFiles`). Relative paths are already resolved
    /// against the configuration file's folder.
    public var surveyQuestions: String? = nil

    public init(
        backend: Backend = .simulated, stateDirectory: String = "/var/lib/amtomat",
        control: ControlSettings = ControlSettings(), kiosk: KioskSettings = KioskSettings(),
        codes: CodeSettings = CodeSettings(), throttle: TerminalThrottle.Policy = TerminalThrottle.Policy(),
        doors: DoorSettings = DoorSettings(), office: OfficeContact = OfficeContact()
    ) {
        self.backend = backend
        self.stateDirectory = stateDirectory
        self.control = control
        self.kiosk = kiosk
        self.codes = codes
        self.throttle = throttle
        self.doors = doors
        self.office = office
    }
}

/// `[control]`: the Unix socket clerks and technicians use, and who may use it.
public struct ControlSettings: Sendable, Equatable {
    public var socketPath: String
    /// Group (name or numeric gid) that owns the socket file (mode 0660); nil keeps the daemon's group.
    public var socketGroup: String?
    /// Members act as clerks (name or numeric gid).
    public var clerkGroup: String
    /// Members act as technicians (name or numeric gid).
    public var technicianGroup: String
    /// `notifier_group`: members may fetch due notifications and report their delivery
    /// (the user amtomat-notify runs as).
    public var notifierGroup = "amtomat-notify"

    public init(
        socketPath: String = "/run/amtomat/control.sock", socketGroup: String? = nil,
        clerkGroup: String = "amtomat-clerk", technicianGroup: String = "amtomat-tech"
    ) {
        self.socketPath = socketPath
        self.socketGroup = socketGroup
        self.clerkGroup = clerkGroup
        self.technicianGroup = technicianGroup
    }
}

/// `[kiosk]`: the web page on the pickup terminal.
public struct KioskSettings: Sendable, Equatable {
    /// Always a loopback address: the kiosk browser runs on the same machine, and nobody on the
    /// town hall network should reach the page that opens doors.
    public var host: String
    /// 0 lets the system pick a free port (tests do this).
    public var port: Int
    /// The page returns to its start screen after this long without input.
    public var idleTimeoutSeconds: Int
    /// Demo mode for trying the locker out; only with the simulated backend.
    public var demo: Bool
    /// `raffle_announcement`: where and when the raffle's winners are announced, shown with the ticket.
    public var raffleAnnouncement: KioskText?
    /// `private_listening`: the terminal's speech goes to a headphone jack only, so entered digits and
    /// the date of birth may be read back. A browser cannot detect headphones; the installer knows.
    public var privateListening = false
    /// `speech_idle_timeout_seconds`: the idle timeout while speech mode is on (listening takes longer).
    public var speechIdleTimeoutSeconds = 180
    /// `[kiosk] files`: the folder with the kiosk page (index.html, …); nil means the installed
    /// `/usr/share/amtomat/kiosk` next to the binary, or the files built into a development build.
    public var files: String? = nil

    /// The languages the kiosk offers, in the order of its language buttons.
    public static let languages = ["de", "en", "tr", "uk", "ar"]

    public init(host: String = "127.0.0.1", port: Int = 8080, idleTimeoutSeconds: Int = 60, demo: Bool = false,
                raffleAnnouncement: KioskText? = nil) {
        self.host = host
        self.port = port
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.demo = demo
        self.raffleAnnouncement = raffleAnnouncement
    }
}

/// A text the kiosk shows, either one string for every language or one per language
/// (`key = "…"` or `key = { de = "…", en = "…" }`).
public struct KioskText: Sendable, Equatable {
    /// The single string, or the German text: shown in every language without a text of its own.
    public var text: String
    /// Texts by language code; may be empty.
    public var byLanguage: [String: String]

    public init(_ text: String, byLanguage: [String: String] = [:]) {
        self.text = text
        self.byLanguage = byLanguage
    }

    /// The text in `language`, else the fallback.
    public func text(in language: String) -> String { byLanguage[language] ?? text }

    /// Every kiosk language with its text, for the kiosk page.
    public var forEveryLanguage: [String: String] {
        Dictionary(uniqueKeysWithValues: KioskSettings.languages.map { ($0, text(in: $0)) })
    }
}

/// `[codes]`: pickup codes and how long documents wait.
public struct CodeSettings: Sendable, Equatable {
    public static let lengthRange = 6...20

    /// Digits per pickup code.
    public var length: Int
    public var defaultHoldDays: Int
    /// Also the hold period the guessing bound is computed for.
    public var maxHoldDays: Int
    /// `second_factor_kinds` and `second_factor_max_failures`.
    public var secondFactor: SecondFactorPolicy
    /// `remember_finished_days`: how long the code of a document that is no longer waiting is still
    /// recognised at the kiosk (to say what happened to it); 0 forgets it at once.
    public var rememberFinishedDays: Int

    public init(
        length: Int = 14, defaultHoldDays: Int = 14, maxHoldDays: Int = 28,
        secondFactor: SecondFactorPolicy = SecondFactorPolicy(), rememberFinishedDays: Int = 60
    ) {
        self.length = length
        self.defaultHoldDays = defaultHoldDays
        self.maxHoldDays = maxHoldDays
        self.secondFactor = secondFactor
        self.rememberFinishedDays = rememberFinishedDays
    }
}

/// `[doors]`: how the daemon watches doors after releasing a lock.
public struct DoorSettings: Sendable, Equatable {
    /// How long to wait for the door to open after a pulse.
    public var openTimeoutSeconds: Double
    /// Extra pulses when the door did not open.
    public var unlockRetries: Int
    /// A door open longer than this raises an alarm.
    public var leftOpenAlarmSeconds: Int
    /// A door contact must hold its new state this long before it counts.
    public var debounceMilliseconds: Int

    public init(
        openTimeoutSeconds: Double = 3, unlockRetries: Int = 1, leftOpenAlarmSeconds: Int = 120,
        debounceMilliseconds: Int = 30
    ) {
        self.openTimeoutSeconds = openTimeoutSeconds
        self.unlockRetries = unlockRetries
        self.leftOpenAlarmSeconds = leftOpenAlarmSeconds
        self.debounceMilliseconds = debounceMilliseconds
    }
}

/// `[office]`: who citizens turn to when something goes wrong.
public struct OfficeContact: Sendable, Equatable {
    public var name: String
    public var phone: String
    public var hours: String
    /// `hours = { de = "…", en = "…" }`: opening hours per language; `hours` holds the German (or single) text.
    public var hoursByLanguage: [String: String]

    public init(name: String = "Bürgerbüro", phone: String = "", hours: String = "", hoursByLanguage: [String: String] = [:]) {
        self.name = name
        self.phone = phone
        self.hours = hours
        self.hoursByLanguage = hoursByLanguage
    }
}
