import ArgumentParser
import Foundation
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
            chat.completion with --no-stream). --usage prints token counts and cost on stderr.

            \(CLIExit.helpText)

            Examples:
              embedchat --offline "Hello"
              embedchat -m openai/gpt-4o -s "Answer in one sentence." "What is a monad?"
              git diff | embedchat "write a commit message for this diff"
              echo "What is 2+2?" | embedchat -
              embedchat --no-stream --json --usage "Hi" > reply.json
              embedchat --api-base http://localhost:8000/v1 -m openai/my-model \\
                --api-key-env MY_KEY "Hi"
            """
        )

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup(title: "Typed answers, attachments and tools") var typed: TypedOptions

        @Argument(help: ArgumentHelp(
            "The prompt (several words are joined with spaces); `-` reads it from stdin.", valueName: "prompt"))
        var prompt: [String] = []

        mutating func run() async throws {
            let text = typed.attachesStandardInput ? try TypedOptions.promptWithoutStandardInput(prompt) : try Self.promptText(prompt)
            let settings = modelOptions.resolved()
            let output = output
            // Attachments, schema and MCP servers are ready (or refused) before Python starts.
            let typed = typed.isActive ? try await TypedAnswer.prepare(text, options: typed) : nil
            try await InterruptHandler.cancellingOnInterrupt {
                let client = try await settings.startClient()
                try Task.checkCancellation()
                do {
                    if let typed {
                        try await typed.answer(client: client, settings: settings, output: output)
                    } else {
                        try await Self.answer(text, client: client, settings: settings, output: output)
                    }
                } catch {
                    throw settings.failure(error)
                }
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

        /// Asks and prints the answer as `output` says.
        static func answer(_ prompt: String, client: LiteLLMClient, settings: ModelSettings, output: OutputOptions) async throws {
            try await answer(.user(prompt), client: client, settings: settings, output: output)
        }

        /// Asks with one user message (text, or parts with attachments) and prints the answer as `output` says.
        static func answer(_ message: ChatMessage, client: LiteLLMClient, settings: ModelSettings, output: OutputOptions) async throws {
            var request = settings.request([message])
            if output.noStream {
                let completion = try await client.complete(request, settings: settings.provider, timeout: settings.timeout)
                if output.json {
                    Terminal.out(JSONLines.encode(completion) + "\n")  // without litellm's cost; --usage shows it
                } else {
                    let text = completion.text ?? ""
                    Terminal.out(text.hasSuffix("\n") || text.isEmpty ? text : text + "\n")
                }
                if output.usage { Terminal.err(UsageReport.line(completion.usage, cost: completion.cost) + "\n") }
                return
            }
            request.stream = true
            if output.usage || output.json { request.streamOptions = .init(includeUsage: true) }
            let stream = try await client.stream(request, settings: settings.provider, timeout: settings.timeout)
            var usage: Usage?
            var endsWithNewline = true
            do {
                for try await chunk in stream {
                    if let chunkUsage = chunk.usage { usage = chunkUsage }
                    if output.json {
                        Terminal.out(JSONLines.encode(chunk) + "\n")
                    } else if let text = chunk.text, !text.isEmpty {
                        Terminal.out(text)
                        endsWithNewline = text.hasSuffix("\n")
                    }
                }
            } catch {
                // Keep the error line off the end of a partial answer on the terminal.
                if !endsWithNewline && Terminal.stdoutIsTTY { Terminal.out("\n") }
                throw error
            }
            if !output.json && !endsWithNewline { Terminal.out("\n") }
            if output.usage { Terminal.err(UsageReport.line(usage, cost: nil, streamed: true) + "\n") }
        }
    }
}
