import Foundation
import ProviderFakes
import Testing

extension CLIMemorySuites {
    /// Answers render Markdown on a terminal (through tmux); --raw and piped output keep the model's text.
    @Suite("embedchat Markdown on a terminal")
    struct CLIMarkdownTests {
        @Test(.enabled(if: CLITmuxSession.tmux != nil && CLIHarness.executable != nil, "needs tmux and the built embedchat"))
        func aTerminalGetsRenderedMarkdownRawAndPipesGetTheText() async throws {
            let executable = try #require(CLIHarness.executable)
            let home = CLIMemoryHome()
            defer { home.remove() }
            try await FakeProviderServer.withServer { server in
                let environment = CLIHarness.environment(home.environment(["OPENAI_API_KEY": CLIHarness.fakeKey]))
                    .map { "\($0.key)='\($0.value)'" }.sorted().joined(separator: " ")
                let ask = "env -i \(environment) \(executable) --api-base \(server.openAIBase) -m openai/echo"
                let prompt = "'**bold** and `code` *x*'"
                let session = CLITmuxSession()
                defer { session.kill() }
                try session.start("\(ask) \(prompt); echo RENDERED=$?; \(ask) --raw \(prompt); echo RAW=$?")
                let screen = try await session.waitFor("both answers") { $0.contains("RAW=") }
                let lines = screen.components(separatedBy: "\n")
                #expect(lines.contains("echo: bold and code x"), "rendered: the markup is gone\n\(screen)")
                #expect(lines.contains("echo: **bold** and `code` *x*"), "--raw keeps it\n\(screen)")
                #expect(screen.contains("RENDERED=0") && screen.contains("RAW=0"))

                let piped = try await home.run(["--api-base", server.openAIBase, "-m", "openai/echo", "**bold** and `code` *x*"],
                                               environment: ["OPENAI_API_KEY": CLIHarness.fakeKey])
                #expect(piped.stdout == "echo: **bold** and `code` *x*\n", "a pipe gets the text as it came: \(piped)")
            }
        }
    }
}
