import AmtomatAPI
import AmtomatClient
import AmtomatCore
import ArgumentParser
import Foundation
import NIOHTTP1

/// `amtomat`: the clerks' and technicians' tool. It talks to amtomatd only through the control socket;
/// the daemon decides the role from the operating-system user, never from anything said here.
@main
enum Entry {
    /// `--socket` and `--json` may also stand before the subcommand (`amtomat --json list`), as
    /// people and scripts write them; ArgumentParser wants them after it, so they are moved there.
    static func main() async {
        var leading: [String] = []
        var rest = Array(CommandLine.arguments.dropFirst())
        while let first = rest.first {
            if first == "--json" || first.hasPrefix("--socket=") {
                leading.append(rest.removeFirst())
            } else if first == "--socket", rest.count >= 2 {
                leading.append(contentsOf: rest.prefix(2))
                rest.removeFirst(2)
            } else {
                break
            }
        }
        let insertAt = rest.firstIndex(of: "--") ?? rest.endIndex
        rest.insert(contentsOf: leading, at: insertAt)
        let json = rest.prefix(upTo: rest.firstIndex(of: "--") ?? rest.endIndex).contains("--json")
        do {
            var command = try Amtomat.parseAsRoot(rest)
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            // Scripts that asked for JSON get their errors as JSON too: {"error": "...", "exitCode": N}
            // on stderr, stdout stays empty. Help and --version are not errors.
            let code = Amtomat.exitCode(for: error)
            if json && code != .success && !(error is ExitCode) {
                printJSONError(Amtomat.message(for: error), code: code.rawValue)
                Amtomat.exit(withError: ExitCode(code.rawValue))
            }
            Amtomat.exit(withError: error)
        }
    }
}

/// `{"error": "...", "exitCode": N}` on stderr: what --json promises for every failure.
func printJSONError(_ message: String, code: Int32) {
    struct JSONError: Encodable { var error: String; var exitCode: Int32 }
    let encoder = APIJSON.encoder()
    let data = (try? encoder.encode(JSONError(error: message, exitCode: code))) ?? Data("{}".utf8)
    FileHandle.standardError.write(data + Data("\n".utf8))
}

struct Amtomat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amtomat",
        abstract: "Deposit documents into the town hall's pickup locker and look after its hardware.",
        discussion: """
        Clerks: deposit, list, show, reissue, extend, withdraw, expired, notifications, throttle, survey, raffle.
        Technicians: selftest, hw, open, block, unblock.
        Everyone with a role: status, audit (log, verify, checkpoint, counts). With the simulated locker: sim.
        --socket PATH (or $AMTOMAT_SOCKET) and --json work with every command. Compartments can be named by number (11) or by the label on their door (C3). With --json, a failure prints {"error": "...", "exitCode": N} on stderr.

        Exit codes:
          0   done
          1   audit verify: the audit log was changed (or does not match the checkpoint)
          64  wrong usage
          65  the daemon refused the input
          66  no such document or compartment
          69  the daemon cannot be reached
          70  the daemon hit an internal error
          75  not possible right now (state, door, fault)
          77  your user lacks the role
        """,
        subcommands: [
            Deposit.self, List.self, Show.self, Reissue.self, Extend.self, Withdraw.self, Expired.self,
            Status.self, Audit.self, Notifications.self, Throttle.self,
            Survey.self, Raffle.self,
            SelfTest.self, Hardware.self, Open.self, Block.self, Unblock.self,
            Sim.self,
        ]
    )
}

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The daemon's control socket.", valueName: "path"))
    var socket: String = ProcessInfo.processInfo.environment["AMTOMAT_SOCKET"] ?? "/run/amtomat/control.sock"

    @Flag(name: .long, help: "Print JSON for scripts instead of text.")
    var json = false

    var client: ControlClient { ControlClient(.unixSocket(socket)) }
}

/// A request the daemon refused or could not answer: printed as one sentence, with an exit code.
struct Refused: Error, CustomStringConvertible {
    var message: String
    var code: Int32
    var description: String { message }
}

