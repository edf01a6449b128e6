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
