import Foundation
import ProviderFakes
import Testing

extension CLIMemorySuites {
    /// `-c/--continue` and `--cid`: the earlier turns reach the provider before the new prompt, in ask and in chat.
    @Suite("embedchat continue")
    struct CLIContinueTests {
        static let key = ["OPENAI_API_KEY": CLIHarness.fakeKey]

        /// The messages of a recorded request as `role: text` lines.
        static func messages(_ request: RecordedRequest) -> [String] {
            let messages = CLIHarness.json(request.bodyText)?["messages"] as? [[String: Any]] ?? []
            return messages.map { "\($0["role"] as? String ?? "?"): \($0["content"] as? String ?? "")" }
        }

        @Test func continueSendsTheLatestConversationsTurnsAndCidAGivenOne() async throws {
            let home = CLIMemoryHome()
            defer { home.remove() }
            try await FakeProviderServer.withServer { server in
                let base = ["--api-base", server.openAIBase]
                let first = try await home.run(base + ["-m", "openai/transcript", "-s", "SYS", "first"], environment: Self.key)
                #expect(first.stdout == "transcript: system: SYS | user: first\n", "\(first)")
                // -c keeps the conversation's model and system prompt: neither is given again.
                let second = try await home.run(base + ["-c", "second"], environment: Self.key)
                #expect(second.status == 0, "\(second)")
                let continued = try #require(server.recordedRequests.last)
                #expect(Self.messages(continued) == [
                    "system: SYS", "user: first", "assistant: transcript: system: SYS | user: first", "user: second",
                ])
                #expect(second.stdout.hasPrefix("transcript: system: SYS | user: first | assistant: "), "\(second)")

                // Another conversation, then --cid goes back to the first one.
                let other = try await home.run(base + ["-m", "openai/echo", "unrelated"], environment: Self.key)
                #expect(other.stdout == "echo: unrelated\n")
                let entries = try await home.logEntries()
                let firstID = try #require(entries.first?["conversation_id"] as? String)
                #expect(entries.map { $0["conversation_id"] as? String } == [firstID, firstID, entries[2]["conversation_id"] as? String])
                let third = try await home.run(base + ["--cid", firstID, "-m", "openai/transcript", "third"], environment: Self.key)
                #expect(third.status == 0, "\(third)")
                let lastRequest = try #require(server.recordedRequests.last)
                let sent = Self.messages(lastRequest)
                #expect(sent.count == 6 && sent.first == "system: SYS" && sent[3] == "user: second" && sent.last == "user: third", "\(sent)")
                #expect(!sent.contains("user: unrelated"))
                #expect(try await home.logEntries(["--cid", firstID]).count == 3, "the new exchange joined the conversation")
            }
        }

        @Test func chatResumesAConversationAndKeepsLoggingIntoIt() async throws {
            let home = CLIMemoryHome()
            defer { home.remove() }
            try await FakeProviderServer.withServer { server in
                let base = ["--api-base", server.openAIBase, "-m", "openai/transcript"]
                #expect(try await home.run(base + ["remember 42"], environment: Self.key).status == 0)
                let chat = try await home.run(["chat", "-c"] + base, stdin: "what number?\n", environment: Self.key)
                #expect(chat.status == 0, "\(chat)")
                #expect(chat.stdout == "transcript: user: remember 42 | assistant: transcript: user: remember 42 | user: what number?\n", "\(chat)")
                let entries = try await home.logEntries()
                #expect(entries.count == 2 && entries[0]["conversation_id"] as? String == entries[1]["conversation_id"] as? String)
                #expect(entries.last?["command"] as? String == "chat")
            }
        }

        @Test func continuingWithoutALogOrAnUnknownIdIsAUsageError() async throws {
            let home = CLIMemoryHome()
            defer { home.remove() }
            let empty = try await home.run(["--offline", "-c", "hello"])
            #expect(empty.status == 2 && empty.stdout.isEmpty && empty.stderr.contains("no conversation to continue"), "\(empty)")
            #expect(try await home.run(["--offline", "hello"]).status == 0)
            let unknown = try await home.run(["--offline", "--cid", "no-such-id", "hello"])
            #expect(unknown.status == 2 && unknown.stderr.contains("no conversation no-such-id"), "\(unknown)")
            let both = try await home.run(["--offline", "-c", "--cid", "x", "hello"])
            #expect(both.status == 2, "\(both)")
        }
    }
}
