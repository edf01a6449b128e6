import Foundation
import LiteLLM
import ProviderFakes
import TestSupport

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
let packagePath = ProcessInfo.processInfo.environment["EMBEDCHAT_PYTHONPATH"] ?? "\(repositoryRoot)/.python"

/// The process's client (litellm is imported once per process).
func startClient() async throws -> LiteLLMClient {
    try await LiteLLMClient.start(PythonSettings(packagePaths: packagePath.split(separator: ":").map(String.init)))
}

/// A fresh loopback provider for one test, always shut down.
func withProvider<R: Sendable>(_ body: (LiteLLMClient, FakeProviderServer) async throws -> R) async throws -> R {
    let client = try await startClient()
    let server = try await FakeProviderServer.start(port: 0)
    do {
        let result = try await body(client, server)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

extension FakeProviderServer {
    /// Settings that send `openai/...` models to this server.
    var openAI: ProviderSettings { ProviderSettings(apiBase: openAIBase, apiKey: "sk-test-0123456789abcdef", maxRetries: 0) }
}

func ask(_ model: String, _ text: String = "hello") -> ChatCompletionRequest {
    ChatCompletionRequest(model: model, messages: [.user(text)])
}

/// Every chunk of a stream, or the chunks before the error and the error.
func collect(_ stream: ChatCompletionStream) async -> (chunks: [ChatCompletionChunk], error: (any Error)?) {
    var chunks: [ChatCompletionChunk] = []
    do {
        for try await chunk in stream { chunks.append(chunk) }
        return (chunks, nil)
    } catch {
        return (chunks, error)
    }
}

/// Whether `condition` holds within `timeout` (asked every 10 ms): for state another thread or the loop changes with
/// no event to wait on. The timeout only bounds a failing test; a passing one returns as soon as the condition holds.
func eventually(within timeout: Duration = .seconds(60), _ condition: () throws -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !((try? condition()) ?? false) {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}

func threadCount() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1 }

/// litellm's callback lists are process-wide, and tests of several suites run at once in this process. A test that
/// configures a callback, or that counts on none being configured (the success-logging and inline-completion cuts
/// both step aside when one is), runs its body through `exclusively` so the two kinds never overlap.
enum ProcessWideCallbacks {
    private static let gate = AsyncSemaphore(permits: 1)

    static func exclusively<R>(_ body: () async throws -> R) async throws -> R {
        try await gate.withPermit(body)
    }
}
