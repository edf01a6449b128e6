import ArgumentParser
import Foundation

/// `embedchat`: prompts to LLM providers through an embedded CPython running litellm.
///
/// The root only parses and routes: `ask` (the default), `chat`, `batch` and `doctor` live in `Commands/`, and
/// ``main()`` maps every failure to one line on stderr and a documented exit code (``CLIExit``).
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

    /// Parses and runs the command, mapping failures to the exit codes of ``CLIExit`` (usage errors become 2,
    /// not ArgumentParser's 64).
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
