import Foundation

/// A type a model can answer with: `Decodable`, with the JSON Schema of its JSON form.
///
/// ```swift
/// struct Weather: StructuredOutput {
///     var city: String
///     var temperatureC: Int
///     static let schema: JSONSchema = .object(["city": .string, "temperatureC": .integer])
/// }
/// let weather = try await client.complete(request, as: Weather.self, settings: settings)
/// ```
///
/// The schema must describe what the type's `Decodable` conformance reads (the same keys, after any
/// `CodingKeys`); `JSONSchema.object(_:)` makes every property
/// required, so give an `Optional` property ``JSONSchema/orNull``.
public protocol StructuredOutput: Decodable, Sendable {
    /// The JSON Schema the answer must fit.
    static var schema: JSONSchema { get }
    /// The schema's name in the request (`[A-Za-z0-9_-]`, at most 64 characters). Default: the type's name.
    static var schemaName: String { get }
}

extension StructuredOutput {
    /// The type's name, cut to what the OpenAI API accepts.
    public static var schemaName: String { StructuredRequest.schemaName(String(describing: Self.self)) }
}

/// An answer that was checked against its schema, with what it came from.
public struct StructuredCompletion<Value: Sendable>: Sendable {
    /// The answer, decoded.
    public let value: Value
    /// The answer as JSON, as checked against the schema.
    public let json: JSONValue
    /// The JSON text the model wrote (without a Markdown code fence around it).
    public let text: String
    /// The whole reply (usage, cost, id).
    public let completion: ChatCompletion
}

/// A structured answer that could not be had: what went wrong, in which schema, and where in the answer.
public struct StructuredOutputError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure. A struct, not an enum, so codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, e.g. `schema_mismatch`.
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }
        /// The reply had no text: a refusal, tool calls or nothing at all.
        public static let noAnswer = Code("no_answer")
        /// The reply stopped at the token limit before the JSON was complete.
        public static let truncated = Code("truncated")
        /// The text is not JSON.
        public static let notJSON = Code("not_json")
        /// The JSON does not fit the schema (``StructuredOutputError/path`` says where).
        public static let schemaMismatch = Code("schema_mismatch")
        /// The JSON fits the schema but the Swift type could not decode it (the schema and the type disagree).
        public static let decoding = Code("decoding")
    }

    /// What kind of failure.
    public let code: Code
    /// The name of the schema the answer was checked against.
    public let schemaName: String
    /// Where the answer is at fault (`$.tags[0]`), when one place is.
    public let path: String?
    /// What is wrong.
    public let reason: String
    /// The text the model wrote, if any.
    public let answer: String?

    public var description: String {
        var text = "the answer does not fit schema '\(schemaName)'"
        if let path { text += " at \(path)" }
        text += ": \(reason)"
        switch code {
        case .schemaMismatch, .notJSON, .truncated:
            text += " (ask again, or loosen the schema)"
        case .decoding:
            text += " (the schema and the Swift type disagree: make the schema describe what the type decodes)"
        default: break
        }
        return text
    }
}

/// Building structured requests and checking their answers, for callers that hold a schema rather than a type
/// (the CLI's `--schema`).
public enum StructuredRequest {
    /// `request` asking for JSON that fits `schema`: `response_format` json_schema with `strict` when the schema
    /// is strict-compatible.
    public static func request(_ request: ChatCompletionRequest, schema: JSONSchema, name: String) -> ChatCompletionRequest {
        var request = request
        request.responseFormat = .jsonSchema(name: schemaName(name), schema: schema.json, strict: schema.isStrictCompatible)
        request.stream = nil
        return request
    }

