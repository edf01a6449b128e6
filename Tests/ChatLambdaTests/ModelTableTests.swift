import ChatLambda
import Foundation
import LiteLLM
import ProviderFakes
import Testing

@Suite("EMBEDCHAT_MODELS: allow-listed keys, deployments, per-model caps")
struct ModelTableTests {
    func parse(_ json: String, _ environment: [String: String] = ["K": "sk-k-123456"]) throws -> [String: ModelRoute] {
        try ChatConfiguration.fromEnvironment(environment.merging(["EMBEDCHAT_MODELS": json]) { a, _ in a }).models
    }

    func refusal(_ json: String) -> String? {
        do {
            _ = try parse(json)
            return nil
        } catch {
            return (error as? ChatConfigurationError)?.message
        }
    }

    @Test func aMisspeltKeyIsRefusedAtInitNamingItAndTheSupportedOnes() throws {
        let message = try #require(refusal(#"{"fast": {"model": "openai/x", "api_key_secert": "prod/key", "temprature": 1}}"#))
        #expect(message.contains("EMBEDCHAT_MODELS['fast']"))
        #expect(message.contains("'api_key_secert'") && message.contains("'temprature'"))
        #expect(message.contains("supported: api_base, api_key,"))
    }

    @Test func routingKeysAreAllowedOnlyInsideDeployments() throws {
        let message = try #require(refusal(#"{"a": {"model": "openai/x", "weight": 2}}"#))
        #expect(message.contains("'weight'") && message.contains("only inside \"deployments\""))
        let routes = try parse(#"{"a": {"deployments": [{"model": "openai/x", "weight": 2}, {"model": "openai/y", "api_key_env": "K"}]}}"#)
        let route = try #require(routes["a"])
        #expect(route.usesRouter)
        #expect(route.deployments.map(\.litellmModel) == ["openai/x", "openai/y"])
        #expect(route.deployments[0].settings.extra["weight"] == .int(2))
        #expect(route.deployments[1].settings.apiKey == "sk-k-123456")
    }

    @Test func anEntryWithDeploymentsTakesRetriesFallbacksAndCooldown() throws {
        let routes = try parse(#"{"a": {"deployments": [{"model": "openai/x"}], "retries": 3, "fallbacks": ["b"], "cooldown_seconds": 30, "max_tokens": 64}, "b": {"model": "openai/y"}}"#)
        let route = try #require(routes["a"])
        #expect(route.retries == 3 && route.fallbacks == ["b"] && route.cooldownSeconds == 30 && route.maxTokens == 64)
        #expect(routes["b"]?.usesRouter == false)
    }

    @Test(arguments: [
        #"{"a": {"deployments": [{"model": "openai/x"}], "api_base": "http://x"}}"#,   // settings belong in deployments
        #"{"a": {"deployments": []}}"#,
        #"{"a": {"deployments": [{"api_base": "http://x"}]}}"#,                       // no model
        #"{"a": {"deployments": [{"model": "openai/x", "api_key_secert": "s"}]}}"#,
        #"{"a": {"model": "openai/x", "fallbacks": ["nowhere"]}}"#,
        #"{"a": {"model": "openai/x", "fallbacks": ["a"]}}"#,
        #"{"a": {"model": "openai/x", "retries": -1}}"#,
        #"{"a": {"model": "openai/x", "cooldown_seconds": "soon"}}"#,
        #"{"a": {"model": "openai/x", "max_tokens": 0}}"#,
        #"{"a": {"model": "openai/x", "messages": []}}"#,
    ])
    func badEntriesAreRefused(json: String) {
        #expect(refusal(json) != nil)
    }

    @Test func theMaxTokensCapIsTheModelsThenTheVariableThenTheDefault() throws {
        let configuration = try ChatConfiguration.fromEnvironment([
            "EMBEDCHAT_MODELS": #"{"small": {"model": "openai/x", "max_tokens": 32}, "other": {"model": "openai/y"}}"#,
        ])
        #expect(configuration.maxTokensCap(for: try #require(configuration.models["small"])) == 32)
        #expect(configuration.maxTokensCap(for: try #require(configuration.models["other"])) == ChatConfiguration.defaultMaxTokens)
        let capped = try ChatConfiguration.fromEnvironment([
            "EMBEDCHAT_MODELS": #"{"other": {"model": "openai/y"}}"#, "EMBEDCHAT_MAX_TOKENS": "100",
        ])
        #expect(capped.maxTokensCap(for: try #require(capped.models["other"])) == 100)
    }

    @Test func aModelsOwnCapReachesTheProvider() async throws {
        let fixture = try await GatewayFixture.make { base in
            #"{"small": \#(GatewayFixture.plain("echo", base, extra: #", "max_tokens": 32"#)), "big": \#(GatewayFixture.plain("echo", base))}"#
        }
        defer { Task { await fixture.shutdown() } }
        _ = await fixture.http("/v1/chat/completions", userRequest("small", extra: #","max_tokens":5000"#))
        _ = await fixture.http("/v1/chat/completions", userRequest("big"))
        let sent = fixture.server.recordedRequests.map { request -> Int? in
            (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["max_tokens"] as? Int
        }
        #expect(sent == [32, ChatConfiguration.defaultMaxTokens])
    }
}
