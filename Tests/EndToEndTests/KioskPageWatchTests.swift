import AmtomatAPI
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The page watch: the kiosk page reports that it is on the screen, and the kiosk's real start
/// script (hardware/kiosk/amtomat-kiosk) ends a browser whose page does not report, against the
/// real daemon. The "browser" here is a small script that reports like the page does (or not), so
/// that each case is certain; tests in Tests/browser prove that the real page in Chromium reports.
@Suite("Kiosk page watch", .serialized)
struct KioskPageWatchTests {
    @Test("the page's reports are counted, readable on the kiosk port and a gauge in the metrics")
    func reportsAreCounted() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let own = "127.0.0.1:\(daemon.kioskPort)"
        let before = try await pageReport(daemon)
        #expect(before == KioskPageReport(reports: 0, secondsSinceLastReport: nil))
        var metrics = String(decoding: try await daemon.control.send(.GET, "/metrics", body: nil).body, as: UTF8.self)
        #expect(metrics.contains("amtomat_kiosk_page_silent_seconds "), "\(metrics)")
        // What a technician sees over SSH, without Prometheus.
        let silent = try daemon.cli(["status"])
        #expect(silent.stdout.contains("Kiosk screen: NO REPORT from the kiosk page since amtomatd started"), "\(silent.stdout)\(silent.stderr)")

        // As the page sends it (fetch, same origin).
        let post = await rawRequest(try RawConnection(tcpPort: daemon.kioskPort), "POST", "/api/kiosk/page-report", headers: [
            ("Host", own), ("Origin", "http://\(own)"), ("Sec-Fetch-Site", "same-origin")
        ], body: "")
        #expect(post.status == 204, "\(post.head)\n\(post.body)")
        let after = try await pageReport(daemon)
        #expect(after.reports == 1)
        #expect((after.secondsSinceLastReport ?? 99) < 5)
        metrics = String(decoding: try await daemon.control.send(.GET, "/metrics", body: nil).body, as: UTF8.self)
        let gauge = metrics.split(separator: "\n").first { $0.hasPrefix("amtomat_kiosk_page_silent_seconds ") }
        #expect((gauge.flatMap { Double($0.split(separator: " ")[1]) } ?? 99) < 5, "\(gauge ?? "no gauge")")
        let reported = try daemon.cli(["status"])
        #expect(reported.stdout.contains("Kiosk screen: the page reported "), "\(reported.stdout)")

        // Another page cannot feed the watch.
        let foreign = await rawRequest(try RawConnection(tcpPort: daemon.kioskPort), "POST", "/api/kiosk/page-report", headers: [
            ("Host", own), ("Origin", "http://evil.example")
        ], body: "")
        #expect(foreign.status == 403)
        #expect(try await pageReport(daemon).reports == 1)
        #expect(daemon.stop() == 0)
    }

    @Test("a browser whose page never reports is ended after the start time, and the script says why")
    func silentPageFromTheStart() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let kiosk = try KioskLauncher(daemon: daemon, reporting: false)
        try await kiosk.expectEnded(status: 1, saying: "the kiosk page did not report within 4 s of the browser's start")
        #expect(daemon.stop() == 0)
    }

    @Test("a reporting page is left alone; when it falls silent the browser is ended")
    func pageFallsSilent() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let kiosk = try KioskLauncher(daemon: daemon, reporting: true)
        // Well past the start time and the silence time: the page reports, so nothing ends it.
        try await kiosk.waitForReports(atLeast: 12)
        #expect(kiosk.isRunning(), "the script ended a reporting browser: \(kiosk.stderr())")
        #expect(kiosk.browserRuns())
        kiosk.stopReporting()
        try await kiosk.expectEnded(status: 1, saying: "the kiosk page has not reported for")
        #expect(daemon.stop() == 0)
    }

    @Test("when amtomatd goes away the browser is ended, so no error page stays on the screen")
    func daemonGoesAway() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let kiosk = try KioskLauncher(daemon: daemon, reporting: true)
        try await kiosk.waitForReports(atLeast: 2)
        #expect(daemon.stop() == 0)
        try await kiosk.expectEnded(status: 0, saying: "amtomatd stopped answering")
    }

}

/// `GET /api/kiosk/page-report` as the start script asks it (no Origin: not from a page).
func pageReport(_ daemon: DaemonProcess) async throws -> KioskPageReport {
    let answer = await rawRequest(try RawConnection(tcpPort: daemon.kioskPort), "GET", "/api/kiosk/page-report",
                                  headers: [("Host", "127.0.0.1:\(daemon.kioskPort)")])
    #expect(answer.status == 200, "\(answer.head)")
    return try JSONDecoder().decode(KioskPageReport.self, from: Data(answer.body.utf8))
}

let kioskStartScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("hardware/kiosk/amtomat-kiosk").path

