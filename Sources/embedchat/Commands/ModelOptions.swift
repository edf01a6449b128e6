import ArgumentParser
import CLIConfig
import Foundation
import LiteLLM

/// Options every command that talks to a model shares: which model, how to reach it, and where Python lives.
struct ModelOptions: ParsableArguments {
    /// The model used when neither --model nor EMBEDCHAT_DEFAULT_MODEL says otherwise.
    static let builtInDefaultModel = "gpt-4o-mini"

    @Option(name: [.short, .long], help: ArgumentHelp(
        "The litellm model, e.g. gpt-4o-mini, anthropic/claude-3-5-haiku-latest, bedrock/<model id>.",
        discussion: """
            An alias from config.toml stands for its model. Default: $EMBEDCHAT_DEFAULT_MODEL, else config.toml's \
            default_model, else \(builtInDefaultModel); with --offline, "offline".
            """,
        valueName: "name"))
    var model: String?

    @Option(name: [.short, .long], help: ArgumentHelp("A system prompt.", valueName: "text"))
    var system: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Sampling temperature (0 to 2).", valueName: "t"))
    var temperature: Double?

    @Option(name: .long, help: ArgumentHelp("The most tokens the answer may have.", valueName: "n"))
    var maxTokens: Int?

    @Option(name: .long, help: ArgumentHelp("The provider's base URL (an OpenAI-compatible server, a proxy).", valueName: "url"))
    var apiBase: String?

    @Option(name: .long, help: ArgumentHelp(
        "Read the API key from this environment variable instead of the provider's usual one.", valueName: "name"))
    var apiKeyEnv: String?

    @Option(name: .long, help: ArgumentHelp(
        "Give up when the answer has not fully arrived within this many seconds (exit code 1).", valueName: "seconds"))
    var timeout: Double?

    @Flag(name: .long, help: "Answer through litellm's real code path with a mock reply: no key, no network.")
    var offline = false

    @Option(name: .long, help: ArgumentHelp(
        "Colon-separated folders holding litellm and its packages (default: $EMBEDCHAT_PYTHONPATH, else /opt/python).",
        valueName: "paths"))
    var pythonPath: String?

    @Option(name: .long, help: ArgumentHelp(
        "The Python home holding lib/python3.11 (default: $EMBEDCHAT_PYTHONHOME, else found from libpython).",
        valueName: "dir"))
    var pythonHome: String?

    func validate() throws {
        if let temperature, !(0...2).contains(temperature) { throw ValidationError("--temperature must be between 0 and 2.") }
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1.") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds.") }
        if let model, model.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--model must not be empty.") }
        if let apiKeyEnv {
            guard let value = ProcessInfo.processInfo.environment[apiKeyEnv], !value.isEmpty else {
                throw ValidationError("--api-key-env names \(apiKeyEnv), which is not set.")
            }
        }
    }

    /// The settings these options stand for, resolved against the environment and config.toml.
    /// - Throws: ``CLIFailure`` (exit code 2) when config.toml cannot be read.
    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ModelSettings {
        let config = try CLIFailure.loadConfiguration(environment: environment)
        let model = config.resolve(self.model ?? (offline ? OfflineMode.model
            : environment["EMBEDCHAT_DEFAULT_MODEL"].flatMap { $0.isEmpty ? nil : $0 } ?? config.defaultModel
                ?? Self.builtInDefaultModel))
        var provider = offline ? ProviderSettings.offline() : ProviderSettings()
        if let apiBase { provider.apiBase = apiBase }
        if let apiKeyEnv { provider.apiKey = environment[apiKeyEnv] }
        var interpreter = PythonSettings.fromEnvironment(environment)
        if let pythonPath {
            interpreter.packagePaths = pythonPath.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let pythonHome { interpreter.home = pythonHome }
        return ModelSettings(model: model, system: system, temperature: temperature, maxTokens: maxTokens,
                             provider: provider, timeout: timeout.map { .milliseconds(Int64($0 * 1000)) },
                             apiKeyEnvironment: apiKeyEnv, interpreter: interpreter, aliases: config.aliases,
                             modelGiven: self.model != nil)
    }
}

