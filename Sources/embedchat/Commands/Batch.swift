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

/// One input line, parsed.
struct BatchItem: Sendable {
    let line: Int
    let customID: String?
    /// The request, or why the line could not be read.
    let request: Result<ChatCompletionRequest, BatchError>

    /// The non-blank lines of `text` as requests, with the model options as defaults.
    static func parse(_ text: String, settings: ModelSettings) -> [BatchItem] {
        var items: [BatchItem] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty else { continue }
            items.append(item(line, number: index + 1, settings: settings))
        }
        return items
    }

    private static func item(_ line: String, number: Int, settings: ModelSettings) -> BatchItem {
        func invalid(_ message: String, _ customID: String? = nil) -> BatchItem {
            BatchItem(line: number, customID: customID, request: .failure(BatchError(type: "invalid_request", status: nil, message: message)))
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)) else {
            return invalid("line \(number) is not valid JSON")
        }
        if let prompt = value.stringValue {
            return BatchItem(line: number, customID: nil, request: .success(settings.request([.user(prompt)])))
        }
        guard var object = value.objectValue else {
            return invalid("line \(number) must be a JSON string (a prompt) or an object (a chat request)")
        }
        let customID = object["custom_id"]?.stringValue
        if let body = object["body"]?.objectValue { object = body }
        if let prompt = object["prompt"]?.stringValue, object["messages"] == nil {
            var messages: [ChatMessage] = []
            if let system = object["system"]?.stringValue { messages.append(.system(system)) }
            messages.append(.user(prompt))
            return BatchItem(line: number, customID: customID,
                             request: .success(settings.request(messages, model: object["model"]?.stringValue)))
        }
        guard object["messages"] != nil else {
            return invalid("line \(number) has neither \"messages\" nor \"prompt\"", customID)
        }
        if object["model"]?.stringValue == nil { object["model"] = .string(settings.model) }
        do {
            let data = try JSONEncoder().encode(JSONValue.object(object))
            var request = try JSONDecoder().decode(ChatCompletionRequest.self, from: data)
            request.messages = ModelSettings.messages(request.messages, system: settings.system)
            if request.temperature == nil { request.temperature = settings.temperature }
            if request.maxTokens == nil && request.maxCompletionTokens == nil { request.maxTokens = settings.maxTokens }
            request.stream = nil
            request.streamOptions = nil
            return BatchItem(line: number, customID: customID, request: .success(request))
        } catch {
            return invalid("line \(number) is not a valid chat request: \(Self.describe(error))", customID)
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing \(([key] + context.codingPath.reversed()).reversed().map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}

/// A line's error in the output.
struct BatchError: Error, Codable, Sendable {
    /// The litellm error kind (`authentication`, `rate_limit`, ...) or `invalid_request` for an unreadable line.
    var type: String
    var status: Int?
    var message: String
    var provider: String?
}

/// One output line: `{"line": N, "custom_id": ..., "response": {...}}` or `{"line": N, ..., "error": {...}}`,
/// written with `line` first so a reader can see which input it answers.
struct BatchResult: Sendable {
    var line: Int
    var customID: String?
    var response: ChatCompletion?
    var error: BatchError?

    var json: String {
        var text = "{\"line\":\(line)"
        if let customID { text += ",\"custom_id\":" + JSONLines.encode(customID) }
        if let response {
            text += ",\"response\":" + JSONLines.encode(response)
        }
        if let error { text += ",\"error\":" + JSONLines.encode(error) }
        return text + "}"
    }
}

/// Runs the items with at most `concurrency` in flight and writes results in input order.
struct BatchRunner: Sendable {
    let client: LiteLLMClient
    let settings: ModelSettings
    let concurrency: Int
    let recorder: Recorder

    /// - Returns: the number of lines that failed.
    func run(_ items: [BatchItem], showUsage: Bool) async throws -> Int {
        let progress = ProgressBar(total: items.count)
        var failed = 0
        var done = 0
        var promptTokens = 0, completionTokens = 0
        var cost = 0.0, costKnown = true
        await withTaskGroup(of: (Int, BatchResult).self) { group in
            var next = 0
            var written = 0
            var ready: [Int: BatchResult] = [:]
            progress.update(done: 0, failed: 0)
            while next < min(concurrency, items.count) {
                let index = next, item = items[index]
                group.addTask { (index, await self.answer(item)) }
                next += 1
            }
            while let (index, result) = await group.next() {
                done += 1
                if result.error != nil { failed += 1 }
                if let usage = result.response?.usage {
                    promptTokens += usage.promptTokens
                    completionTokens += usage.completionTokens
                }
                if let lineCost = result.response?.cost { cost += lineCost } else if result.response != nil { costKnown = false }
                ready[index] = result
                while let result = ready.removeValue(forKey: written) {
                    progress.finish()
                    Terminal.out(result.json + "\n")
                    written += 1
                }
                progress.update(done: done, failed: failed)
                if next < items.count && !Task.isCancelled {
                    let index = next, item = items[index]
                    group.addTask { (index, await self.answer(item)) }
                    next += 1
                }
            }
        }
        progress.finish()
        try Task.checkCancellation()
        if showUsage {
            var line = "usage: \(items.count - failed) of \(items.count) requests answered; \(promptTokens) prompt + "
                + "\(completionTokens) completion = \(promptTokens + completionTokens) tokens"
            line += costKnown ? String(format: ", cost $%.6f", cost) : ", cost unknown for some lines"
            Terminal.err(line + "\n")
        }
        return failed
    }

    /// Logs one answered line as a conversation of its own (the log's failures are reported, never the line's).
    private func log(_ request: ChatCompletionRequest, _ response: ChatCompletion, started: Date, latency: Duration) async {
        guard recorder.log != nil else { return }
        var answer = Answer(text: response.text ?? "", usage: response.usage, cost: response.cost)
        if let calls = response.choices.first?.message.toolCalls, !calls.isEmpty { answer.toolCallsJSON = JSONLines.encode(calls) }
        let prompt = request.messages.last { $0.role == .user }?.text ?? ""
        let system = request.messages.first { $0.role == .system }?.text
        await recorder.record(Exchange(model: request.model, prompt: prompt, system: system, answer: answer, startedAt: started,
                                       latencyMilliseconds: latency.milliseconds),
                              conversationID: LogEntry.newConversationID())
    }

    private func answer(_ item: BatchItem) async -> BatchResult {
        var result = BatchResult(line: item.line, customID: item.customID)
        switch item.request {
        case .failure(let error):
            result.error = error
        case .success(let request):
            do {
                let started = Date(), clock = ContinuousClock.now
                let response = try await client.complete(request, settings: settings.provider, timeout: settings.timeout)
                result.response = response
                await log(request, response, started: started, latency: ContinuousClock.now - clock)
            } catch let error as LiteLLMError {
                result.error = BatchError(type: error.kind.name, status: error.statusCode,
                                          message: CLIFailure.oneLine(CLIFailure.stripPrefixes(error.message), limit: 1000),
                                          provider: error.provider)
            } catch is CancellationError {
                result.error = BatchError(type: "cancelled", status: nil, message: "interrupted")
            } catch {
                result.error = BatchError(type: "other", status: nil, message: "\(error)")
            }
        }
        return result
    }
}
