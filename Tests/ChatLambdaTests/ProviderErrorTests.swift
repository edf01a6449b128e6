import ChatLambda
import Foundation
import LiteLLM
import Testing

@Suite("Provider errors reach callers as generic messages")
struct ProviderErrorTests {
    @Test(arguments: [401, 400, 429, 500])
    func callersSeeTheStatusAndTypeButNotTheProvidersWords(status: Int) async throws {
        let fixture = try await ChatFixture.make(scenarios: ["status-\(status)"])
        defer { Task { await fixture.shutdown() } }
        let error = try #require(await fixture.chat(userRequest("fake-status-\(status)")).failure)
        #expect(error.status == status)
        #expect(error.message.contains("status \(status)"), "\(error.message)")
        let body = String(decoding: ChatHTTPResponse(error).body, as: UTF8.self)
        // The fake's words ("Incorrect API key provided: <key>", "fake-provider error scenario") stay in the log.
        #expect(!body.contains("fake-provider") && !body.contains("Incorrect API key") && !body.contains("sk-fixture"), "\(body)")
        let detail = try #require(error.detail, "the provider's words are lost for the log")
        #expect(!detail.contains("sk-fixture-key-0123456789"), "\(detail)")
        if status == 401 { #expect(detail.contains("Incorrect API key") && detail.contains("Presented key: [REDACTED]"), "\(detail)") }
    }
}