/// What to print: the one-shot output options, also taken by `chat` (for --usage).
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Wait for the whole answer instead of streaming it.")
    var noStream = false

    @Flag(name: .long, help: "Print the OpenAI-format response as JSON (one chat.completion.chunk per line when streaming).")
    var json = false

    @Flag(name: .long, help: "Print the token counts and cost on stderr.")
    var usage = false

    @Flag(name: .long, help: "Print the answer as it comes, without rendering Markdown on a terminal.")
    var raw = false

    /// The plain-value form the answering code takes.
    var format: OutputFormat { OutputFormat(noStream: noStream, json: json, usage: usage, raw: raw) }
}

/// How to print an answer (``OutputOptions`` as a plain value, also built by `chat`).
struct OutputFormat: Sendable {
    var noStream = false
    var json = false
    var usage = false
    var raw = false
}

/// The resolved, `Sendable` form of ``ModelOptions``.
struct ModelSettings: Sendable {
    var model: String
    var system: String?
    var temperature: Double?
    var maxTokens: Int?
    var provider: ProviderSettings
    var timeout: Duration?
    var apiKeyEnvironment: String?
    var interpreter: PythonSettings
    /// config.toml's aliases, for models named later (the REPL's /model).
    var aliases: [String: String] = [:]
    /// Whether --model was given (a continued conversation keeps its own model otherwise).
    var modelGiven = false

    /// A request for `messages`, with the system prompt first unless the messages bring their own.
    func request(_ messages: [ChatMessage], model: String? = nil, system: String?? = nil) -> ChatCompletionRequest {
        ChatCompletionRequest(model: model ?? self.model, messages: Self.messages(messages, system: system ?? self.system),
                              temperature: temperature, maxTokens: maxTokens)
    }

    /// `messages` with `system` first, unless they bring their own system message.
    static func messages(_ messages: [ChatMessage], system: String?) -> [ChatMessage] {
        guard let system, !messages.contains(where: { $0.role == .system }) else { return messages }
        return [.system(system)] + messages
    }

    /// The CLI's report of `error`: a one-line message with a hint and its exit code.
    func failure(_ error: any Error, model: String? = nil) -> any Error {
        switch error {
        case let error as LiteLLMError:
            return CLIFailure(error, model: model ?? self.model, apiKeyEnvironment: apiKeyEnvironment)
        case is CancellationError, is CLIFailure:
            return error
        default:
            return CLIFailure("\(error)", exitCode: CLIExit.provider)
        }
    }

    /// Starts Python and imports litellm (seconds), with a spinner on stderr when it is a terminal.
    /// - Throws: ``CLIFailure`` with exit code 3 when Python or litellm cannot start.
    func startClient() async throws -> LiteLLMClient {
        let spinner = Spinner("Starting Python and litellm…")
        do {
            let client = try await LiteLLMClient.start(interpreter)
            await spinner.stop()
            return client
        } catch let error as LiteLLMError {
            await spinner.stop()
            let hint = error.message.contains("EMBEDCHAT_PYTHONPATH") ? "`embedchat doctor` shows where Python looked"
                : CLIFailure.setupHint
            throw CLIFailure("setup failed: \(error.message)", hint: hint, exitCode: CLIExit.setup)
        } catch {
            await spinner.stop()
            throw CLIFailure("setup failed: \(error)", hint: CLIFailure.setupHint, exitCode: CLIExit.setup)
        }
    }
}

/// JSON for stdout: compact, one document per line, keys sorted so output is stable.
enum JSONLines {
    // One for the process (it holds no per-call state): this runs for every streamed chunk with --json.
    private static let encoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encode<T: Encodable>(_ value: T) -> String {
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The `--usage` line on stderr.
enum UsageReport {
    static func line(_ answer: Answer, model: String) -> String {
        guard let usage = answer.usage else { return "usage: the provider reported no token counts, so the cost is unknown" }
        var text = "usage: \(usage.promptTokens) prompt + \(usage.completionTokens) completion = \(usage.totalTokens) tokens"
        if answer.usageEstimated { text += " (counted here; the provider sent none)" }
        if let cached = usage.cachedTokens, cached > 0 { text += " (\(cached) cached)" }
        if let cost = answer.cost {
            text += ", cost " + dollars(cost)
        } else {
            text += ", cost unknown: litellm has no price for \(model)"
        }
        return text
    }

    /// `$0.000135`: six decimals below a dollar, cents above.
    static func dollars(_ value: Double) -> String {
        String(format: value < 1 ? "$%.6f" : "$%.2f", value)
    }
}
