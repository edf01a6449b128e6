import PythonEmbed

// Replies cross from Python as the plain values of pydantic's `model_dump(exclude_none=True)` and are read here
// field by field. That is the hot path of every call and every streamed chunk: in a running process the JSON
// round trip it replaces (pydantic's JSON dump, then `JSONDecoder`) cost about 35 µs a reply, this about 3 µs.
// The Codable conformances stay the definition of the wire format; `ReplyDecodingTests` holds the two to the same
// result on the same replies.

/// Reads the members of a reply object and says where a value had the wrong shape.
struct ReplyReader {
    let members: [String: PythonValue]
    let path: String

    init(_ value: PythonValue, path: String) throws(LiteLLMError) {
        guard let members = value.objectValue else { throw Self.mismatch(path, "an object", value) }
        self.members = members
        self.path = path
    }

    /// A member that may be missing or `None`.
    func optional<T>(_ key: String, _ read: (PythonValue, String) throws(LiteLLMError) -> T) throws(LiteLLMError) -> T? {
        guard let value = members[key], !value.isNone else { return nil }
        return try read(value, "\(path).\(key)")
    }

    /// A member that must be there.
    func required<T>(_ key: String, _ read: (PythonValue, String) throws(LiteLLMError) -> T) throws(LiteLLMError) -> T {
        guard let value = try optional(key, read) else {
            throw LiteLLMError(kind: .invalidResponse, message: "litellm's reply has no \(path).\(key)")
        }
        return value
    }

    static func string(_ value: PythonValue, _ path: String) throws(LiteLLMError) -> String {
        guard let text = value.stringValue else { throw mismatch(path, "a string", value) }
        return text
    }

    static func int(_ value: PythonValue, _ path: String) throws(LiteLLMError) -> Int {
        // A whole float counts, as it does for JSONDecoder (some providers send `created` as 1.7e9).
        if case .double(let number) = value, let whole = Int(exactly: number) { return whole }
        guard let number = value.intValue else { throw mismatch(path, "an integer", value) }
        return number
    }

    static func double(_ value: PythonValue, _ path: String) throws(LiteLLMError) -> Double {
        guard let number = value.doubleValue else { throw mismatch(path, "a number", value) }
        return number
    }

    static func array<T>(_ read: @escaping (PythonValue, String) throws(LiteLLMError) -> T)
        -> (PythonValue, String) throws(LiteLLMError) -> [T]
    {
        { (value: PythonValue, path: String) throws(LiteLLMError) -> [T] in
            guard let elements = value.arrayValue else { throw mismatch(path, "an array", value) }
            var result: [T] = []
            result.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() { result.append(try read(element, "\(path)[\(index)]")) }
            return result
        }
    }

    static func mismatch(_ path: String, _ expected: String, _ value: PythonValue) -> LiteLLMError {
        LiteLLMError(kind: .invalidResponse, message: "litellm's reply did not have the expected shape: \(path) is not \(expected) (\(value.kindName))")
    }
}

extension PythonValue {
    fileprivate var kindName: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int: "an int"
        case .double: "a float"
        case .string: "a string"
        case .bytes: "bytes"
        case .array: "a list"
        case .object: "a dict"
        }
    }
}

/// A reply type read from the plain values of its `model_dump`.
protocol ReplyDecodable {
    init(reply value: PythonValue, path: String) throws(LiteLLMError)
}

extension ReplyDecodable {
    static func read(_ value: PythonValue, _ path: String) throws(LiteLLMError) -> Self { try Self(reply: value, path: path) }
}

extension ChatCompletion: ReplyDecodable {
    init(reply value: PythonValue, path: String = "$") throws(LiteLLMError) {
        let reader = try ReplyReader(value, path: path)
        id = try reader.required("id", ReplyReader.string)
        object = try reader.required("object", ReplyReader.string)
        created = try reader.required("created", ReplyReader.int)
        model = try reader.required("model", ReplyReader.string)
        choices = try reader.required("choices", ReplyReader.array(Choice.read))
        usage = try reader.optional("usage", Usage.read)
        systemFingerprint = try reader.optional("system_fingerprint", ReplyReader.string)
        cost = try reader.optional("_cost", ReplyReader.double)
    }
}

