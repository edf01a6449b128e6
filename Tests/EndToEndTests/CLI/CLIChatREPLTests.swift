import Foundation
import ProviderFakes
import Testing

/// `embedchat chat` driven through tmux, a real terminal: memory across turns, Ctrl-C mid-answer, Ctrl-D.
@Suite("embedchat chat REPL")
struct CLIChatREPLTests {
    @Test(.enabled(if: CLITmuxSession.tmux != nil && CLIHarness.executable != nil, "needs tmux and the built embedchat"),
          .timeLimit(.minutes(10)))
    func remembersTurnsCtrlCCancelsTheAnswerAndCtrlDExits() async throws {
        let executable = try #require(CLIHarness.executable)
        try await FakeProviderServer.withServer { server in
            let session = CLITmuxSession()
            defer { session.kill() }
            let environment = CLIHarness.environment(["OPENAI_API_KEY": CLIHarness.fakeKey])
                .map { "\($0.key)='\($0.value)'" }.sorted().joined(separator: " ")
            try session.start("env -i \(environment) \(executable) chat --api-base \(server.openAIBase) -m openai/transcript; "
                              + "echo EXITED=$?")
            try await session.waitFor("the banner") { $0.contains("Ctrl-D exits.") && $0.hasSuffix("\n>") }

            // Memory: the second answer shows the first turn.
            try session.type("first question")
            try await session.waitFor("the first answer") { $0.contains("transcript: user: first question\n>") }
            try session.type("second question")
            let second = try await session.waitFor("the second answer") { $0.contains("| user: second question\n>") }
            #expect(second.contains("transcript: user: first question | assistant: transcript: user: first question | user: second question"))

            // Ctrl-C mid-answer: back at the prompt, the upstream stream closed, the REPL still running. The answer
            // would take 60 s, so a Ctrl-C that a busy machine delivers seconds late still lands mid-answer.
            try session.type("/model openai/slow-stream-600-100")
            try await session.waitFor("the model switch") { $0.contains("model set to openai/slow-stream-600-100") }
            try session.type("tell me a long story")
            try await session.waitFor("the slow answer to start") { $0.contains("tok3") }
            try session.send("C-c")
            let cancelled = try await session.waitFor("the cancel notice") { $0.contains("[answer cancelled") && $0.hasSuffix("\n>") }
            #expect(!cancelled.contains("tok599"), "the answer was cut short")
            #expect(!cancelled.contains("EXITED="), "Ctrl-C does not leave the REPL")
            try await server.untilOpenConnections(0)  // cancelling closes the upstream connection; else this hangs until the time limit

            // Memory after the cancel: the cancelled exchange is not kept.
            try session.type("/model openai/transcript")
            try session.type("third")
            let third = try await session.waitFor("the third answer") { $0.contains("| user: third\n>") }
            let lastAnswer = third.components(separatedBy: "\n").last { $0.hasPrefix("transcript:") } ?? ""
            #expect(lastAnswer.contains("user: second question | assistant: transcript:"), "\(lastAnswer)")
            #expect(!lastAnswer.contains("long story"), "\(lastAnswer)")

            // Ctrl-D at the prompt exits with status 0.
            try session.send("C-d")
            let exited = try await session.waitFor("the exit") { $0.contains("EXITED=") }
            #expect(exited.contains("EXITED=0"), "\(exited)")
            #expect(!exited.contains(CLIHarness.fakeKeySecretPart))
        }
    }
}