/// hardware/kiosk/amtomat-kiosk with a stand-in browser: a script that POSTs page reports every
/// half second, as the page does, while its `report` file exists.
final class KioskLauncher: @unchecked Sendable {
    let directory: URL
    let daemon: DaemonProcess
    private var pid: pid_t = 0
    private var status: Int32?
    let errPath: String
    let reportFile: String
    let browserPIDFile: String
    let rendererPIDFile: String

    init(daemon: DaemonProcess, reporting: Bool) throws {
        self.daemon = daemon
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-\(UUID().uuidString)")
        reportFile = directory.appendingPathComponent("report").path
        browserPIDFile = directory.appendingPathComponent("browser.pid").path
        rendererPIDFile = directory.appendingPathComponent("renderer.pid").path
        errPath = directory.appendingPathComponent("stderr").path
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let browser = directory.appendingPathComponent("browser").path
        let own = "127.0.0.1:\(daemon.kioskPort)"
        try """
        #!/bin/bash
        echo $$ > '\(browserPIDFile)'
        # A "renderer" that ignores SIGTERM, as a frozen one may: it must not outlive the browser.
        (trap '' TERM; exec sleep 1000) &
        echo $! > '\(rendererPIDFile)'
        while :; do
          [ -e '\(reportFile)' ] && curl -s -o /dev/null -X POST -H 'Origin: http://\(own)' -H 'Content-Length: 0' 'http://\(own)/api/kiosk/page-report'
          sleep 0.5
        done
        """.write(toFile: browser, atomically: true, encoding: .utf8)
        chmod(browser, 0o755)
        if reporting { FileManager.default.createFile(atPath: reportFile, contents: nil) }
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let environment = [
            "PATH=/usr/bin:/bin",
            "AMTOMAT_KIOSK_URL=http://\(own)/",
            "AMTOMAT_KIOSK_BROWSER=\(browser)",
            "AMTOMAT_KIOSK_PAGE_START_SECONDS=4",
            "AMTOMAT_KIOSK_PAGE_SILENCE_SECONDS=4",
            "XDG_RUNTIME_DIR=\(directory.path)",
        ]
        pid = try spawnWithCleanSignals(["/bin/bash", kioskStartScript], environment: environment, stderr: errPath)
    }

    deinit {
        if isRunning() { kill(pid, SIGKILL); _ = waitpid(pid, nil, 0) }
        for pid in [browserPID(), rendererPID()].compactMap({ $0 }) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    func stderr() -> String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
    func isRunning() -> Bool {
        guard status == nil else { return false }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return true }
        // WIFEXITED / WEXITSTATUS, spelled out (the C macros do not reach Swift).
        status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        return false
    }
    func stopReporting() { try? FileManager.default.removeItem(atPath: reportFile) }

    func browserPID() -> pid_t? { Self.pid(in: browserPIDFile) }
    func rendererPID() -> pid_t? { Self.pid(in: rendererPIDFile) }
    static func pid(in file: String) -> pid_t? {
        (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The stand-in browser, or its renderer, still exists (a zombie would have been reaped by its
    /// parent, the script, or by init once the script is gone).
    func browserRuns() -> Bool { Self.alive(browserPID()) || Self.alive(rendererPID()) }
    static func alive(_ pid: pid_t?) -> Bool {
        guard let pid else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return !stat.contains(") Z ")
    }

    func waitForExit(seconds: Double) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning() && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        guard !isRunning() else { return nil }
        // The script waits for the browser it ends; give a last moment to anything left behind.
        try await Task.sleep(for: .milliseconds(300))
        return status
    }

    /// The script has ended, with this exit status and this reason on stderr, and nothing of the
    /// stand-in browser is left.
    func expectEnded(status expected: Int32, saying reason: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let status = try await waitForExit(seconds: 60)
        #expect(status == expected, "\(stderr())", sourceLocation: sourceLocation)
        #expect(stderr().contains(reason), "\(stderr())", sourceLocation: sourceLocation)
        #expect(!browserRuns(), "the browser or its renderer was left running", sourceLocation: sourceLocation)
    }

    func waitForReports(atLeast count: Int) async throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try await pageReport(daemon).reports >= count { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the stand-in browser did not report \(count) times within 60 s: \(stderr())")
    }
}

/// Starts a program with no signal blocked and the usual dispositions. Foundation's `Process` passes
/// on the test runner's signal mask, in which SIGTERM is blocked: a shell script started that way
/// could never end its own children with `kill`, as it does under systemd.
func spawnWithCleanSignals(_ arguments: [String], environment: [String], stderr: String) throws -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var files = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&files)
    defer { posix_spawn_file_actions_destroy(&files) }
    posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&files, 2, stderr, O_WRONLY | O_APPEND, 0)
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.map { strdup($0) } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, arguments[0], &files, &attributes, argv, envp)
    guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
    return pid
}
