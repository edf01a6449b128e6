import Foundation
import LiteLLM

/// The concise schema form: `city, temperature_c int, tags [str]`.
enum ConciseSchema {
    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    /// An object schema with the fields of `text`, all required (strict-compatible).
    static func parse(_ text: String) throws(ParseError) -> JSONSchema {
        let separators = text.contains("\n") ? CharacterSet.newlines : CharacterSet(charactersIn: ",")
        let fields = text.components(separatedBy: separators).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !fields.isEmpty else { throw ParseError(description: "no fields") }
        var properties: [(String, JSONSchema)] = []
        for field in fields {
            var spec = field
            var description: String?
            if let colon = field.firstIndex(of: ":") {
                spec = field[..<colon].trimmingCharacters(in: .whitespaces)
                description = field[field.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let words = spec.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let name = words.first, isName(name) else {
                throw ParseError(description: "'\(field)' does not start with a field name (letters, digits, _)")
            }
            guard words.count <= 2 else {
                throw ParseError(description: "'\(field)': expected `name [type][: description]` (a comma inside a description? use newlines between fields)")
            }
            guard !properties.contains(where: { $0.0 == name }) else { throw ParseError(description: "field \(name) is given twice") }
            let type = try self.type(words.count == 2 ? words[1] : "str", field: field)
            properties.append((name, type.described(description.flatMap { $0.isEmpty ? nil : $0 })))
        }
        return .object(properties)
    }

    private static func type(_ word: String, field: String) throws(ParseError) -> JSONSchema {
        if word.hasSuffix("?") { return try type(String(word.dropLast()), field: field).orNull }
        if word.hasPrefix("[") && word.hasSuffix("]") && word.count > 2 {
            return .array(of: try type(String(word.dropFirst().dropLast()), field: field))
        }
        switch word.lowercased() {
        case "str", "string", "text": return .string
        case "int", "integer": return .integer
        case "float", "number", "num", "double": return .number
        case "bool", "boolean": return .boolean
        default:
            let values = word.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            if values.count > 1, values.allSatisfy({ !$0.isEmpty }) { return .string(oneOf: values) }
            throw ParseError(description: "'\(field)': unknown type '\(word)' (str, int, float, bool, a|b|c, [type], type?)")
        }
    }

    private static func isName(_ word: String) -> Bool {
        guard let first = word.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return word.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }
}
