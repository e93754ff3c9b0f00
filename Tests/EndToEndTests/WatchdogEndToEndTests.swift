import AmtomatAPI
import AmtomatClient
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 10 point 4 with the real binary: systemd's watchdog hears nothing while the locker's
/// hardware event path is stalled, and again once it moves.
@Suite("Watchdog end to end", .serialized)
struct WatchdogEndToEndTests {
    @Test("a stalled door-event path stops WATCHDOG=1; it comes back when the path moves")
    func stalledEventPath() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amtomat-wde-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("notify.sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        func messages(for seconds: Double) -> [String] {
            var result: [String] = []
            let end = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 512)
            while Date() < end {
                var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { result.append(String(decoding: buffer.prefix(n), as: UTF8.self)) }
            }
            return result
        }

        let daemon = try DaemonProcess()
        try daemon.start(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"])
        #expect(messages(for: 1.5).contains("WATCHDOG=1"), "petted while the event path carries its ticks")

        let stall = try await daemon.control.send(.POST, "/sim/events/stall", body: Data(#"{"stalled":true}"#.utf8))
        #expect(stall.status == 204, "\(stall.errorMessage)")
        _ = messages(for: 0.5)
        let stalled = messages(for: 1.5)
        #expect(!stalled.contains("WATCHDOG=1"), "nothing petted while stalled: \(stalled)")
        #expect(daemon.log().contains("Not petting the watchdog"))

        _ = try await daemon.control.send(.POST, "/sim/events/stall", body: Data(#"{"stalled":false}"#.utf8))
        #expect(messages(for: 1.5).contains("WATCHDOG=1"), "petted again")
        #expect(daemon.stop() == 0)
    }
}
