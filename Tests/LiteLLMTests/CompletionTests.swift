import Foundation
import LiteLLM
import ProviderFakes
import Testing

@Suite("Completions through litellm's real HTTP path")
struct CompletionTests {
    @Test func offlineModeGoesThroughLitellmMockPath() async throws {
        let client = try await startClient()
        let reply = try await client.complete(ask(OfflineMode.model), settings: .offline())
        #expect(reply.id.hasPrefix("chatcmpl-"))
        #expect(reply.usage?.promptTokens == 10)
        #expect(reply.usage?.completionTokens == 20)
        #expect(reply.text == OfflineMode.reply)
        #expect(reply.text?.contains("no provider was called") == true)

        let chunks = await collect(try await client.stream(ask(OfflineMode.model), settings: .offline()))
        #expect(chunks.error == nil)
        let pieces = chunks.chunks.compactMap(\.text)
        #expect(pieces.joined() == OfflineMode.reply)
        #expect(pieces.dropLast().allSatisfy { $0.count == 3 }, "litellm's mock stream sends 3-character deltas")
    }

    @Test func textReplyWithUsageFromOpenAICompatibleServer() async throws {
        try await withProvider { client, server in
            let reply = try await client.complete(ask("openai/echo", "what is up"), settings: server.openAI)
            #expect(reply.text == "echo: what is up")
            #expect(reply.choices.first?.finishReason == "stop")
            #expect(reply.usage?.promptTokens == 7)
            #expect(reply.usage?.totalTokens == (reply.usage?.promptTokens ?? 0) + (reply.usage?.completionTokens ?? 0))
            let request = try #require(server.recordedRequests.last)
            #expect(request.path == "/v1/chat/completions")
            #expect(request.header("authorization") == "Bearer sk-test-0123456789abcdef")
        }
    }

    @Test func costIsReportedForModelsLitellmKnows() async throws {
        try await withProvider { client, server in
            let reply = try await client.complete(ask("openai/gpt-4o-mini", "price this"), settings: server.openAI)
            let cost = try #require(reply.cost)
            #expect(cost > 0 && cost < 0.01)
            let unknown = try await client.complete(ask("openai/echo"), settings: server.openAI)
            #expect(unknown.cost == nil || unknown.cost == 0)
        }
    }

    @Test func cachedAndReasoningTokensArriveInUsage() async throws {
        try await withProvider { client, server in
            let reply = try await client.complete(ask("openai/cached-3+reasoning-5"), settings: server.openAI)
            #expect(reply.usage?.cachedTokens == 3)
            #expect(reply.usage?.reasoningTokens == 5)
        }
    }

    @Test func streamedReplyArrivesInOrderWithFinalUsage() async throws {
        try await withProvider { client, server in
            var request = ask("openai/long-40")
            request.streamOptions = .init(includeUsage: true)
            let result = await collect(try await client.stream(request, settings: server.openAI))
            #expect(result.error == nil)
            let text = result.chunks.compactMap(\.text).joined()
            #expect(text == (0..<40).map { "tok\($0)" }.joined(separator: " "))
            #expect(result.chunks.last?.usage?.completionTokens == 40)
            #expect(result.chunks.contains { $0.choices.first?.finishReason == "stop" })
        }
    }

    @Test func unicodeSplitAcrossTCPWritesSurvives() async throws {
        try await withProvider { client, server in
            let whole = try await client.complete(ask("openai/unicode"), settings: server.openAI)
            #expect(whole.text == FakeProviderServer.unicodeReply)
            let streamed = await collect(try await client.stream(ask("openai/unicode"), settings: server.openAI))
            #expect(streamed.chunks.compactMap(\.text).joined() == FakeProviderServer.unicodeReply)
        }
    }

