import Foundation
import ProviderFakes
import Testing

/// `embedchat --tool` and `--mcp`: the model's tool calls run (a built-in, or a stdio MCP server's) and the answer
/// comes from their results.
@Suite("embedchat tools", .serialized)
struct CLIToolTests {
    /// The built MCP server fixture, beside `embedchat`.
    static var fixture: String {
        get throws {
            let executable = try #require(CLIHarness.executable)
            let path = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("mcp-fixture").path
            try #require(FileManager.default.isExecutableFile(atPath: path), "mcp-fixture was not built beside embedchat")
            return path
        }
    }

    static let key = ["OPENAI_API_KEY": CLIHarness.fakeKey]

    @Test func mcpServerToolRunsAndTheAnswerComesFromItsResult() async throws {
        let fixture = try Self.fixture
        try await FakeProviderServer.withServer { server in
            let result = try await CLIHarness.run(
                ["--api-base", server.openAIBase, "-m", "openai/tool-rounds-1", "--mcp", fixture, "--yes", "--tools-debug",
                 "hello there"], environment: Self.key)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "tool results: HELLO THERE\n", "\(result)")
            #expect(result.stderr.contains("[mcp] embedchat-mcp-fixture 1.0.0 (\(fixture)): shout, add, fail"), "\(result)")
            #expect(result.stderr.contains(#"[tool] shout({"text": "hello there"})"#)
                    || result.stderr.contains(#"[tool] shout({"text":"hello there"})"#), "\(result)")
            #expect(result.stderr.contains("[tool] shout returned: HELLO THERE"), "\(result)")

            let requests = server.recordedRequests
            #expect(requests.count == 2)
            let first = try #require(CLIHarness.json(requests[0].bodyText))
            let tools = try #require(first["tools"] as? [[String: Any]])
            #expect(tools.compactMap { ($0["function"] as? [String: Any])?["name"] as? String } == ["shout", "add", "fail"])
            let shout = try #require(tools.first?["function"] as? [String: Any])
            #expect(shout["description"] as? String == "Returns the text in capitals")
            #expect((shout["parameters"] as? [String: Any])?["required"] as? [String] == ["text"])
            let second = try #require(CLIHarness.json(requests[1].bodyText)?["messages"] as? [[String: Any]])
            #expect(second.last?["role"] as? String == "tool")
            #expect(second.last?["content"] as? String == "HELLO THERE")
        }
    }

    @Test func mcpServerNamedInConfigRunsByItsName() async throws {
        let fixture = try Self.fixture
        let home = CLIMemoryHome()
        defer { home.remove() }
        try FileManager.default.createDirectory(atPath: home.root + "/config/embedchat", withIntermediateDirectories: true)
        let config = "[aliases]\nquick = \"openai/tool-rounds-1\"\n\n[mcp]\nfixture = \"\(fixture)\"\n\n"
            + "[mcp.servers.other]\ncommand = \"x\"\n"
        try config.write(toFile: home.configPath, atomically: true, encoding: .utf8)
        try await FakeProviderServer.withServer { server in
            let result = try await home.run(
                ["--api-base", server.openAIBase, "-m", "quick", "--mcp", "fixture", "--yes", "--tools-debug", "hello there"],
                environment: Self.key)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "tool results: HELLO THERE\n", "\(result)")
            #expect(result.stderr.contains("[mcp] embedchat-mcp-fixture 1.0.0 (\(fixture)): shout, add, fail"), "\(result)")
            #expect(server.recordedRequests.count == 2)
        }

        // A name not in [mcp] is still a command line, and fails as one.
        let unknown = try await home.run(["--offline", "--mcp", "nosuch-mcp-name", "--yes", "hi"])
        #expect(unknown.status == 1, "\(unknown)")
        #expect(unknown.stderr.contains("MCP server 'nosuch-mcp-name': no program nosuch-mcp-name on PATH"), "\(unknown)")

