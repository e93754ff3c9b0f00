import AmtomatAPI
import AmtomatConfig
import AmtomatCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The result of one delivery attempt; `detail` is scrubbed of addresses and long digit runs
/// before it leaves this process.
struct Attempt: Sendable {
    var outcome: DeliveryOutcome
    var detail: String?
}

/// E-mail through the system's sendmail interface: `sendmail -t -i`, message on standard input.
struct SendmailSender: Sendable {
    let channel: EmailChannel

    func send(_ notice: DueNotice) async -> Attempt {
        let message = MailMessage.render(from: channel.from, to: notice.to, subject: notice.subject, body: notice.emailBody,
                                         language: notice.language.rawValue, date: Date(),
                                         messageID: "amtomat-\(notice.id)-\(UUID().uuidString.prefix(8))@\(Self.domain(of: channel.from))")
        return await runProgram([channel.sendmail, "-t", "-i"], input: message, timeout: channel.timeoutSeconds, what: "sendmail")
    }

    static func domain(of from: String) -> String {
        let address = from.split(separator: "<").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "> ")) } ?? from
        return address.split(separator: "@").last.map(String.init) ?? "amtomat.invalid"
    }
}

/// SMS through a local program (smstools, gammu-smsd-inject, a script): {number} in its
/// arguments, the text on standard input; the exit status follows sysexits.h.
struct CommandSMSSender: Sendable {
    let channel: SMSChannel

    func send(_ notice: DueNotice) async -> Attempt {
        let arguments = channel.command.map { $0.replacingOccurrences(of: "{number}", with: notice.to) }
        return await runProgram(arguments, input: notice.text, timeout: channel.timeoutSeconds, what: "SMS command")
    }
}

/// SMS through an HTTP gateway (sipgate, or any with a URL and a body template).
/// URLSession from FoundationNetworking: TLS and the system's CA certificates through libcurl,
/// without another Swift package (docs/adr/0042-sender-http-client.md).
struct HTTPSMSSender: Sendable {
    let channel: SMSChannel
    /// "Authorization: Basic …", read once at start from auth_header_file.
    let authHeader: (name: String, value: String)?

    func send(_ notice: DueNotice) async -> Attempt {
        guard let url = URL(string: channel.url) else { return Attempt(outcome: .failed, detail: "the gateway URL is not valid") }
        var request = URLRequest(url: url)
        request.httpMethod = channel.method
        request.timeoutInterval = channel.timeoutSeconds
        if channel.method != "GET" {
            request.setValue(channel.contentType, forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(GatewayTemplate.fill(channel.body, number: notice.to, text: notice.text,
                                                         contentType: channel.contentType).utf8)
        }
        if let authHeader { request.setValue(authHeader.value, forHTTPHeaderField: authHeader.name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = channel.timeoutSeconds
        configuration.timeoutIntervalForResource = channel.timeoutSeconds
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        do {
            let (_, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { return Attempt(outcome: .retry, detail: "the gateway gave no HTTP answer") }
            let outcome = ExitStatusMeaning.outcome(httpStatus: http.statusCode)
            return Attempt(outcome: outcome, detail: outcome == .sent ? nil : "gateway answered HTTP \(http.statusCode)")
        } catch let error as URLError {
            let what = switch error.code {
            case .timedOut: "the gateway did not answer within \(Int(channel.timeoutSeconds)) s"
            case .cannotConnectToHost, .cannotFindHost, .networkConnectionLost, .notConnectedToInternet: "the gateway cannot be reached"
            default: "HTTP error \(error.code.rawValue)"
            }
            return Attempt(outcome: .retry, detail: what)
        } catch {
            return Attempt(outcome: .retry, detail: "HTTP error")
        }
    }

    /// Reads the header file: one line "Name: value", mode 0600 (it holds the gateway's secret).
    static func readAuthHeader(_ path: String) throws -> (name: String, value: String) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw NotifyError("\(path) (auth_header_file) does not exist; create it with the line 'Authorization: Basic <base64 of token-id:token>' and chmod 600.")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw NotifyError("\(path) (auth_header_file) can be read by others (mode \(String(info.st_mode & 0o777, radix: 8))); run 'chmod 600 \(path)'.")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw NotifyError("\(path) (auth_header_file) cannot be read by this user; make amtomat-notify's user its owner (chown amtomat-notify \(path)).")
        }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
            throw NotifyError("\(path) (auth_header_file) must hold one line 'Name: value', e.g. 'Authorization: Basic dG9rZW4taWQ6dG9rZW4='.")
        }
        return (String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
    }
}

struct NotifyError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program with `input` on standard input, kills it after `timeout`, and maps its exit
/// status with sysexits.h. Its standard error becomes the detail (first line, scrubbed later).
func runProgram(_ arguments: [String], input: String, timeout: Double, what: String) async -> Attempt {
    guard let program = arguments.first else { return Attempt(outcome: .failed, detail: "no \(what) configured") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = Array(arguments.dropFirst())
    let stdin = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardError = stderr
    process.standardOutput = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return Attempt(outcome: .retry, detail: "\(what) \(program) cannot be started: \(error.localizedDescription)")
    }
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try? stdin.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
        if Date() > deadline {
            process.terminate()
            process.waitUntilExit()
            return Attempt(outcome: .retry, detail: "\(what) did not finish within \(Int(timeout)) s")
        }
        try? await Task.sleep(for: .milliseconds(20))
    }
    let status = process.terminationStatus
    let errorText = String(data: stderr.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8) ?? ""
    let firstLine = errorText.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    if process.terminationReason == .uncaughtSignal {
        return Attempt(outcome: .retry, detail: "\(what) was killed by signal \(status)")
    }
    let outcome = ExitStatusMeaning.outcome(of: status)
    return Attempt(outcome: outcome, detail: outcome == .sent ? nil : "\(what) exited with status \(status)\(firstLine.isEmpty ? "" : ": \(firstLine)")")
}

/// Keeps addresses and anything that looks like a phone number or code out of what is reported.
func scrubbed(_ text: String?, address: String) -> String? {
    guard var text else { return nil }
    text = text.replacingOccurrences(of: address, with: "<recipient>")
    text = text.replacingOccurrences(of: String(address.dropFirst()), with: "<recipient>")
    // Any run of 6 or more digits (with spaces) could be a code or a number.
    var out = ""
    var digits = ""
    func flush() { out += digits.filter(\.isNumber).count >= 6 ? "•••" : digits; digits = "" }
    for c in text {
        if c.isNumber || (c == " " && !digits.isEmpty) { digits.append(c) } else { flush(); out.append(c) }
    }
    flush()
    return String(out.prefix(300))
}
