import LiteLLM

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
