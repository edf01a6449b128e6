import Foundation

/// A JSON Schema, built with a small DSL or taken as JSON.
///
/// The builders make schemas that OpenAI's strict structured outputs accept: every object lists all its properties
/// as required and allows no others; an optional property is required but may be `null`.
///
/// ```swift
/// struct Weather: StructuredOutput {
///     var city: String
///     var temperatureC: Double
///     var tags: [String]
///     static let schema: JSONSchema = .object([
///         "city": .string,
///         "temperatureC": .number(description: "degrees Celsius"),
///         "tags": .array(of: .string),
///     ])
/// }
/// ```
public struct JSONSchema: Sendable, Equatable, CustomStringConvertible {
    /// The schema as JSON.
    public let json: JSONValue

    /// Takes a schema written as JSON (for example one a user gave). The validator checks the keywords it knows
    /// (`type`, `properties`, `required`, `items`, `enum`, `additionalProperties`) and ignores the rest.
    public init(json: JSONValue) { self.json = json }

    public var description: String { json.compactJSONText }

    /// Any string.
    public static let string = JSONSchema(json: ["type": "string"])
    /// Any integer.
    public static let integer = JSONSchema(json: ["type": "integer"])
    /// Any number.
    public static let number = JSONSchema(json: ["type": "number"])
    /// `true` or `false`.
    public static let boolean = JSONSchema(json: ["type": "boolean"])

    /// A string, with a description for the model and optionally the values allowed.
    public static func string(description: String? = nil, oneOf values: [String]? = nil) -> JSONSchema {
        var members: [String: JSONValue] = ["type": "string"]
        if let values { members["enum"] = .array(values.map(JSONValue.string)) }
        return JSONSchema(json: .object(members)).described(description)
    }

    /// An integer, with a description for the model.
    public static func integer(description: String?) -> JSONSchema { integer.described(description) }
    /// A number, with a description for the model.
    public static func number(description: String?) -> JSONSchema { number.described(description) }
    /// A Boolean, with a description for the model.
    public static func boolean(description: String?) -> JSONSchema { boolean.described(description) }

    /// One of the cases of a string enum, by their raw values.
    public static func oneOf<E: CaseIterable & RawRepresentable>(_ type: E.Type, description: String? = nil) -> JSONSchema
        where E.RawValue == String
    {
        string(description: description, oneOf: E.allCases.map(\.rawValue))
    }

    /// An array whose items fit `items`.
    public static func array(of items: JSONSchema, description: String? = nil) -> JSONSchema {
        JSONSchema(json: ["type": "array", "items": items.json]).described(description)
    }

    /// An object with these properties, in this order, all required and no others allowed.
    public static func object(_ properties: KeyValuePairs<String, JSONSchema>, description: String? = nil) -> JSONSchema {
        object(properties.map { ($0.key, $0.value) }, description: description)
    }

    /// An object with these properties, in this order, all required and no others allowed.
    public static func object(_ properties: [(String, JSONSchema)], description: String? = nil) -> JSONSchema {
        var members: [String: JSONValue] = [:]
        for (name, schema) in properties { members[name] = schema.json }
        return JSONSchema(json: [
            "type": "object",
            "properties": .object(members),
            "required": .array(properties.map { .string($0.0) }),
            "additionalProperties": false,
        ]).described(description)
    }

    /// This schema or `null` (an `Optional` property: still listed as required, as strict mode wants).
    public var orNull: JSONSchema {
        guard case .object(var members) = json else { return self }
        switch members["type"] {
        case .string(let type)?: members["type"] = [.string(type), "null"]
        case .array(let types)? where !types.contains("null"): members["type"] = .array(types + ["null"])
        default: return self
        }
        if case .array(let values)? = members["enum"] { members["enum"] = .array(values + [.none]) }
        return JSONSchema(json: .object(members))
    }

    /// The schema with a `description` for the model (unchanged when `description` is `nil`).
    public func described(_ description: String?) -> JSONSchema {
        guard let description, case .object(var members) = json else { return self }
        members["description"] = .string(description)
        return JSONSchema(json: .object(members))
    }

    /// Whether OpenAI's strict mode accepts the schema as far as this type can tell: every object lists all its
    /// properties as required and sets `additionalProperties` to false.
    public var isStrictCompatible: Bool { Self.isStrict(json) }

    private static func isStrict(_ schema: JSONValue) -> Bool {
        guard let members = schema.objectValue else { return true }
        if let properties = members["properties"]?.objectValue {
            let required = Set((members["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            guard members["additionalProperties"] == false, required == Set(properties.keys) else { return false }
            guard properties.values.allSatisfy(isStrict) else { return false }
        } else if members["type"] == "object" {
            return false
        }
        if let items = members["items"], !isStrict(items) { return false }
        return true
    }
}

extension JSONValue {
    /// Compact JSON text with sorted keys (for messages and the CLI's output).
    public var compactJSONText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
