import AmtomatAPI
import AmtomatClient
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 10 point 7: the smaller defects, each against the real binaries.
@Suite("Smaller defects", .serialized)
struct SmallDefectTests {
    @Test("unknown compartments answer 404 on the simulator routes and await-closed, at once")
    func unknownCompartments() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        for path in ["/sim/doors/25/close", "/sim/doors/25/force-open"] {
            let reply = try await daemon.control.send(.POST, path, body: nil)
            #expect(reply.status == 404, "\(path): \(reply.status)")
            #expect(reply.errorMessage.contains("no compartment 25"), "\(reply.errorMessage)")
        }
        let jam = try await daemon.control.send(.POST, "/sim/locks/25/jam", body: Data(#"{"jammed":true}"#.utf8))
        #expect(jam.status == 404)
        let stuck = try await daemon.control.send(.POST, "/sim/sensors/25/stuck", body: Data(#"{"stuck":"open"}"#.utf8))
        #expect(stuck.status == 404)
        for path in ["/api/demo/doors/25/close"] {
            let reply = try await daemon.kiosk.send(.POST, path, body: nil)
            #expect(reply.status == 404, "\(path): \(reply.status)")
        }
        let demoJam = try await daemon.kiosk.send(.POST, "/api/demo/locks/25/jam", body: Data(#"{"jammed":true}"#.utf8))
        #expect(demoJam.status == 404)
        let start = Date()
        let wait = try await daemon.control.send(.POST, "/compartments/25/await-closed?wait=10", body: nil)
        #expect(wait.status == 404 && wait.errorMessage.contains("25"))
        #expect(Date().timeIntervalSince(start) < 3, "answered at once, not after the timeout")
        #expect(daemon.stop() == 0)
    }

    @Test("unknown paths answer 404 and wrong methods 405, both with a JSON sentence")
    func unknownPathsAndMethods() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let cases: [(ControlClient, HTTPMethodName, String, Int)] = [
            (daemon.kiosk, .GET, "/api/nothing-here", 404),
            (daemon.kiosk, .POST, "/api/nothing-here", 404),
            (daemon.kiosk, .POST, "/api/kiosk", 405),
            (daemon.kiosk, .GET, "/api/pickup", 405),
            (daemon.control, .GET, "/nothing-here", 404),
            (daemon.control, .GET, "/documents/X/withdraw", 405),
            (daemon.control, .POST, "/status", 405),
        ]
        for (client, method, path, status) in cases {
            let reply = method == .GET
                ? try await client.send(.GET, path, body: nil)
                : try await client.send(.POST, path, body: Data("{}".utf8))
            #expect(reply.status == status, "\(method) \(path): \(reply.status)")
            let body = try? JSONSerialization.jsonObject(with: reply.body) as? [String: String]
            #expect(body?["error"]?.isEmpty == false, "\(method) \(path) has a JSON error body: \(String(decoding: reply.body, as: UTF8.self))")
            if status == 405 {
                #expect(reply.headers.contains { $0.0.lowercased() == "allow" }, "\(path): 405 says what is allowed")
            }
        }
        #expect(daemon.stop() == 0)
    }

    @Test("decoding errors name the field and what it accepts, never a Swift type")
    func decodingErrors() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let cases: [(ControlClient, String, String, [String])] = [
            (daemon.control, "/documents", #"{"kind":"spaceship","reference":"X","size":"M","accessible":false}"#, ["'kind'", "passport"]),
            (daemon.control, "/documents", #"{"kind":"passport","reference":"X","size":"XXL","accessible":false}"#, ["'size'", "S"]),
            (daemon.control, "/documents", "[]", ["JSON object"]),
            (daemon.control, "/documents", #"{"kind":"passport","reference":{"a":1},"size":"M","accessible":false}"#, ["'reference'", "a string"]),
            (daemon.kiosk, "/api/pickup", "[]", ["JSON object"]),
            (daemon.kiosk, "/api/pickup", #"{"code":[1]}"#, ["'code'", "a string"]),
        ]
        for (client, path, body, phrases) in cases {
            let reply = try await client.send(.POST, path, body: Data(body.utf8))
            #expect(reply.status == 400, "\(path) \(body)")
            for phrase in phrases {
                #expect(reply.errorMessage.contains(phrase), "\(body): \(reply.errorMessage)")
            }
            for leak in ["Dictionary", "Array<", "DocumentKind", "SizeClass", "Swift.", "init"] {
                #expect(!reply.errorMessage.contains(leak), "\(body): \(reply.errorMessage)")
            }
        }
        #expect(daemon.stop() == 0)
    }

    @Test("host = \"[::1]\" passes --check-config and the daemon then serves on it")
    func bracketedIPv6Host() async throws {
        let daemon = try DaemonProcess(extraConfig: "")
        // The test config's [kiosk] section gets the host added.
        var toml = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        toml = toml.replacingOccurrences(of: "[kiosk]\n", with: "[kiosk]\nhost = \"[::1]\"\n")
        try toml.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let check = try run(binaryDirectory.appendingPathComponent("amtomatd").path, ["--check-config", daemon.configPath])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        try daemon.start()
        #expect(daemon.kioskURL.hasPrefix("http://[::1]:"), "\(daemon.kioskURL)")
        let reply = try await ControlClient(.tcp(host: "::1", port: daemon.kioskPort)).send(.GET, "/api/kiosk", body: nil)
        #expect(reply.status == 200)
        #expect(daemon.stop() == 0)
    }

    @Test("clients that hang up early and a normal shutdown log no error; the database is not world-readable")
    func quietLogsAndPrivateDatabase() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        // Control clients that send a request and leave before the answer.
        for i in 0..<30 {
            let c = try RawConnection(unixPath: daemon.socketPath)
            c.send("GET /status HTTP/1.1\r\nHost: localhost\r\n\r\n")
            if i % 2 == 0 { try await Task.sleep(for: .milliseconds(2)) }
            c.close()
        }
        #expect(await ConnectionLimitTests.bothAnswer(daemon))
        _ = try daemon.deposit("PRIVATE-1")
        for suffix in ["", "-wal", "-shm"] {
            var info = stat()
            let path = daemon.databasePath + suffix
            guard stat(path, &info) == 0 else { continue }
            #expect(info.st_mode & 0o027 == 0, "\(path) has mode \(String(info.st_mode & 0o777, radix: 8)); expected 0600 or 0640")
        }
        #expect(daemon.stop() == 0)
        let errors = daemon.log().split(separator: "\n").filter { $0.contains(" error ") || $0.contains(" critical ") }
        #expect(errors.isEmpty, "error-level lines: \(errors.joined(separator: "\n"))")
        #expect(!errors.contains { $0.contains("Bad file descriptor") })
    }
}

enum HTTPMethodName: String, CustomStringConvertible {
    case GET, POST
    var description: String { rawValue }
}
