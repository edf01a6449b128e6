import Foundation
import Testing

/// The suites of the CLI's log, continue, costs, config, REPL editing, rendering and completions, one at a time:
/// each starts embedchat (Python and litellm) many times, and on two cores the suites side by side would starve
/// each other and the rest of the end-to-end tests.
@Suite("embedchat memory, costs, config, REPL", .serialized)
struct CLIMemorySuites {}

/// A private home for one test's embedchat files: XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_STATE_HOME point at
/// folders of a temporary directory, so the log, config.toml and the REPL history are the test's own.
struct CLIMemoryHome: Sendable {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("embedchat-home-\(UUID().uuidString)").path

    var logPath: String { root + "/data/embedchat/logs.db" }
    var configPath: String { root + "/config/embedchat/config.toml" }
    var historyPath: String { root + "/state/embedchat/history" }

    /// The XDG variables, plus `extra`.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ["XDG_DATA_HOME": root + "/data", "XDG_CONFIG_HOME": root + "/config", "XDG_STATE_HOME": root + "/state"]
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Runs embedchat with this home.
    func run(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:]) async throws -> CLIRunResult {
        try await CLIHarness.run(arguments, stdin: stdin, environment: environment(extra))
    }

    /// `embedchat logs -n 0 --json` (plus `filters`) decoded.
    func logEntries(_ filters: [String] = []) async throws -> [[String: Any]] {
        let result = try await run(["logs", "-n", "0", "--json"] + filters)
        guard result.status == 0,
              let entries = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [[String: Any]] else {
            throw CLIMemoryHomeError(message: "logs --json failed: \(result)")
        }
        return entries
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

struct CLIMemoryHomeError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
