// Scenarios for structured output and tool loops: the answer is built from what the request carried (its
// `response_format` schema, its tool messages), and the request is refused when it does not carry it, so a test
// proves the client sent it.

/// How a `json-*` scenario answers.
enum JSONAnswerMode: Sendable, Equatable {
    /// An instance built from the request's schema that fits it.
    case fit
    /// The same instance with its last leaf (last property of each object, first item of each array) of a wrong type.
    case breakLeaf
    /// The same instance without the first property its top-level `required` names.
    case missing
    /// Prose around the JSON, as a model that ignored the format would write.
    case prose
}

enum StructuredAnswers {
    /// The `json_schema.schema` of the request's `response_format`, if it has one.
    static func schema(of body: JSONValue) -> JSONValue? {
        guard body["response_format"]?["type"]?.stringValue == "json_schema" else { return nil }
        return body["response_format"]?["json_schema"]?["schema"]
    }

    /// Why the request cannot be answered by its scenario, if it cannot: a `json-*` scenario needs a
    /// `response_format` json_schema; `tool-rounds-N` needs every tool result to answer a call the assistant made
    /// and every call to have its result.
    static func problem(_ body: JSONValue, scenario: Scenario) -> String? {
        if scenario.json != nil, schema(of: body)?.objectValue == nil {
            return "This scenario needs response_format {\"type\": \"json_schema\", \"json_schema\": {\"schema\": {...}}} (fake-provider json scenario)."
        }
        if scenario.toolRounds != nil { return toolMessageProblem(body["messages"]?.arrayValue ?? []) }
        return nil
    }

    /// Checks the conversation's tool messages against the calls of the assistant messages before them.
    static func toolMessageProblem(_ messages: [JSONValue]) -> String? {
        var open: [String] = []  // call ids asked for and not yet answered
        for (index, message) in messages.enumerated() {
            switch message["role"]?.stringValue {
            case "assistant":
                if !open.isEmpty { return "messages[\(index)]: calls \(open) got no tool message before the next assistant turn." }
                open = (message["tool_calls"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            case "tool":
                guard let id = message["tool_call_id"]?.stringValue else {
                    return "messages[\(index)]: a tool message without tool_call_id."
                }
                guard let position = open.firstIndex(of: id) else {
                    return "messages[\(index)]: tool_call_id \(id) answers no call of the assistant message before it."
                }
                open.remove(at: position)
                if flattenContent(message["content"]).isEmpty { return "messages[\(index)]: an empty tool result." }
            case "user", "system", "developer":
                if !open.isEmpty { return "messages[\(index)]: calls \(open) got no tool message." }
            default: break
            }
        }
        return nil
    }

    /// The JSON text a `json-*` scenario answers with.
    static func answer(schema: JSONValue, mode: JSONAnswerMode) -> String {
        var value = sample(schema)
        switch mode {
        case .fit: break
        case .breakLeaf: value = breakLastLeaf(value, schema: schema)
        case .missing:
            if let first = schema["required"]?.arrayValue?.first?.stringValue, case .object(let members) = value {
                value = .object(members.filter { $0.0 != first })
            }
        case .prose: return "Sure! Here is the data you asked for:\n" + value.text + "\nLet me know if you need more."
        }
        return value.text
    }

    /// The first type a schema names that is not `null`.
    private static func type(of schema: JSONValue) -> String? {
        if let type = schema["type"]?.stringValue { return type }
        return schema["type"]?.arrayValue?.compactMap(\.stringValue).first { $0 != "null" }
    }

    /// A value that fits `schema`: the first enum value, `sample` for strings, 7, 1.5, true, one array item, every
    /// property of an object (in ``orderedProperties(_:)`` order).
    static func sample(_ schema: JSONValue) -> JSONValue {
        if let first = schema["enum"]?.arrayValue?.first { return first }
        switch type(of: schema) {
        case "string": return .string("sample")
        case "integer": return .int(7)
        case "number": return .double(1.5)
        case "boolean": return .bool(true)
        case "array": return .array([sample(schema["items"] ?? .object([]))])
        case "object":
            return .object(orderedProperties(schema).map { ($0.0, sample($0.1)) })
        default: return .null
        }
    }

    /// An object schema's properties: those `required` names, in its order (an array keeps its order whatever map
    /// the client built the schema from), then the others in the schema's order.
    static func orderedProperties(_ schema: JSONValue) -> [(String, JSONValue)] {
        let properties = schema["properties"]?.objectValue ?? []
        let required = (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        let listed = required.compactMap { name in properties.first { $0.0 == name } }
        return listed + properties.filter { !required.contains($0.0) }
    }

    /// `value` with its last leaf replaced by a value of the wrong type.
    static func breakLastLeaf(_ value: JSONValue, schema: JSONValue) -> JSONValue {
        switch value {
        case .object(var members) where !members.isEmpty:
            let (name, child) = members[members.count - 1]
            members[members.count - 1] = (name, breakLastLeaf(child, schema: schema["properties"]?[name] ?? .object([])))
            return .object(members)
        case .array(var items) where !items.isEmpty:
            items[0] = breakLastLeaf(items[0], schema: schema["items"] ?? .object([]))
            return .array(items)
        case .string: return schema["enum"] != nil ? .string("not-one-of-the-enum") : .int(42)
        default: return .string("not a \(type(of: schema) ?? "value")")
        }
    }

    // MARK: Tool rounds

    /// What a `tool-rounds-N` request gets: a tool call while fewer than N tool results came back, then a text
    /// that quotes every result.
    static func toolRoundsReply(_ body: JSONValue, rounds: Int) -> (call: ToolCall?, text: String) {
        let messages = body["messages"]?.arrayValue ?? []
        let results = messages.filter { $0["role"]?.stringValue == "tool" }.map { flattenContent($0["content"]) }
        if results.count >= rounds {
            return (nil, "tool results: " + results.joined(separator: " | "))
        }
        let tool = body["tools"]?.arrayValue?.first?["function"]
        let name = tool?["name"]?.stringValue ?? "get_weather"
        let argument = firstPropertyName(tool?["parameters"])
        let userText = flattenContent(messages.last(where: { $0["role"]?.stringValue == "user" })?["content"])
        let arguments = JSONValue.object([(argument, .string(userText))]).text
        return (ToolCall(id: "call_round_\(results.count)", name: name, arguments: arguments), "")
    }
}
