import AmtomatAPI
import AmtomatConfig
import AmtomatCore
import AmtomatHardware
import AmtomatStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Builds and runs the daemon. `amtomatd` and the tests both go through `Daemon.build`,
/// so what is tested is what runs.
public struct Daemon: Sendable {
    public let controller: LockerController
    public let simulator: SimulatedLocker?
    let services: [any Service]
    let logger: Logger
    let readiness: Readiness

    public static let version = "0.1.0"

    /// Prepares everything and reconciles the database with the doors; nothing listens yet.
    public static func build(_ config: AmtomatConfiguration, logger: Logger,
                             metricsText: @escaping @Sendable () -> String = { "" },
                             backend: (any LockerBackend)? = nil,
                             notifier: SystemdNotifier = SystemdNotifier()) async throws -> Daemon {
        let settings = config.settings
        if settings.allowWeakCodesForTests {
            logger.warning("allow_weak_codes_for_tests is on: pickup codes may be guessable. Never use this on a real locker.")
        }
        let state = URL(fileURLWithPath: settings.stateDirectory)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        // One daemon per locker: a second one would fight over the lines, the socket and the database.
        try StateLock.acquire(at: state.appendingPathComponent("amtomatd.lock").path)
        let database = try AppDatabase.open(path: state.appendingPathComponent("amtomat.sqlite").path)
        let store = LockerStore(database)
        // The key is checked against the database: a key lost after codes were issued is refused,
        // a key that never protected anything is (re)made.
        let loaded = try InstallationKey.loadOrCreate(at: state.appendingPathComponent("pickup-code.key").path,
                                                      documentsWithSecrets: try store.documentsWithSecrets())
        if let warning = loaded.warning { logger.warning("\(warning)") }
        let key = loaded.bytes

        let chosen: any LockerBackend
        var simulator: SimulatedLocker?
        if let backend {
            chosen = backend
            simulator = backend as? SimulatedLocker
        } else {
            switch settings.backend {
            case .simulated:
                let sim = SimulatedLocker(compartments: config.locker.compartments.map(\.id))
                simulator = sim
                chosen = sim
            case .gpiod:
                chosen = try makeGPIODBackend(config, logger: logger)
            }
        }
        let timing = Locker.Timing(openTimeout: .milliseconds(Int(settings.doors.openTimeoutSeconds * 1000)),
                                   unlockRetries: settings.doors.unlockRetries,
                                   leftOpenAlarm: .seconds(settings.doors.leftOpenAlarmSeconds))
        let locker = Locker(description: config.locker, backend: chosen, timing: timing, logger: logger)
        var controllerSettings = LockerController.Settings()
        controllerSettings.codeLength = settings.codes.length
        controllerSettings.defaultHoldDays = settings.codes.defaultHoldDays
        controllerSettings.maxHoldDays = settings.codes.maxHoldDays
        controllerSettings.secondFactor = settings.codes.secondFactor
        controllerSettings.throttle = settings.throttle
        let hours = KioskText(settings.office.hours, byLanguage: settings.office.hoursByLanguage)
        let office = OfficeView(name: settings.office.name, phone: settings.office.phone, hours: settings.office.hours,
                                hoursByLanguage: hours.forEveryLanguage)
        controllerSettings.rememberFinishedDays = settings.codes.rememberFinishedDays
        controllerSettings.office = office
        controllerSettings.retention = settings.retention
        // Notifications only when a channel is configured; the sealing key lives beside pickup-code.key.
        var notices: NoticeDesk?
        if settings.notify.sms != nil || settings.notify.email != nil {
            let outboxLoaded = try InstallationKey.loadOrCreate(at: state.appendingPathComponent("outbox.key").path,
                                                                documentsWithSecrets: try store.sealedCodesWaiting())
            if let warning = outboxLoaded.warning { logger.warning("\(warning)") }
            let outboxKey = outboxLoaded.bytes
            notices = NoticeDesk(store: store, sealer: CodeSealer(keyBytes: outboxKey), settings: settings.notify,
                                 lockerName: config.locker.name, officeName: settings.office.name, officePhone: settings.office.phone,
                                 logger: logger)
        }
        let controller = LockerController(settings: controllerSettings, store: store, locker: locker,
                                          hasher: SecretHasher(keyBytes: key), logger: logger, notices: notices)
        try await controller.start()

        let readiness = Readiness(notifier: notifier, socketPath: settings.control.socketPath)

        // Control API on the Unix socket.
        // The kiosk page, with the town's questionnaire served as /survey.json (the page reads it there).
        var files = InstalledFiles.kiosk(settings.kiosk)
        if let questions = InstalledFiles.surveyQuestions(settings) {
            if let data = FileManager.default.contents(atPath: questions) {
                files = files.adding("survey.json", data: [UInt8](data))
                logger.info("Survey questionnaire", metadata: ["file": "\(questions)"])
            } else {
                logger.warning("The survey questionnaire cannot be read; the survey is off", metadata: ["file": "\(questions)"])
            }
        }
        let survey = try SurveyService(store: store, files: files, logger: logger)
        let pageWatch = KioskPageWatch()
        var control = ControlAPI(controller: controller, simulator: simulator, version: version, metricsText: metricsText,
                                 survey: survey, notices: notices)
        control.pageWatch = pageWatch
        var roleMap = RoleMap(clerkGroup: settings.control.clerkGroup, technicianGroup: settings.control.technicianGroup)
        roleMap.notifierGID = groupID(settings.control.notifierGroup)
        if notices != nil && roleMap.notifierGID == nil {
            logger.warning("Notifier group not found; amtomat-notify can only deliver when run as root", metadata: ["group": "\(settings.control.notifierGroup)"])
        }
        for (name, gid) in [(settings.control.clerkGroup, roleMap.clerkGID), (settings.control.technicianGroup, roleMap.technicianGID)] where gid == nil {
            logger.warning("Group not found; only root holds this role until it exists", metadata: ["group": "\(name)"])
        }
        let socketPath = settings.control.socketPath
        try prepareSocketPath(socketPath)
        let socketGID = settings.control.socketGroup.flatMap(groupID)
        if let name = settings.control.socketGroup, socketGID == nil {
            throw ServiceError.internal("The socket group '\(name)' does not exist; create it (groupadd \(name)) or change [control] socket_group.")
        }
        // Both listeners close connections that are too large, too slow or idle (docs/security.md).
        var limits = ConnectionLimits(settings.connections)
        limits.fitDescriptorLimit(lines: config.locker.compartments.count * 2, logger: logger)
        let controlApp = Application(
            router: control.buildRouter(roleMap: roleMap, groupNames: (settings.control.clerkGroup, settings.control.technicianGroup)),
            server: limits.server(),
            configuration: limits.configuration(address: .unixDomainSocket(path: socketPath), logger: logger.with(label: "control")),
            onServerRunning: { _ in
                // Only the owner and the socket's group may connect; the roles are decided per request.
                chmod(socketPath, 0o660)
                if let socketGID { chown(socketPath, UInt32.max, socketGID) }
                await readiness.up(control: socketPath)
            },
            logger: logger.with(label: "control")
        )

        // Kiosk on loopback TCP.
        let layout = KioskInfo.Layout(
            name: config.locker.name,
            columns: config.locker.compartments.map(\.column).max() ?? 0,
            rows: config.locker.compartments.map(\.row).max() ?? 0,
            compartments: config.locker.compartments.map {
                KioskCompartment(id: $0.id, label: $0.label, column: $0.column, row: $0.row, size: $0.size)
            })
        var info = KioskInfo(locker: layout, codeLength: settings.codes.length,
                             idleTimeoutSeconds: settings.kiosk.idleTimeoutSeconds, office: office,
                             demo: settings.kiosk.demo && simulator != nil, languages: KioskSettings.languages,
                             raffleAnnouncement: settings.kiosk.raffleAnnouncement?.forEveryLanguage)
        let speech = SpeechService(files: files, survey: survey.definition, office: office,
                                   cacheDirectory: state.appendingPathComponent("speech-cache"), logger: logger)
        info.speech = speech.map {
            KioskSpeech(available: $0.available, privateListening: settings.kiosk.privateListening,
                        idleTimeoutSeconds: settings.kiosk.speechIdleTimeoutSeconds,
                        hintSeconds: settings.kiosk.speechHintSeconds)
        }
        if settings.kiosk.privateListening {
            logger.notice("private_listening is on: the kiosk reads entered digits back. Only set it where speech goes to a headphone jack, never a loudspeaker.")
        }
        let host = settings.kiosk.host
        let address = KioskAddress(host: host, port: settings.kiosk.port)
        var kiosk = KioskAPI(controller: controller, info: info, files: files, simulator: simulator, survey: survey,
                             address: address)
        kiosk.speech = speech
        kiosk.pageWatch = pageWatch
        let kioskApp = Application(
            router: kiosk.buildRouter(),
            server: limits.server(),
            configuration: limits.configuration(address: .hostname(host, port: settings.kiosk.port), logger: logger.with(label: "kiosk")),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.kiosk.port
                address.bound(port: port)
                let shown = host.contains(":") ? "[\(host)]" : host
                await readiness.up(kiosk: "http://\(shown):\(port)/")
            },
            logger: logger.with(label: "kiosk")
        )

