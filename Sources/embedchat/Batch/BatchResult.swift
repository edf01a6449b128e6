import LiteLLM

/// One output line: `{"line": N, "custom_id": ..., "response": {...}}` or `{"line": N, ..., "error": {...}}`,
/// written with `line` first so a reader can see which input it answers.
struct BatchResult: Sendable {
    var line: Int
    var customID: String?
    var response: ChatCompletion?
    var error: BatchError?

    var json: String {
        var text = "{\"line\":\(line)"
        if let customID { text += ",\"custom_id\":" + JSONLines.encode(customID) }
        if let response {
            text += ",\"response\":" + JSONLines.encode(response)
        }
        if let error { text += ",\"error\":" + JSONLines.encode(error) }
        return text + "}"
    }
}
