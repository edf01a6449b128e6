import Foundation
import ProviderFakes
import RuntimeAPIFake
import Testing

/// `api_key_secret`s are read during init, against the fake's Secrets Manager protocol.
@Suite("bootstrap reads Secrets Manager keys at init")
struct BootstrapSecretsTests {
    /// Started through ``ChildProcessGate``: it imports litellm, and the 90 s budgets below count from its start.
    func child(_ runtimeAPI: RuntimeAPIFake, _ provider: FakeProviderServer, secret: String) async throws -> BootstrapChild {
        let models = #"{"vault": {"model": "openai/echo", "api_base": "\#(provider.openAIBase)", "api_key_secret": "\#(secret)"}}"#
        return try await BootstrapChild.launch(environment: [
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI.endpoint, "EMBEDCHAT_MODELS": models,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": provider.secretsManagerEndpoint, "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKE", "AWS_SECRET_ACCESS_KEY": "fake-secret-access-key",
        ])
    }

    @Test func aSecretThatCannotBeReadIsAnInitError() async throws {
        let runtimeAPI = try await RuntimeAPIFake.start()
        let provider = try await FakeProviderServer.start()
        defer { Task { try? await runtimeAPI.shutdown(); try? await provider.shutdown() } }
        let bootstrap = try await child(runtimeAPI, provider, secret: "missing/prod-key")
        defer { bootstrap.stop() }
        let initError = try await runtimeAPI.waitForInitError(timeout: .seconds(90))
        #expect(initError.errorType == "Runtime.SecretUnavailable")
        let message = initError.error?.errorMessage ?? ""
        #expect(message.contains("vault") && message.contains("missing/prod-key") && message.contains("ResourceNotFoundException"), "\(message)")
        #expect(await bootstrap.waitForExit() == 1)
        #expect(runtimeAPI.servedInvocations == 0)
    }

    @Test func aGoodSecretIsReadBeforeTheFirstInvocationAndUsed() async throws {
        let runtimeAPI = try await RuntimeAPIFake.start()
        let provider = try await FakeProviderServer.start()
        defer { Task { try? await runtimeAPI.shutdown(); try? await provider.shutdown() } }
        let bootstrap = try await child(runtimeAPI, provider, secret: "ok/prod-key")
        defer { bootstrap.stop() }
        // Read during init: before any event is queued.
        let deadline = ContinuousClock.now + .seconds(90)
        while !provider.recordedRequests.contains(where: { $0.header("x-amz-target") != nil }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(provider.recordedRequests.count == 1, "\(provider.recordedRequests)")
        let id = try await runtimeAPI.enqueue(event: chatBody("vault", "secret hello"), timeout: .seconds(120))
        let result = try await runtimeAPI.waitForResult(id, timeout: .seconds(90))
        #expect(jsonObject(result.body)?["object"] as? String == "chat.completion", "\(result.bodyString)")
        let key = FakeProviderServer.secretKey(forSecret: "ok/prod-key")
        #expect(provider.recordedRequests.last?.header("authorization") == "Bearer \(key)")
        #expect(provider.recordedRequests.filter { $0.header("x-amz-target") != nil }.count == 1)
        #expect(!bootstrap.log.contains(key))
    }
}
