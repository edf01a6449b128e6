import Foundation
import LiteLLM

/// Which environment variables hold which provider's credentials (names only; values are never read for display).
enum ProviderKeys {
    /// Variables `doctor` reports on, in display order.
    static let known = ProviderVariables.all

    /// Known variables that are set, plus any other `*_API_KEY` variable.
    static func setNames(in environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let others = environment.keys.filter { $0.hasSuffix("_API_KEY") && !known.contains($0) }.sorted()
        return known.filter { environment[$0].map { !$0.isEmpty } ?? false } + others.filter { !(environment[$0] ?? "").isEmpty }
    }

    /// The provider litellm reported, else one guessed from the model name.
    static func provider(reported: String?, model: String) -> String? {
        if let reported, !reported.isEmpty, reported != "embedchat" { return reported.lowercased() }
        let lower = model.lowercased()
        if let slash = lower.firstIndex(of: "/") { return String(lower[..<slash]) }
        if lower.hasPrefix("gpt") || lower.hasPrefix("o1") || lower.hasPrefix("o3") || lower.hasPrefix("o4") { return "openai" }
        if lower.hasPrefix("claude") { return "anthropic" }
        if lower.hasPrefix("gemini") { return "gemini" }
        return nil
    }

    /// The variable(s) to set for `provider`'s key.
    static func keyVariables(for provider: String?) -> String { ProviderVariables.keyAdvice(for: provider) }
}
