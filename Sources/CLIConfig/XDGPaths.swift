public import Foundation  // a public default argument reads ProcessInfo

/// Where embedchat keeps its files, after the XDG base directory rules (CONTRACTS.md): each `XDG_*_HOME` variable
/// when it is set to an absolute path, else its default under `$HOME`.
public struct XDGPaths: Sendable, Equatable {
    /// `$XDG_DATA_HOME/embedchat` (default `~/.local/share/embedchat`): the log.
    public var data: String
    /// `$XDG_CONFIG_HOME/embedchat` (default `~/.config/embedchat`): config.toml.
    public var config: String
    /// `$XDG_STATE_HOME/embedchat` (default `~/.local/state/embedchat`): REPL history.
    public var state: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        func base(_ variable: String, _ fallback: String) -> String {
            // The spec says relative values are invalid and must be ignored.
            if let value = environment[variable], value.hasPrefix("/") { return value }
            return home + "/" + fallback
        }
        data = base("XDG_DATA_HOME", ".local/share") + "/embedchat"
        config = base("XDG_CONFIG_HOME", ".config") + "/embedchat"
        state = base("XDG_STATE_HOME", ".local/state") + "/embedchat"
    }

    /// The conversation log, `logs.db`.
    public var logDatabase: String { data + "/logs.db" }
    /// The marker whose presence means `embedchat logs off` was run.
    public var logsOffMarker: String { data + "/logs-off" }
    /// `config.toml`.
    public var configFile: String { config + "/config.toml" }
    /// The REPL's line history.
    public var history: String { state + "/history" }
}
