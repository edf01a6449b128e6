/// A JSON-like value that crosses between Swift and Python: what a Python call takes and returns on the Swift side.
///
/// To Python: `none` → `None`, `bool` → `bool`, `int` → `int`, `double` → `float`, `string` → `str`,
/// `bytes` → `bytes`, `array` → `list`, `object` → `dict`.
/// From Python: also `tuple` → `array`, `bytearray` → `bytes`, and other objects through the converters an
/// application installed (``PythonObjectConversion``; LiteLLM's turns litellm's pydantic models into their dump).
/// Integers beyond 64 bits, NaN and infinities, text that is not valid UTF-8 (lone
/// surrogates), dicts with non-string keys, reference cycles and nesting deeper than the limit are
/// ``PythonConversionError``s, never crashes.
public enum PythonValue: Sendable, Hashable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case array([PythonValue])
    case object([String: PythonValue])
}

extension PythonValue {
    /// The string, if this is one.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    /// The integer, if this is one.
    public var intValue: Int? { if case .int(let value) = self { value } else { nil } }
    /// The number as a `Double`, if this is an integer or a float.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): value
        case .int(let value): Double(value)
        default: nil
        }
    }
    /// The Boolean, if this is one.
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    /// The elements, if this is an array.
    public var arrayValue: [PythonValue]? { if case .array(let value) = self { value } else { nil } }
    /// The members, if this is an object.
    public var objectValue: [String: PythonValue]? { if case .object(let value) = self { value } else { nil } }
    /// Whether this is `none`.
    public var isNone: Bool { if case .none = self { true } else { false } }
    /// The member `key` of an object (`nil` for a missing key or a non-object).
    public subscript(key: String) -> PythonValue? { objectValue?[key] }
}

extension PythonValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .none }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: PythonValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, PythonValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// A value that cannot cross between Python and Swift, with where in the value it sits.
public struct PythonConversionError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, e.g. "integer does not fit in 64 bits".
    public let reason: String
    /// Where: a path like `$.choices[0].message`.
    public let path: String
    public var description: String { "cannot convert Python value at \(path): \(reason)" }
}
