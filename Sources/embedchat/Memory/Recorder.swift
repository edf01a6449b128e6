import ConversationLog
import Foundation
import LiteLLM

/// Writes exchanges to the log, if one is open. Writing happens after the answer is printed, and a failure is one
/// warning line on stderr: the log never delays an answer or fails a command.
struct Recorder: Sendable {
    let log: ConversationLog?
    let command: String

    /// Logs one answered exchange; reports (and swallows) a failure.
    func record(_ exchange: Exchange, conversationID: String) async {
        guard let log else { return }
        let entry = LogEntry(conversationID: conversationID, model: exchange.model, prompt: exchange.prompt,
                             system: exchange.system, response: exchange.answer.text, toolCallsJSON: exchange.answer.toolCallsJSON,
                             promptTokens: exchange.answer.usage?.promptTokens, completionTokens: exchange.answer.usage?.completionTokens,
                             costUSD: exchange.answer.cost, latencyMilliseconds: exchange.latencyMilliseconds,
                             createdAt: exchange.startedAt, command: command)
        do {
            try await log.append(entry)
        } catch {
            Terminal.error("warning: this exchange was not logged: \(error)")
        }
    }
}

/// One prompt and its answer, as the log keeps it.
struct Exchange: Sendable {
    var model: String
    var prompt: String
    var system: String?
    var answer: Answer
    var startedAt: Date
    var latencyMilliseconds: Int
}

/// What came back: the text, tool calls, token counts and cost.
struct Answer: Sendable {
    var text: String
    var toolCallsJSON: String?
    var usage: Usage?
    /// USD, `nil` when the model has no price in litellm's table.
    var cost: Double?
    /// Whether the token counts were counted here because the provider sent none.
    var usageEstimated = false
}

/// The earlier turns of a conversation as messages to send before a new prompt.
extension Conversation {
    var messages: [ChatMessage] {
        turns.flatMap { turn -> [ChatMessage] in [.user(turn.prompt), .assistant(turn.response)] }
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int { Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) }
}
