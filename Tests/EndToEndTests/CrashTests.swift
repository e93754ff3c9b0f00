import AmtomatAPI
import AmtomatClient
import AmtomatCore
import AmtomatStore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 10, points 1 and 2, with the real binaries and real SIGKILLs.
@Suite("Crashes with the real daemon", .serialized)
struct CrashTests {
    @Test("withdraw A, kill -9 before its door opened, restart: A is still in the books and its compartment is not handed out")
    func killDuringWithdrawal() async throws {
        // A long door timeout: the withdrawal must still be waiting for the door when the kill comes,
        // however slowly a loaded CI machine runs this test.
        let daemon = try DaemonProcess(openTimeoutSeconds: 60)
        try daemon.start()
        let a = try daemon.deposit("A")
        // The lock waits for its coil slot (here: it never releases), as it often does for a second or more.
        #expect(try daemon.cli(["sim", "jam", "\(a.compartment)"]).status == 0)
        let control = daemon.control
        let withdrawal = Task { try? await control.send(.POST, "/documents/A/withdraw", body: nil) }
        // Kill once the withdrawal is committed (it is, before the coil is pulsed), not after a guess.
        var committed = false
        for _ in 0..<500 where !committed {
            committed = try daemon.store().document(reference: "A")?.state == .withdrawing
            if !committed { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(committed, "the withdrawal was committed before the door was asked to open")
        daemon.stop(signal: SIGKILL)
        _ = await withdrawal.value
        try daemon.start()
        let doc = try #require(try daemon.store().document(reference: "A"))
        #expect(doc.state == .ready, "the door never opened: the document is still inside")
        let show = try daemon.cli(["--json", "show", "A"])
        #expect(try APIJSON.decoder().decode(DocumentView.self, from: Data(show.stdout.utf8)).state == .ready)
        let b = try daemon.deposit("B")
        #expect(b.compartment != a.compartment, "the next deposit does not open A's compartment")
        let result = try await daemon.pickup(a.code).1.result
        #expect(result == .open, "A's code still works: it is still there (got \(result))")
        daemon.stop()
    }

    @Test("a code issued while the clerk's command was killed: list and show say 'no code delivered — reissue'")
    func codeNeverDelivered() async throws {
        let daemon = try DaemonProcess()
        try daemon.start()
        let started = try await daemon.control.send(.POST, "/documents", json: DepositRequest(kind: .other, reference: "LOST", size: .small))
        #expect(started.status == 201)
        let compartment = try started.decode(DepositStarted.self).compartment
        #expect(try daemon.cli(["sim", "close", "\(compartment)"]).status == 0)
        var ready = false
        for _ in 0..<100 where !ready {
            ready = try daemon.store().document(reference: "LOST")?.state == .ready
            if !ready { try await Task.sleep(for: .milliseconds(20)) }
        }
        // The daemon dies before the clerk's command fetched the code.
        daemon.stop(signal: SIGKILL)
        try daemon.start()
        #expect(try daemon.cli(["list"]).stdout.contains("no code delivered — reissue"))
        #expect(try daemon.cli(["show", "LOST"]).stdout.contains("no code delivered — reissue"))
        let json = try daemon.cli(["--json", "show", "LOST"])
        #expect(try APIJSON.decoder().decode(DocumentView.self, from: Data(json.stdout.utf8)).codeNotDelivered)
        let again = try daemon.cli(["deposit", "--kind", "other", "--reference", "LOST", "--size", "S"])
        #expect(again.status != 0 && again.stderr.contains("no code was delivered") && again.stderr.contains("amtomat reissue LOST"), "\(again.stderr)")
        #expect(try daemon.cli(["reissue", "LOST"]).status == 0)
        #expect(!(try daemon.cli(["list"]).stdout.contains("no code delivered")))
        daemon.stop()
    }

    @Test("the pickup-code key: a 0-byte key from a killed first start is replaced; a lost key with issued codes is refused")
    func installationKey() async throws {
        let daemon = try DaemonProcess()
        // A SIGKILL during the very first start used to leave an empty key file.
        try FileManager.default.createDirectory(atPath: daemon.statePath, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: daemon.statePath + "/pickup-code.key", contents: Data(), attributes: [.posixPermissions: 0o600])
        try daemon.start()
        #expect(daemon.log().contains("was damaged"), "replaced with a warning")
        #expect(FileManager.default.contents(atPath: daemon.statePath + "/pickup-code.key")?.count == 32)
        _ = try daemon.deposit("K-1")
        daemon.stop()
        try FileManager.default.removeItem(atPath: daemon.statePath + "/pickup-code.key")
        #expect(throws: DaemonProcess.DaemonFailed.self) { try daemon.start() }
        let log = daemon.log()
        #expect(log.contains("missing") && log.contains("backup"), "the refusal names the backup")
        #expect(!FileManager.default.fileExists(atPath: daemon.statePath + "/pickup-code.key"), "no new key was made over the old codes")
    }
}
