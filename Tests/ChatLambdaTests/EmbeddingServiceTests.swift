@testable import ChatLambda
import Foundation
import LiteLLM
import ProviderFakes
import Testing

@Suite("POST /v1/embeddings through litellm")
struct EmbeddingServiceTests {
    static func models(_ base: String) -> String {
        #"{"embed": \#(GatewayFixture.plain("text-embedding-3-small", base)), "broken": \#(GatewayFixture.plain("status-500", base))}"#
    }

    @Test(arguments: [
        (#"{"model":"embed"}"#, "missing_required_parameter"),
        (#"{"input":"x"}"#, "missing_required_parameter"),
        (#"{"model":"embed","input":[]}"#, "invalid_value"),
        (#"{"model":"embed","input":""}"#, "invalid_value"),
        (#"{"model":"embed","input":["ok",""]}"#, "invalid_value"),
        (#"{"model":"embed","input":[1,2,3]}"#, "invalid_type"),
        (#"{"model":"embed","input":[[1,2]]}"#, "invalid_type"),
        (#"{"model":"embed","input":7}"#, "invalid_type"),
        (#"{"model":"embed","input":"x","encoding_format":"int8"}"#, "invalid_value"),
        (#"{"model":"embed","input":"x","dimensions":0}"#, "invalid_value"),
        (#"{"model":"embed","input":"x","dimensions":1.5}"#, "invalid_value"),
        (#"{"model":"embed","input":"x","api_base":"http://169.254.169.254"}"#, "unknown_field"),
        (#"{"model":"embed","input":"x","mock_response":"y"}"#, "unknown_field"),
        (#"{"model":"embed","input":"x","metadata":{}}"#, "unknown_field"),
        (#"[1]"#, "invalid_json"),
        (#"{"model":"embed","input":"x""#, "invalid_json"),
    ])
    func malformedEmbeddingRequestsAre400(body: String, code: String) {
        #expect(throws: ChatError.self) { try EmbeddingValidation.decode(Array(body.utf8)) }
        do {
            _ = try EmbeddingValidation.decode(Array(body.utf8))
        } catch {
            #expect(error.status == 400)
            #expect(error.code == code)
        }
    }

    @Test func itemAndSizeCapsHold() throws {
        let many = "[" + Array(repeating: #""x""#, count: EmbeddingValidation.maxInputs + 1).joined(separator: ",") + "]"
        #expect(throws: ChatError.self) { try EmbeddingValidation.decode(Array(#"{"model":"e","input":\#(many)}"#.utf8)) }
        let big = String(repeating: "y", count: EmbeddingValidation.maxInputBytes + 1)
        #expect(throws: ChatError.self) { try EmbeddingValidation.decode(Array(#"{"model":"e","input":"\#(big)"}"#.utf8)) }
        let call = try EmbeddingValidation.decode(Array(#"{"model":"e","input":["a","b"],"encoding_format":"base64","dimensions":4,"user":"u"}"#.utf8))
        #expect(call == EmbeddingsCall(model: "e", input: ["a", "b"], format: .base64, dimensions: 4, user: "u"))
    }

    @Test func directEventsWithInputAndNoMessagesAreEmbeddings() {
        #expect(EmbeddingValidation.isEmbeddingsBody(Array(#"{"model":"e","input":"hi"}"#.utf8)))
        #expect(!EmbeddingValidation.isEmbeddingsBody(Array(#"{"model":"e","messages":[{"role":"user","content":"\"input\""}]}"#.utf8)))
        #expect(!EmbeddingValidation.isEmbeddingsBody(Array(#"{"model":"e"}"#.utf8)))
    }

    @Test func vectorsComeBackAsFloatsOrBase64InTheOpenAIShape() async throws {
        let fixture = try await GatewayFixture.make(models: Self.models)
        defer { Task { await fixture.shutdown() } }
        let floats = try #require(await fixture.http("/v1/embeddings", #"{"model":"embed","input":["alpha","beta"],"dimensions":6}"#).json)
        #expect(floats["object"] as? String == "list")
        #expect(floats["model"] as? String == "embed")
        let data = try #require(floats["data"] as? [[String: Any]])
        #expect(data.map { $0["index"] as? Int } == [0, 1])
        #expect(data.allSatisfy { $0["object"] as? String == "embedding" })
        let alpha = try #require(data[0]["embedding"] as? [Double])
        // The fake's vector for "alpha" at 6 dimensions: the provider's numbers arrived unchanged through litellm.
        let expected = FakeProviderServer.embedding(for: "alpha", dimensions: 6).map(Double.init)
        #expect(alpha.count == 6)
        #expect(zip(alpha, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(((floats["usage"] as? [String: Any])?["prompt_tokens"] as? Int ?? 0) > 0)
        let sent = try #require(fixture.server.recordedRequests.last)
        let sentBody = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any])
        #expect(sentBody["dimensions"] as? Int == 6)
        #expect(sent.headers.contains { $0.name.lowercased() == "authorization" && $0.value == "Bearer \(GatewayFixture.providerKey)" })

        let encoded = try #require(await fixture.http("/v1/embeddings", #"{"model":"embed","input":"alpha","dimensions":6,"encoding_format":"base64"}"#).json)
        let text = try #require((encoded["data"] as? [[String: Any]])?.first?["embedding"] as? String)
        let bytes = try #require(Data(base64Encoded: text))
        let decoded = stride(from: 0, to: bytes.count, by: 4).map { offset in
            Float(bitPattern: UInt32(littleEndian: bytes[offset..<offset + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }))
        }
        #expect(decoded == FakeProviderServer.embedding(for: "alpha", dimensions: 6))
    }

    @Test func embeddingsAnswerInDirectInvokesAndFailLikeChat() async throws {
        let fixture = try await GatewayFixture.make(models: Self.models)
        defer { Task { await fixture.shutdown() } }
        let reply = await fixture.service.invoke(body: Array(#"{"model":"embed","input":"direct"}"#.utf8), streaming: true, deadline: nil, logger: testLogger)
        #expect((reply.json?["data"] as? [[String: Any]])?.count == 1)
        #expect(await fixture.http("/v1/embeddings", #"{"model":"nope","input":"x"}"#).failure?.status == 404)
        #expect(await fixture.http("/v1/embeddings", method: "GET").failure?.status == 405)
        let upstream = try #require(await fixture.http("/v1/embeddings", #"{"model":"broken","input":"x"}"#).failure)
        #expect(upstream.status == 500)
        #expect(!upstream.message.contains(GatewayFixture.providerKey))
        let line = try #require(fixture.metrics.all.first { $0["route"] as? String == "embeddings" && $0["status"] as? Int == 200 })
        #expect(line["model"] as? String == "embed" && line["caller"] as? String == "direct")
        #expect((line["PromptTokens"] as? Int ?? 0) > 0)
        // text-embedding-3-small is in litellm's price table: the line carries its cost.
        #expect((line["CostUSD"] as? Double ?? 0) > 0)
    }

    /// An entry's own `input_cost_per_token` prices its embeddings, on a plain entry as through deployments (litellm
    /// priced a plain embedding call from its table only: the table's price for a known model, none for another).
    @Test func anEntrysOwnPricePricesItsEmbeddings() async throws {
        let price = #", "input_cost_per_token": 0.001"#
        let fixture = try await GatewayFixture.make { base in
            #"{"known": \#(GatewayFixture.plain("text-embedding-3-small", base, extra: price)), "unknown": \#(GatewayFixture.plain("house-embedder", base, extra: price)), "routed": {"deployments": [{"model": "openai/house-embedder", "api_base": "\#(base)", "api_key_env": "FAKE_KEY"\#(price)}]}}"#
        }
        defer { Task { await fixture.shutdown() } }
        for model in ["known", "unknown", "routed"] {
            #expect(await fixture.http("/v1/embeddings", #"{"model":"\#(model)","input":["one two three","four"]}"#).json != nil, "\(model)")
            let line = try #require(fixture.metrics.all.last { $0["model"] as? String == model && $0["status"] as? Int == 200 })
            let tokens = try #require(line["PromptTokens"] as? Int)
            #expect(tokens > 0)
            let cost = try #require(line["CostUSD"] as? Double, "\(model): \(line)")
            #expect(abs(cost - Double(tokens) * 0.001) < 1e-12, "\(model): \(cost) for \(tokens) tokens")
        }
    }

    @Test func theOfflineModelRefusesEmbeddingsClearly() async throws {
        let client = try await sharedClient()
        let service = ChatService(client: client, configuration: try ChatConfiguration.fromEnvironment([:]), metrics: MetricsSink { _ in })
        let reply = await service.invoke(body: Array(#"{"model":"offline","input":"x"}"#.utf8), streaming: false, deadline: nil, logger: testLogger)
        let error = try #require(reply.failure)
        #expect(error.status == 400 && error.code == "model_not_embedding")
    }

    /// The same for a model whose deployments answer with a text `mock_response` (it was a 500: litellm handed back
    /// the text where a vector belongs).
    @Test func aModelWithMockDeploymentsRefusesEmbeddingsClearly() async throws {
        let fixture = try await GatewayFixture.make { _ in
            #"{"mocked": {"deployments": [{"model": "openai/echo", "mock_response": "hello"}, {"model": "openai/echo", "mock_response": "hello"}]}}"#
        }
        defer { Task { await fixture.shutdown() } }
        let error = try #require(await fixture.http("/v1/embeddings", #"{"model":"mocked","input":"x"}"#).failure)
        #expect(error.status == 400 && error.code == "model_not_embedding", "\(error)")
        #expect(await fixture.http("/v1/chat/completions", userRequest("mocked")).json != nil, "chat still answers")
    }
}
