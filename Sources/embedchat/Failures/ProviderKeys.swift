import Foundation

/// Which environment variables hold which provider's credentials (names only; values are never read for display).
enum ProviderKeys {
    /// Variables `doctor` reports on, in display order.
    static let known = [
        "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AZURE_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
        "MISTRAL_API_KEY", "COHERE_API_KEY", "GROQ_API_KEY", "DEEPSEEK_API_KEY", "OPENROUTER_API_KEY", "XAI_API_KEY",
        "TOGETHERAI_API_KEY", "HUGGINGFACE_API_KEY",
    ]

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
    static func keyVariables(for provider: String?) -> String {
        switch provider ?? "openai" {
        case "openai", "text-completion-openai": "OPENAI_API_KEY"
        case "anthropic": "ANTHROPIC_API_KEY"
        case "bedrock", "sagemaker": "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and AWS_REGION"
        case "azure", "azure_ai": "AZURE_API_KEY"
        case "gemini": "GEMINI_API_KEY"
        case "vertex_ai": "GOOGLE_APPLICATION_CREDENTIALS"
        case "together_ai": "TOGETHERAI_API_KEY"
        case "huggingface": "HUGGINGFACE_API_KEY"
        case let other: other.uppercased().replacingOccurrences(of: "-", with: "_") + "_API_KEY"
        }
    }
}
