import AmtomatAPI
@testable import AmtomatDaemon
import AmtomatConfig
import AmtomatCore
import AmtomatHardware
import AmtomatStore
import Foundation
import Logging
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's $NOTIFY_SOCKET.
final class NotifySocket: @unchecked Sendable {
    let path: String
    private let fd: Int32

    init() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-wd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        path = dir.appendingPathComponent("notify.sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw HardwareError.backend("cannot bind \(path)") }
    }

    deinit { close(fd) }

    /// Every message that arrives within `seconds`. Never blocks a thread of the cooperative pool:
    /// the daemon under test runs on the same pool.
    func messages(for seconds: Double) async -> [String] {
        var result: [String] = []
        let end = ContinuousClock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
        var buffer = [UInt8](repeating: 0, count: 1024)
        while ContinuousClock.now < end {
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 {
                result.append(String(decoding: buffer.prefix(n), as: UTF8.self))
            } else {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        return result
    }

    /// Waits up to `seconds` for a message that starts with `prefix`.
    func await(_ prefix: String, seconds: Double) async -> Bool {
        let end = ContinuousClock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
        while ContinuousClock.now < end {
            if await messages(for: 0.1).contains(where: { $0.hasPrefix(prefix) }) { return true }
        }
        return false
    }
}

/// Issue 10 point 4: the watchdog is petted only while the hardware event path carries a liveness
/// tick, and a loop that ends on its own ends the daemon.
@Suite("Watchdog and the locker's loops", .serialized)
struct WatchdogTests {
    static func daemon(notify: NotifySocket, sim: SimulatedLocker, logs: LogCapture) async throws -> Daemon {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-wdd-\(UUID().uuidString.prefix(8))")
        var settings = DaemonSettings(stateDirectory: dir.appendingPathComponent("state").path)
        settings.control.socketPath = dir.appendingPathComponent("control.sock").path
        settings.kiosk.port = 0
        settings.allowWeakCodesForTests = true
        let config = AmtomatConfiguration(locker: Rig.locker, settings: settings)
        // WATCHDOG_USEC 200 ms: a tick every 100 ms.
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000"])
        return try await Daemon.build(config, logger: logs.logger, backend: sim, notifier: notifier)
    }

    @Test("a stalled hardware event path stops the petting; it resumes when events flow again")
    func stalledEventPath() async throws {
        let notify = try NotifySocket()
        let sim = SimulatedLocker(compartments: Rig.locker.compartments.map(\.id), springDelay: .milliseconds(5))
        let logs = LogCapture()
        let daemon = try await Self.daemon(notify: notify, sim: sim, logs: logs)
        let running = Task { try await daemon.run() }
        defer { running.cancel() }
        _ = await daemon.ready()
        #expect(await notify.await("READY=1", seconds: 5))
        #expect(await notify.await("WATCHDOG=1", seconds: 15), "petted while ticks come through")

        sim.stallEvents(true)
        _ = await notify.messages(for: 2.0)  // a check already under way (on a busy test machine) may still pet once
        let whileStalled = await notify.messages(for: 1.0)
        #expect(!whileStalled.contains("WATCHDOG=1"), "no WATCHDOG=1 while the event path is stalled: \(whileStalled)")
        #expect(logs.text.contains("Not petting the watchdog"))
        #expect(logs.text.contains("liveness tick"))

        sim.stallEvents(false)
        #expect(await notify.await("WATCHDOG=1", seconds: 15), "petted again once the path moves")
    }

    @Test("the hardware event stream ending ends the daemon with an error (systemd restarts it)")
    func eventLoopEnds() async throws {
        let notify = try NotifySocket()
        let sim = SimulatedLocker(compartments: Rig.locker.compartments.map(\.id), springDelay: .milliseconds(5))
        let logs = LogCapture()
        let daemon = try await Self.daemon(notify: notify, sim: sim, logs: logs)
        let running = Task { try await daemon.run() }
        _ = await daemon.ready()
        sim.endEvents()
        let watchdog = Task {
            try await Task.sleep(for: .seconds(10))
            running.cancel()
        }
        defer { watchdog.cancel() }
        await #expect(throws: (any Error).self, "run() ends with an error, so the process exits non-zero") {
            try await running.value
        }
        #expect(!watchdog.isCancelled && logs.text.contains("hardware event loop ended unexpectedly"), "\(logs.text.suffix(600))")
        #expect(sim.snapshot().allSatisfy { !$0.coilEnergised }, "every coil released on the way out")
    }

    @Test("awaitCode wakes when the door closes, without polling")
    func awaitCodeWakes() async throws {
        let rig = try await Rig()
        let started = try await rig.controller.deposit(DepositRequest(kind: .other, reference: "WAKE", size: .small), by: AmtomatStore.Actor("clerk"))
        let clock = ContinuousClock()
        let begin = clock.now
        async let answer = rig.controller.awaitCode(reference: "WAKE", timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(100))
        try rig.sim.closeDoor(started.compartment)
        let response = try await answer
        #expect(response.status == .issued)
        #expect(clock.now - begin < .seconds(2), "woken by the door, not by the 10 s timeout")
    }
}
