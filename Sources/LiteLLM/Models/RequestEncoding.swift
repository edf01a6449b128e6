import PythonEmbed

// Requests cross to Python as plain values, built here field by field and turned into a dict through the C API:
// in a running process that costs a few µs, where the JSON round trip it replaces (`JSONEncoder`, then
// `json.loads`) cost about 25 µs a call. The Codable conformances stay the definition of the wire format;
// `RequestEncodingTests` holds the two to the same result on requests that use every field.

/// A request type as the plain values of its OpenAI JSON.
protocol RequestEncodable {
    var pythonValue: PythonValue { get }
}

/// Builds an object, leaving out members that are `nil` (as Codable's synthesised `encodeIfPresent` does).
struct ObjectBuilder {
    private(set) var members: [String: PythonValue] = [:]

    init(capacity: Int = 4) { members.reserveCapacity(capacity) }

    mutating func set(_ key: String, _ value: PythonValue?) {
        if let value { members[key] = value }
    }

    var value: PythonValue { .object(members) }
}

extension Optional where Wrapped == String {
    var python: PythonValue? { map(PythonValue.string) }
}

extension Optional where Wrapped == Int {
    var python: PythonValue? { map(PythonValue.int) }
}

extension Optional where Wrapped == Double {
    var python: PythonValue? { map(PythonValue.double) }
}

extension Optional where Wrapped == Bool {
    var python: PythonValue? { map(PythonValue.bool) }
}

extension Array where Element: RequestEncodable {
    var pythonValue: PythonValue { .array(map(\.pythonValue)) }
}

extension ChatCompletionRequest: RequestEncodable {
    var pythonValue: PythonValue {
        var object = ObjectBuilder(capacity: 8)
        object.set("model", .string(model))
        object.set("messages", messages.pythonValue)
        object.set("temperature", temperature.python)
        object.set("top_p", topP.python)
        object.set("max_tokens", maxTokens.python)
        object.set("max_completion_tokens", maxCompletionTokens.python)
        object.set("stop", stop?.pythonValue)
        object.set("seed", seed.python)
        object.set("user", user.python)
        object.set("n", n.python)
        object.set("presence_penalty", presencePenalty.python)
        object.set("frequency_penalty", frequencyPenalty.python)
        object.set("tools", tools?.pythonValue)
        object.set("tool_choice", toolChoice?.pythonValue)
        object.set("parallel_tool_calls", parallelToolCalls.python)
        object.set("response_format", responseFormat?.pythonValue)
        object.set("reasoning_effort", reasoningEffort.python)
        object.set("stream", stream.python)
        object.set("stream_options", streamOptions.map { options in
            var object = ObjectBuilder(capacity: 1)
            object.set("include_usage", options.includeUsage.python)
            return object.value
        })
        return object.value
    }
}

extension ChatMessage: RequestEncodable {
    var pythonValue: PythonValue {
        var object = ObjectBuilder(capacity: 2)
        object.set("role", .string(role.rawValue))
        object.set("content", content?.pythonValue)
        object.set("name", name.python)
        object.set("tool_calls", toolCalls?.pythonValue)
        object.set("tool_call_id", toolCallID.python)
        return object.value
    }
}

extension MessageContent: RequestEncodable {
    var pythonValue: PythonValue {
        switch self {
        case .text(let text): .string(text)
        case .parts(let parts): parts.pythonValue
        }
    }
}

extension ContentPart: RequestEncodable {
    var pythonValue: PythonValue {
        switch self {
        case .text(let text):
            return ["type": "text", "text": .string(text)]
        case .imageURL(let url, let detail):
            var image = ObjectBuilder(capacity: 2)
            image.set("url", .string(url))
            image.set("detail", detail.python)
            return ["type": "image_url", "image_url": image.value]
        case .file(let file):
            var object = ObjectBuilder(capacity: 2)
            object.set("file_data", file.fileData.python)
            object.set("file_id", file.fileID.python)
            object.set("filename", file.filename.python)
            return ["type": "file", "file": object.value]
        }
    }
}

extension ToolCall: RequestEncodable {
    var pythonValue: PythonValue {
        ["id": .string(id), "type": .string(type),
         "function": ["name": .string(function.name), "arguments": .string(function.arguments)]]
    }
}

extension Tool: RequestEncodable {
    var pythonValue: PythonValue {
        var object = ObjectBuilder(capacity: 4)
        object.set("name", .string(function.name))
        object.set("description", function.description.python)
        object.set("parameters", function.parameters?.pythonValue)
        object.set("strict", function.strict.python)
        return ["type": .string(type), "function": object.value]
    }
}

extension ToolChoice: RequestEncodable {
    var pythonValue: PythonValue {
        switch self {
        case .none: "none"
        case .auto: "auto"
        case .required: "required"
        case .function(let name): ["type": "function", "function": ["name": .string(name)]]
        }
    }
}

extension ResponseFormat: RequestEncodable {
    var pythonValue: PythonValue {
        switch self {
        case .text: return ["type": "text"]
        case .jsonObject: return ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict):
            var object = ObjectBuilder(capacity: 3)
            object.set("name", .string(name))
            object.set("schema", schema?.pythonValue)
            object.set("strict", strict.python)
            return ["type": "json_schema", "json_schema": object.value]
        }
    }
}

extension StopSequences: RequestEncodable {
    var pythonValue: PythonValue {
        switch self {
        case .one(let value): .string(value)
        case .many(let values): .array(values.map(PythonValue.string))
        }
    }
}

extension EmbeddingRequest: RequestEncodable {
    var pythonValue: PythonValue {
        var object = ObjectBuilder(capacity: 2)
        object.set("model", .string(model))
        object.set("input", .array(input.map(PythonValue.string)))
        object.set("dimensions", dimensions.python)
        object.set("user", user.python)
        return object.value
    }
}
