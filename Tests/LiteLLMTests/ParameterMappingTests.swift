import Foundation
import LiteLLM
import ProviderFakes
import Testing

@Suite("Parameters a provider's mapping refuses are the caller's error")
struct ParameterMappingTests {
    /// litellm raises "Unmapped reasoning effort" for Anthropic's `none`/`minimal`, wrapped as a connection error.
    @Test(arguments: ["none", "minimal"])
    func anUnmappedReasoningEffortIsA400(effort: String) async throws {
        try await withProvider { client, server in
            var request = ask("anthropic/claude-3-7-sonnet-latest")
            request.maxTokens = 2000
            request.reasoningEffort = effort
            let settings = ProviderSettings(apiBase: server.anthropicBase, apiKey: "sk-ant-test-0123456789", maxRetries: 0)
            let error = await #expect(throws: LiteLLMError.self) { _ = try await client.complete(request, settings: settings) }
            #expect(error?.kind == .unsupportedParams, "\(String(describing: error))")
            #expect(error?.statusCode == 400)
            #expect(error?.message.contains("reasoning_effort") == true)
            #expect(server.recordedRequests.isEmpty)

            request.reasoningEffort = "low"
            let reply = try await client.complete(request, settings: settings)
            #expect(reply.text?.isEmpty == false)
        }
    }

    /// The same through a Router: the caller's parameter, not a connection failure to retry on other deployments.
    @Test(arguments: [false, true])
    func anUnmappedReasoningEffortIsA400ThroughARouterToo(streaming: Bool) async throws {
        try await withProvider { client, server in
            let group = "effort-\(UUID().uuidString)"
            let settings = ProviderSettings(apiBase: server.anthropicBase, apiKey: "sk-ant-test-0123456789", maxRetries: 0)
            let router = try await client.makeRouter((0..<2).map {
                RouterDeployment(group: group, id: "\(group)#\($0)", litellmModel: "anthropic/claude-3-7-sonnet-latest", settings: settings)
            })
            var request = ask(group)
            request.maxTokens = 2000
            request.reasoningEffort = "none"
            let error = await #expect(throws: LiteLLMError.self) {
                if streaming {
                    _ = try await router.stream(request, policy: RouterPolicy(retries: 1))
                } else {
                    _ = try await router.complete(request, policy: RouterPolicy(retries: 1))
                }
            }
            #expect(error?.kind == .unsupportedParams, "\(String(describing: error))")
            #expect(error?.statusCode == 400)
            #expect(error?.message.contains("reasoning_effort") == true)
            #expect(server.recordedRequests.isEmpty)
        }
    }
}