    @Test func toolCallsWholeAndStreamed() async throws {
        try await withProvider { client, server in
            var request = ask("openai/tools-2", "Paris")
            request.tools = [
                Tool(function: .init(name: "get_weather", parameters: ["type": "object", "properties": ["city": ["type": "string"]]])),
                Tool(function: .init(name: "get_time", parameters: ["type": "object", "properties": ["zone": ["type": "string"]]])),
            ]
            request.toolChoice = .auto
            let whole = try await client.complete(request, settings: server.openAI)
            let calls = try #require(whole.choices.first?.message.toolCalls)
            #expect(calls.map(\.function.name) == ["get_weather", "get_time"])
            #expect(calls.first?.id == "call_fake_0")
            #expect(calls.first?.function.arguments == #"{"city": "Paris"}"# || calls.first?.function.arguments == #"{"city":"Paris"}"#)
            #expect(whole.choices.first?.finishReason == "tool_calls")

            let streamed = await collect(try await client.stream(request, settings: server.openAI))
            #expect(streamed.error == nil)
            var names: [Int: String] = [:]
            var arguments: [Int: String] = [:]
            for fragment in streamed.chunks.flatMap({ $0.choices.first?.delta.toolCalls ?? [] }) {
                if let name = fragment.function?.name { names[fragment.index] = name }
                arguments[fragment.index, default: ""] += fragment.function?.arguments ?? ""
            }
            #expect(names == [0: "get_weather", 1: "get_time"])
            #expect(arguments[0] == calls[0].function.arguments)
            #expect(streamed.chunks.contains { $0.choices.first?.finishReason == "tool_calls" })
        }
    }

    @Test func embeddingsComeBackAsVectors() async throws {
        try await withProvider { client, server in
            let response = try await client.embed(EmbeddingRequest(model: "openai/dim-4", input: ["one", "two"]),
                                                  settings: server.openAI)
            #expect(response.data.count == 2)
            #expect(response.data.map(\.embedding.count) == [4, 4])
            let expected = FakeProviderServer.embedding(for: "one", dimensions: 4).map(Double.init)
            #expect(zip(response.data[0].embedding, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        }
    }

    @Test func tokenCountingUsesLitellmsTokenizer() async throws {
        let client = try await startClient()
        let short = try await client.countTokens(model: "gpt-4o-mini", messages: [.user("hello")])
        let long = try await client.countTokens(model: "gpt-4o-mini", messages: [.user(String(repeating: "hello world ", count: 50))])
        #expect(short > 0)
        #expect(long > short + 90)
    }

    @Test func anthropicMessagesEndpoint() async throws {
        try await withProvider { client, server in
            let settings = ProviderSettings(apiBase: server.anthropicBase, apiKey: "sk-ant-test-0123456789", maxRetries: 0)
            var request = ask("anthropic/claude-fake", "bonjour")
            request.maxTokens = 50
            let reply = try await client.complete(request, settings: settings)
            #expect(reply.text == "echo: bonjour")
            #expect(reply.usage?.promptTokens ?? 0 > 0)
            #expect(server.recordedRequests.last?.path == "/v1/messages")
            let streamed = await collect(try await client.stream(request, settings: settings))
            #expect(streamed.chunks.compactMap(\.text).joined() == "echo: bonjour")
            await #expect(throws: LiteLLMError.self) {
                _ = try await client.complete(ask("anthropic/status-429"), settings: settings)
            }
        }
    }

    @Test func bedrockConverseIsSignedWithSigV4() async throws {
        try await withProvider { client, server in
            let settings = ProviderSettings(maxRetries: 0, extra: [
                "aws_bedrock_runtime_endpoint": .string(server.bedrockEndpoint),
                "aws_access_key_id": "AKIAFAKEFAKEFAKEFAKE", "aws_secret_access_key": "fake-secret-key-0123456789",
                "aws_region_name": "us-east-1",
            ])
            let reply = try await client.complete(ask("bedrock/converse/amazon.nova-fake", "hola"), settings: settings)
            #expect(reply.text == "echo: hola")
            #expect(reply.usage?.totalTokens ?? 0 > 0)
            let request = try #require(server.recordedRequests.last)
            #expect(request.header("authorization")?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKEFAKE/") == true)
            let error = await #expect(throws: LiteLLMError.self) {
                _ = try await client.complete(ask("bedrock/converse/status-429"), settings: settings)
            }
            #expect(error?.kind == .rateLimit)
            #expect(error?.description.contains("fake-secret-key-0123456789") == false)
        }
    }
}
