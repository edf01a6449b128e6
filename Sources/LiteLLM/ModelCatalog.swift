import PythonEmbed
import Synchronization

/// One model in litellm's price table (`litellm.model_cost`).
public struct ModelPrice: Sendable, Equatable {
    /// The table's key, e.g. `gpt-4o-mini` or `anthropic/claude-3-5-haiku-latest`.
    public var name: String
    /// litellm's provider name (`openai`, `anthropic`, `bedrock`, ...), when the table gives one.
    public var provider: String?
    /// `chat`, `embedding`, `completion`, `image_generation`, ...
    public var mode: String?
    /// The most input tokens the model takes (its context window), when known.
    public var contextWindow: Int?
    /// USD per million input (prompt) tokens, when priced.
    public var inputPerMillion: Double?
    /// USD per million output (completion) tokens, when priced.
    public var outputPerMillion: Double?
}

/// litellm's model and price knowledge: the cost of an exchange from its token counts, token counts of a text, and
/// the known models with their context windows and prices.
///
/// Costs come from litellm's bundled price table (the client sets `LITELLM_LOCAL_MODEL_COST_MAP`, so it is never
/// fetched). Calls run on a worker thread, never the event loop's.
public struct ModelCatalog: Sendable {
    /// Uses the litellm that `client` imported (a started client is the proof it is there).
    public init(client: LiteLLMClient) {}

    private static let module = EmbeddedModule(name: "_embedchat_catalog", source: source) { module, gil throws(PythonError) in
        (cost: try module.attribute("cost", gil).handle(gil), tokens: try module.attribute("count_tokens", gil).handle(gil),
         models: try module.attribute("models", gil).handle(gil))
    }

    /// What `promptTokens` in and `completionTokens` out cost on `model`, in USD, from litellm's price table
    /// (`litellm.cost_per_token`); `nil` when litellm has no price for the model.
    public func cost(model: String, promptTokens: Int, completionTokens: Int) async -> Double? {
        let arguments: [PythonValue] = [.string(model), .int(promptTokens), .int(completionTokens)]
        let value = try? await Self.call(\.cost, arguments)
        return value?.doubleValue
    }

    /// The tokens `text` takes in `model`'s tokenizer (litellm's `token_counter`, tiktoken's cl100k when litellm
    /// knows no tokenizer for the model); `nil` when counting failed.
    public func countTokens(model: String, text: String) async -> Int? {
        let value = try? await Self.call(\.tokens, [.string(model), .string(text)])
        return value?.intValue
    }

    /// The models in litellm's table whose name contains `filter` (case-insensitive; all when `nil`), by name.
    /// - Throws: ``LiteLLMError`` when the table could not be read.
    public func models(matching filter: String? = nil) async throws -> [ModelPrice] {
        let value: PythonValue
        do {
            value = try await Self.call(\.models, [filter.map { .string($0) } ?? .none])
        } catch let error as PythonError {
            throw LiteLLMError(kind: .setup, message: "reading litellm.model_cost failed: \(error.description)")
        }
        return (value.arrayValue ?? []).compactMap { item -> ModelPrice? in
            guard let row = item.arrayValue, row.count == 6, let name = row[0].stringValue else { return nil }
            return ModelPrice(name: name, provider: row[1].stringValue, mode: row[2].stringValue, contextWindow: row[3].intValue,
                              inputPerMillion: row[4].doubleValue.map { $0 * 1_000_000 },
                              outputPerMillion: row[5].doubleValue.map { $0 * 1_000_000 })
        }
    }

    private static func call(_ function: @escaping @Sendable ((cost: PythonHandle, tokens: PythonHandle, models: PythonHandle)) -> PythonHandle,
                             _ arguments: [PythonValue]) async throws -> PythonValue {
        try await PythonWorkerPool.shared.run { gil in
            try function(module.functions(gil)).borrow(gil).call(arguments: arguments, gil).toValue(gil)
        }
    }

    private static let source = #"""
import math
import litellm


def cost(model, prompt_tokens, completion_tokens):
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
    except Exception:
        return None
    total = float(prompt_cost) + float(completion_cost)
    return total if math.isfinite(total) else None


def count_tokens(model, text):
    try:
        return int(litellm.token_counter(model=model, text=text))
    except Exception:
        return None


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if math.isfinite(value) else None


def models(filter):
    needle = filter.lower() if filter else None
    rows = []
    for name, info in litellm.model_cost.items():
        if name == "sample_spec" or not isinstance(info, dict):
            continue
        if needle and needle not in name.lower():
            continue
        window = _number(info.get("max_input_tokens")) or _number(info.get("max_tokens"))
        rows.append((name, info.get("litellm_provider"), info.get("mode"), int(window) if window else None,
                     _number(info.get("input_cost_per_token")), _number(info.get("output_cost_per_token"))))
    rows.sort(key=lambda row: row[0])
    return rows
"""#
}
