import Foundation
@testable import LiteLLM
import ProviderFakes
import PythonEmbed
import Testing

/// The field-by-field request and reply mappings of the hot path against the Codable definitions of the wire format
/// and against the dump of real litellm responses.
@Suite("Requests cross as plain values, and replies read in place, exactly as their JSON would")
struct WireMappingTests {
    /// A request that uses every field. Doubles are non-integral: JSON cannot tell `1.0` from `1`.
    static var everyField: ChatCompletionRequest {
        var request = ChatCompletionRequest(model: "openai/gpt-4o", messages: [
            .system("be brief"),
            ChatMessage(role: .user, content: .parts([.text("what is this?"), .imageURL(url: "https://example.com/a.png", detail: "low"),
                                                       .imageURL(url: "data:image/png;base64,AAAA", detail: nil),
                                                       .file(.init(fileData: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf"))]),
                        name: "ada"),
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

    /// `value`'s JSON (its `Codable` form), read back as LiteLLM's `JSONValue` and crossed into Python as such.
    static func viaJSON(_ value: some Encodable) throws -> PythonValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value)).pythonValue
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

    /// Reads `value` as litellm's dump would hand it over: built as Python objects, then read in place.
    static func read<T: ReplyDecodable & Sendable>(_ value: PythonValue, as type: T.Type) async throws -> T {
        _ = try await startClient()
        return try await PythonWorkerPool.shared.run { gil in try T.decode(value.toPython(gil), gil) }
    }

    static func python(_ json: String) throws -> PythonValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)).pythonValue
    }

    @Test(arguments: [fullReply, minimalReply])
    func repliesReadFieldByFieldEqualTheirCodableDecoding(_ json: String) async throws {
        let expected = try JSONDecoder().decode(ChatCompletion.self, from: Data(json.utf8))
        #expect(try await Self.read(Self.python(json), as: ChatCompletion.self) == expected)
    }

    @Test(arguments: chunks)
    func chunksReadFieldByFieldEqualTheirCodableDecoding(_ json: String) async throws {
        let expected = try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(json.utf8))
        #expect(try await Self.read(Self.python(json), as: ChatCompletionChunk.self) == expected)
    }

    @Test func wholeFloatsReadAsIntegersAsJSONDecoderReadsThem() async throws {
        // A provider that sends `created` as a float: JSONDecoder reads 1700000000.0 into an Int field.
        let json = #"{"id":"x","object":"chat.completion","created":1700000000.0,"model":"m","choices":[{"index":0,"message":{"role":"assistant"}}]}"#
        let expected = try JSONDecoder().decode(ChatCompletion.self, from: Data(json.utf8))
        var members = try Self.python(json).objectValue ?? [:]
        members["created"] = .double(1_700_000_000)  // as a Python float arrives
        #expect(try await Self.read(.object(members), as: ChatCompletion.self) == expected)
        members["created"] = .double(1.5)
        await #expect(throws: LiteLLMError.self) { try await Self.read(.object(members), as: ChatCompletion.self) }
        members["created"] = .bool(true)  // a bool is an int to Python, never to JSON
        await #expect(throws: LiteLLMError.self) { try await Self.read(.object(members), as: ChatCompletion.self) }
    }

    @Test func aReplyOfTheWrongShapeIsAnInvalidResponseNamingTheField() async throws {
        guard case .object(var members) = try Self.python(Self.minimalReply) else { Issue.record("not an object"); return }
        members["choices"] = [["index": "zero", "message": ["role": "assistant"]]]
        let error = try await #require(throws: LiteLLMError.self) { try await Self.read(.object(members), as: ChatCompletion.self) }
        #expect(error.kind == .invalidResponse)
        #expect(error.message.contains("$.choices[0].index is not an integer (a string)"))

        members["choices"] = [["index": 0, "message": ["role": "assistant", "tool_calls": [["id": "c", "type": "function"]]]]]
        let deep = try await #require(throws: LiteLLMError.self) { try await Self.read(.object(members), as: ChatCompletion.self) }
        #expect(deep.message.contains("has no $.choices[0].message.tool_calls[0].function"))

        members["model"] = nil
        let missing = try await #require(throws: LiteLLMError.self) { try await Self.read(.object(members), as: ChatCompletion.self) }
        #expect(missing.message.contains("has no $.model"))

        let notAnObject = try await #require(throws: LiteLLMError.self) { try await Self.read(.array([]), as: ChatCompletion.self) }
        #expect(notAnObject.message.contains("$ is not an object (a list)"))
    }

    @Test func fieldsTheReplyTypeDoesNotHaveAreNeverConverted() async throws {
        _ = try await startClient()
        let reply = try await PythonWorkerPool.shared.run { gil -> ChatCompletion in
            // A provider's extra field holding what Swift has no value for (an integer beyond 64 bits, a NaN, an
            // object): the reader never touches it, so the reply reads as if it were not there.
            let reply = try Interpreter.run("""
                result = {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
                          "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}],
                          "provider_specific_fields": {"big": 2 ** 80, "nan": float("nan"), "obj": object()}}
                """, gil)
            return try ChatCompletion.decode(reply, gil)
        }
        #expect(reply.text == "hi")
    }

    /// Sends `request` through litellm for real and reads each response (or chunk) twice: in place, as the client
    /// does, and from its `model_dump(exclude_none=True)`, as a plain dict.
    static func readBothWays(_ request: ChatCompletionRequest, _ settings: ProviderSettings, stream: Bool)
        async throws -> [PairReading]
    {
        _ = try await startClient()
        let helper = try Interpreter.withGIL { gil in
            try Interpreter.run("""
                import litellm
                async def both(kwargs):
                    response = await litellm.acompletion(**kwargs)
                    if kwargs.get("stream"):
                        return [(chunk, chunk.model_dump(exclude_none=True, warnings=False)) async for chunk in response]
                    return [(response, response.model_dump(exclude_none=True, warnings=False))]
                result = both
                """, gil).handle(gil)
        }
        var arguments = Payload.arguments(request, settings: settings, timeout: nil)
        if stream, case .object(var members) = arguments { members["stream"] = true; arguments = .object(members) }
        let pairs = try await PythonEventLoop.shared().run({ [arguments] gil in try helper.borrow(gil).call(arguments: [arguments], gil) },
                                                          convert: { list, gil in
            try list.read(extraMembers: pydanticExtraMembers, gil) { list throws -> [PairReading] in
                guard let elements = list.elements else { throw LiteLLMError(kind: .invalidResponse, message: "not a list") }
                return try elements.map { pair throws -> PairReading in
                    guard let both = pair.elements, both.count == 2 else { throw LiteLLMError(kind: .invalidResponse, message: "not a pair") }
                    if stream {
                        return PairReading(chunk: try Self.chunk(both[0]), chunkDumped: try Self.chunk(both[1]))
                    }
                    return PairReading(whole: try Self.completion(both[0]), wholeDumped: try Self.completion(both[1]))
                }
            }
        })
        return pairs
    }

    /// One response or chunk, read in place and from its dump.
    struct PairReading: Sendable {
        var chunk: ChatCompletionChunk?, chunkDumped: ChatCompletionChunk?, whole: ChatCompletion?, wholeDumped: ChatCompletion?
    }

    static func chunk(_ reader: PythonReader) throws -> ChatCompletionChunk {
        do { return try ChatCompletionChunk(reply: reader) } catch { throw error.error }
    }

    static func completion(_ reader: PythonReader) throws -> ChatCompletion {
        do { return try ChatCompletion(reply: reader) } catch { throw error.error }
    }

    @Test(arguments: ["openai/tools-2", "openai/cached-3+reasoning-5", "openai/unicode", "anthropic/claude-fake", "bedrock/converse/amazon.nova-fake", "offline"])
    func litellmsResponseObjectsReadInPlaceAsTheirDumpsDo(_ model: String) async throws {
        try await withProvider { _, server in
            var request = ask(model, "Paris")
            request.maxTokens = 50
            request.streamOptions = .init(includeUsage: true)
            var settings = server.openAI
            if model.hasPrefix("anthropic/") {
                settings = ProviderSettings(apiBase: server.anthropicBase, apiKey: "sk-ant-test-0123456789", maxRetries: 0)
            } else if model.hasPrefix("bedrock/") {
                settings = ProviderSettings(maxRetries: 0, extra: [
                    "aws_bedrock_runtime_endpoint": .string(server.bedrockEndpoint),
                    "aws_access_key_id": "AKIAFAKEFAKEFAKEFAKE", "aws_secret_access_key": "fake-secret-key-0123456789",
                    "aws_region_name": "us-east-1",
                ])
            } else if model == OfflineMode.model {
                settings = .offline()
            }
            let whole = try await Self.readBothWays(request, settings, stream: false)
            #expect(whole.count == 1)
            for reading in whole {
                #expect(reading.whole?.choices.isEmpty == false)
                #expect(reading.whole == reading.wholeDumped)
            }
            if model.hasPrefix("bedrock/") { return }  // the fake answers Converse unstreamed only
            let chunks = try await Self.readBothWays(request, settings, stream: true)
            #expect(chunks.count > 1)
            for reading in chunks {
                #expect(reading.chunk?.choices.isEmpty == false || reading.chunk?.usage != nil)
                #expect(reading.chunk == reading.chunkDumped)
            }
            if model == "openai/tools-2" {
                #expect(whole.first?.whole?.choices.first?.message.toolCalls?.count == 2)
                #expect(chunks.contains { $0.chunk?.choices.first?.delta.toolCalls?.isEmpty == false })
            }
            if model == "openai/cached-3+reasoning-5" {
                #expect(whole.first?.whole?.usage?.promptTokensDetails?.cachedTokens == 3)
                #expect(chunks.last?.chunk?.usage != nil)
            }
        }
    }

    @Test func aPricedReplyCarriesTheCostTheGlueHandsOverBesideIt() async throws {
        _ = try await startClient()
        let (costs, texts, refusal) = try await PythonWorkerPool.shared.run { gil -> ([Double?], [String?], String) in
            var costs: [Double?] = [], texts: [String?] = []
            for cost in ["0.00125", "None", "float('nan')"] {
                let pair = try Interpreter.run("import json\nresult = (json.loads(r'''\(Self.fullReply)'''), \(cost))", gil)
                let completion = try ChatCompletion.decodePriced(pair, gil)
                costs.append(completion.cost)
                texts.append(completion.text)
            }
            do {
                _ = try ChatCompletion.decodePriced(try Interpreter.run("result = 1", gil), gil)
                return (costs, texts, "no error")
            } catch {
                return (costs, texts, (error as? LiteLLMError)?.message ?? "\(error)")
            }
        }
        #expect(costs == [0.00125, nil, nil])
        #expect(texts == ["thinking done", "thinking done", "thinking done"])
        #expect(refusal.contains("$ is not a (response, cost) pair (an int)"))
    }

    @Test func textWithLoneSurrogatesIsRefusedNamingTheField() async throws {
        _ = try await startClient()
        let message = try await PythonWorkerPool.shared.run { gil -> String in
            let reply = try Interpreter.run("""
                result = ({"id": "x", "object": "chat.completion", "created": 1, "model": "m",
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": "bad \\udc80"}}]}, None)
                """, gil)
            do {
                return "read: \(try ChatCompletion.decodePriced(reply, gil))"
            } catch {
                return (error as? LiteLLMError)?.message ?? "\(error)"
            }
        }
        #expect(message.contains("$.choices[0].message.content is not valid text (a string with lone surrogates)"))
    }
}
