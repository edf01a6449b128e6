import ConversationLog
import LiteLLM

/// An earlier conversation from the log.
struct Conversation: Sendable {
    let id: String
    let turns: [LogEntry]

    /// The model of its latest turn.
    var model: String? { turns.last?.model }
    /// The system prompt of its latest turn.
    var system: String? { turns.last?.system }
}

/// The earlier turns of a conversation as messages to send before a new prompt.
extension Conversation {
    var messages: [ChatMessage] {
        turns.flatMap { turn -> [ChatMessage] in [.user(turn.prompt), .assistant(turn.response)] }
    }
}

extension ModelSettings {
    /// These settings for continuing `earlier`: its model unless --model was given, its system prompt unless
    /// --system was.
    func continuing(_ earlier: Conversation?) -> ModelSettings {
        guard let earlier else { return self }
        var settings = self
        if !modelGiven, let model = earlier.model { settings.model = model }
        if settings.system == nil { settings.system = earlier.system }
        return settings
    }
}
