import Foundation
import LiteLLM

/// The schema `--schema` names: JSON Schema inline or from `@file`, or the concise form.
struct SchemaArgument: Sendable {
    let schema: JSONSchema
    /// The name sent as `json_schema.name`.
    let name: String
    /// How the user named it, for messages: `@weather.json`, or the inline text.
    let label: String

    static let help = """
        The answer must be JSON fitting this schema; stdout gets the checked JSON. Give a JSON Schema inline \
        ('{"type":"object",...}') or as @FILE, or the concise form: fields separated by commas or newlines, each \
        `name [type][: description]`, type one of str (the default), int, float, bool, a|b|c (one of these \
        strings), [type] (a list), with ? for "may be null", e.g. 'city, temperature_c int, tags [str]' or \
        'name, age int?: years, mood happy|sad'. An answer that does not fit exits 1 naming the schema and the path.
        """

    /// Reads the argument.
    /// - Throws: ``CLIFailure`` (usage) saying what is wrong with it.
    init(_ argument: String) throws {
        var text = argument
        var name = "answer"
        if argument.hasPrefix("@") {
            let path = NSString(string: String(argument.dropFirst())).expandingTildeInPath
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIFailure.usage("--schema \(argument): cannot read \(path)")
            }
            text = String(decoding: data, as: UTF8.self)
            name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        }
        label = argument.hasPrefix("@") || argument.count <= 60 ? argument : String(argument.prefix(60)) + "…"
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") {
            let json: JSONValue
            do {
                json = try JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8))
            } catch {
                throw CLIFailure.usage("--schema \(label): not valid JSON (\(Self.reason(error)))")
            }
            guard json.objectValue != nil else { throw CLIFailure.usage("--schema \(label): a JSON Schema is an object") }
            if let title = json["title"]?.stringValue { name = title }
            schema = JSONSchema(json: json)
        } else {
            do {
                schema = try ConciseSchema.parse(trimmed)
            } catch {
                throw CLIFailure.usage("--schema \(label): \(error)", hint: "e.g. --schema 'city, temperature_c int, tags [str]'")
            }
        }
        self.name = StructuredRequest.schemaName(name)
    }

    private static func reason(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
        }
        return "\(error)"
    }

    /// The one-line report of an answer that does not fit.
    func failure(_ error: StructuredOutputError) -> CLIFailure {
        var message = "the answer does not fit the schema --schema \(label)"
        if let path = error.path { message += " at \(path)" }
        message += ": \(error.reason)"
        return CLIFailure(message, hint: "nothing was printed; ask again, or loosen the schema", exitCode: CLIExit.provider)
    }
}

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
