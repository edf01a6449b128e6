import ArgumentParser
import Foundation

/// `embedchat`: prompts to LLM providers through an embedded CPython running litellm.
///
/// The root only parses and routes: the commands live in `Commands/` (`ask` is the default), their help text in
/// `Commands/EmbedChat+Help.swift`, and every failure goes to ``exit(reporting:)`` (`Failures/`), which prints one
/// line on stderr and exits with a documented code (``CLIExit``).
@main
struct EmbedChat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedchat",
        abstract: "Send prompts to LLMs through litellm, embedded in-process: one-shot, piped, chat and batch; every exchange logged.",
        discussion: helpText,
        version: "embedchat 0.1.0",
        subcommands: [Ask.self, Chat.self, Batch.self, Logs.self, Models.self, Aliases.self, Embed.self, Doctor.self],
        defaultSubcommand: Ask.self
    )

    /// Parses and runs the command; a failure ends the process through ``exit(reporting:)``.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(reporting: error)
        }
    }
}