        let services: [any Service] = [
            LockerService(controller: controller, notifier: notifier, logger: logger),
            ExpirySweepService(controller: controller, interval: .seconds(60), logger: logger),
            WatchdogService(controller: controller, notifier: notifier, readiness: readiness,
                            probe: ListenerProbe(readiness: readiness, socketPath: socketPath), logger: logger),
            controlApp,
            kioskApp,
        ]
        return Daemon(controller: controller, simulator: simulator, services: services, logger: logger, readiness: readiness)
    }

    /// Runs until SIGTERM or SIGINT, then shuts down in reverse order: listeners first, coils last.
    public func run() async throws {
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    /// Waits until both listeners are up; returns the kiosk URL.
    public func ready() async -> String { await readiness.waitForKiosk() }

    static func prepareSocketPath(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFSOCK else {
                throw ServiceError.internal("\(path) exists and is not a socket; remove it or choose another [control] socket.")
            }
            unlink(path)  // left over from a crash: nobody else listens, because we hold the state lock
        }
    }
}

/// Announces readiness once both listeners are up: one line on stdout for scripts and tests, READY=1 for systemd.
actor Readiness {
    let notifier: SystemdNotifier
    let socketPath: String
    private var control: String?
    private var kiosk: String?
    private var waiters: [CheckedContinuation<String, Never>] = []

    init(notifier: SystemdNotifier, socketPath: String) {
        self.notifier = notifier
        self.socketPath = socketPath
    }

    func up(control path: String) { control = path; announce() }
    func up(kiosk url: String) { kiosk = url; announce() }

    func waitForKiosk() async -> String {
        if let kiosk, control != nil { return kiosk }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func announce() {
        guard let control, let kiosk else { return }
        // Written straight to fd 1 so the line is never held in a buffer when stdout is a pipe.
        FileHandle.standardOutput.write(Data("READY kiosk=\(kiosk) control=\(control)\n".utf8))
        notifier.notify("READY=1\nSTATUS=Locker ready; kiosk at \(kiosk)")
        for w in waiters { w.resume(returning: kiosk) }
        waiters.removeAll()
    }
}

extension Logger {
    func with(label: String) -> Logger {
        var copy = self
        copy[metadataKey: "listener"] = "\(label)"
        return copy
    }
}

/// An exclusive lock on a file in the state directory, held for the life of the process
/// (the kernel drops it when the process ends, also after a crash or SIGKILL).
enum StateLock {
    static func acquire(at path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ServiceError.internal("Cannot open the lock file \(path): \(String(cString: strerror(errno))); check the state directory's owner.")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ServiceError.conflict("Another amtomatd is already running with this state directory (\(path) is locked); stop it first (systemctl stop amtomatd).")
        }
        // The descriptor stays open on purpose: closing it would release the lock.
    }
}