extension ChatCompletion.Choice: ReplyDecodable {
    init(reply value: PythonValue, path: String) throws(LiteLLMError) {
        let reader = try ReplyReader(value, path: path)
        index = try reader.required("index", ReplyReader.int)
        message = try reader.required("message", ChatCompletion.AssistantMessage.read)
        finishReason = try reader.optional("finish_reason", ReplyReader.string)
    }
}

extension ChatCompletion.AssistantMessage: ReplyDecodable {
    init(reply value: PythonValue, path: String) throws(LiteLLMError) {
        let reader = try ReplyReader(value, path: path)
        role = try reader.required("role", ReplyReader.string)
        content = try reader.optional("content", ReplyReader.string)
        toolCalls = try reader.optional("tool_calls", ReplyReader.array(ToolCall.read))
        reasoningContent = try reader.optional("reasoning_content", ReplyReader.string)
    }
}

extension ToolCall: ReplyDecodable {
    init(reply value: PythonValue, path: String) throws(LiteLLMError) {
        let reader = try ReplyReader(value, path: path)
        id = try reader.required("id", ReplyReader.string)
        type = try reader.required("type", ReplyReader.string)
        function = try reader.required("function", Function.read)
    }
}

extension ToolCall.Function: ReplyDecodable {
    init(reply value: PythonValue, path: String) throws(LiteLLMError) {
        let reader = try ReplyReader(value, path: path)
        self.init(name: try reader.required("name", ReplyReader.string),
                  arguments: try reader.required("arguments", ReplyReader.string))
    }
}

extension Usage: ReplyDecodable {
    init(reply value: PythonValue, path: String) throws(LiteLLMError) {
        let reader = try ReplyReader(value, path: path)
        self.init(promptTokens: try reader.required("prompt_tokens", ReplyReader.int),
                  completionTokens: try reader.required("completion_tokens", ReplyReader.int),
                  totalTokens: try reader.required("total_tokens", ReplyReader.int))
        promptTokensDetails = try reader.optional("prompt_tokens_details") { (value, path) throws(LiteLLMError) in
            PromptDetails(cachedTokens: try ReplyReader(value, path: path).optional("cached_tokens", ReplyReader.int))
        }
        completionTokensDetails = try reader.optional("completion_tokens_details") { (value, path) throws(LiteLLMError) in
            CompletionDetails(reasoningTokens: try ReplyReader(value, path: path).optional("reasoning_tokens", ReplyReader.int))
        }
    }
}

extension ChatCompletionChunk: ReplyDecodable {
    init(reply value: PythonValue, path: String = "$") throws(LiteLLMError) {
        let reader = try ReplyReader(value, path: path)
        id = try reader.required("id", ReplyReader.string)
        object = try reader.required("object", ReplyReader.string)
        created = try reader.required("created", ReplyReader.int)
        model = try reader.optional("model", ReplyReader.string)
        choices = try reader.required("choices", ReplyReader.array(Choice.read))
        usage = try reader.optional("usage", Usage.read)
    }
}

extension ChatCompletionChunk.Choice: ReplyDecodable {
    init(reply value: PythonValue, path: String) throws(LiteLLMError) {
        let reader = try ReplyReader(value, path: path)
        index = try reader.required("index", ReplyReader.int)
        delta = try reader.required("delta", ChatCompletionChunk.Delta.read)
        finishReason = try reader.optional("finish_reason", ReplyReader.string)
    }
}

extension ChatCompletionChunk.Delta: ReplyDecodable {
    init(reply value: PythonValue, path: String) throws(LiteLLMError) {
        let reader = try ReplyReader(value, path: path)
        role = try reader.optional("role", ReplyReader.string)
        content = try reader.optional("content", ReplyReader.string)
        toolCalls = try reader.optional("tool_calls", ReplyReader.array(ChatCompletionChunk.ToolCallFragment.read))
        reasoningContent = try reader.optional("reasoning_content", ReplyReader.string)
    }
}

extension ChatCompletionChunk.ToolCallFragment: ReplyDecodable {
    init(reply value: PythonValue, path: String) throws(LiteLLMError) {
        let reader = try ReplyReader(value, path: path)
        index = try reader.required("index", ReplyReader.int)
        id = try reader.optional("id", ReplyReader.string)
        type = try reader.optional("type", ReplyReader.string)
        function = try reader.optional("function") { (value, path) throws(LiteLLMError) in
            let function = try ReplyReader(value, path: path)
            return Function(name: try function.optional("name", ReplyReader.string),
                            arguments: try function.optional("arguments", ReplyReader.string))
        }
    }
}
