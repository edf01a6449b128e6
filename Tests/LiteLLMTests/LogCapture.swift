import Logging
import Synchronization

/// Every swift-log message of this test process, kept for the tests that check what reached the log. The logging
/// system is bootstrapped once per process, here, on first use of ``shared``.
final class LogCapture: Sendable {
    struct Entry: Sendable {
        let label: String
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    static let shared: LogCapture = {
        let capture = LogCapture()
        LoggingSystem.bootstrap { label in Handler(label: label, capture: capture) }
        return capture
    }()

    private let entries = Mutex<[Entry]>([])

    /// The messages so far whose text contains `marker`.
    func entries(containing marker: String) -> [Entry] {
        entries.withLock { $0.filter { $0.message.contains(marker) } }
    }

    private struct Handler: LogHandler {
        let label: String
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            merged.merge(event.metadata ?? [:]) { $1 }
            let entry = Entry(label: label, level: event.level, message: event.message.description,
                              metadata: merged.mapValues { "\($0)" })
            capture.entries.withLock { $0.append(entry) }
        }
    }
}
