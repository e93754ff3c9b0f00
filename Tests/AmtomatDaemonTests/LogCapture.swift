import Logging
import Synchronization

/// Collects log lines so tests can check what was (and was not) logged.
final class LogCapture: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        /// Message and metadata together, as a log line would show them.
        var line: String
    }

    private let entries = Mutex<[Entry]>([])

    var logger: Logger {
        Logger(label: "test") { _ in CaptureHandler(capture: self) }
    }

    /// Every line with its metadata, for "this secret was never logged" checks.
    var text: String { entries.withLock { $0.map(\.line).joined(separator: "\n") } }
    var all: [String] { entries.withLock { $0.map(\.message) } }
    var warnings: [String] { entries.withLock { $0.filter { $0.level == .warning }.map(\.message) } }

    struct CaptureHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            let entry = Entry(level: level, message: message.description,
                              line: "\(level) \(message) \(metadata ?? [:]) \(self.metadata)")
            capture.entries.withLock { $0.append(entry) }
        }
    }
}
