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