    /// The answer of `completion` as JSON, checked against `schema`, and its text (without a code fence).
    /// - Throws: ``StructuredOutputError`` naming the first path at fault.
    public static func check(_ completion: ChatCompletion, schema: JSONSchema, name: String) throws(StructuredOutputError)
        -> (json: JSONValue, text: String)
    {
        let choice = completion.choices.first
        guard let text = choice?.message.content, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            let why = choice?.message.toolCalls?.isEmpty == false ? "the model called tools instead of answering"
                : "the reply had no text"
            throw StructuredOutputError(code: .noAnswer, schemaName: name, path: nil, reason: why, answer: nil)
        }
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: Data(unfenced(text).utf8))
        } catch {
            let truncated = choice?.finishReason == "length"
            throw StructuredOutputError(
                code: truncated ? .truncated : .notJSON, schemaName: name, path: nil,
                reason: truncated ? "the reply hit the token limit before the JSON was complete" : "the reply is not JSON: \(excerpt(text))",
                answer: text)
        }
        if let violation = SchemaValidator.firstViolation(of: json, against: schema) {
            throw StructuredOutputError(code: .schemaMismatch, schemaName: name, path: violation.path,
                                        reason: violation.reason, answer: text)
        }
        return (json, unfenced(text))
    }

    /// Decodes a checked answer as `T`.
    static func decode<T: Decodable>(_ type: T.Type, text: String, schemaName: String) throws(StructuredOutputError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(unfenced(text).utf8))
        } catch let error as DecodingError {
            let (path, reason) = describe(error)
            throw StructuredOutputError(code: .decoding, schemaName: schemaName, path: path, reason: reason, answer: text)
        } catch {
            throw StructuredOutputError(code: .decoding, schemaName: schemaName, path: nil, reason: "\(error)", answer: text)
        }
    }

    /// A schema name the OpenAI API accepts: `[A-Za-z0-9_-]`, at most 64 characters.
    public static func schemaName(_ name: String) -> String {
        let cleaned = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" }.prefix(64))
        return cleaned.isEmpty ? "answer" : cleaned
    }

    /// The text without a surrounding Markdown code fence (```json ... ```), which some models add.
    static func unfenced(_ text: String) -> String {
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard body.hasPrefix("```"), body.hasSuffix("```"), body.count >= 6 else { return body }
        body = String(body.dropFirst(3).dropLast(3))
        if let newline = body.firstIndex(of: "\n"), body[..<newline].allSatisfy({ $0.isLetter }) {
            body = String(body[body.index(after: newline)...])
        }
        return body.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func excerpt(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count > 80 ? "\"\(flat.prefix(80))…\"" : "\"\(flat)\""
    }

    private static func describe(_ error: DecodingError) -> (path: String, reason: String) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("$") { path, key in key.intValue.map { "\(path)[\($0)]" } ?? "\(path).\(key.stringValue)" }
        }
        switch error {
        case .typeMismatch(let type, let context): return (path(context.codingPath), "expected \(type): \(context.debugDescription)")
        case .valueNotFound(let type, let context): return (path(context.codingPath), "expected \(type), found null")
        case .keyNotFound(let key, let context): return (path(context.codingPath + [key]), "the type needs this key and the answer lacks it")
        case .dataCorrupted(let context): return (path(context.codingPath), context.debugDescription)
        @unknown default: return ("$", "\(error)")
        }
    }
}

extension LiteLLMClient {
    /// Asks for an answer as a `T`: the request carries `T`'s schema as `response_format` json_schema (strict when
    /// the schema allows it), and the answer is checked against the schema and decoded.
    ///
    /// - Parameters:
    ///   - request: the request (its `response_format` and `stream` are replaced).
    ///   - type: the answer's type.
    ///   - settings: where it goes and with which credentials.
    ///   - timeout: an overall deadline for the call.
    /// - Returns: the answer.
    /// - Throws: ``StructuredOutputError`` when the answer is not JSON or breaks the schema (naming the first path at
    ///   fault), ``LiteLLMError`` when the call fails, or `CancellationError`.
    public func complete<T: StructuredOutput>(_ request: ChatCompletionRequest, as type: T.Type,
                                              settings: ProviderSettings = ProviderSettings(),
                                              timeout: Duration? = nil) async throws -> T {
        try await completeStructured(request, as: type, settings: settings, timeout: timeout).value
    }

    /// ``complete(_:as:settings:timeout:)``, returning the checked JSON and the whole reply beside the value.
    public func completeStructured<T: StructuredOutput>(_ request: ChatCompletionRequest, as type: T.Type,
                                                        settings: ProviderSettings = ProviderSettings(),
                                                        timeout: Duration? = nil) async throws -> StructuredCompletion<T> {
        let name = T.schemaName
        let checked = try await complete(request, schema: T.schema, name: name, settings: settings, timeout: timeout)
        let value = try StructuredRequest.decode(T.self, text: checked.text, schemaName: name)
        return StructuredCompletion(value: value, json: checked.json, text: checked.text, completion: checked.completion)
    }

    /// Asks for JSON that fits `schema` and returns it checked (for a schema known only at run time).
    /// - Throws: ``StructuredOutputError`` naming the first path at fault, ``LiteLLMError``, or `CancellationError`.
    public func complete(_ request: ChatCompletionRequest, schema: JSONSchema, name: String,
                         settings: ProviderSettings = ProviderSettings(),
                         timeout: Duration? = nil) async throws -> StructuredCompletion<JSONValue> {
        let name = StructuredRequest.schemaName(name)
        let completion = try await complete(StructuredRequest.request(request, schema: schema, name: name),
                                            settings: settings, timeout: timeout)
        let checked = try StructuredRequest.check(completion, schema: schema, name: name)
        return StructuredCompletion(value: checked.json, json: checked.json, text: checked.text, completion: completion)
    }
}
