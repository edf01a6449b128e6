import ArgumentParser
import Foundation
import LiteLLM

extension EmbedChat {
    /// Texts in, vectors out: one JSON line per input.
    struct Embed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Embed text: the arguments as one text, or each line of stdin; one JSON line of vector per text.",
            discussion: """
            With TEXT, the words are joined with spaces and embedded as one text. Without, each non-empty line of \
            stdin is one text, sent in batches of --batch texts a request. Stdout carries one JSON object per text, \
            in input order: {"index": N, "embedding": [...]}. --usage prints token counts and cost on stderr.

            The model is --model, else $EMBEDCHAT_DEFAULT_EMBEDDING_MODEL, else \(Self.builtInDefaultModel).

            \(CLIExit.helpText)

            Examples:
              embedchat embed "The quick brown fox"
              cut -f2 titles.tsv | embedchat embed -m openai/text-embedding-3-large --dimensions 256 > vectors.jsonl
              embedchat embed --api-base http://localhost:8000/v1 -m openai/my-embedder --api-key-env MY_KEY "hi"
            """
        )

        static let builtInDefaultModel = "text-embedding-3-small"

        @Option(name: [.short, .long], help: ArgumentHelp("The litellm embedding model.", valueName: "model"))
        var model: String?

        @Option(name: .long, help: ArgumentHelp("The vector size to ask for (models that support it).", valueName: "n"))
        var dimensions: Int?

        @Option(name: .long, help: ArgumentHelp("Texts per request when reading stdin.", valueName: "n"))
        var batch = 128

        @OptionGroup var connection: ProviderOptions

        @OptionGroup var python: PythonOptions

        @Flag(name: .long, help: "Print the token counts and cost on stderr.")
        var usage = false

        @Argument(help: ArgumentHelp("The text (several words are joined with spaces); none reads lines of stdin.", valueName: "text"))
        var text: [String] = []

        func validate() throws {
            if let dimensions, dimensions < 1 { throw ValidationError("--dimensions must be at least 1.") }
            if !(1...2048).contains(batch) { throw ValidationError("--batch must be between 1 and 2048.") }
        }

        mutating func run() async throws {
            let texts = try inputs()
            let settings = resolved()
            let (dimensions, batch, usage) = (dimensions, batch, usage)
            try await InterruptHandler.cancellingOnInterrupt {
                let client = try await settings.startClient()
                var index = 0, tokens = 0, cost: Double?
                for start in stride(from: 0, to: texts.count, by: batch) {
                    try Task.checkCancellation()
                    let slice = Array(texts[start..<min(start + batch, texts.count)])
                    let response: EmbeddingResponse
                    do {
                        response = try await client.embed(EmbeddingRequest(model: settings.model, input: slice, dimensions: dimensions),
                                                          settings: settings.provider, timeout: settings.timeout)
                    } catch {
                        throw settings.failure(error)
                    }
                    guard response.data.count == slice.count else {
                        throw CLIFailure("the provider returned \(response.data.count) vectors for \(slice.count) texts", exitCode: CLIExit.provider)
                    }
                    for item in response.data {
                        Terminal.out(JSONLines.encode(Line(index: index + item.index, embedding: item.embedding)) + "\n")
                    }
                    index += slice.count
                    tokens += response.usage?.promptTokens ?? 0
                    if let spent = response.cost { cost = (cost ?? 0) + spent }
                }
                if usage {
                    Terminal.err(UsageReport.embeddingLine(promptTokens: tokens, texts: texts.count, cost: cost) + "\n")
                }
            }
        }

        struct Line: Encodable {
            let index: Int
            let embedding: [Double]
        }

        /// The texts: the arguments as one, else the non-empty lines of stdin.
        func inputs() throws -> [String] {
            if !text.isEmpty {
                let joined = text.joined(separator: " ")
                guard !joined.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw CLIFailure.usage("the text is empty") }
                return [joined]
            }
            guard Terminal.stdinHasPipedInput else {
                throw CLIFailure.usage("no text given", hint: "embedchat embed \"some text\", or pipe lines in")
            }
            let lines = Terminal.readStandardInput().split(whereSeparator: \.isNewline).map(String.init)
                .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            guard !lines.isEmpty else { throw CLIFailure.usage("stdin held no text to embed") }
            return lines
        }

        func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) -> ModelSettings {
            let model = self.model ?? environment["EMBEDCHAT_DEFAULT_EMBEDDING_MODEL"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.builtInDefaultModel
            return ModelSettings(model: model, provider: connection.settings(over: ProviderSettings(), environment: environment),
                                 timeout: connection.duration, apiKeyEnvironment: connection.apiKeyEnv,
                                 interpreter: python.interpreter(environment: environment))
        }
    }
}
