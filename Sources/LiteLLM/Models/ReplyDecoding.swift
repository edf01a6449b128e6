import PythonEmbed

// Replies are litellm's own response objects (pydantic models), read here in place, field by field, on the loop
// thread: a member is found by interned name in the model's stored attributes (or in a dict, for a reply that is
// one), only the fields a type has are converted, and a path is put together only for an error. That is the hot
// path of every call and every streamed chunk; in a running process, pydantic's `model_dump` alone cost ~10 µs a
// reply, converting the whole dump into Swift values ~11 µs more, and the JSON round trip before that ~35 µs. The
// Codable conformances stay the definition of the wire format: `WireMappingTests` holds the readers to them, and to
// the dump of real litellm responses.

/// A reply whose shape did not match: where, and what was wrong. Its path is built on the way out of the readers,
/// so a reply that reads cleanly builds none.
struct ReplyShapeError: Error {
    /// Path segments, innermost first (".index", "[0]", ".choices").
    private var segments: [String]
    private let problem: Problem

    private enum Problem {
        case missing
        case mismatch(expected: String, found: String)
        case unreadable(String)
    }

    static func missing(_ key: PythonName) -> ReplyShapeError {
        ReplyShapeError(segments: [".\(key.text)"], problem: .missing)
    }

    static func mismatch(_ expected: String, _ value: PythonReader) -> ReplyShapeError {
        mismatch(expected, found: value.kind.description)
    }

    static func mismatch(_ expected: String, found: String) -> ReplyShapeError {
        ReplyShapeError(segments: [], problem: .mismatch(expected: expected, found: found))
    }

    /// Looking the member up raised (a dict key whose comparison failed): the Python error, as it said.
    static func unreadable(_ key: PythonName, _ error: PythonError) -> ReplyShapeError {
        ReplyShapeError(segments: [".\(key.text)"], problem: .unreadable(error.description))
    }

    /// The same error one level further out.
    func within(_ segment: String) -> ReplyShapeError {
        var outer = self
        outer.segments.append(segment)
        return outer
    }

    var path: String { "$" + segments.reversed().joined() }

    var error: LiteLLMError {
        switch problem {
        case .missing:
            LiteLLMError(kind: .invalidResponse, message: "litellm's reply has no \(path)")
        case .mismatch(let expected, let found):
            LiteLLMError(kind: .invalidResponse,
                         message: "litellm's reply did not have the expected shape: \(path) is not \(expected) (\(found))")
        case .unreadable(let reason):
            LiteLLMError(kind: .invalidResponse, message: "litellm's reply could not be read at \(path): \(reason)")
        }
    }
}

/// Reads the members of a reply object.
struct ReplyReader: ~Escapable {
    let object: PythonReader

    @_lifetime(copy value)
    init(_ value: PythonReader) throws(ReplyShapeError) {
        guard value.hasMembers else { throw .mismatch("an object", value) }
        object = value
    }

    /// A member that may be missing or `None`.
    func optional<T>(_ key: PythonName, _ read: (PythonReader) throws(ReplyShapeError) -> T) throws(ReplyShapeError) -> T? {
        let member: PythonReader?
        do {
            member = try object.member(key)
        } catch {
            throw ReplyShapeError.unreadable(key, error)
        }
        guard let member else { return nil }
        do {
            return try read(member)
        } catch {
            throw error.within(".\(key.text)")
        }
    }

    /// A member that must be there.
    func required<T>(_ key: PythonName, _ read: (PythonReader) throws(ReplyShapeError) -> T) throws(ReplyShapeError) -> T {
        guard let value = try optional(key, read) else { throw .missing(key) }
        return value
    }

    static func string(_ value: PythonReader) throws(ReplyShapeError) -> String {
        guard let text = value.string else {
            if value.kind == .string { throw .mismatch("valid text", found: "a string with lone surrogates") }
            throw .mismatch("a string", value)
        }
        return text
    }

    /// A whole float counts, as it does for JSONDecoder (some providers send `created` as 1.7e9).
    static func int(_ value: PythonReader) throws(ReplyShapeError) -> Int {
        guard let number = value.int else { throw .mismatch("an integer", value) }
        return number
    }

    static func double(_ value: PythonReader) throws(ReplyShapeError) -> Double {
        guard let number = value.double else { throw .mismatch("a number", value) }
        return number
    }

