import Foundation
import LiteLLM
import PythonEmbed
import Testing

@Suite("A Router's deployment keys never reach a log line")
struct RouterRedactionTests {
    /// A Router's calls never pass through ``LiteLLMClient``'s `call`, which remembers a plain call's key; making the
    /// Router must remember every deployment's secrets itself, or litellm's and the Router's own log lines (which quote
    /// a deployment's settings when it fails) would carry them.
    @Test func makingARouterMakesPythonsOutputHideEveryDeploymentsKey() async throws {
        let capture = LogCapture.shared
        let client = try await startClient()
        let marker = "marker-\(UUID().uuidString)"
        let key = "opaque-router-key-\(UUID().uuidString)"  // no credential shape: only remembering hides it
        let headerSecret = "router-header-\(UUID().uuidString)"
        var other = ProviderSettings(apiBase: "http://127.0.0.1:9/v1", apiKey: "sk-test-0123456789abcdef", maxRetries: 0)
        other.extra["extra_headers"] = .object(["X-Custom-Auth": .string(headerSecret)])
        let deployments = [
            RouterDeployment(group: "redaction-\(marker)", id: "r:\(marker)#0", litellmModel: "openai/echo",
                             settings: ProviderSettings(apiBase: "http://127.0.0.1:9/v1", apiKey: key, maxRetries: 0)),
            RouterDeployment(group: "redaction-\(marker)", id: "r:\(marker)#1", litellmModel: "openai/echo", settings: other),
        ]
        // Not known before the Router is made (so the check below can fail).
        #expect(Redactor.redact(key).contains(key) && Redactor.redact(headerSecret).contains(headerSecret))
        _ = try await client.makeRouter(deployments)
        try Interpreter.withGIL { gil in
            _ = try Interpreter.run("""
                import logging
                logging.getLogger("LiteLLM Router").error("deployment failed: %s and %s %s", "\(key)", "\(headerSecret)", "\(marker)")
                """, gil)
        }
        let entries = capture.entries(containing: marker).filter { $0.label == "python" }
        #expect(!entries.isEmpty, "the Python log line was not captured, so nothing was checked")
        for entry in entries {
            #expect(!entry.message.contains(key) && !entry.message.contains(headerSecret), "\(entry.message)")
        }
    }
}
