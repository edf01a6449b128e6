import ArgumentParser
import Foundation
import ConversationLog
import LiteLLM

extension EmbedChat {
    /// One prompt, one answer: streamed to stdout as it arrives (the default command).
    struct Ask: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one prompt and stream the answer to stdout (the default command).",
            discussion: """
            Text piped into stdin is sent with the prompt (the piped text first, then the prompt, as one user \
            message); a prompt of `-` reads the prompt itself from stdin. Stdout carries only the answer, or with \
            --json the OpenAI-format response (one chat.completion.chunk per line when streaming, one \
            chat.completion with --no-stream). --usage prints token counts and cost on stderr. Every exchange is \
            logged (see `embedchat logs`) unless --no-log or EMBEDCHAT_LOG=0; -c continues the latest conversation.

            \(CLIExit.helpText)

            Examples:
              embedchat --offline "Hello"
              embedchat -m openai/gpt-4o -s "Answer in one sentence." "What is a monad?"
              git diff | embedchat "write a commit message for this diff"
              echo "What is 2+2?" | embedchat -
              embedchat --no-stream --json --usage "Hi" > reply.json
              embedchat -c "and in one word?"            # continue the last conversation
              embedchat --api-base http://localhost:8000/v1 -m openai/my-model \\
                --api-key-env MY_KEY "Hi"
            """
        )

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup(title: "Typed answers, attachments and tools") var typed: TypedOptions
        @OptionGroup var continuing: ContinueOptions
        @OptionGroup var logOptions: LogOptions

        @Argument(help: ArgumentHelp(
            "The prompt (several words are joined with spaces); `-` reads it from stdin.", valueName: "prompt"))
        var prompt: [String] = []

        mutating func run() async throws {
            let text = typed.attachesStandardInput ? try TypedOptions.promptWithoutStandardInput(prompt) : try Self.promptText(prompt)
            let earlier = try continuing.earlierConversation()
            let settings = try modelOptions.resolved().continuing(earlier)
            let output = output.format
            let recorder = logOptions.recorder(command: "ask")
            let conversationID = earlier?.id ?? LogEntry.newConversationID()
            // Attachments, schema and MCP servers are ready (or refused) before Python starts.
            let typed = typed.isActive ? try await TypedAnswer.prepare(text, options: typed) : nil
            try await InterruptHandler.cancellingOnInterrupt {
                let client = try await settings.startClient()
                try Task.checkCancellation()
                let started = Date(), clock = ContinuousClock.now
                let request = settings.request((earlier?.messages ?? []) + [typed?.message ?? .user(text)])
                let answer: Answer
                do {
                    let responder = Responder(client: client, settings: settings, output: output)
                    if let typed {
                        answer = try await typed.answer(request, responder: responder)
                    } else {
                        answer = try await responder.answer(request)
                    }
                } catch {
                    throw settings.failure(error)
                }
                await recorder.record(Exchange(model: request.model, prompt: text, system: settings.system, answer: answer,
                                               startedAt: started, latencyMilliseconds: (ContinuousClock.now - clock).milliseconds),
                                      conversationID: conversationID)
            }
        }

        /// The prompt from the arguments and stdin.
        static func promptText(_ words: [String]) throws -> String {
            if words == ["-"] {
                let text = Terminal.readStandardInput()
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw CLIFailure.usage("the prompt `-` reads stdin, which was empty")
                }
                return text
            }
            let prompt = words.joined(separator: " ")
            let piped = Terminal.stdinHasPipedInput ? Terminal.readStandardInput() : ""
            let hasPiped = !piped.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            switch (prompt.isEmpty, hasPiped) {
            case (true, false):
                throw CLIFailure.usage("no prompt given", hint: "embedchat \"your question\", pipe text in, or `embedchat chat`")
            case (true, true): return piped
            case (false, false): return prompt
            case (false, true):
                return piped.hasSuffix("\n") ? "\(piped)\n\(prompt)" : "\(piped)\n\n\(prompt)"
            }
        }
    }
}
