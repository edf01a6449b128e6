import Foundation
import LiteLLM

/// An embeddings request as OpenAI's `POST /v1/embeddings` takes it, before the server's policy is applied.
public struct EmbeddingsCall: Sendable, Equatable {
    /// `float` (arrays of numbers) or `base64` (little-endian float32, base64-encoded, as OpenAI sends it).
    public enum Format: String, Sendable, Equatable { case float, base64 }
    /// The public model name.
    public var model: String
    /// The texts, in order.
    public var input: [String]
    /// How vectors are encoded in the answer (the provider is always asked for floats).
    public var format: Format
    /// The vector size asked for, if any.
    public var dimensions: Int?
    /// OpenAI's `user`.
    public var user: String?
}

/// Decodes and checks an embeddings body: only OpenAI's fields (`input`, `model`, `encoding_format`,
/// `dimensions`, `user`), `input` a non-empty string or an array of 1 to ``maxInputs`` non-empty strings (token
/// arrays are refused), each at most ``maxInputBytes`` bytes.
public enum EmbeddingValidation {
    /// The fields accepted at the top level.
    public static let fieldNames: Set<String> = ["input", "model", "encoding_format", "dimensions", "user"]
    /// The most inputs in one request (OpenAI's limit).
    public static let maxInputs = 2048
    /// The largest single input in bytes (about 8,000 tokens of English, OpenAI's per-input limit, with room).
    public static let maxInputBytes = 64 * 1024

    /// Whether a direct invoke's event is an embeddings request rather than a chat request: it has an `"input"`
    /// key and no `"messages"` key (a byte scan, so chat events are not parsed twice).
    public static func isEmbeddingsBody(_ body: [UInt8]) -> Bool {
        !contains(body, messagesKey) && contains(body, inputKey)
    }

    private static let messagesKey = Array(#""messages""#.utf8), inputKey = Array(#""input""#.utf8)

    private static func contains(_ body: [UInt8], _ needle: [UInt8]) -> Bool {
        guard body.count >= needle.count else { return false }
        var index = 0
        while index <= body.count - needle.count {
            if body[index] == needle[0], body[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// Decodes and validates a body.
    /// - Parameter body: The JSON body.
    /// - Returns: The request.
    /// - Throws: ``ChatError`` 400 naming the field at fault, never echoing the caller's text.
    public static func decode(_ body: [UInt8]) throws(ChatError) -> EmbeddingsCall {
        func invalid(_ param: String, _ message: String, code: String = "invalid_value") -> ChatError {
            .invalidRequest("Invalid '\(param)': \(message)", code: code, param: param)
        }
        guard !body.isEmpty else { throw .invalidRequest("The request body is empty; expected an embeddings JSON object.", code: "invalid_json") }
        guard let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            throw .invalidRequest("The request body is not valid JSON.", code: "invalid_json")
        }
        guard let object = parsed.objectValue else { throw .invalidRequest("The request body must be a JSON object.", code: "invalid_json") }
        if let unknown = object.keys.sorted().first(where: { !fieldNames.contains($0) }) {
            let why = RequestValidation.litellmKeywords.contains(unknown)
                ? "it is a server-side setting that callers may not choose"
                : "it is not an OpenAI embeddings field accepted here"
            throw .invalidRequest("Unrecognized request argument '\(ChatService.printable(unknown))': \(why).", code: "unknown_field",
                                  param: ChatService.printable(unknown))
        }
        guard let modelValue = object["model"] else { throw .invalidRequest("Missing required parameter: 'model'.", code: "missing_required_parameter", param: "model") }
        guard let model = modelValue.stringValue, !model.isEmpty else { throw invalid("model", "must be a non-empty string.", code: "invalid_type") }
        guard let inputValue = object["input"] else { throw .invalidRequest("Missing required parameter: 'input'.", code: "missing_required_parameter", param: "input") }
        var input: [String]
        switch inputValue {
        case .string(let text): input = [text]
        case .array(let items):
            guard !items.isEmpty else { throw invalid("input", "must hold at least one string.") }
            guard items.count <= maxInputs else { throw invalid("input", "at most \(maxInputs) strings in one request.") }
            input = []
            input.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                guard let text = item.stringValue else {
                    throw invalid("input[\(index)]", "must be a string (token arrays are not accepted here).", code: "invalid_type")
                }
                input.append(text)
            }
        default:
            throw invalid("input", "must be a string or an array of strings.", code: "invalid_type")
        }
        for (index, text) in input.enumerated() {
            let param = inputValue.arrayValue == nil ? "input" : "input[\(index)]"
            guard !text.isEmpty else { throw invalid(param, "must not be empty.") }
            guard text.utf8.count <= maxInputBytes else { throw invalid(param, "at most \(maxInputBytes) bytes per input.") }
        }
        var format = EmbeddingsCall.Format.float
        if let value = object["encoding_format"], !value.isNone {
            guard let text = value.stringValue, let parsed = EmbeddingsCall.Format(rawValue: text) else {
                throw invalid("encoding_format", "must be 'float' or 'base64'.")
            }
            format = parsed
        }
        var dimensions: Int?
        if let value = object["dimensions"], !value.isNone {
            guard case .int(let number) = value, (1...65_536).contains(number) else {
                throw invalid("dimensions", "must be an integer from 1 to 65536.")
            }
            dimensions = number
        }
        var user: String?
        if let value = object["user"], !value.isNone {
            guard let text = value.stringValue, text.utf8.count <= 256 else { throw invalid("user", "must be a string of at most 256 bytes.") }
            user = text
        }
        return EmbeddingsCall(model: model, input: input, format: format, dimensions: dimensions, user: user)
    }
}

/// OpenAI's embeddings answer: `{"object": "list", "data": [{"object": "embedding", "index", "embedding"}],
/// "model", "usage": {"prompt_tokens", "total_tokens"}}`, vectors as numbers or base64 of little-endian float32.
enum EmbeddingEncoding {
    static func body(_ response: EmbeddingResponse, model: String, format: EmbeddingsCall.Format) -> [UInt8] {
        let data: [[String: Any]] = response.data.map { item in
            let vector: Any = format == .base64 ? base64(item.embedding) : item.embedding
            return ["object": "embedding", "index": item.index, "embedding": vector]
        }
        let prompt = response.usage?.promptTokens ?? 0
        return JSON.bytes([
            "object": "list", "data": data, "model": model,
            "usage": ["prompt_tokens": prompt, "total_tokens": response.usage?.totalTokens ?? prompt],
        ] as [String: Any])
    }

    /// The vector as OpenAI's base64 form: float32, little-endian.
    static func base64(_ vector: [Double]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = Float(value).bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
