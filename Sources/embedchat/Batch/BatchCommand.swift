import ArgumentParser
import Foundation
import ConversationLog
import LiteLLM

extension EmbedChat {
    /// Many requests from a JSON-lines file, run concurrently, answered in input order.
    struct Batch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one request per line of a JSON-lines file, concurrently; results in input order.",
            discussion: """
            Each non-blank line is one request: a JSON string (a prompt), an object with "prompt" (and optional \
            "system", "model"), an OpenAI chat request ({"messages": [...], "model": ..., "temperature": ...}), \
            or an OpenAI Batch API line ({"custom_id": ..., "body": {...}}). The model options (--model, \
            --system, --temperature, --max-tokens, --api-base, ...) are defaults for lines that do not say \
            otherwise; --system is added to requests without a system message.

            Stdout gets one JSON line per request, in input order, as soon as it and all before it are done:
              {"line": 1, "response": {...chat.completion...}}
              {"line": 2, "error": {"type": "rate_limit", "status": 429, "message": "..."}}
            ("custom_id" is copied when the input has it). A failing line never stops the others. A progress bar \
            is drawn on stderr when it is a terminal; --usage prints the summed tokens and cost on stderr.

            \(CLIExit.helpText)

            Examples:
              embedchat batch prompts.jsonl --concurrency 8 > answers.jsonl
              printf '"Hello"\\n"Bonjour"\\n' | embedchat batch - --offline
              embedchat batch requests.jsonl -m openai/gpt-4o-mini -s "In French." \\
                | jq -r '.response.choices[0].message.content'
            """
        )

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var logOptions: LogOptions

        @Option(name: [.short, .long], help: ArgumentHelp("How many requests run at once (1 to 256).", valueName: "n"))
        var concurrency = 4

        @Flag(name: .long, help: "Print the summed token counts and cost on stderr.")
        var usage = false

        @Argument(help: ArgumentHelp("The JSON-lines file, or - for stdin.", valueName: "file"))
        var file: String

        func validate() throws {
            guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 256.") }
        }

        mutating func run() async throws {
            let text: String
            if file == "-" {
                text = Terminal.readStandardInput()
            } else {
                do {
                    text = try String(contentsOfFile: NSString(string: file).expandingTildeInPath, encoding: .utf8)
                } catch {
                    throw CLIFailure.usage("cannot read \(file): \(error.localizedDescription)")
                }
            }
            let settings = try modelOptions.resolved()
            let items = BatchItem.parse(text, settings: settings)
            guard !items.isEmpty else { throw CLIFailure.usage("\(file) holds no requests (one JSON value per line)") }
            let concurrency = concurrency
            let showUsage = usage
            let recorder = logOptions.recorder(command: "batch")
            let failures = try await InterruptHandler.cancellingOnInterrupt {
                let client = try await settings.startClient()
                return try await BatchRunner(client: client, settings: settings, concurrency: concurrency, recorder: recorder)
                    .run(items, showUsage: showUsage)
            }
            if failures > 0 { throw ExitCode(CLIExit.provider) }
        }
    }
}
