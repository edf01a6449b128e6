import Foundation
import LiteLLM

/// How `models` prints litellm's known models: one JSON array, or the matching aliases and then a table.
enum ModelTable {
    /// The models as one JSON array.
    static func json(_ models: [ModelPrice]) -> String {
        struct Row: Encodable {
            var name: String, provider: String?, mode: String?, context_window: Int?
            var input_usd_per_million: Double?, output_usd_per_million: Double?
        }
        return JSONLines.encode(models.map {
            Row(name: $0.name, provider: $0.provider, mode: $0.mode, context_window: $0.contextWindow,
                input_usd_per_million: $0.inputPerMillion, output_usd_per_million: $0.outputPerMillion)
        })
    }

    /// The aliases matching `query` (`alias NAME = MODEL`), then a header and one row a model; empty when nothing
    /// matches.
    static func lines(_ models: [ModelPrice], aliases: [String: String], matching query: String?) -> [String] {
        var lines: [String] = []
        for (alias, model) in aliases.sorted(by: { $0.key < $1.key })
        where query.map({ alias.localizedCaseInsensitiveContains($0) || model.localizedCaseInsensitiveContains($0) }) ?? true {
            lines.append("alias \(alias) = \(model)")
        }
        let width = min(60, models.map(\.name.count).max() ?? 10)
        if !models.isEmpty { lines.append("model".padded(to: width) + "  context   $/M in   $/M out  mode") }
        for model in models {
            let context = model.contextWindow.map { $0 >= 1000 ? "\($0 / 1000)k" : "\($0)" } ?? "?"
            func price(_ value: Double?) -> String { value.map { String(format: "%8.3f", $0) } ?? "       ?" }
            lines.append(model.name.padded(to: width) + "  " + String(repeating: " ", count: max(0, 7 - context.count)) + context
                         + "  " + price(model.inputPerMillion) + "  " + price(model.outputPerMillion) + "  " + (model.mode ?? ""))
        }
        return lines
    }
}
