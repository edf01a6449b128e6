import Foundation
import LiteLLM
@testable import MCPTools
import ProviderFakes
import Testing

/// The built `mcp-fixture`: found beside the test bundle by walking up from `CommandLine.arguments[0]`.
let fixturePath: String? = {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while url.path != "/" {
        let candidate = url.appendingPathComponent("mcp-fixture").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        url.deleteLastPathComponent()
    }
    return nil
}()

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
let packagePath = ProcessInfo.processInfo.environment["EMBEDCHAT_PYTHONPATH"] ?? "\(repositoryRoot)/.python"

@Suite("MCP servers over stdio as chat tools")
struct MCPServerConnectionTests {
    func launchFixture() async throws -> MCPServerConnection {
        let path = try #require(fixturePath, "mcp-fixture was not built beside the tests; run swift build first")
        return try await MCPServerConnection.launch(path)
    }

    @Test func launchListsTheServersToolsWithTheirSchemas() async throws {
        let server = try await launchFixture()
        #expect(server.serverName == "embedchat-mcp-fixture 1.0.0")
        #expect(server.tools.map(\.name) == ["shout", "add", "fail"])
        let add = try #require(server.tools.first { $0.name == "add" }?.definition.function)
        #expect(add.description == "Adds two integers")
        #expect(add.parameters?["required"] == ["a", "b"])
        #expect(add.parameters?["properties"]?["a"] == ["type": "integer"])
        #expect(server.isRunning)
        await server.close()
        #expect(!server.isRunning, "close ends the server process")
    }

    @Test func callsRunOnTheServerAndItsErrorsThrow() async throws {
        let server = try await launchFixture()
        let tools = Dictionary(uniqueKeysWithValues: server.tools.map { ($0.name, $0) })
        #expect(try await tools["shout"]?.call(arguments: ["text": "quiet please"]) == "QUIET PLEASE")
        #expect(try await tools["add"]?.call(arguments: ["a": 2, "b": 40]) == "2 + 40 = 42")
        let error = await #expect(throws: MCPToolError.self) { try await tools["fail"]?.call(arguments: [:]) }
        #expect(error?.description == "the fixture failed on purpose")
        await server.close()
    }

    @Test func theModelsCallReachesTheServerThroughLitellm() async throws {
        let client = try await LiteLLMClient.start(PythonSettings(packagePaths: packagePath.split(separator: ":").map(String.init)))
        let result = try await FakeProviderServer.withServer { provider in
            let server = try await launchFixture()
            let settings = ProviderSettings(apiBase: provider.openAIBase, apiKey: "sk-test-0123456789abcdef", maxRetries: 0)
            let result = try await client.completeWithTools(
                ChatCompletionRequest(model: "openai/tool-rounds-1", messages: [.user("make it loud")]),
                tools: server.tools, settings: settings)
            await server.close()
            return result
        }
        #expect(result.completion.text == "tool results: MAKE IT LOUD")
        #expect(result.messages.first { $0.role == .tool }?.text == "MAKE IT LOUD")
    }

    @Test func serversThatCannotStartAreNamed() async throws {
        let missing = await #expect(throws: MCPToolError.self) { try await MCPServerConnection.launch("no-such-server-xyz") }
        #expect(missing?.description == "MCP server 'no-such-server-xyz': no program no-such-server-xyz on PATH")
        let exits = await #expect(throws: MCPToolError.self) { try await MCPServerConnection.launch("sh -c 'exit 3'") }
        #expect(exits?.description == "MCP server 'sh -c 'exit 3'' exited with status 3 before it listed its tools")
        let silent = await #expect(throws: MCPToolError.self) {
            try await MCPServerConnection.launch("sleep 30", timeout: .milliseconds(500))
        }
        #expect(silent?.description.contains("did not list its tools within") == true)
    }

    @Test(arguments: [
        ("server --flag value", ["server", "--flag", "value"]),
        (#"uvx "mcp server" 'a b' c\ d"#, ["uvx", "mcp server", "a b", "c d"]),
        ("  spaced   out  ", ["spaced", "out"]),
        (#"x "" y"#, ["x", "", "y"]),
    ])
    func commandLinesSplitLikeAShell(line: String, words: [String]) throws {
        #expect(try CommandLineWords.split(line) == words)
    }
}
