import ArgumentParser
import Foundation
import LiteLLM

/// `--api-base`, `--api-key-env` and `--timeout`: how to reach the provider. `ask`, `chat` and `batch` take them
/// through ``ModelOptions``, `embed` directly; one group, so they are checked with the same errors everywhere.
struct ProviderOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The provider's base URL (an OpenAI-compatible server, a proxy).", valueName: "url"))
    var apiBase: String?

    @Option(name: .long, help: ArgumentHelp(
        "Read the API key from this environment variable instead of the provider's usual one.", valueName: "name"))
    var apiKeyEnv: String?

    @Option(name: .long, help: ArgumentHelp(
        "Give up when the answer has not fully arrived within this many seconds (exit code 1).", valueName: "seconds"))
    var timeout: Double?

    func validate() throws {
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds.") }
        if let apiKeyEnv {
            guard let value = ProcessInfo.processInfo.environment[apiKeyEnv], !value.isEmpty else {
                throw ValidationError("--api-key-env names \(apiKeyEnv), which is not set.")
            }
        }
    }

    /// `base` with the base URL and the key these options name.
    func settings(over base: ProviderSettings, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> ProviderSettings {
        var provider = base
        if let apiBase { provider.apiBase = apiBase }
        if let apiKeyEnv { provider.apiKey = environment[apiKeyEnv] }
        return provider
    }

    /// `--timeout` as a duration.
    var duration: Duration? { timeout.map { .milliseconds(Int64($0 * 1000)) } }
}
