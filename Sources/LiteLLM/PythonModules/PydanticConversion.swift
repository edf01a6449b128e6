import PythonEmbed

/// litellm's replies are pydantic models (responses, chunks, messages, tool calls), also nested in plain lists and
/// dicts: a whole conversion (``PyRef/toValue(maximumDepth:_:)``, ``PythonReader/value()``) reads each through its
/// `model_dump()`. Installed into the host by ``LiteLLMClient`` at start, so PythonEmbed knows nothing of pydantic.
enum PydanticConversion {
    /// The converter's name in ``PythonObjectConversion``.
    static let name = "pydantic"

    private static let module = EmbeddedModule(name: "_embedchat_pydantic", source: source) { module, gil throws(PythonError) in
        try module.attribute("dump", gil).handle(gil)
    }

    /// Installs the converter (again: harmless).
    static func install() {
        PythonObjectConversion.install(name) { object, gil in
            guard object.hasAttribute("model_dump", gil) else { return nil }  // most objects: no Python call
            let dump = try module.functions(gil).borrow(gil).call(objects: [object.handle(gil)], gil)
            if dump.isNone(gil) { return nil }
            return dump
        }
    }

    private static let source = #"""
"""pydantic models as plain dicts, for the host's whole-value conversion. Versioned with the binary."""
from pydantic import BaseModel


def dump(obj):
    """The model's dump, or None for an object that is not a pydantic model."""
    if not isinstance(obj, BaseModel):
        return None
    plain = obj.model_dump()
    if not isinstance(plain, dict):
        raise TypeError(f"model_dump() of a {type(obj).__name__} did not return a dict")
    return plain
"""#
}
