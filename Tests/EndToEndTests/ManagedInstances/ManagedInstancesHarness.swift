import Foundation
import ProviderFakes
import RuntimeAPIFake

/// A `bootstrap` child with `AWS_LAMBDA_MAX_CONCURRENCY` pollers in `RESPONSE_STREAM` mode (so buffered and streamed
/// answers mix: a direct invoke without `"stream"` is buffered, everything else streams), on top of
/// ``BootstrapHarness``'s models plus:
///
/// | public model | litellm model | |
/// |---|---|---|
/// | `wait` | `openai/echo+delay-2000` | echoes the prompt after 2 s |
/// | `wait-stream` | `openai/echo+chunk-delay-300` | streams the echo, 300 ms before each event |
enum ManagedInstances {
    /// One process serves every poller unless `environment` asks for workers (`EMBEDCHAT_WORKERS`).
    static func start(pollers: Int, environment: [String: String] = [:]) async throws -> BootstrapHarness {
        var env = ["AWS_LAMBDA_MAX_CONCURRENCY": "\(pollers)", "EMBEDCHAT_WORKERS": "1"]
        env.merge(environment) { _, new in new }
        return try await BootstrapHarness.start(mode: "RESPONSE_STREAM", environment: env) { provider in
            var models: [String: [String: String]] = [:]
            for (name, model) in ["wait": "openai/echo+delay-2000", "wait-stream": "openai/echo+chunk-delay-300"] {
                models[name] = ["model": model, "api_base": provider.openAIBase, "api_key_env": "FAKE_PROVIDER_KEY"]
            }
            return models
        }
    }

    /// The four shapes of answer one process mixes.
    enum Shape: CaseIterable {
        /// A direct invoke, answered buffered with one `chat.completion`.
        case directBuffered
        /// A direct invoke with `"stream": true`: SSE events streamed without a prelude.
        case directStreamed
        /// A Function URL event: the JSON answer streamed behind the prelude.
        case httpWhole
        /// A Function URL event with `"stream": true`: SSE streamed behind the prelude.
        case httpStreamed

        func event(prompt: String) -> String {
            switch self {
            case .directBuffered: chatBody("wait", prompt)
            case .directStreamed: chatBody("wait-stream", prompt, stream: true)
            case .httpWhole: functionURLEvent(body: chatBody("wait", prompt))
            case .httpStreamed: functionURLEvent(body: chatBody("wait-stream", prompt, stream: true))
            }
        }

        /// The reply text of a result of this shape, and whether the post was streamed.
        func reply(_ result: InvocationResult) -> (text: String?, streamed: Bool) {
            let body = String(decoding: result.body, as: UTF8.self)
            switch self {
            case .directBuffered:
                return (completionText(body), result.final.isStreamed)
            case .directStreamed:
                return (sseText(sseEvents(body)), result.final.isStreamed)
            case .httpWhole:
                return (streamedHTTP(result).flatMap { completionText($0.body) }, result.final.isStreamed)
            case .httpStreamed:
                return (streamedHTTP(result).map { sseText(sseEvents($0.body)) }, result.final.isStreamed)
            }
        }
    }
}

/// The message text of a `chat.completion` JSON.
func completionText(_ body: String) -> String? {
    guard let json = jsonObject(Array(body.utf8)), let choices = json["choices"] as? [[String: Any]] else { return nil }
    return (choices.first?["message"] as? [String: Any])?["content"] as? String
}

/// A prompt no other invocation carries.
func uniquePrompt(_ index: Int) -> String {
    "prompt-\(index)-\(UInt32.random(in: 0...UInt32.max))"
}

/// Polls `condition` until it holds; throws after `timeout`, so a bug fails the test instead of hanging it.
func waitUntil(_ what: String, within timeout: Duration = .seconds(120), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw BootstrapHarnessError(message: "timed out waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(5))
    }
}
