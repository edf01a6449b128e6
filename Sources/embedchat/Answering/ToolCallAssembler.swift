import LiteLLM

/// Joins streamed tool-call fragments (the first of each carries id and name, later ones pieces of the arguments).
struct ToolCallAssembler {
    private var calls: [Int: (id: String, name: String, arguments: String)] = [:]

    mutating func add(_ fragments: [ChatCompletionChunk.ToolCallFragment]) {
        for fragment in fragments {
            var call = calls[fragment.index] ?? (id: "", name: "", arguments: "")
            if let id = fragment.id { call.id = id }
            if let name = fragment.function?.name { call.name += name }
            if let arguments = fragment.function?.arguments { call.arguments += arguments }
            calls[fragment.index] = call
        }
    }

    /// The calls as OpenAI's `tool_calls` JSON array, or `nil` when there were none.
    var json: String? {
        guard !calls.isEmpty else { return nil }
        return JSONLines.encode(calls.keys.sorted().compactMap { calls[$0] }.map { ToolCall(id: $0.id, name: $0.name, arguments: $0.arguments) })
    }
}
