import ArgumentParser
import CLIConfig
import ConversationLog
import Foundation

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
