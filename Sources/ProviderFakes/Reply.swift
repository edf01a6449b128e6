// Provider-neutral view of a request (the conversation) and of the answer the fake gives (the reply).

/// The parts of a chat request the fake's answers depend on, whatever the wire protocol.
struct Conversation: Sendable {
    struct Tool: Sendable {
        var name: String
        /// The first property of the tool's parameter schema; the fake's tool call fills it.
        var argumentName: String
    }

    var model: String
    /// Every message as (role, flattened text), system prompts included, in order.
    var messages: [(role: String, text: String)] = []
    /// Set when the conversation ends with a tool result: its text.
    var trailingToolResult: String?
    var tools: [Tool] = []
    var stream = false
    var includeUsage = false
    /// The request body as it came (OpenAI only), for the scenarios that answer from it (Structured.swift).
    var body: JSONValue = .null

    var lastUserText: String {
        messages.last(where: { $0.role == "user" })?.text ?? ""
    }

    /// Tokens the fake charges for the prompt: per message, the number of whitespace-separated words plus 4.
    var promptTokens: Int {
        max(1, messages.reduce(0) { $0 + Reply.wordCount($1.text) + 4 })
    }
}

extension Conversation {
    /// The conversation of a protocol that sends the system prompt beside the messages (Anthropic, Bedrock): the
    /// system prompt first when it has text (litellm sends `"system": []` when there is none), then every message as
    /// (role, flattened content).
    init(model: String, system: JSONValue?, messages: [JSONValue]) {
        self.init(model: model)
        if let system, case let text = flattenContent(system), !text.isEmpty {
            self.messages.append(("system", text))
        }
        for message in messages {
            self.messages.append((message["role"]?.stringValue ?? "user", flattenContent(message["content"])))
        }
    }
}

/// One tool call of a reply.
struct ToolCall: Sendable {
    var id: String
    var name: String
    /// The arguments as JSON text.
    var arguments: String

    /// The arguments cut in about three pieces, for streaming.
    var argumentFragments: [String] {
        let chars = Array(arguments)
        guard chars.count > 2 else { return [arguments] }
        let size = max(1, (chars.count + 2) / 3)
        return stride(from: 0, to: chars.count, by: size).map { String(chars[$0..<min($0 + size, chars.count)]) }
    }
}

/// What the fake answers, before it is put in a provider's wire format.
struct Reply: Sendable {
    enum Finish: Sendable {
        case stop, length, toolCalls

        /// The stop reason Anthropic's Messages and Bedrock's Converse write alike.
        var stopReason: String {
            switch self {
            case .stop: "end_turn"
            case .length: "max_tokens"
            case .toolCalls: "tool_use"
            }
        }
    }

    /// The text in the pieces a stream sends, one piece per content chunk. Joined they are the whole text.
    var pieces: [String]
    var toolCalls: [ToolCall]
    var finish: Finish
    var promptTokens: Int
    var completionTokens: Int
    var cachedTokens: Int
    var reasoningTokens: Int

    var text: String { pieces.joined() }
    var totalTokens: Int { promptTokens + completionTokens }

    static func wordCount(_ s: String) -> Int {
        s.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).count
    }

    /// Cuts text before each space that follows a non-space, so the pieces join back into the text.
    static func splitWords(_ s: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var previousWasSpace = true
        for ch in s {
            if ch == " " && !previousWasSpace && !current.isEmpty {
                pieces.append(current)
                current = ""
            }
            current.append(ch)
            previousWasSpace = ch == " "
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(current) }
        return pieces
    }

    init(for conversation: Conversation, scenario: Scenario, toolCallIDPrefix: String) {
        promptTokens = conversation.promptTokens
        cachedTokens = min(scenario.cachedTokens, promptTokens)
        reasoningTokens = scenario.reasoningTokens
        toolCalls = []
        finish = scenario.finishLength ? .length : .stop
        if let rounds = scenario.toolRounds {
            let reply = StructuredAnswers.toolRoundsReply(conversation.body, rounds: rounds)
            var text = reply.text
            if let mode = scenario.json, let schema = StructuredAnswers.schema(of: conversation.body) {
                text = StructuredAnswers.answer(schema: schema, mode: mode)
            }
            pieces = reply.call == nil ? Reply.splitWords(text) : []
            if let call = reply.call {
                toolCalls = [call]
                finish = .toolCalls
            }
        } else if let mode = scenario.json, let schema = StructuredAnswers.schema(of: conversation.body) {
            pieces = Reply.splitWords(StructuredAnswers.answer(schema: schema, mode: mode))
        } else if let result = conversation.trailingToolResult {
            pieces = Reply.splitWords("tool result: " + result)
        } else {
            switch scenario.content {
            case .echo:
                pieces = Reply.splitWords("echo: " + conversation.lastUserText)
            case .transcript:
                let lines = conversation.messages.map { "\($0.role): \($0.text)" }
                pieces = Reply.splitWords("transcript: " + lines.joined(separator: " | "))
            case .unicode:
                pieces = Reply.splitWords(FakeProviderServer.unicodeReply)
            case let .long(n):
                pieces = (0..<n).map { $0 == 0 ? "tok0" : " tok\($0)" }
            case let .tools(n):
                pieces = []
                let tools = conversation.tools.isEmpty
                    ? [Conversation.Tool(name: "get_weather", argumentName: "location")] : conversation.tools
                for i in 0..<n {
                    let tool = tools[i % tools.count]
                    let args = JSONValue.object([(tool.argumentName, .string(conversation.lastUserText))]).text
                    toolCalls.append(ToolCall(id: "\(toolCallIDPrefix)\(i)", name: tool.name, arguments: args))
                }
                finish = .toolCalls
            }
        }
        let words = Reply.wordCount(pieces.joined()) + toolCalls.reduce(0) { $0 + 10 + Reply.wordCount($1.arguments) }
        completionTokens = max(1, words) + reasoningTokens
    }
}

/// Turns a message's content (a string, or a list of typed parts) into text.
func flattenContent(_ content: JSONValue?) -> String {
    switch content {
    case let .string(s)?: return s
    case let .array(parts)?:
        return parts.compactMap { part -> String? in
            if let text = part["text"]?.stringValue { return text }
            if case .string = part { return part.stringValue }
            if let inner = part["content"] { return flattenContent(inner) }  // Anthropic tool_result
            if let inner = part["toolResult"]?["content"] { return flattenContent(inner) }  // Bedrock
            if let json = part["json"] { return json.text }
            return nil
        }.joined(separator: " ")
    default: return ""
    }
}

/// The first property name of a JSON schema, or `input`.
func firstPropertyName(_ schema: JSONValue?) -> String {
    schema?["properties"]?.objectValue?.first?.0 ?? "input"
}
