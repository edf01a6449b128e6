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

    @OptionGroup var connection: ProviderOptions

    @Flag(name: .long, help: "Answer through litellm's real code path with a mock reply: no key, no network.")
    var offline = false

    @OptionGroup var python: PythonOptions

    func validate() throws {
        if let temperature, !(0...2).contains(temperature) { throw ValidationError("--temperature must be between 0 and 2.") }
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1.") }
        if let model, model.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--model must not be empty.") }
    }

    /// The settings these options stand for, resolved against the environment and config.toml.
    /// - Throws: ``CLIFailure`` (exit code 2) when config.toml cannot be read.
    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ModelSettings {
        let config = try CLIFailure.loadConfiguration(environment: environment)
        let model = Self.model(self.model, offline: offline, environment: environment, config: config)
        let provider = connection.settings(over: offline ? ProviderSettings.offline() : ProviderSettings(), environment: environment)
        return ModelSettings(model: model, system: system, temperature: temperature, maxTokens: maxTokens,
                             provider: provider, timeout: connection.duration,
                             apiKeyEnvironment: connection.apiKeyEnv, interpreter: python.interpreter(environment: environment),
                             aliases: config.aliases, modelGiven: self.model != nil)
    }

    /// The model a command uses: `given` (--model; an alias stands for its model), else "offline" with --offline, else
    /// $EMBEDCHAT_DEFAULT_MODEL, else config.toml's default_model, else ``builtInDefaultModel``.
    static func model(_ given: String?, offline: Bool, environment: [String: String], config: CLIConfiguration) -> String {
        config.resolve(given ?? (offline ? OfflineMode.model
            : environment["EMBEDCHAT_DEFAULT_MODEL"].flatMap { $0.isEmpty ? nil : $0 } ?? config.defaultModel
                ?? Self.builtInDefaultModel))
    }
}
