import Foundation

/// The environment variables litellm reads each provider's credentials and region from (names only; nothing here
/// reads a value). One table for every list of them: what `embedchat doctor` reports and what an authentication
/// error tells the user to set.
public enum ProviderVariables {
    /// One provider (under each name litellm gives it) and its variables.
    public struct Entry: Sendable {
        /// litellm's provider names, e.g. `bedrock` and `sagemaker`.
        public let providers: [String]
        /// The variables it reads, in display order.
        public let variables: [String]
        /// What to set for a key, in words (the first variable when `nil`).
        let keyAdvice: String?

        init(_ providers: [String], _ variables: [String], keyAdvice: String? = nil) {
            self.providers = providers
            self.variables = variables
            self.keyAdvice = keyAdvice
        }
    }

    /// The providers, in display order.
    public static let table: [Entry] = [
        Entry(["openai", "text-completion-openai"], ["OPENAI_API_KEY"]),
        Entry(["anthropic"], ["ANTHROPIC_API_KEY"]),
        Entry(["bedrock", "sagemaker"],
              ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"],
              keyAdvice: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and AWS_REGION"),
        Entry(["azure", "azure_ai"], ["AZURE_API_KEY"]),
        Entry(["gemini"], ["GEMINI_API_KEY", "GOOGLE_API_KEY"]),
        Entry(["vertex_ai"], [], keyAdvice: "GOOGLE_APPLICATION_CREDENTIALS"),
        Entry(["mistral"], ["MISTRAL_API_KEY"]),
        Entry(["cohere"], ["COHERE_API_KEY"]),
        Entry(["groq"], ["GROQ_API_KEY"]),
        Entry(["deepseek"], ["DEEPSEEK_API_KEY"]),
        Entry(["openrouter"], ["OPENROUTER_API_KEY"]),
        Entry(["xai"], ["XAI_API_KEY"]),
        Entry(["together_ai"], ["TOGETHERAI_API_KEY"]),
        Entry(["huggingface"], ["HUGGINGFACE_API_KEY"]),
    ]

    /// Every variable of the table, in display order.
    public static let all: [String] = table.flatMap(\.variables)

    /// What to set for `provider`'s key, in words, e.g. `OPENAI_API_KEY`; a provider not in the table gets
    /// `<PROVIDER>_API_KEY`, the name litellm reads for most. `nil` stands for OpenAI.
    public static func keyAdvice(for provider: String?) -> String {
        let name = provider ?? "openai"
        if let entry = table.first(where: { $0.providers.contains(name) }), let advice = entry.keyAdvice ?? entry.variables.first {
            return advice
        }
        return name.uppercased().replacingOccurrences(of: "-", with: "_") + "_API_KEY"
    }
}