extension GlobalOptions {
    /// Sends a request; any non-2xx answer becomes a `Refused` with the daemon's sentence.
    func call(_ method: HTTPMethod, _ path: String, json body: (some Encodable)? = Optional<String>.none) async throws -> ControlClient.Reply {
        let reply: ControlClient.Reply
        do {
            reply = try await client.send(method, path, json: body)
        } catch let error as ClientError {
            throw Refused(message: error.description, code: 69)
        }
        guard (200..<300).contains(reply.status) else {
            let code: Int32 = switch reply.status {
            case 400, 413: 65
            case 404: 66
            case 403: 77
            case 500...: 70
            default: 75
            }
            throw Refused(message: reply.errorMessage, code: code)
        }
        return reply
    }

    func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        try await call(.GET, path).decode(T.self)
    }

    func post<T: Decodable>(_ path: String, _ body: (some Encodable)? = Optional<String>.none, as type: T.Type) async throws -> T {
        try await call(.POST, path, json: body).decode(T.self)
    }

    func printJSON(_ value: some Encodable) throws {
        let encoder = APIJSON.encoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// Runs a command body and turns every failure into one sentence on stderr and an exit code.
protocol LockerCommand: AsyncParsableCommand {
    var options: GlobalOptions { get }
    func execute() async throws
}

extension LockerCommand {
    func run() async throws {
        do {
            try await execute()
        } catch let refused as Refused {
            if options.json {
                printJSONError(refused.message, code: refused.code)
            } else {
                FileHandle.standardError.write(Data("amtomat: \(refused.message)\n".utf8))
            }
            throw ExitCode(refused.code)
        }
    }
}

/// A compartment as a person names it: its number (11) or the label on its door (C3).
struct CompartmentRef: ExpressibleByArgument, Sendable {
    var text: String
    init?(argument: String) {
        let trimmed = argument.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        text = trimmed
    }
}

extension GlobalOptions {
    /// Finds the compartment a person named; a number that is also some other compartment's label
    /// means the number.
    func resolve(_ ref: CompartmentRef) async throws -> CompartmentView {
        let all = try await get("/status", as: StatusView.self).compartments
        if let n = Int(ref.text), let c = all.first(where: { $0.id.rawValue == n }) { return c }
        if let c = all.first(where: { $0.label.caseInsensitiveCompare(ref.text) == .orderedSame }) { return c }
        let examples = all.prefix(3).map { compartmentName($0.id, label: $0.label) }.joined(separator: ", ")
        throw Refused(message: "The locker has no compartment '\(ref.text)'; give its number or the label on its door (for example \(examples)), see 'amtomat status'.", code: 66)
    }
}

/// "1 day", "3 days".
func counted(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
}

/// A duration as people say it: "45 s", "3 min 12 s", "2 h 5 min".
func spoken(seconds: Int) -> String {
    if seconds < 60 { return "\(seconds) s" }
    if seconds < 3600 { return "\(seconds / 60) min" + (seconds % 60 == 0 ? "" : " \(seconds % 60) s") }
    return "\(seconds / 3600) h" + ((seconds % 3600) / 60 == 0 ? "" : " \((seconds % 3600) / 60) min")
}

func progress(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func encodePath(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? s
}

extension DocumentKind: ExpressibleByArgument {}
extension SizeClass: ExpressibleByArgument {}
extension DocumentState: ExpressibleByArgument {}
extension NoticeLanguage: ExpressibleByArgument {}

/// Dates as clerks in Germany and scripts both read them: 2026-12-10 14:30 (local time).
func shown(_ date: Date, seconds: Bool = false) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.dateFormat = seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm"
    return f.string(from: date)
}

func describe(_ d: DocumentView) -> String {
    var parts = ["\(d.reference)", d.kind.displayName, d.state.rawValue]
    if let c = d.compartment { parts.append("compartment \(compartmentName(c, label: d.label))") }
    if let e = d.expiresAt, d.state == .ready || d.state == .expired { parts.append("until \(shown(e))") }
    if d.state == .ready && !d.codeIssued { parts.append("NO CODE — run 'amtomat reissue \(d.reference)'") }
    if d.codeBlocked { parts.append("code blocked after wrong dates of birth — reissue") }
    return parts.joined(separator: " · ")
}
