public import Foundation

/// One logged exchange: a prompt, the answer, and what it took.
///
/// Entries of one conversation share ``conversationID``; replaying their prompts and responses in ``id`` order gives
/// the turns to send when the conversation is continued.
public struct LogEntry: Sendable, Equatable {
    /// The row id, set once the entry is stored (`nil` before).
    public var id: Int64?
    public var conversationID: String
    /// The model the request named (after aliases were resolved).
    public var model: String
    public var prompt: String
    public var system: String?
    public var response: String
    /// The tool calls the answer asked for, as the JSON array of OpenAI's `tool_calls`, if any.
    public var toolCallsJSON: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Cost in USD from litellm's price table; `nil` when the model has no price.
    public var costUSD: Double?
    /// Milliseconds from sending the request to the last byte of the answer.
    public var latencyMilliseconds: Int?
    public var createdAt: Date
    /// Which command asked: `ask`, `chat` or `batch`.
    public var command: String

    public init(id: Int64? = nil, conversationID: String, model: String, prompt: String, system: String? = nil,
                response: String, toolCallsJSON: String? = nil, promptTokens: Int? = nil, completionTokens: Int? = nil,
                costUSD: Double? = nil, latencyMilliseconds: Int? = nil, createdAt: Date = Date(), command: String) {
        self.id = id
        self.conversationID = conversationID
        self.model = model
        self.prompt = prompt
        self.system = system
        self.response = response
        self.toolCallsJSON = toolCallsJSON
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.latencyMilliseconds = latencyMilliseconds
        self.createdAt = createdAt
        self.command = command
    }

    /// Prompt plus completion tokens, when both are known.
    public var totalTokens: Int? {
        guard let promptTokens, let completionTokens else { return nil }
        return promptTokens + completionTokens
    }

    /// A new conversation id: sortable by time (hex milliseconds) and unique (random tail), e.g. `019a3b2c1d4e-9f2a61c0`.
    public static func newConversationID(at date: Date = Date()) -> String {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let hex = String(milliseconds, radix: 16)
        let padded = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        let tail = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return padded + "-" + String(repeating: "0", count: 8 - tail.count) + tail
    }
}

/// What `logs` asks for: the newest `limit` entries matching every filter given, returned oldest first.
public struct LogQuery: Sendable {
    /// How many entries at most (the newest ones).
    public var limit: Int
    /// Words to find in prompts and responses (full-text, every word must occur; a word may end in `*`).
    public var text: String?
    public var model: String?
    public var conversationID: String?

    public init(limit: Int = 3, text: String? = nil, model: String? = nil, conversationID: String? = nil) {
        self.limit = limit
        self.text = text
        self.model = model
        self.conversationID = conversationID
    }
}

/// Spending of one model on one day (UTC).
public struct CostTotal: Sendable, Equatable {
    public var day: String
    public var model: String
    public var exchanges: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// The sum of the priced exchanges' costs.
    public var costUSD: Double
    /// Exchanges whose cost is unknown (the model has no price), not counted in ``costUSD``.
    public var unpriced: Int

    public init(day: String, model: String, exchanges: Int, promptTokens: Int, completionTokens: Int, costUSD: Double, unpriced: Int) {
        self.day = day
        self.model = model
        self.exchanges = exchanges
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.unpriced = unpriced
    }
}

/// Why the log could not be opened, read or written.
public struct ConversationLogError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
