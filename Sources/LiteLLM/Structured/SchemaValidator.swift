/// Where a JSON value breaks a schema, and how.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    /// The path of the value at fault, e.g. `$.tags[0]` (`$` is the whole value).
    public let path: String
    /// What is wrong there, e.g. `expected integer, found string`.
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Checks a JSON value against the subset of JSON Schema that ``JSONSchema`` generates: `type` (one or a list),
/// `properties`, `required`, `items`, `enum` and `additionalProperties` (false or a schema). Other keywords are not
/// checked.
///
/// The walk is depth-first and reports the first fault only: an object's required members in the order `required`
/// lists them, then its members in sorted order; an array's items in order.
public enum SchemaValidator {
    /// The first place `value` breaks `schema`, or `nil` when it fits.
    public static func firstViolation(of value: JSONValue, against schema: JSONSchema) -> SchemaViolation? {
        check(value, schema.json, path: "$")
    }

    private static func check(_ value: JSONValue, _ schema: JSONValue, path: String) -> SchemaViolation? {
        guard let rules = schema.objectValue else {
            return schema == false ? SchemaViolation(path: path, reason: "no value is allowed here") : nil
        }
        if let types = allowedTypes(rules["type"]), !types.contains(where: { matches(value, type: $0) }) {
            return SchemaViolation(path: path, reason: "expected \(types.joined(separator: " or ")), found \(typeName(value))")
        }
        if let allowed = rules["enum"]?.arrayValue, !allowed.contains(where: { equal($0, value) }) {
            let list = allowed.map(\.compactJSONText).joined(separator: ", ")
            return SchemaViolation(path: path, reason: "\(value.compactJSONText) is not one of \(list)")
        }
        switch value {
        case .object(let members):
            let properties = rules["properties"]?.objectValue ?? [:]
            let required = (rules["required"]?.arrayValue ?? []).compactMap(\.stringValue)
            for name in required where members[name] == nil {
                return SchemaViolation(path: path + member(name), reason: "required property is missing")
            }
            for name in required + members.keys.sorted().filter({ !required.contains($0) }) {
                guard let child = members[name] else { continue }
                if let propertySchema = properties[name] {
                    if let violation = check(child, propertySchema, path: path + member(name)) { return violation }
                } else if let extra = rules["additionalProperties"] {
                    if extra == false {
                        return SchemaViolation(path: path + member(name), reason: "property is not allowed (additionalProperties is false)")
                    }
                    if let violation = check(child, extra, path: path + member(name)) { return violation }
                }
            }
        case .array(let items):
            if let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() {
                    if let violation = check(item, itemSchema, path: "\(path)[\(index)]") { return violation }
                }
            }
        default: break
        }
        return nil
    }

    private static func allowedTypes(_ type: JSONValue?) -> [String]? {
        switch type {
        case .string(let one)?: [one]
        case .array(let many)?: many.compactMap(\.stringValue)
        default: nil
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .none), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .int), ("number", .double), ("integer", .int): true
        case ("integer", .double(let number)): number.isFinite && number == number.rounded()
        default: false
        }
    }

    private static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .none: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// JSON equality: 1 and 1.0 are the same number.
    private static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue, a.boolValue == nil, b.boolValue == nil { return x == y }
        return a == b
    }

    private static func member(_ name: String) -> String {
        let plain = !name.isEmpty && name.unicodeScalars.allSatisfy { ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "_" }
        return plain ? "." + name : "[" + JSONValue.string(name).compactJSONText + "]"
    }
}
