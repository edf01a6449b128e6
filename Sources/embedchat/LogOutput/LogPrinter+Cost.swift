import ConversationLog
import Foundation

/// `logs --cost`: tokens and dollars by day and model.
extension LogPrinter {
    /// Prints the totals to stdout: a table, or a JSON array with --json.
    static func printCost(_ totals: [CostTotal], json: Bool) throws {
        if json {
            struct Total: Encodable {
                var day: String, model: String, exchanges: Int, prompt_tokens: Int, completion_tokens: Int
                var cost_usd: Double, unpriced_exchanges: Int
            }
            Terminal.out(JSONLines.encode(totals.map {
                Total(day: $0.day, model: $0.model, exchanges: $0.exchanges, prompt_tokens: $0.promptTokens,
                      completion_tokens: $0.completionTokens, cost_usd: $0.costUSD, unpriced_exchanges: $0.unpriced)
            }) + "\n")
            return
        }
        guard !totals.isEmpty else { Terminal.err("the log is empty\n"); return }
        let width = max(5, totals.map(\.model.count).max() ?? 5)
        var lines = ["day".padded(to: 10) + "  " + "model".padded(to: width) + "  exchanges      tokens  cost"]
        for total in totals {
            var cost = total.unpriced == total.exchanges ? "unknown (no price)" : UsageReport.dollars(total.costUSD)
            if total.unpriced > 0 && total.unpriced < total.exchanges { cost += " (+\(total.unpriced) unpriced)" }
            lines.append(total.day.padded(to: 10) + "  " + total.model.padded(to: width) + "  " + String(format: "%9d  %10d  ", total.exchanges,
                         total.promptTokens + total.completionTokens) + cost)
        }
        let sum = totals.reduce(0.0) { $0 + $1.costUSD }
        let unpriced = totals.reduce(0) { $0 + $1.unpriced }
        lines.append("total: " + UsageReport.dollars(sum) + (unpriced > 0 ? " (\(unpriced) exchanges with no price)" : ""))
        Terminal.out(lines.joined(separator: "\n") + "\n")
    }
}