/// The per-installation key for pickup-code HMACs: 32 random bytes in a file of its own, mode 0600,
/// created at first start, never inside the database.
///
/// It is created atomically (temporary file, fsync, rename, fsync of the folder), so a power cut
/// leaves either no key or a whole one. A missing or damaged key is replaced only while no
/// document holds a secret made with it; otherwise the daemon refuses to start and names the backup,
/// because a new key would silently make every issued code and date of birth worthless.
enum InstallationKey {
    static let length = 32

    struct Loaded {
        var bytes: [UInt8]
        /// Said once in the log when a damaged key that protected nothing was replaced.
        var warning: String?
    }

    static func loadOrCreate(at path: String, documentsWithSecrets: Int) throws -> Loaded {
        let folder = (path as NSString).deletingLastPathComponent
        removeLeftoverTemporaryFiles(of: path)
        let backup = "restore \((path as NSString).lastPathComponent) from the backup of \(folder) (docs/installation.md, \"Backups\"), then start again"
        var info = stat()
        guard stat(path, &info) == 0 else {
            guard documentsWithSecrets == 0 else {
                throw ServiceError.internal("The key file \(path) is missing, but the database holds \(documentsWithSecrets) document\(documentsWithSecrets == 1 ? "" : "s") whose pickup code or date of birth was made with it; \(backup). A new key would make every issued code worthless.")
            }
            return Loaded(bytes: try create(at: path))
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ServiceError.internal("The key file \(path) can be read by others (mode \(String(info.st_mode & 0o777, radix: 8))); run 'chmod 600 \(path)'.")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServiceError.internal("Cannot read the key file \(path); check that the state directory belongs to the daemon's user.")
        }
        guard data.count >= length else {
            guard documentsWithSecrets == 0 else {
                throw ServiceError.internal("The key file \(path) is damaged (\(data.count) bytes, shorter than \(length)) and the database holds \(documentsWithSecrets) document\(documentsWithSecrets == 1 ? "" : "s") whose pickup code or date of birth was made with it; \(backup). Without it no existing pickup code works.")
            }
            let key = try create(at: path)
            return Loaded(bytes: key, warning: "The key file \(path) was damaged (\(data.count) bytes, shorter than \(length)); no document used it yet, so a new key was made.")
        }
        return Loaded(bytes: [UInt8](data))
    }

    /// Writes a new key to a temporary file, syncs it, renames it into place and syncs the folder.
    static func create(at path: String) throws -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        let key = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).tmp-\(getpid())"
        func failure(_ what: String) -> ServiceError {
            ServiceError.internal("Cannot \(what) the key file \(path): \(String(cString: strerror(errno))); check the state directory's owner and free space.")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("create") }
        let written = key.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == key.count, fsync(fd) == 0 else {
            let error = failure("write")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename into place")
            unlink(temporary)
            throw error
        }
        let dir = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw failure("sync the folder of") }
        defer { close(dir) }
        guard fsync(dir) == 0 else { throw failure("sync the folder of") }
        return key
    }

    /// A temporary key left by a power cut during creation never became the key: remove it.
    static func removeLeftoverTemporaryFiles(of path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + ".tmp-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? [] where name.hasPrefix(prefix) {
            unlink((folder as NSString).appendingPathComponent(name))
        }
    }
}
