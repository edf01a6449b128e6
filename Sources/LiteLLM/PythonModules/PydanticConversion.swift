import PythonEmbed

/// litellm's replies are pydantic models (responses, chunks, messages, tool calls), also nested in plain lists and
/// dicts: a whole conversion (``PyRef/toValue(maximumDepth:_:)``, ``PythonReader/value()``) reads each through its
/// `model_dump()`. Installed into the host by ``LiteLLMClient`` at start, so PythonEmbed knows nothing of pydantic.
enum PydanticConversion {
    /// The converter's name in ``PythonObjectConversion``.
    static let name = "pydantic"

    /// Installs the converter (again: harmless).
    static func install() {
        PythonObjectConversion.install(name) { object, gil in
            guard object.hasAttribute("model_dump", gil) else { return nil }
            let dump = try object.callMethod("model_dump", gil)
            guard dump.read(gil, { $0.kind == .dict }) else {
                throw PythonError(typeName: "TypeError",
                                  message: "model_dump() of a \(object.typeName(gil)) did not return a dict")
            }
            return dump
        }
    }
}
