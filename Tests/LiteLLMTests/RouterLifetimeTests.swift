import Foundation
import LiteLLM
import PythonEmbed
import Testing

@Suite("A Router that is gone leaves nothing in litellm's process-wide callback lists")
struct RouterLifetimeTests {
    /// litellm's callback manager refuses a callback beyond 30 a list, and every Router adds its cooldown callbacks to
    /// two of them. Made and dropped one after another, more Routers than that each get their callbacks, and each
    /// takes them out again once it is gone.
    @Test func moreRoutersThanLitellmsCallbackLimitEachGetTheirCooldownCallbacks() async throws {
        let client = try await startClient()
        let prefix = "lifetime-\(UUID().uuidString)"
        /// How many of litellm's failure callbacks belong to a Router serving one of this test's groups.
        func registered() throws -> Int {
            try Interpreter.withGIL { gil in
                try Interpreter.run("""
                    import litellm
                    def ours(callback):
                        router = getattr(callback, "__self__", None)
                        return any(str(d.get("model_name", "")).startswith("\(prefix)") for d in getattr(router, "model_list", None) or [])
                    result = sum(1 for c in litellm.failure_callback + litellm._async_failure_callback if ours(c))
                    """, gil).toValue(gil).intValue ?? -1
            }
        }
        for index in 0..<35 {
            do {
                let group = "\(prefix)-\(index)"
                let router = try await client.makeRouter([
                    RouterDeployment(group: group, id: "\(group)#0", litellmModel: "openai/echo",
                                     settings: ProviderSettings(apiBase: "http://127.0.0.1:9/v1", apiKey: "sk-test-0123456789abcdef")),
                ])
                #expect(try registered() == 2, "router \(index) has no cooldown callbacks")  // sync and async
                withExtendedLifetime(router) {}
            }
            // Gone: its callbacks are taken out on the loop, soon after.
            guard await eventually({ try registered() == 0 }) else {
                Issue.record("router \(index) left its callbacks behind")
                return
            }
        }
    }
}

@Suite("A Router's stream keeps its Router")
struct RouterStreamLifetimeTests {
    /// The Router's going takes its callbacks out of litellm's lists; a stream still open from it keeps it (and so
    /// them) until the stream is gone.
    @Test func aStreamStillOpenKeepsItsRouterUntilTheStreamIsGone() async throws {
        try await withProvider { client, provider in
            let group = "stream-lifetime-\(UUID().uuidString)"
            weak var gone: LiteLLMRouter?
            var stream: ChatCompletionStream?
            do {
                let router = try await client.makeRouter([
                    RouterDeployment(group: group, id: "\(group)#0", litellmModel: "openai/echo", settings: provider.openAI),
                ])
                gone = router
                var request = ask(group, "kept alive")
                request.stream = true
                stream = try await router.stream(request, policy: RouterPolicy()).value
            }
            #expect(gone != nil, "the router went while its stream was open")
            let result = await collect(try #require(stream))
            #expect(result.error == nil)
            #expect(result.chunks.compactMap(\.text).joined().contains("kept alive"))
            stream = nil
            #expect(gone == nil, "the router outlived its last stream")
        }
    }
}
