import PythonEmbed

/// Token counts of one call.
public struct Usage: Codable, Sendable, Equatable {
    public struct PromptDetails: Codable, Sendable, Equatable {
        public var cachedTokens: Int?
        enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
    }
    public struct CompletionDetails: Codable, Sendable, Equatable {
        public var reasoningTokens: Int?
        enum CodingKeys: String, CodingKey { case reasoningTokens = "reasoning_tokens" }
    }

    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    public var promptTokensDetails: PromptDetails?
    public var completionTokensDetails: CompletionDetails?

    /// Prompt tokens served from the provider's cache, where given.
    public var cachedTokens: Int? { promptTokensDetails?.cachedTokens }
    /// Tokens spent on reasoning, where given.
    public var reasoningTokens: Int? { completionTokensDetails?.reasoningTokens }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details"
        case completionTokensDetails = "completion_tokens_details"
    }

    public init(promptTokens: Int, completionTokens: Int, totalTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
    }
}

/// A `chat.completion` response.
public struct ChatCompletion: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var message: AssistantMessage
        public var finishReason: String?
        enum CodingKeys: String, CodingKey { case index, message, finishReason = "finish_reason" }
    }

    /// The assistant's reply.
    public struct AssistantMessage: Codable, Sendable, Equatable {
        public var role: String
        public var content: String?
        public var toolCalls: [ToolCall]?
        /// Reasoning text some providers return beside the answer.
        public var reasoningContent: String?
        enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
            case reasoningContent = "reasoning_content"
        }
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?
    public var systemFingerprint: String?
    /// What litellm reckons the call cost in USD, when it knows the model's prices.
    public var cost: Double?

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case systemFingerprint = "system_fingerprint"
        case cost = "_cost"
    }

    /// The first choice's text.
    public var text: String? { choices.first?.message.content }

    /// Encodes the OpenAI response: `cost` is litellm's estimate, handed over beside the response by the bridge
    /// (and read as `_cost` from JSON) but not part of the wire format, so it is left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        try container.encodeIfPresent(usage, forKey: .usage)
        try container.encodeIfPresent(systemFingerprint, forKey: .systemFingerprint)
    }
}

/// One `chat.completion.chunk` of a streamed reply.
public struct ChatCompletionChunk: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var delta: Delta
        public var finishReason: String?
        enum CodingKeys: String, CodingKey { case index, delta, finishReason = "finish_reason" }
    }

    /// What this chunk adds.
    public struct Delta: Codable, Sendable, Equatable {
        public var role: String?
        public var content: String?
        public var toolCalls: [ToolCallFragment]?
        public var reasoningContent: String?
        enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
            case reasoningContent = "reasoning_content"
        }
    }

    /// A piece of a tool call: the first carries id and name, later ones pieces of the arguments, joined by `index`.
    public struct ToolCallFragment: Codable, Sendable, Equatable {
        public struct Function: Codable, Sendable, Equatable {
            public var name: String?
            public var arguments: String?
        }
        public var index: Int
        public var id: String?
        public var type: String?
        public var function: Function?
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String?
    public var choices: [Choice]
    /// Present on the final chunk when `stream_options.include_usage` was set.
    public var usage: Usage?

    /// The text this chunk adds to the first choice.
    public var text: String? { choices.first?.delta.content }
}

/// An embeddings response.
public struct EmbeddingResponse: Codable, Sendable, Equatable {
    /// One input's vector.
    public struct Embedding: Codable, Sendable, Equatable {
        /// The input's position in the request.
        public var index: Int
        /// The vector.
        public var embedding: [Double]
        /// Creates one.
        public init(index: Int, embedding: [Double]) {
            self.index = index
            self.embedding = embedding
        }
    }
    /// Token counts.
    public struct EmbeddingUsage: Codable, Sendable, Equatable {
        /// Tokens of the inputs.
        public var promptTokens: Int?
        /// Tokens in all.
        public var totalTokens: Int?
        enum CodingKeys: String, CodingKey { case promptTokens = "prompt_tokens", totalTokens = "total_tokens" }
    }
    /// The model as the provider named it.
    public var model: String?
    /// One vector per input, in order of `index`.
    public var data: [Embedding]
    /// Token counts, when the provider reported them.
    public var usage: EmbeddingUsage?
    /// What litellm reckons the call cost in USD, when it knows the model's prices (not part of the wire format).
    public var cost: Double?

    enum CodingKeys: String, CodingKey { case model, data, usage }
}
