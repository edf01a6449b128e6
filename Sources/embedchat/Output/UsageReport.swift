import Foundation
import LiteLLM

/// The `--usage` lines on stderr, for one answer, a batch and embeddings: every command's token and cost figures are
/// written here.
enum UsageReport {
    /// One answer's tokens and cost (`ask`, `chat`).
    static func line(_ answer: Answer, model: String) -> String {
        guard let usage = answer.usage else { return "usage: the provider reported no token counts, so the cost is unknown" }
        var text = "usage: \(usage.promptTokens) prompt + \(usage.completionTokens) completion = \(usage.totalTokens) tokens"
        if answer.usageEstimated { text += " (counted here; the provider sent none)" }
        if let cached = usage.cachedTokens, cached > 0 { text += " (\(cached) cached)" }
        if let cost = answer.cost {
            text += ", cost " + dollars(cost)
        } else {
            text += ", cost unknown: litellm has no price for \(model)"
        }
        return text
    }

    /// `$0.000135`: six decimals below a dollar, cents above.
    static func dollars(_ value: Double) -> String {
        String(format: value < 1 ? "$%.6f" : "$%.2f", value)
    }

    /// A batch's summed tokens and cost; `cost` is `nil` when some answered line had no price.
    static func batchLine(answered: Int, of total: Int, promptTokens: Int, completionTokens: Int, cost: Double?) -> String {
        "usage: \(answered) of \(total) requests answered; \(promptTokens) prompt + "
            + "\(completionTokens) completion = \(promptTokens + completionTokens) tokens"
            + (cost.map { String(format: ", cost $%.6f", $0) } ?? ", cost unknown for some lines")
    }

    /// `embed`'s summed prompt tokens and cost (eight decimals: embeddings cost fractions of a cent).
    static func embeddingLine(promptTokens: Int, texts: Int, cost: Double?) -> String {
        "usage: \(promptTokens) prompt tokens for \(texts) texts" + (cost.map { String(format: ", cost $%.8f", $0) } ?? ", cost unknown")
    }
}
