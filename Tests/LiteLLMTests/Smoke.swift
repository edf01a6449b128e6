import Foundation
import LiteLLM
import ProviderFakes
import PythonEmbed
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
let packagePath = ProcessInfo.processInfo.environment["EMBEDCHAT_PYTHONPATH"] ?? "\(repositoryRoot)/.python"

func client() async throws -> LiteLLMClient {
    try await LiteLLMClient.start(InterpreterConfiguration(packagePaths: packagePath.split(separator: ":").map(String.init)))
}

@Test func smokeOfflineAndLoopback() async throws {
    let client = try await client()
    let reply = try await client.complete(ChatCompletionRequest(model: "gpt-4o-mini", messages: [.user("hi")]), settings: .offline())
    print("OFFLINE", reply)
    let server = try await FakeProviderServer.start(port: 0)
    let settings = ProviderSettings(apiBase: server.openAIBase, apiKey: "sk-test-123456789")
    let r2 = try await client.complete(ChatCompletionRequest(model: "openai/echo", messages: [.user("hello there")]), settings: settings)
    print("ECHO", r2)
    var req = ChatCompletionRequest(model: "openai/long-5", messages: [.user("x")])
    req.streamOptions = .init(includeUsage: true)
    for try await chunk in try await client.stream(req, settings: settings) { print("CHUNK", chunk.text ?? "-", chunk.usage as Any) }
    do { _ = try await client.complete(ChatCompletionRequest(model: "openai/status-401", messages: [.user("x")]), settings: settings) } catch { print("ERR", error) }
    try await server.shutdown()
}