    static func array<T: ReplyDecodable>(_ value: PythonReader) throws(ReplyShapeError) -> [T] {
        guard let elements = value.elements else { throw .mismatch("an array", value) }
        var result: [T] = []
        result.reserveCapacity(elements.count)
        for index in elements.indices {
            do {
                result.append(try T(reply: elements[index]))
            } catch {
                throw error.within("[\(index)]")
            }
        }
        return result
    }
}

/// A reply type read in place from litellm's response object (or a dict of the same shape).
protocol ReplyDecodable {
    init(reply value: PythonReader) throws(ReplyShapeError)
}

extension ReplyDecodable {
    static func read(_ value: PythonReader) throws(ReplyShapeError) -> Self { try Self(reply: value) }

    /// Reads a reply; on the loop thread, with the GIL held.
    static func decode(_ object: borrowing PyRef, _ gil: borrowing GIL) throws(LiteLLMError) -> Self {
        try readReply(object, gil) { reader throws(ReplyShapeError) in try Self(reply: reader) }
    }
}

/// Reads `object` in place with `body`, a shape error becoming the ``LiteLLMError`` that names where.
private func readReply<T>(_ object: borrowing PyRef, _ gil: borrowing GIL,
                          _ body: (PythonReader) throws(ReplyShapeError) -> T) throws(LiteLLMError) -> T {
    do {
        return try object.read(extraMembers: pydanticExtraMembers, gil, body)
    } catch {
        throw error.error
    }
}

extension ChatCompletion {
    /// Reads the glue's `(response, cost)`: litellm's response object, read in place, and its cost in USD or `None`.
    /// On the loop thread, with the GIL held.
    static func decodePriced(_ object: borrowing PyRef, _ gil: borrowing GIL) throws(LiteLLMError) -> ChatCompletion {
        try readReply(object, gil) { pair throws(ReplyShapeError) in
            guard let elements = pair.elements, elements.count == 2 else { throw .mismatch("a (response, cost) pair", pair) }
            var completion = try ChatCompletion(reply: elements[0])
            completion.cost = elements[1].double
            return completion
        }
    }
}

/// Where pydantic keeps the fields a model did not declare (litellm keeps `usage` and a streamed choice's `delta`
/// there): read after a reply object's instance dict.
let pydanticExtraMembers = PythonName("__pydantic_extra__")

/// Member names, interned once.
private enum Key {
    static let id = PythonName("id")
    static let object = PythonName("object")
    static let created = PythonName("created")
    static let model = PythonName("model")
    static let choices = PythonName("choices")
    static let usage = PythonName("usage")
    static let systemFingerprint = PythonName("system_fingerprint")
    static let index = PythonName("index")
    static let message = PythonName("message")
    static let delta = PythonName("delta")
    static let finishReason = PythonName("finish_reason")
    static let role = PythonName("role")
    static let content = PythonName("content")
    static let toolCalls = PythonName("tool_calls")
    static let reasoningContent = PythonName("reasoning_content")
    static let type = PythonName("type")
    static let function = PythonName("function")
    static let name = PythonName("name")
    static let arguments = PythonName("arguments")
    static let promptTokens = PythonName("prompt_tokens")
    static let completionTokens = PythonName("completion_tokens")
    static let totalTokens = PythonName("total_tokens")
    static let promptTokensDetails = PythonName("prompt_tokens_details")
    static let completionTokensDetails = PythonName("completion_tokens_details")
    static let cachedTokens = PythonName("cached_tokens")
    static let reasoningTokens = PythonName("reasoning_tokens")
}

extension ChatCompletion: ReplyDecodable {
    init(reply value: PythonReader) throws(ReplyShapeError) {
        let reader = try ReplyReader(value)
        id = try reader.required(Key.id, ReplyReader.string)
        object = try reader.required(Key.object, ReplyReader.string)
        created = try reader.required(Key.created, ReplyReader.int)
        model = try reader.required(Key.model, ReplyReader.string)
        choices = try reader.required(Key.choices, ReplyReader.array)
        usage = try reader.optional(Key.usage, Usage.read)
        systemFingerprint = try reader.optional(Key.systemFingerprint, ReplyReader.string)
        cost = nil  // not part of the response: the glue hands it over beside it (see `decodePriced`)
    }
}

