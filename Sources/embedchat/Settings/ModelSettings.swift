import LiteLLM

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
}
