import AmtomatCore
import AmtomatHardware
import Foundation
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Runs the locker's loops (hardware events, door supervision, the controller's door events) for
/// the life of the daemon, and releases every coil on the way out.
///
/// A loop that ends on its own makes `run()` throw, which ends the service group and the daemon
/// with an error: systemd restarts it (Restart=on-failure) instead of keeping a deaf locker.
struct LockerService: Service {
    let controller: LockerController
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await controller.run()
            }
        } catch {
            logger.critical("The locker stopped working; the daemon ends so that systemd restarts it",
                            metadata: ["error": "\(error)"])
            notifier.notify("STATUS=\(error)")
            await controller.stop()
            throw error
        }
        notifier.notify("STOPPING=1")
        await controller.stop()
    }
}

/// Expires documents past their hold period, once a minute; once a day also deletes personal data
/// past its retention period (`LockerController.sweep`).
struct ExpirySweepService: Service {
    let controller: LockerController
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: interval)
                do {
                    try await controller.sweep()
                } catch {
                    logger.error("Expiry sweep failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

/// Pets systemd's watchdog only while the locker really works: a liveness tick sent into the
/// hardware backend came back through the path door events take (backend → locker → controller),
/// the database can be read, and both listeners answer a request. A stalled event loop, a stuck
/// controller or a listener out of descriptors all stop the petting, and systemd restarts the daemon.
struct WatchdogService: Service {
    let controller: LockerController
    let notifier: SystemdNotifier
    let readiness: Readiness
    let probe: ListenerProbe
    let logger: Logger

    func run() async throws {
        guard let interval = notifier.watchdogInterval else {
            try? await gracefulShutdown()
            return
        }
        try? await cancelWhenGracefulShutdown {
            _ = await readiness.waitForKiosk()  // READY=1 comes first
            var sent: UInt64 = 0
            var wasHealthy = true
            while true {
                sent += 1
                controller.locker.livenessTick(sent)
                try await Task.sleep(for: interval)
                let problem = await check(tick: sent)
                if let problem {
                    if wasHealthy { logger.critical("Not petting the watchdog", metadata: ["problem": "\(problem)"]) }
                } else {
                    notifier.notify("WATCHDOG=1")
                    if !wasHealthy { logger.notice("The locker works again; petting the watchdog") }
                }
                wasHealthy = problem == nil
            }
        }
    }

    /// What is wrong, or nil when all is well.
    func check(tick: UInt64) async -> String? {
        guard await controller.lastLivenessTick >= tick else {
            return "the hardware event path did not pass on a liveness tick within one watchdog interval"
        }
        guard await controller.isHealthy() else { return "the database cannot be read" }
        if let listener = await probe.silentListener() { return "the \(listener) does not answer" }
        return nil
    }
}

extension LockerController {
    /// The actor answers and the database can be read.
    public func isHealthy() -> Bool {
        store.database.isReadable()
    }
}

/// Sends one small request to each listener, the way a client would, and waits for its status line.
struct ListenerProbe: Sendable {
    let readiness: Readiness
    let socketPath: String
    var timeout: Double = 2

    /// The name of the first listener that did not answer, or nil.
    func silentListener() async -> String? {
        let kioskURL = await readiness.waitForKiosk()
        let hostPort = kioskURL.replacingOccurrences(of: "http://", with: "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let socketPath = self.socketPath
        let timeout = self.timeout
        return await withCheckedContinuation { continuation in
            // Blocking sockets on a thread of their own, never on the cooperative pool.
            Thread.detachNewThread {
                if !Self.answers(tcp: hostPort, timeout: timeout) { return continuation.resume(returning: "kiosk listener") }
                if !Self.answers(unix: socketPath, timeout: timeout) { return continuation.resume(returning: "control socket") }
                continuation.resume(returning: nil)
            }
        }
    }

    static func answers(tcp hostPort: String, timeout: Double) -> Bool {
        guard let colon = hostPort.lastIndex(of: ":"), let port = UInt16(hostPort[hostPort.index(after: colon)...]) else { return false }
        let host = String(hostPort[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var storage = sockaddr_storage()
        var length: socklen_t
        let family: Int32
        if host.contains(":") {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &a.sin6_addr) == 1 else { return false }
            withUnsafeBytes(of: a) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &a.sin_addr) == 1 else { return false }
            withUnsafeBytes(of: a) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        }
        return exchange(family: family, address: &storage, length: length, timeout: timeout,
                        request: "GET /api/kiosk HTTP/1.1\r\nHost: \(hostPort)\r\nConnection: close\r\n\r\n")
    }

    static func answers(unix path: String, timeout: Double) -> Bool {
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: a.sun_path) else { return false }
        withUnsafeMutableBytes(of: &a.sun_path) { $0.copyBytes(from: bytes) }
        var storage = sockaddr_storage()
        withUnsafeBytes(of: a) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
        // Any status counts: the daemon's own user may hold no role, and a 403 is an answer too.
        return exchange(family: AF_UNIX, address: &storage, length: socklen_t(MemoryLayout<sockaddr_un>.size), timeout: timeout,
                        request: "GET /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    }

    private static func exchange(family: Int32, address: inout sockaddr_storage, length: socklen_t, timeout: Double, request: String) -> Bool {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard connected == 0 else { return false }
        let bytes = Array(request.utf8)
        guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 12)
        var got = 0
        while got < 12 {
            let n = buffer[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return false }
            got += n
        }
        return buffer.starts(with: Array("HTTP/1.1 ".utf8))
    }
}
