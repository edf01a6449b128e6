import LiteLLM
import Testing

@Suite("Provider settings never overwrite the request")
struct ProviderSettingsTests {
    @Test func extraNamingTheModelIsRefusedInsteadOfReplacingTheRequestsModel() async throws {
        let client = try await startClient()
        var settings = ProviderSettings.offline()
        settings.extra["model"] = "openai/some-other-model"
        let error = await #expect(throws: LiteLLMError.self) {
            _ = try await client.complete(ask(OfflineMode.model), settings: settings)
        }
        #expect(error?.kind == .invalidSettings)
        #expect(error?.message.contains("'model'") == true)
        #expect(error?.message.contains("some-other-model") == false, "the error names the key, not its value")
    }

    @Test func everyClashingKeyIsNamedForStreamsAndEmbeddingsToo() async throws {
        let client = try await startClient()
        var settings = ProviderSettings.offline()
        settings.extra["messages"] = .array([])
        settings.extra["stream"] = .bool(false)
        let streamError = await #expect(throws: LiteLLMError.self) {
            _ = try await client.stream(ask(OfflineMode.model), settings: settings)
        }
        #expect(streamError?.message.contains("'messages', 'stream'") == true)

        let embedError = await #expect(throws: LiteLLMError.self) {
            _ = try await client.embed(EmbeddingRequest(model: "openai/text-embedding-3-small", input: ["x"]),
                                       settings: ProviderSettings(apiBase: "http://127.0.0.1:9", extra: ["input": .array([.string("other")])]))
        }
        #expect(embedError?.kind == .invalidSettings)
        #expect(embedError?.message.contains("'input'") == true)
    }

    @Test func aRouterDeploymentWhoseExtraNamesTheModelIsRefusedWhenTheRouterIsMade() async throws {
        let client = try await startClient()
        var settings = ProviderSettings.offline()
        settings.extra["model"] = "openai/some-other-model"
        let deployment = RouterDeployment(group: "g", id: "g#0", litellmModel: OfflineMode.model, settings: settings)
        let error = await #expect(throws: LiteLLMError.self) { _ = try await client.makeRouter([deployment]) }
        #expect(error?.kind == .invalidSettings)
        #expect(error?.message.contains("'model'") == true)
    }

    @Test func litellmsOwnKeywordsInExtraStillPass() async throws {
        let client = try await startClient()
        var settings = ProviderSettings.offline(reply: "from extra")
        settings.extra["drop_params"] = .bool(true)
        let reply = try await client.complete(ask(OfflineMode.model), settings: settings)
        #expect(reply.text == "from extra")
    }
}
