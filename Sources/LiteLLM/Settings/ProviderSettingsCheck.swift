extension ProviderSettings {
    /// The keywords ``extra`` may not hold: the fields of the request itself (`model`, `messages`, `stream`, ...,
    /// an embedding's `input` and `dimensions`) and the deadline the glue reads. The settings are merged over the
    /// request, so such a key would replace what the request says without a word.
    public static let requestKeywords: Set<String> = ChatCompletionRequest.fieldNames
        .union(["input", "dimensions", "encoding_format", "_deadline"])

    /// Refuses ``extra`` keys that would overwrite a field of the request (``requestKeywords``).
    /// - Throws: ``LiteLLMError`` of kind ``LiteLLMError/Kind/invalidSettings`` naming the keys.
    public func checkExtra() throws(LiteLLMError) {
        let clashing = extra.keys.filter(Self.requestKeywords.contains).sorted()
        guard !clashing.isEmpty else { return }
        let names = clashing.map { "'\($0)'" }.joined(separator: ", ")
        throw LiteLLMError(kind: .invalidSettings, message: "the provider settings' extra keywords hold \(names), "
            + "a field of the request itself, which they would overwrite; set it on the request instead")
    }
}
