import AmtomatAPI
import AmtomatClient
import AmtomatCore
import AmtomatStore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real amtomatd and amtomat binaries, the real Unix socket and kiosk port, the real SQLite file.
@Suite("End to end", .serialized)
struct EndToEndTests {
    @Test("deposit with the CLI, pick up at the kiosk, and find it all in the database and audit log")
    func depositAndPickup() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let issued = try daemon.deposit("P-2026-1", kind: "passport", size: "S", extra: ["--date-of-birth", "1984-03-27"])
        #expect(issued.code.count == 14)

        var (status, response) = try await daemon.pickup(issued.code)
        #expect(status == 200 && response.result == .secondFactor)
        (status, response) = try await daemon.pickup(issued.code, dateOfBirth: "1984-03-27")
        #expect(status == 200 && response.result == .open)
        #expect(response.compartment?.id == issued.compartment)
        let token = try #require(response.pickup)
        #expect(try daemon.cli(["sim", "close", "\(issued.compartment)"]).status == 0)
        var collected = false
        for _ in 0..<100 where !collected {
            let reply = try await daemon.kiosk.send(.GET, "/api/pickup/\(token)", body: nil)
            collected = try reply.decode(PickupStatus.self).result == .collected
            if !collected { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(collected)

        let show = try daemon.cli(["--json", "show", "P-2026-1"])
        #expect(show.status == 0)
        #expect(try APIJSON.decoder().decode(DocumentView.self, from: Data(show.stdout.utf8)).state == .collected)

        // The database file, read directly: the code is stored nowhere, in no form that matches it.
        let store = try daemon.store()
        let doc = try #require(try store.document(reference: "P-2026-1"))
        #expect(doc.state == .collected && doc.codeDigest == nil && doc.secondFactorDigest == nil)
        let audit = try store.auditLog()
        #expect(audit.map(\.action).starts(with: ["reserve", "open-for-loading", "door-opened", "loaded"]))
        #expect(audit.first?.osUser == "root")
        #expect(audit.contains { $0.action == "collected" && $0.osUser == "kiosk" && $0.compartmentId == issued.compartment.rawValue })
        let raw = try Data(contentsOf: URL(fileURLWithPath: daemon.databasePath))
        #expect(raw.range(of: Data(issued.code.utf8)) == nil, "the plain code is not in the database file")
        #expect(!daemon.log().contains(issued.code), "the code never appears in the daemon's log")
        let auditCLI = try daemon.cli(["audit", "--limit", "100"])
        #expect(auditCLI.status == 0 && auditCLI.stdout.contains("collected") && !auditCLI.stdout.contains(issued.code))

        // Files the DSGVO and the town's IT department care about.
        var info = stat()
        #expect(stat(daemon.statePath + "/pickup-code.key", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(daemon.socketPath, &info) == 0 && info.st_mode & 0o777 == 0o660 && info.st_gid == TestGroups.socket)
        #expect(daemon.stop() == 0, "SIGTERM ends the daemon cleanly")
    }

    @Test("reissue replaces the code; extend and withdraw; list and status speak JSON")
    func clerkCommands() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let first = try daemon.deposit("F-1")
        let reissue = try daemon.cli(["--json", "reissue", "F-1"])
        #expect(reissue.status == 0)
        let second = try APIJSON.decoder().decode(CodeIssued.self, from: Data(reissue.stdout.utf8))
        #expect(second.code != first.code)
        #expect(try await daemon.pickup(first.code).1.result == .rejected)
        #expect(try daemon.cli(["extend", "F-1", "--days", "5"]).status == 0)
        let tooLong = try daemon.cli(["extend", "F-1", "--days", "60"])
        #expect(tooLong.status == 65 && tooLong.stderr.contains("at most 28 days"))
        let list = try daemon.cli(["--json", "list"])
        #expect(try APIJSON.decoder().decode([DocumentView].self, from: Data(list.stdout.utf8)).map(\.reference) == ["F-1"])
        let withdraw = try daemon.cli(["withdraw", "F-1"])
        #expect(withdraw.status == 0 && withdraw.stdout.contains("is open"))
        let late = try await daemon.pickup(second.code)
        #expect(late.0 == 410 && late.1.result == .gone && late.1.gone?.state == .withdrawn && late.1.office != nil,
                "the withdrawn document's code says where it went")
        let status = try daemon.cli(["--json", "status"])
        let view = try APIJSON.decoder().decode(StatusView.self, from: Data(status.stdout.utf8))
        #expect(view.compartments.count == 6 && view.roles == ["clerk", "notifier", "technician"])
        let rival = try run(binaryDirectory.appendingPathComponent("amtomatd").path, ["--config", daemon.configPath])
        #expect(rival.status == 1 && rival.stderr.contains("Another amtomatd is already running"),
                "a second daemon on the same state directory refuses to start: \(rival.stderr)")
        #expect(try daemon.cli(["status"]).status == 0, "and leaves the first one's socket alone")
        let missing = try daemon.cli(["show", "NOPE"])
        #expect(missing.status == 66 && missing.stderr.contains("No document with reference NOPE"))
        #expect(!missing.stderr.contains("Error:") && !missing.stderr.contains("Fatal"))
    }

    @Test("a wrong code is neutral; after the free attempts the kiosk is slowed and says for how long")
    func throttleOverHTTP() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        for _ in 0..<3 {
            let (status, r) = try await daemon.pickup("111122223333")
            #expect(status == 403 && r.result == .rejected && r.compartment == nil)
        }
        let reply = try await daemon.kiosk.send(.POST, "/api/pickup", json: PickupRequest(code: "111122223333"))
        #expect(reply.status == 429)
        #expect(reply.headers.contains { $0.0.lowercased() == "retry-after" && (21...30).contains(Int($0.1) ?? 0) },
                "a short wait (first_wait_seconds = 30), not half an hour")
        #expect(daemon.log().contains("Burst of failed pickup attempts"))
        let metrics = try await daemon.control.send(.GET, "/metrics", body: nil)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains("amtomat_guessing_alarms_total 1"), "the alarm is in the metrics too")
        #expect(text.contains("amtomat_pickup_attempts_rejected_total 3"))
    }

    @Test("systemd hears READY=1 on $NOTIFY_SOCKET and STOPPING=1 on SIGTERM")
    func systemdNotify() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-notify-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("notify.sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func receive() -> String {
            var buffer = [UInt8](repeating: 0, count: 512)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n > 0 ? String(decoding: buffer.prefix(n), as: UTF8.self) : ""
        }
        let daemon = try DaemonProcess()
        try daemon.start(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"])
        #expect(receive().hasPrefix("READY=1"))
        #expect(receive() == "WATCHDOG=1", "the watchdog is petted while the controller answers")
        #expect(daemon.stop() == 0)
        var messages: [String] = []
        for _ in 0..<20 where !messages.contains("STOPPING=1") {
            let m = receive()
            if m.isEmpty { break }
            messages.append(m)
        }
        #expect(messages.contains("STOPPING=1"))
    }

    @Test("bad input on both APIs gets a clear sentence and the right status; nothing changes")
    func badInput() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let cases: [(ControlClient, String, String, Int, String)] = [
            (daemon.control, "/documents", "{not json", 400, "not valid JSON"),
            (daemon.control, "/documents", #"{"kind":"passport","size":"M","accessible":false}"#, 400, "'reference' is missing"),
            (daemon.control, "/documents", #"{"kind":"passport","reference":7,"size":"M","accessible":false}"#, 400, "wrong type"),
            (daemon.control, "/documents", #"{"kind":"spaceship","reference":"X","size":"M","accessible":false}"#, 400, "kind"),
            (daemon.control, "/documents", #"{"kind":"passport","reference":"X","size":"M","accessible":false}"#, 400, "--date-of-birth"),
            (daemon.control, "/documents/NOPE/extend", #"{"days":3}"#, 404, "No document"),
            (daemon.control, "/compartments/99/block", #"{"reason":"x"}"#, 404, "no compartment 99"),
            (daemon.control, "/compartments/abc/block", #"{"reason":"x"}"#, 400, "not a compartment number"),
            (daemon.kiosk, "/api/pickup", "[]", 400, "wrong type"),
            (daemon.kiosk, "/api/pickup", #"{"code":12}"#, 400, "wrong type"),
            (daemon.kiosk, "/api/pickup", "", 400, "no body"),
        ]
        for (client, path, body, status, phrase) in cases {
            let reply = try await client.send(.POST, path, body: Data(body.utf8))
            #expect(reply.status == status, "\(path) \(body)")
            #expect(reply.errorMessage.contains(phrase), "\(path) \(body): \(reply.errorMessage)")
        }
        let huge = Data(("{\"code\":\"" + String(repeating: "1", count: 100_000) + "\"}").utf8)
        let big = try await daemon.kiosk.send(.POST, "/api/pickup", body: huge)
        #expect(big.status == 413 && big.errorMessage.contains("larger than"))
        // The kiosk listener knows nothing of clerk or technician actions.
        for path in ["/documents", "/compartments/1/open", "/status", "/sim/doors/1/close"] {
            let reply = try await daemon.kiosk.send(.POST, path, body: Data(#"{"reason":"x"}"#.utf8))
            #expect(reply.status == 404, "kiosk must not serve \(path)")
        }
        #expect(try daemon.store().documents().isEmpty)
        #expect(try daemon.store().auditLog().isEmpty)
    }

    @Test("roles come from the connecting OS user's groups, never from the request",
          .enabled(if: getuid() == 0, "needs root to start the CLI as other users with setpriv"))
    func roles() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let clerk = (uid: UInt32(61001), gid: TestGroups.clerk)
        let technician = (uid: UInt32(61002), gid: TestGroups.technician)

        let clerkList = try daemon.cli(["list"], uid: clerk.uid, gid: clerk.gid, groups: [TestGroups.socket])
        #expect(clerkList.status == 0, "\(clerkList.stderr)")
        let clerkOpen = try daemon.cli(["open", "1", "--reason", "curious"], uid: clerk.uid, gid: clerk.gid, groups: [TestGroups.socket])
        #expect(clerkOpen.status == 77 && clerkOpen.stderr.contains("technician role"))

        let techOpen = try daemon.cli(["open", "1", "--reason", "check hinge"], uid: technician.uid, gid: technician.gid, groups: [TestGroups.socket])
        #expect(techOpen.status == 0, "\(techOpen.stderr)")
        let techDeposit = try daemon.cli(["deposit", "--kind", "other", "--reference", "T", "--size", "S"],
                                         uid: technician.uid, gid: technician.gid, groups: [TestGroups.socket])
        #expect(techDeposit.status == 77 && techDeposit.stderr.contains("clerk role"))

        let outsider = try daemon.cli(["status"], uid: 61003, gid: 61103, groups: [TestGroups.socket])
        #expect(outsider.status == 77 && outsider.stderr.contains("neither the clerk group"))
        let stranger = try daemon.cli(["status"], uid: 61004, gid: 61104)
        #expect(stranger.status == 69 && stranger.stderr.contains("Permission denied"))

        let audit = try daemon.store().auditLog()
        #expect(audit.contains { $0.action == "maintenance-open" && $0.osUser == "uid:61002" && $0.detail == "check hinge" })
        #expect(!audit.contains { $0.osUser == "uid:61001" }, "the refused clerk changed nothing")
    }

    @Test("technician: block keeps a compartment out of assignment; self-test finds a jammed lock")
    func technician() async throws {
        let daemon = try DaemonProcess(compartments: 3)
        try daemon.start()
        #expect(try daemon.cli(["block", "1", "--reason", "hinge"]).status == 0)
        #expect(try daemon.cli(["block", "2", "--reason", ""]).status == 65)
        #expect(try daemon.cli(["sim", "jam", "2"]).status == 0)
        let test = try daemon.cli(["--json", "selftest", "--compartment", "2"])
        #expect(test.status == 75)
        #expect(test.stdout.contains("lock-does-not-release"))
        let observed = try daemon.cli(["--json", "selftest", "--compartment", "2", "--door-opened"])
        #expect(observed.status == 75 && observed.stdout.contains("sensor-stuck-closed"), "the technician saw the door open")
        #expect(try daemon.cli(["selftest", "--all", "--door-opened"]).status == 64)
        let issued = try daemon.deposit("D-1")
        #expect(issued.compartment == CompartmentID(3), "1 is blocked by hand, 2 by the failed self-test")
        #expect(try daemon.cli(["unblock", "1"]).status == 0)
        let lines = try daemon.cli(["--json", "hw", "lines"])
        #expect(lines.status == 0 && lines.stdout.contains("\"door\""))
    }

    @Test("a crash with a door open mid-loading: after the restart the document is ready and needs a reissue")
    func crashAndRestart() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let start = try await daemon.control.send(.POST, "/documents",
                                                  json: DepositRequest(kind: .drivingLicence, reference: "CRASH", size: .small))
        #expect(start.status == 201)
        var opened = false
        for _ in 0..<100 where !opened {
            opened = try daemon.store().document(reference: "CRASH")?.doorOpenedAt != nil
            if !opened { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(opened)
        daemon.stop(signal: SIGKILL)
        // The simulated locker starts with every door closed: as if the clerk closed it during the outage.
        try daemon.start()
        let doc = try daemon.store().document(reference: "CRASH")
        #expect(doc?.state == .ready && doc?.codeDigest == nil)
        #expect(try daemon.cli(["list"]).stdout.contains("NO CODE"))
        let reissue = try daemon.cli(["--json", "reissue", "CRASH"])
        let code = try APIJSON.decoder().decode(CodeIssued.self, from: Data(reissue.stdout.utf8))
        #expect(try await daemon.pickup(code.code).1.result == .open)
        #expect(try daemon.store().auditLog().contains { $0.action == "reconcile" })
    }

    @Test("--check-config reports every problem with its line and a fix; exit 1")
    func checkConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-cfg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("broken.toml").path
        try """
        [locker]
        name = "Broken"
        [[compartment]]
        id = 1
        column = 1
        row = 1
        size = "XL"
        [[compartment]]
        id = 1
        column = 2
        row = 1
        size = "S"
        wheelchiar = true
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let amtomatd = binaryDirectory.appendingPathComponent("amtomatd").path
        let result = try run(amtomatd, ["--check-config", path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("broken.toml:7"), "unknown size on line 7: \(result.stdout)")
        #expect(result.stdout.contains("broken.toml:9"), "duplicate id on line 9")
        #expect(result.stdout.contains("wheelchair"), "the typo gets a suggestion")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let demo = try run(amtomatd, ["--check-config", root.appendingPathComponent("hardware/demo-locker.toml").path])
        #expect(demo.status == 0 && demo.stdout.contains("OK"))
    }

    @Test("--check-config FILE --no-probe passes every example in hardware/ on any machine")
    func checkConfigWithoutHardware() throws {
        let amtomatd = binaryDirectory.appendingPathComponent("amtomatd").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let hardware = root.appendingPathComponent("hardware")
        let examples = try FileManager.default.contentsOfDirectory(atPath: hardware.path).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(examples.contains("raspberry-pi.toml") && examples.contains("mcp23017-48.toml"))
        for name in examples {
            let result = try run(amtomatd, ["--check-config", hardware.appendingPathComponent(name).path, "--no-probe"])
            #expect(result.status == 0, "\(name): \(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("OK"), "\(name): \(result.stdout)")
        }
        let pi = try run(amtomatd, ["--check-config", hardware.appendingPathComponent("raspberry-pi.toml").path, "--no-probe"])
        #expect(pi.stdout.contains("not probed"), "says the lines were not checked: \(pi.stdout)")
        // Without --no-probe, on a machine that is not a Pi 4, the message names the board.
        let probed = try run(amtomatd, ["--check-config", hardware.appendingPathComponent("raspberry-pi.toml").path])
        if probed.status != 0 {
            #expect(probed.stdout.contains("Raspberry Pi 4") && probed.stdout.contains("--no-probe"), "\(probed.stdout)")
            #expect(!probed.stdout.contains("I²C"), "\(probed.stdout)")
        }
        // A configuration problem is still reported with --no-probe.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-np-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let broken = dir.appendingPathComponent("broken.toml").path
        try "[locker]\nname = \"x\"\n[daemon]\nbackend = \"gpoid\"\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let bad = try run(amtomatd, ["--check-config", broken, "--no-probe"])
        #expect(bad.status == 1 && bad.stdout.contains("broken.toml:4"), "\(bad.stdout)")
        let misuse = try run(amtomatd, ["--no-probe"])
        #expect(misuse.status == 64 && misuse.stderr.contains("--check-config"), "\(misuse.stderr)")
    }
}
