import Foundation
@testable import LiteLLM
import PythonEmbed
import Testing

/// The field-by-field request and reply mappings of the hot path against the Codable definitions of the wire format.
@Suite("Requests and replies cross as plain values exactly as their JSON would")
struct WireMappingTests {
    /// A request that uses every field. Doubles are non-integral: JSON cannot tell `1.0` from `1`.
    static var everyField: ChatCompletionRequest {
        var request = ChatCompletionRequest(model: "openai/gpt-4o", messages: [
            .system("be brief"),
            ChatMessage(role: .user, content: .parts([.text("what is this?"), .imageURL(url: "https://example.com/a.png", detail: "low"),
                                                       .imageURL(url: "data:image/png;base64,AAAA", detail: nil)]), name: "ada"),
            ChatMessage(role: .assistant, content: nil, toolCalls: [ToolCall(id: "call_1", name: "lookup", arguments: #"{"q":"x"}"#)]),
            .tool(callID: "call_1", "result ✓"),
        ], temperature: 0.25, maxTokens: 64, stream: true)
        request.topP = 0.5
        request.maxCompletionTokens = 128
        request.stop = .many(["\n\n", "END"])
        request.seed = 7
        request.user = "user-1"
        request.n = 1
        request.presencePenalty = 0.125
        request.frequencyPenalty = -0.5
        request.tools = [Tool(function: .init(name: "lookup", description: "Looks things up",
                                              parameters: ["type": "object", "properties": ["q": ["type": "string"]], "required": ["q"]],
                                              strict: true))]
        request.toolChoice = .function(name: "lookup")
        request.parallelToolCalls = false
        request.responseFormat = .jsonSchema(name: "answer", schema: ["type": "object"], strict: true)
        request.reasoningEffort = "low"
        request.streamOptions = .init(includeUsage: true)
        return request
    }

    static func viaJSON(_ value: some Encodable) throws -> PythonValue {
        try JSONDecoder().decode(PythonValue.self, from: JSONEncoder().encode(value))
    }

    @Test func aRequestWithEveryFieldMapsAsItsJSONDoes() throws {
        let request = Self.everyField
        let json = try Self.viaJSON(request)
        // The fixture must use every field, so a field added to the type without a mapping fails here.
        #expect(Set(json.objectValue?.keys.map { $0 } ?? []) == ChatCompletionRequest.fieldNames)
        #expect(request.pythonValue == json)
    }

    @Test(arguments: [ToolChoice.none, .auto, .required, .function(name: "f")])
    func everyToolChoiceMapsAsItsJSONDoes(_ choice: ToolChoice) throws {
        #expect(choice.pythonValue == (try Self.viaJSON(choice)))
    }

    @Test(arguments: [ResponseFormat.text, .jsonObject, .jsonSchema(name: "n", schema: nil, strict: nil)])
    func everyResponseFormatMapsAsItsJSONDoes(_ format: ResponseFormat) throws {
        #expect(format.pythonValue == (try Self.viaJSON(format)))
    }

    @Test func stopAndEmbeddingRequestsMapAsTheirJSONDoes() throws {
        #expect(StopSequences.one("x").pythonValue == (try Self.viaJSON(StopSequences.one("x"))))
        let embedding = EmbeddingRequest(model: "openai/text-embedding-3-small", input: ["a", "b"], dimensions: 8, user: "u")
        #expect(embedding.pythonValue == (try Self.viaJSON(embedding)))
        let minimal = EmbeddingRequest(model: "m", input: [])
        #expect(minimal.pythonValue == (try Self.viaJSON(minimal)))
    }

    static let fullReply = #"""
    {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","system_fingerprint":"fp_1",
     "_cost":0.00125,
     "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":"thinking done",
        "reasoning_content":"because",
        "tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"x\"}"}}]}},
       {"index":1,"finish_reason":"stop","message":{"role":"assistant","content":"ünïcødé ✓"}}],
     "usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,
        "prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}},
     "provider_specific_fields":{"anything":[1,2,{"x":null}]}}
    """#

    static let minimalReply = #"""
    {"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant"}}]}
    """#

    static let chunks = [
        #"{"id":"c","object":"chat.completion.chunk","created":2,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}"#,
        #"{"id":"c","object":"chat.completion.chunk","created":2,"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_9","type":"function","function":{"name":"f","arguments":""}}]}}]}"#,
        #"{"id":"c","object":"chat.completion.chunk","created":2,"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}],"reasoning_content":"r"}}]}"#,
        #"{"id":"c","object":"chat.completion.chunk","created":2,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
    ]

    @Test(arguments: [fullReply, minimalReply])
    func repliesReadFieldByFieldEqualTheirCodableDecoding(_ json: String) throws {
        let value = try JSONDecoder().decode(PythonValue.self, from: Data(json.utf8))
        let expected = try JSONDecoder().decode(ChatCompletion.self, from: Data(json.utf8))
        #expect(try ChatCompletion(reply: value) == expected)
    }

    @Test(arguments: chunks)
    func chunksReadFieldByFieldEqualTheirCodableDecoding(_ json: String) throws {
        let value = try JSONDecoder().decode(PythonValue.self, from: Data(json.utf8))
        let expected = try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(json.utf8))
        #expect(try ChatCompletionChunk(reply: value) == expected)
    }

    @Test func wholeFloatsReadAsIntegersAsJSONDecoderReadsThem() throws {
        // A provider that sends `created` as a float: JSONDecoder reads 1700000000.0 into an Int field.
        let json = #"{"id":"x","object":"chat.completion","created":1700000000.0,"model":"m","choices":[{"index":0,"message":{"role":"assistant"}}]}"#
        let expected = try JSONDecoder().decode(ChatCompletion.self, from: Data(json.utf8))
        var members = try JSONDecoder().decode(PythonValue.self, from: Data(json.utf8)).objectValue ?? [:]
        members["created"] = .double(1_700_000_000)  // as a Python float arrives
        #expect(try ChatCompletion(reply: .object(members)) == expected)
        members["created"] = .double(1.5)
        #expect(throws: LiteLLMError.self) { try ChatCompletion(reply: .object(members)) }
    }

    @Test func aReplyOfTheWrongShapeIsAnInvalidResponseNamingTheField() throws {
        var value = try JSONDecoder().decode(PythonValue.self, from: Data(Self.minimalReply.utf8))
        guard case .object(var members) = value else { Issue.record("not an object"); return }
        members["choices"] = [["index": "zero", "message": ["role": "assistant"]]]
        value = .object(members)
        let error = try #require(throws: LiteLLMError.self) { try ChatCompletion(reply: value) }
        #expect(error.kind == .invalidResponse)
        #expect(error.message.contains("$.choices[0].index is not an integer"))

        members["model"] = nil
        let missing = try #require(throws: LiteLLMError.self) { try ChatCompletion(reply: .object(members)) }
        #expect(missing.message.contains("$.model"))
    }

    @Test func aReplyHoldingAValueSwiftHasNoneForFallsBackToJSON() async throws {
        _ = try await startClient()
        let decoded = try await PythonWorkerPool.shared.run { gil -> Reply in
            let glue = try Interpreter.importModule("_embedchat_litellm", gil)
            let toJSON = try glue.attribute("to_json", gil).handle(gil)
            // A provider's extra field holding an integer beyond 64 bits: no PythonValue, but JSON has a form for it.
            let reply = try Interpreter.run("""
                result = {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
                          "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}],
                          "provider_specific_fields": {"big": 2 ** 80}}
                """, gil)
            return try Reply(reply, toJSON: toJSON, gil)
        }
        guard case .json(let bytes) = decoded else { Issue.record("expected the JSON fallback, got \(decoded)"); return }
        #expect(String(decoding: bytes, as: UTF8.self).contains("1208925819614629174706176"))
        #expect(try decoded.decode(ChatCompletion.self).text == "hi")
    }
}
