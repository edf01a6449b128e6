import Foundation
import ProviderFakes
import Testing

extension CLIMemorySuites {
    /// The REPL's line editing through tmux, a real terminal: arrow keys, history recall (also from the history file in
    /// a second session), a `"""` block, tab completion, `/edit` with $EDITOR.
    @Suite("embedchat chat line editing")
    struct CLIChatEditingTests {
        /// A shell line that runs `embedchat chat ...` in a clean environment with `home`'s XDG folders.
        static func command(_ arguments: String, home: CLIMemoryHome, extra: [String: String] = [:]) throws -> String {
            let executable = try #require(CLIHarness.executable)
            let environment = CLIHarness.environment(home.environment(["OPENAI_API_KEY": CLIHarness.fakeKey]).merging(extra) { $1 })
                .map { "\($0.key)='\($0.value)'" }.sorted().joined(separator: " ")
            return "env -i \(environment) \(executable) chat \(arguments); echo EXITED=$?"
        }

        /// The last line of `screen` that starts with `prefix`.
        static func lastLine(_ screen: String, _ prefix: String) -> String {
            screen.components(separatedBy: "\n").last { $0.hasPrefix(prefix) } ?? ""
        }

        @Test(.enabled(if: CLITmuxSession.tmux != nil && CLIHarness.executable != nil, "needs tmux and the built embedchat"))
        func arrowKeysEditHistoryRecallsBlocksSendManyLinesTabCompletesAndEditOpensTheEditor() async throws {
            let home = CLIMemoryHome()
            defer { home.remove() }
            let editor = try CLIHarness.temporaryFile("#!/bin/sh\nprintf 'written in the editor\\n' >> \"$1\"\n", suffix: ".sh")
            defer { try? FileManager.default.removeItem(atPath: editor) }
            chmod(editor, 0o755)
            try await FakeProviderServer.withServer { server in
                let session = CLITmuxSession()
                defer { session.kill() }
                try session.start(try Self.command("--api-base \(server.openAIBase) -m openai/echo", home: home, extra: ["EDITOR": editor]))
                try await session.waitFor("the banner") { $0.contains("Ctrl-D exits.") && $0.hasSuffix("\n>") }

                // Arrow keys move the cursor: the typo is fixed in place, not sent as escape sequences.
                try session.send("-l", "helo world")
                try session.send("Left", "Left", "Left", "Left", "Left", "Left", "Left")
                try session.send("-l", "l")
                try session.send("Enter")
                let fixed = try await session.waitFor("the edited answer") { $0.contains("echo: hello world\n>") }
                #expect(!fixed.contains("^[["), "no raw escape sequences: \(fixed)")

                // A block: the lines between two """ lines are one message; each line gets the "... " prompt.
                try session.type("\"\"\"")
                try await session.waitFor("the block's prompt") { $0.hasSuffix("\n...") }
                try session.type("first line")
                try await session.waitFor("the block's second prompt") { $0.hasSuffix("first line\n...") }
                try session.type("second line")
                try await session.waitFor("the block's third prompt") { $0.hasSuffix("second line\n...") }
                try session.type("\"\"\"")
                try await session.waitFor("the block's answer") { $0.contains("echo: first line\nsecond line\n>") }

                // ↑ recalls history, one line at a time: five lines up is "hello world"; send it again.
                try session.send("Up", "Up", "Up", "Up", "Up")
                try await session.waitFor("the recalled line") { Self.lastLine($0, ">") == "> hello world" }
                try session.send("Enter")
                try await session.waitFor("the second answer") { $0.components(separatedBy: "echo: hello world").count == 3 }

                // Tab completes slash commands.
                try session.send("-l", "/mo")
                try session.send("Tab")
                try await session.waitFor("the completed command") { Self.lastLine($0, ">") == "> /model" }  // its trailing space trimmed
                try session.send("-l", "openai/transcript")
                try session.send("Enter")
                try await session.waitFor("the model switch") { $0.contains("model set to openai/transcript") }

                // /edit: the editor's text is sent as the message.
                try session.type("/edit")
                try await session.waitFor("the edited message's answer") { $0.contains("| user: written in the editor\n>") }

                // Ctrl-C at the prompt drops the line being typed, as in a shell; non-ASCII text is edited whole.
                try session.send("-l", "discard me")
                try await session.waitFor("the typed text") { Self.lastLine($0, ">") == "> discard me" }
                try session.send("C-c")
                try await session.waitFor("a fresh prompt") { Self.lastLine($0, ">") == ">" }
                try session.send("-l", "naïve cafe")
                try session.send("BSpace")
                try session.send("-l", "é")
                try session.send("Enter")
                let accented = try await session.waitFor("the accented answer") { $0.contains("| user: naïve café\n>") }
                #expect(!accented.contains("user: discard"), "\(accented)")

                try session.send("C-d")
                let exited = try await session.waitFor("the exit") { $0.contains("EXITED=") }
                #expect(exited.contains("EXITED=0"), "\(exited)")
            }

            // The history file, and a second session that recalls from it.
            let history = try String(contentsOfFile: home.historyPath, encoding: .utf8)
            #expect(history.contains("hello") && history.contains("first") && history.contains("/edit"), "\(history)")
            let entries = try await home.logEntries()
            #expect(entries.map { $0["prompt"] as? String } == ["hello world", "first line\nsecond line", "hello world", "written in the editor",
                                                                  "naïve café"])
            #expect(Set(entries.compactMap { $0["conversation_id"] as? String }).count == 1)

            let session = CLITmuxSession()
            defer { session.kill() }
            try session.start(try Self.command("--offline", home: home, extra: ["EDITOR": "false"]))
            try await session.waitFor("the second banner") { $0.contains("Ctrl-D exits.") && $0.hasSuffix("\n>") }
            try session.send("Up", "Up")  // past "naïve café" to "/edit"
            try await session.waitFor("the last line of the first session") { Self.lastLine($0, ">") == "> /edit" }
            try session.send("Enter")
            try await session.waitFor("the recalled /edit to run") { $0.contains("nothing to send") || $0.contains("exited with status") }

            // /model completes litellm's model names (read in the background once the REPL starts: retried until then,
            // for as long as importing litellm may take on a busy machine, not 30 tries of half a second).
            var completed = false
            let deadline = ContinuousClock.now + .seconds(120)
            while !completed, ContinuousClock.now < deadline {
                try session.send("-l", "/model gpt-4o-mini-2024-0")
                try session.send("Tab")
                try await Task.sleep(for: .milliseconds(500))
                completed = Self.lastLine(try session.screen(), ">") == "> /model gpt-4o-mini-2024-07-18"
                if !completed { try session.send("C-a", "C-k") }
            }
            let screen = try session.screen()
            #expect(completed, "\(screen)")
            try session.send("C-a", "C-k", "C-d")
            try await session.waitFor("the second exit") { $0.contains("EXITED=") }
        }
    }
}
