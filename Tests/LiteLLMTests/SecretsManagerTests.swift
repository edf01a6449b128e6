import Foundation
import LiteLLM
import ProviderFakes
import Testing

/// Secrets Manager reads through boto3 against the fake's Secrets Manager protocol on 127.0.0.1.
@Suite("Secrets Manager reads are bounded and remembered")
struct SecretsManagerTests {
    func read(_ id: String, _ server: FakeProviderServer, backoff: Duration = .seconds(60)) async throws -> String {
        try await SecretsManager.read(id: id, region: "us-east-1", endpoint: server.secretsManagerEndpoint,
                                      credentials: ("AKIAFAKEFAKEFAKE", "fake-secret-access-key"), backoff: backoff)
    }

    func reads(_ server: FakeProviderServer) -> Int {
        server.recordedRequests.filter { $0.header("x-amz-target") == "secretsmanager.GetSecretValue" }.count
    }

    @Test func aSecretIsReadAndItsKeyIsRedactedFromThenOn() async throws {
        try await withProvider { _, server in
            let id = "ok/alpha-\(UUID().uuidString.prefix(8))"
            let value = try await read(id, server)
            let key = FakeProviderServer.secretKey(forSecret: id)
            #expect(value.contains(key))
            // Glued to a word, so only the remembered value (not the `sk-` shape) can match it.
            #expect(Redactor.redact("the key isX\(key)") == "the key isX[REDACTED]")
        }
    }

    @Test func aMissingSecretIsRememberedForTheBackoffInsteadOfAskedAgain() async throws {
        try await withProvider { _, server in
            let id = "missing/\(UUID().uuidString.prefix(8))"
            for _ in 0..<5 {
                let error = await #expect(throws: SecretsManagerError.self) { _ = try await read(id, server) }
                #expect(error?.code == "ResourceNotFoundException", "\(String(describing: error))")
            }
            #expect(reads(server) == 1, "a failed read was retried within the back-off")

            let other = "denied/\(UUID().uuidString.prefix(8))"
            for _ in 0..<2 { _ = await #expect(throws: SecretsManagerError.self) { _ = try await read(other, server, backoff: .zero) } }
            #expect(reads(server) == 3, "after the back-off the secret is read again")
        }
    }

    @Test func aSilentEndpointIsOneAttemptEndedByTheReadTimeout() async throws {
        try await withProvider { _, server in
            let error = await #expect(throws: SecretsManagerError.self) { _ = try await read("hang/\(UUID().uuidString.prefix(8))", server) }
            #expect(error?.message.lowercased().contains("timeout") == true, "\(String(describing: error))")
            #expect(reads(server) == 1, "botocore retried: \(reads(server)) attempts")
        }
    }
}