        // An [mcp] entry that is not a command line is a config error, before anything starts.
        try "[mcp]\nfixture = 3\n".write(toFile: home.configPath, atomically: true, encoding: .utf8)
        let bad = try await home.run(["--offline", "--mcp", "fixture", "--yes", "hi"])
        #expect(bad.status == 2, "\(bad)")
        #expect(bad.stderr.contains("MCP server fixture must be a command line as a string"), "\(bad)")
    }

    @Test func builtInToolAndRoundCap() async throws {
        try await FakeProviderServer.withServer { server in
            let now = try await CLIHarness.run(
                ["--api-base", server.openAIBase, "-m", "openai/tool-rounds-2", "--tool", "now", "--yes", "what time is it"],
                environment: Self.key)
            #expect(now.status == 0, "\(now)")
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            #expect(now.stdout.hasPrefix("tool results: \(year)-"), "\(now)")
            #expect(now.stdout.components(separatedBy: " | ").count == 2, "two rounds, two results: \(now)")

            let capped = try await CLIHarness.run(
                ["--api-base", server.openAIBase, "-m", "openai/tool-rounds-2", "--tool", "now", "--yes",
                 "--max-tool-rounds", "1", "what time is it"], environment: Self.key)
            #expect(capped.status == 1, "\(capped)")
            #expect(capped.stderr.contains("the model still called tools (now) after 1 rounds"), "\(capped)")
            #expect(capped.stdout.isEmpty)
        }
    }

    @Test func toolsCombineWithASchemaAndAttachments() async throws {
        try await FakeProviderServer.withServer { server in
            let result = try await CLIHarness.run(
                ["--api-base", server.openAIBase, "-m", "openai/tool-rounds-1+json-fit", "--tool", "now", "--yes",
                 "--schema", "hour int, zone", "-a", "-", "when is it"], stdin: "context\n", environment: Self.key)
            #expect(result.status == 0, "\(result)")
            let answer = try #require(CLIHarness.json(result.stdout), "\(result)")
            #expect(answer["hour"] as? Int == 7 && answer["zone"] as? String == "sample" && answer.count == 2, "\(result)")
            let requests = server.recordedRequests
            #expect(requests.count == 2)
            for request in requests {
                let body = try #require(CLIHarness.json(request.bodyText))
                #expect((body["response_format"] as? [String: Any])?["type"] as? String == "json_schema")
                #expect((body["tools"] as? [Any])?.count == 1)
            }
        }
    }

    @Test func readFileStaysInsideTheCurrentFolder() async throws {
        try await FakeProviderServer.withServer { server in
            let result = try await CLIHarness.run(
                ["--api-base", server.openAIBase, "-m", "openai/tool-rounds-1", "--tool", "read_file", "--yes", "../../etc/passwd"],
                environment: Self.key)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "tool results: error: ../../etc/passwd is outside the current folder; only files under it can be read\n",
                    "\(result)")
        }
    }

    @Test func mcpServerThatFailsToStartIsNamed() async throws {
        let cases: [(String, String)] = [
            ("nosuch-mcp-server --flag", "MCP server 'nosuch-mcp-server --flag': no program nosuch-mcp-server on PATH"),
            ("false", "MCP server 'false' exited with status 1 before it listed its tools"),
            ("'unclosed", "an unclosed quote"),
        ]
        for (command, message) in cases {
            let result = try await CLIHarness.run(["--offline", "--mcp", command, "--yes", "hi"])
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains(message), "\(result)")
        }
    }

    @Test(.enabled(if: CLITmuxSession.tmux != nil && CLIHarness.executable != nil, "needs tmux and the built embedchat"))
    func onATerminalEachCallWaitsForAYes() async throws {
        let executable = try #require(CLIHarness.executable)
        try await FakeProviderServer.withServer { server in
            let session = CLITmuxSession()
            defer { session.kill() }
            let environment = CLIHarness.environment(Self.key).map { "\($0.key)='\($0.value)'" }.sorted().joined(separator: " ")
            try session.start("env -i \(environment) \(executable) --api-base \(server.openAIBase) -m openai/tool-rounds-2 "
                              + "--tool now 'what time is it'; echo EXITED=$?")
            try await session.waitFor("the first question") { $0.contains("the model calls now(") && $0.hasSuffix("[y/N]") }
            #expect(server.recordedRequests.count == 1, "nothing goes on before the answer")
            try session.type("y")
            try await session.waitFor("the second question") { $0.components(separatedBy: "Run it? [y/N]").count == 3 }
            try session.type("n")
            let screen = try await session.waitFor("the exit") { $0.contains("EXITED=") }
            #expect(screen.contains("EXITED=0"), "\(screen)")
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            #expect(screen.contains("tool results: \(year)-"), "\(screen)")
            #expect(screen.contains(" | declined: the user said no"), "\(screen)")
        }
    }

    @Test func callsNeedYesWhenNobodyCanConfirmThem() async throws {
        let result = try await CLIHarness.run(["--offline", "--tool", "now", "hi"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("nobody is at a terminal to confirm each call"), "\(result)")
        #expect(result.stderr.contains("pass --yes"), "\(result)")
        let unknown = try await CLIHarness.run(["--offline", "--tool", "rm_rf", "--yes", "hi"])
        #expect(unknown.status == 2, "\(unknown)")
        #expect(unknown.stderr.contains("--tool rm_rf: no such built-in tool"), "\(unknown)")
    }
}
