import Foundation
import LiteLLM
import ProviderFakes
import Testing

@Suite("Typed errors from litellm.exceptions")
struct ErrorTests {
    @Test(arguments: [
        ("status-400", LiteLLMError.Kind.badRequest, 400),
        ("status-400-context", .contextWindowExceeded, 400),
        ("status-400-policy", .contentPolicyViolation, 400),
        ("status-401", .authentication, 401),
        ("status-403", .permissionDenied, 403),
        ("status-404", .notFound, 404),
        ("status-408", .timeout, 408),
        ("status-429", .rateLimit, 429),
        ("status-500", .internalServer, 500),
        ("status-503", .serviceUnavailable, 503),
    ])
    func eachUpstreamStatusBecomesItsKind(scenario: String, kind: LiteLLMError.Kind, status: Int) async throws {
        try await withProvider { client, server in
            let error = await #expect(throws: LiteLLMError.self) {
                _ = try await client.complete(ask("openai/\(scenario)"), settings: server.openAI)
            }
            #expect(error?.kind == kind, "\(String(describing: error))")
            #expect(error?.statusCode == status)
            #expect(error?.provider == "openai")
            #expect(error?.pythonType?.hasPrefix("litellm.exceptions.") == true)
        }
    }

    @Test func streamedRequestRejectedBeforeTheFirstChunkThrowsFromStream() async throws {
        try await withProvider { client, server in
            let error = await #expect(throws: LiteLLMError.self) {
                _ = try await client.stream(ask("openai/status-429"), settings: server.openAI)
            }
            #expect(error?.kind == .rateLimit)
        }
    }

    @Test func unsupportedParametersAreTheirOwnKind() async throws {
        try await withProvider { client, server in
            var request = ask("anthropic/claude-fake")
            request.maxTokens = 10
            request.seed = 7  // Anthropic has no seed; litellm refuses it unless drop_params
            let error = await #expect(throws: LiteLLMError.self) {
                _ = try await client.complete(request, settings: ProviderSettings(apiBase: server.anthropicBase, apiKey: "k-0123456789"))
            }
            #expect(error?.kind == .unsupportedParams, "\(String(describing: error))")
            var dropping = ProviderSettings(apiBase: server.anthropicBase, apiKey: "k-0123456789")
            dropping.dropParams = true
            let reply = try await client.complete(request, settings: dropping)
            #expect(reply.text == "echo: hello")
        }
    }

    @Test func unreachableProviderIsAConnectionError() async throws {
        let client = try await startClient()
        // Port 9 refuses at once; the timeout only bounds a hang. It is generous: a busy machine took 13 s to get a
        // refused call through litellm, and a 5 s timeout turned that into a timeout error.
        let settings = ProviderSettings(apiBase: "http://127.0.0.1:9/v1", apiKey: "sk-test-0123456789", timeout: 300, maxRetries: 0)
        let error = await #expect(throws: LiteLLMError.self) { _ = try await client.complete(ask("openai/echo"), settings: settings) }
        #expect(error?.kind == .apiConnection || error?.kind == .internalServer, "\(String(describing: error))")
    }

    @Test func providerTimeoutAndOverallDeadlineAreTimeouts() async throws {
        try await withProvider { client, server in
            var settings = server.openAI
            settings.timeout = 0.5
            // The server would answer after 10 s; the timeout's error proves the timeout ended the call.
            let error = await #expect(throws: LiteLLMError.self) { _ = try await client.complete(ask("openai/delay-10000"), settings: settings) }
            #expect(error?.kind == .timeout)

            let deadline = await #expect(throws: LiteLLMError.self) {
                _ = try await client.complete(ask("openai/delay-3000"), settings: server.openAI, timeout: .milliseconds(400))
            }
            #expect(deadline?.kind == .timeout)
            #expect(deadline?.message.contains("deadline") == true)

            // Three events at once, then nothing: some chunks, then the deadline (a generous one: on a busy machine
            // the loop of this process was seen to take 13 s to get one call through).
            let stalled = try await client.stream(ask("openai/long-40+stall-after-3"), settings: server.openAI, timeout: .seconds(30))
            let result = await collect(stalled)
            #expect(!result.chunks.isEmpty)
            #expect((result.error as? LiteLLMError)?.kind == .timeout)
        }
    }

    @Test(arguments: ["reset-after-3", "malformed-after-3", "sse-error-after-3"])
    func streamCutMidwayThrowsAfterTheChunksThatArrived(scenario: String) async throws {
        try await withProvider { client, server in
            let result = await collect(try await client.stream(ask("openai/long-10+\(scenario)"), settings: server.openAI))
            // The fake cuts after three events; litellm may hold the last of them back, so two or three texts arrive.
            let texts = result.chunks.compactMap(\.text).filter { !$0.isEmpty }
            #expect((2...3).contains(texts.count), "\(texts)")
            #expect(texts.joined() == ["tok0", " tok1", " tok2"].prefix(texts.count).joined())
            let error = try #require(result.error as? LiteLLMError, "the cut stream ended without an error")
            #expect([.serviceUnavailable, .apiConnection, .internalServer].contains(error.kind), "\(error)")
        }
    }
}
