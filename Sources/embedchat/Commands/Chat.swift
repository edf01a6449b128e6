import ArgumentParser
import Foundation
import CLIConfig
import ConversationLog
import LiteLLM
import Synchronization

extension EmbedChat {
    /// A multi-turn REPL that keeps the conversation.
    struct Chat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Chat with a model in a multi-turn REPL that keeps the conversation.",
            discussion: """
            Type a message and press Return; the answer streams to stdout, prompts and notices go to stderr. \
            Commands: \(ChatCommand.summary). Every exchange is logged as one conversation (see `embedchat logs`); \
            -c resumes the latest conversation, --cid ID a given one. Ctrl-C cancels the answer being streamed (the exchange is dropped \
            from the conversation) and returns to the prompt; Ctrl-D (end of input) exits.

            \(CLIExit.helpText)

            Examples:
              embedchat chat
              embedchat chat --offline
              embedchat chat -m anthropic/claude-3-5-haiku-latest -s "You are a patient tutor."
              embedchat chat -c                  # resume the latest conversation
            """
        )

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var continuing: ContinueOptions
        @OptionGroup var logOptions: LogOptions

        @Flag(name: .long, help: "Print the token counts and cost of each answer on stderr.")
        var usage = false

        @Flag(name: .long, help: "Print answers as they come, without rendering Markdown on a terminal.")
        var raw = false

        mutating func run() async throws {
            let earlier = try continuing.earlierConversation()
            let settings = try modelOptions.resolved().continuing(earlier)
            let recorder = logOptions.recorder(command: "chat")
            let client = try await settings.startClient()
            let output = OutputFormat(usage: usage, raw: raw)
            try await ChatSession(settings: settings, client: client, output: output, recorder: recorder, earlier: earlier).run()
        }
    }
}