extension ChatCompletion.Choice: ReplyDecodable {
    init(reply value: PythonReader) throws(ReplyShapeError) {
        let reader = try ReplyReader(value)
        index = try reader.required(Key.index, ReplyReader.int)
        message = try reader.required(Key.message, ChatCompletion.AssistantMessage.read)
        finishReason = try reader.optional(Key.finishReason, ReplyReader.string)
    }
}

extension ChatCompletion.AssistantMessage: ReplyDecodable {
    init(reply value: PythonReader) throws(ReplyShapeError) {
        let reader = try ReplyReader(value)
        role = try reader.required(Key.role, ReplyReader.string)
        content = try reader.optional(Key.content, ReplyReader.string)
        toolCalls = try reader.optional(Key.toolCalls, ReplyReader.array)
        reasoningContent = try reader.optional(Key.reasoningContent, ReplyReader.string)
    }
}

extension ToolCall: ReplyDecodable {
    init(reply value: PythonReader) throws(ReplyShapeError) {
        let reader = try ReplyReader(value)
        id = try reader.required(Key.id, ReplyReader.string)
        type = try reader.required(Key.type, ReplyReader.string)
        function = try reader.required(Key.function, Function.read)
    }
}

extension ToolCall.Function: ReplyDecodable {
    init(reply value: PythonReader) throws(ReplyShapeError) {
        let reader = try ReplyReader(value)
        self.init(name: try reader.required(Key.name, ReplyReader.string),
                  arguments: try reader.required(Key.arguments, ReplyReader.string))
    }
}

extension Usage: ReplyDecodable {
    init(reply value: PythonReader) throws(ReplyShapeError) {
        let reader = try ReplyReader(value)
        self.init(promptTokens: try reader.required(Key.promptTokens, ReplyReader.int),
                  completionTokens: try reader.required(Key.completionTokens, ReplyReader.int),
                  totalTokens: try reader.required(Key.totalTokens, ReplyReader.int))
        promptTokensDetails = try reader.optional(Key.promptTokensDetails) { (value) throws(ReplyShapeError) in
            PromptDetails(cachedTokens: try ReplyReader(value).optional(Key.cachedTokens, ReplyReader.int))
        }
        completionTokensDetails = try reader.optional(Key.completionTokensDetails) { (value) throws(ReplyShapeError) in
            CompletionDetails(reasoningTokens: try ReplyReader(value).optional(Key.reasoningTokens, ReplyReader.int))
        }
    }
}

extension ChatCompletionChunk: ReplyDecodable {
    init(reply value: PythonReader) throws(ReplyShapeError) {
        let reader = try ReplyReader(value)
        id = try reader.required(Key.id, ReplyReader.string)
        object = try reader.required(Key.object, ReplyReader.string)
        created = try reader.required(Key.created, ReplyReader.int)
        model = try reader.optional(Key.model, ReplyReader.string)
        choices = try reader.required(Key.choices, ReplyReader.array)
        usage = try reader.optional(Key.usage, Usage.read)
    }
}

extension ChatCompletionChunk.Choice: ReplyDecodable {
    init(reply value: PythonReader) throws(ReplyShapeError) {
        let reader = try ReplyReader(value)
        index = try reader.required(Key.index, ReplyReader.int)
        delta = try reader.required(Key.delta, ChatCompletionChunk.Delta.read)
        finishReason = try reader.optional(Key.finishReason, ReplyReader.string)
    }
}

extension ChatCompletionChunk.Delta: ReplyDecodable {
    init(reply value: PythonReader) throws(ReplyShapeError) {
        let reader = try ReplyReader(value)
        role = try reader.optional(Key.role, ReplyReader.string)
        content = try reader.optional(Key.content, ReplyReader.string)
        toolCalls = try reader.optional(Key.toolCalls, ReplyReader.array)
        reasoningContent = try reader.optional(Key.reasoningContent, ReplyReader.string)
    }
}

extension ChatCompletionChunk.ToolCallFragment: ReplyDecodable {
    init(reply value: PythonReader) throws(ReplyShapeError) {
        let reader = try ReplyReader(value)
        index = try reader.required(Key.index, ReplyReader.int)
        id = try reader.optional(Key.id, ReplyReader.string)
        type = try reader.optional(Key.type, ReplyReader.string)
        function = try reader.optional(Key.function) { (value) throws(ReplyShapeError) in
            let function = try ReplyReader(value)
            return Function(name: try function.optional(Key.name, ReplyReader.string),
                            arguments: try function.optional(Key.arguments, ReplyReader.string))
        }
    }
}
