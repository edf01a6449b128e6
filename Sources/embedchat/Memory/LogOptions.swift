import ArgumentParser
import CLIConfig
import ConversationLog
import Foundation

/// `--no-log`: every command that asks a model takes it.
struct LogOptions: ParsableArguments {
    @Flag(name: .customLong("no-log"), help: "Do not write this exchange to the log (as does EMBEDCHAT_LOG=0).")
    var noLog = false

    /// The log to write to, or `nil` when logging is off (`--no-log`, `EMBEDCHAT_LOG=0`, `embedchat logs off`).
    /// A log that cannot be opened is reported once on stderr and the command goes on without it.
    func recorder(command: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Recorder {
        let paths = XDGPaths(environment: environment)
        guard !noLog, LogSwitch.isOn(paths, environment: environment) else { return Recorder(log: nil, command: command) }
        do {
            return Recorder(log: try ConversationLog(path: paths.logDatabase), command: command)
        } catch {
            Terminal.error("warning: the log is off for this run: \(error)")
            return Recorder(log: nil, command: command)
        }
    }
}
