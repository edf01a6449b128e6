import ConversationLog
import LiteLLM

/// `logs --json`: the entries as one JSON array.
extension LogPrinter {
    /// The JSON form of one entry (keys named as the issue and `llm logs --json` do).
    struct Row: Encodable {
        var id: Int64
        var conversationID: String
        var model: String
        var prompt: String
        var system: String?
        var response: String
        var toolCalls: JSONValueText?
        /// LiteLLM's ``Usage``, so the log's counts are written as every other usage object is.
        var usage: Usage?
        var costUSD: Double?
        var latencyMilliseconds: Int?
        var createdAt: String
        var command: String

        enum CodingKeys: String, CodingKey {
            case id, model, prompt, system, response, usage, command
            case conversationID = "conversation_id", toolCalls = "tool_calls", costUSD = "cost_usd"
            case latencyMilliseconds = "latency_ms", createdAt = "created_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(conversationID, forKey: .conversationID)
            try container.encode(model, forKey: .model)
            try container.encode(prompt, forKey: .prompt)
            try container.encode(system, forKey: .system)  // null, not missing
            try container.encode(response, forKey: .response)
            try container.encode(toolCalls, forKey: .toolCalls)
            try container.encode(usage, forKey: .usage)
            try container.encode(costUSD, forKey: .costUSD)
            try container.encode(latencyMilliseconds, forKey: .latencyMilliseconds)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(command, forKey: .command)
        }
    }

    /// The entries as one JSON array of ``Row``s.
    static func json(_ entries: [LogEntry]) -> String {
        JSONLines.encode(entries.map { entry in
            Row(id: entry.id ?? 0, conversationID: entry.conversationID, model: entry.model, prompt: entry.prompt,
                system: entry.system, response: entry.response, toolCalls: entry.toolCallsJSON.map(JSONValueText.init),
                usage: entry.promptTokens.flatMap { prompt in
                    entry.completionTokens.map { Usage(promptTokens: prompt, completionTokens: $0, totalTokens: prompt + $0) }
                },
                costUSD: entry.costUSD, latencyMilliseconds: entry.latencyMilliseconds,
                createdAt: Timestamp.format(entry.createdAt), command: entry.command)
        })
    }
}
