import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain socket to one of the daemon's listeners, for requests no well-behaved client sends:
/// oversized headers, bodies that never arrive, garbage, connections that say nothing.
final class RawConnection {
    private(set) var fd: Int32

    /// Connects to the kiosk port on 127.0.0.1.
    init(tcpPort: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(tcpPort).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try check(result)
    }

    /// Connects to the control socket.
    init(unixPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(unixPath.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try check(result)
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    private func check(_ result: Int32) throws {
        guard fd >= 0, result == 0 else {
            let message = String(cString: strerror(errno))
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
            throw Failed(description: "connect failed: \(message)")
        }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends everything, or as much as the daemon takes within the send timeout; false once the
    /// daemon has closed the connection (or stopped reading).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads until the daemon closes the connection or `seconds` pass; `closed` says which. Polls
    /// without blocking, so in-process tests running beside this one keep their threads.
    func readUntilClosed(seconds: Double) async -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        let end = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while Date() < end {
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 {
                received += buffer.prefix(n)
            } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                return (String(decoding: received, as: UTF8.self), true)  // EOF or reset: closed
            } else {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}

/// How many descriptors a process holds right now.
func openDescriptors(_ pid: Int32) -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
}

/// CPU time (user + system) a process has used, in seconds.
func cpuSeconds(_ pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the command name: state is field 3, utime 14 and stime 15 (1-based over the whole line).
    let utime = Double(fields[11]) ?? 0
    let stime = Double(fields[12]) ?? 0
    return (utime + stime) / Double(sysconf(Int32(_SC_CLK_TCK)))
}


/// An HTTP answer read off a raw connection.
struct RawReply {
    var status: Int
    var head: String
    var body: String

    func header(_ name: String) -> String? {
        for line in head.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}

/// One request with exactly the headers given (a browser's, or a hostile page's), `Connection: close`.
func rawRequest(_ connection: RawConnection, _ method: String, _ path: String, headers: [(String, String)],
                body: String? = nil) async -> RawReply {
    var text = "\(method) \(path) HTTP/1.1\r\n"
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
    text += "Connection: close\r\n\r\n" + (body ?? "")
    connection.send(text)
    let answer = await connection.readUntilClosed(seconds: 10).text
    let parts = answer.components(separatedBy: "\r\n\r\n")
    let head = parts.first ?? ""
    let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
    return RawReply(status: status, head: head, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
}
