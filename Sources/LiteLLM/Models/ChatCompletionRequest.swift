import PythonEmbed

/// An OpenAI chat completions request. Encoding it gives the JSON body the OpenAI API takes.
///
/// Only OpenAI's own fields live here; where the request goes and with which credentials is ``ProviderSettings``,
/// which a server keeps out of its callers' hands.
public struct ChatCompletionRequest: Codable, Sendable, Equatable {
    /// `include_usage` asks for a final chunk carrying the usage.
    public struct StreamOptions: Codable, Sendable, Equatable {
        public var includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
        public init(includeUsage: Bool?) { self.includeUsage = includeUsage }
    }

    public var model: String
    public var messages: [ChatMessage]
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?
    public var maxCompletionTokens: Int?
    public var stop: StopSequences?
    public var seed: Int?
    public var user: String?
    public var n: Int?
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?
    public var tools: [Tool]?
    public var toolChoice: ToolChoice?
    public var parallelToolCalls: Bool?
    public var responseFormat: ResponseFormat?
    public var reasoningEffort: String?
    public var stream: Bool?
    public var streamOptions: StreamOptions?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, messages, temperature, stop, seed, user, n, tools, stream
        case topP = "top_p"
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case presencePenalty = "presence_penalty"
        case frequencyPenalty = "frequency_penalty"
        case toolChoice = "tool_choice"
        case parallelToolCalls = "parallel_tool_calls"
        case responseFormat = "response_format"
        case reasoningEffort = "reasoning_effort"
        case streamOptions = "stream_options"
    }

    /// The top-level JSON field names this type accepts (a server refuses any other).
    public static let fieldNames: Set<String> = Set(CodingKeys.allCases.map(\.rawValue))

    public init(model: String, messages: [ChatMessage], temperature: Double? = nil, maxTokens: Int? = nil,
                stream: Bool? = nil) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.stream = stream
    }
}

/// Where a request goes and how: litellm's per-call settings, kept apart from the OpenAI request so a server can
/// decide them itself. Secrets given here are redacted from every error message.
public struct ProviderSettings: Sendable, Equatable {
    /// The provider's base URL (`api_base`).
    public var apiBase: String?
    /// The key (`api_key`); `nil` lets litellm read the provider's usual environment variable.
    public var apiKey: String?
    public var apiVersion: String?
    /// Seconds litellm waits for the provider (`timeout`; litellm's default is 600).
    public var timeout: Double?
    /// Retries on retryable failures (`num_retries`).
    public var maxRetries: Int?
    /// Drop parameters the provider does not support instead of failing (`drop_params`).
    public var dropParams: Bool?
    /// Any other litellm keyword, e.g. `aws_region_name`, `extra_body`, `mock_response`.
    public var extra: [String: JSONValue]

    public init(apiBase: String? = nil, apiKey: String? = nil, apiVersion: String? = nil, timeout: Double? = nil,
                maxRetries: Int? = nil, dropParams: Bool? = nil, extra: [String: JSONValue] = [:]) {
        self.apiBase = apiBase
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.timeout = timeout
        self.maxRetries = maxRetries
        self.dropParams = dropParams
        self.extra = extra
    }

    /// The litellm keywords these settings stand for.
    public var keywords: [String: JSONValue] {
        var keywords = extra
        if let apiBase { keywords["api_base"] = .string(apiBase) }
        if let apiKey { keywords["api_key"] = .string(apiKey) }
        if let apiVersion { keywords["api_version"] = .string(apiVersion) }
        if let timeout { keywords["timeout"] = .double(timeout) }
        if let maxRetries { keywords["num_retries"] = .int(maxRetries) }
        if let dropParams { keywords["drop_params"] = .bool(dropParams) }
        return keywords
    }

    /// Offline mode: litellm's real code path answers with this text through `mock_response` and calls no provider.
    /// `custom_llm_provider` lets a bare model name such as ``OfflineMode/model`` through litellm's provider check.
    ///
    /// The one way offline calls are routed, by the CLI (`--offline`, with any model name) and the Lambda (its
    /// `offline` model) alike: the model name as asked, with these settings.
    public static func offline(reply: String = OfflineMode.reply) -> ProviderSettings {
        ProviderSettings(extra: ["mock_response": .string(reply), "custom_llm_provider": "openai"])
    }
}

/// The offline mode every part of the project shares.
public enum OfflineMode {
    /// The model name of offline mode, for a user or caller and for litellm alike (with
    /// ``ProviderSettings/offline(reply:)``): it has no price, so no cost is claimed, and with `mock_response`
    /// litellm opens no socket.
    public static let model = "offline"
    /// The reply: it says plainly that it is offline and that no provider was called.
    public static let reply = "This is an offline reply from embedchat: litellm answered in mock mode and no provider was called. "
        + "Set a model and its API key to get real answers."
}

/// An embeddings request.
public struct EmbeddingRequest: Codable, Sendable, Equatable {
    public var model: String
    public var input: [String]
    public var dimensions: Int?
    public var user: String?
    public init(model: String, input: [String], dimensions: Int? = nil, user: String? = nil) {
        self.model = model
        self.input = input
        self.dimensions = dimensions
        self.user = user
    }
}
