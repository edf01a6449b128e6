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

/// `-c/--continue` and `--cid`: which earlier conversation a prompt continues.
struct ContinueOptions: ParsableArguments {
    @Flag(name: [.customShort("c"), .customLong("continue")],
          help: "Continue the latest conversation in the log: its turns are sent before the new prompt.")
    var continueLatest = false

    @Option(name: .customLong("cid"), help: ArgumentHelp("Continue the conversation with this id (see `embedchat logs`).",
                                                         valueName: "id"))
    var conversationID: String?

    func validate() throws {
        if continueLatest && conversationID != nil { throw ValidationError("-c/--continue and --cid cannot be used together.") }
    }

    /// The conversation to continue, read from the log, or `nil` when neither option was given.
    /// - Throws: ``CLIFailure`` (exit code 2) when there is no such conversation or the log cannot be read.
    func earlierConversation(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Conversation? {
        guard continueLatest || conversationID != nil else { return nil }
        let path = XDGPaths(environment: environment).logDatabase
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIFailure.usage("there is no conversation to continue: the log \(path) is empty",
                                   hint: "ask something first, without --no-log")
        }
        do {
            let log = try ConversationLog(path: path)
            guard let id = try conversationID ?? log.latestConversationID() else {
                throw CLIFailure.usage("there is no conversation to continue: the log \(path) is empty")
            }
            let turns = try log.conversation(id)
            guard !turns.isEmpty else {
                throw CLIFailure.usage("no conversation \(id) in the log", hint: "`embedchat logs` shows conversation ids")
            }
            return Conversation(id: id, turns: turns)
        } catch let failure as CLIFailure {
            throw failure
        } catch {
            throw CLIFailure.usage("cannot continue: \(error)")
        }
    }
}

/// An earlier conversation from the log.
struct Conversation: Sendable {
    let id: String
    let turns: [LogEntry]

    /// The model of its latest turn.
    var model: String? { turns.last?.model }
    /// The system prompt of its latest turn.
    var system: String? { turns.last?.system }
}

/// `embedchat logs off|on`: a marker file beside the log.
enum LogSwitch {
    static func isOn(_ paths: XDGPaths, environment: [String: String]) -> Bool {
        if let value = environment["EMBEDCHAT_LOG"]?.lowercased(), ["0", "off", "false", "no"].contains(value) { return false }
        return !FileManager.default.fileExists(atPath: paths.logsOffMarker)
    }
}

extension ModelSettings {
    /// These settings for continuing `earlier`: its model unless --model was given, its system prompt unless
    /// --system was.
    func continuing(_ earlier: Conversation?) -> ModelSettings {
        guard let earlier else { return self }
        var settings = self
        if !modelGiven, let model = earlier.model { settings.model = model }
        if settings.system == nil { settings.system = earlier.system }
        return settings
    }
}
