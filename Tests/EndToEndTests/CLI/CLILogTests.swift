import Foundation
import ProviderFakes
import Testing

extension CLIMemorySuites {
    /// The conversation log through the built binary: what ask, chat and batch write, `logs` and its filters, the
    /// switches that turn it off, and a broken log that never fails an answer.
    @Suite("embedchat log")
    struct CLILogTests {
        static let key = ["OPENAI_API_KEY": CLIHarness.fakeKey]

        @Test func logsEveryExchangeOfAskChatAndBatchOfflineAnswersIncludedAndFindsThem() async throws {
            let home = CLIMemoryHome()
            defer { home.remove() }
            try await FakeProviderServer.withServer { server in
                let offline = try await home.run(["--offline", "-m", "gpt-4o-mini", "--no-stream", "a question about penguins"])
                #expect(offline.status == 0, "\(offline)")
                let asked = try await home.run(["--api-base", server.openAIBase, "-m", "openai/transcript", "-s", "SYS", "tigers?"],
                                               environment: Self.key)
                #expect(asked.status == 0 && asked.stdout == "transcript: system: SYS | user: tigers?\n", "\(asked)")
                let batchFile = try CLIHarness.temporaryFile("\"batch one\"\n{\"prompt\": \"batch two\", \"system\": \"BS\"}\n")
                defer { try? FileManager.default.removeItem(atPath: batchFile) }
                let batch = try await home.run(["batch", batchFile, "--concurrency", "1", "--api-base", server.openAIBase, "-m", "openai/echo"],
                                               environment: Self.key)
                #expect(batch.status == 0, "\(batch)")
                let chat = try await home.run(["chat", "--api-base", server.openAIBase, "-m", "openai/echo"],
                                              stdin: "chat line one\nchat line two\n", environment: Self.key)
                #expect(chat.status == 0 && chat.stdout == "echo: chat line one\necho: chat line two\n", "\(chat)")
                #expect(FileManager.default.fileExists(atPath: home.logPath), "the log is under XDG_DATA_HOME")

                let entries = try await home.logEntries()
                try #require(entries.count == 6, "\(entries)")
                #expect(entries.map { $0["command"] as? String } == ["ask", "ask", "batch", "batch", "chat", "chat"])
                for field in ["id", "conversation_id", "model", "prompt", "system", "response", "usage", "cost_usd", "created_at"] {
                    #expect(entries.allSatisfy { $0.keys.contains(field) }, "every entry has \(field)")
                }
                // The offline answer: litellm's mock usage (10 + 20) priced from litellm's table, as `models` shows it.
                let penguin = entries[0]
                #expect(penguin["model"] as? String == "gpt-4o-mini")
                #expect((penguin["response"] as? String)?.hasPrefix(CLIOneShotTests.offlineText) == true)
                let usage = try #require(penguin["usage"] as? [String: Any])
                #expect(usage["prompt_tokens"] as? Int == 10 && usage["completion_tokens"] as? Int == 20 && usage["total_tokens"] as? Int == 30)
                let models = try await home.run(["models", "-q", "gpt-4o-mini", "--json"])
                let row = try #require((CLIHarness.jsonArray(models.stdout) ?? []).first { $0["name"] as? String == "gpt-4o-mini" },
                                       "\(models)")
                let input = try #require(row["input_usd_per_million"] as? Double), output = try #require(row["output_usd_per_million"] as? Double)
                #expect((row["context_window"] as? Int ?? 0) > 0)
                let expected = (10 * input + 20 * output) / 1_000_000
                let cost = try #require(penguin["cost_usd"] as? Double)
                #expect(expected > 0 && abs(cost - expected) < expected * 1e-9, "\(cost) vs \(expected)")

                let tiger = entries[1]
                #expect(tiger["system"] as? String == "SYS" && tiger["prompt"] as? String == "tigers?")
                #expect(tiger["response"] as? String == "transcript: system: SYS | user: tigers?")
                #expect(tiger["cost_usd"] is NSNull, "an unpriced model is null, not zero")
                #expect((tiger["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0 > 0, "a streamed answer has its usage")
                #expect((tiger["latency_ms"] as? Int).map { $0 >= 0 } == true)
                #expect(entries[3]["system"] as? String == "BS" && entries[3]["response"] as? String == "echo: batch two")
                #expect(entries[2]["conversation_id"] as? String != entries[3]["conversation_id"] as? String, "a batch line is its own conversation")
                #expect(entries[4]["conversation_id"] as? String == entries[5]["conversation_id"] as? String, "a chat is one conversation")
                #expect(Set(entries.compactMap { $0["conversation_id"] as? String }).count == 5)

                // Search, filters, newest last, the default of 3.
                #expect(try await home.logEntries(["-q", "penguins"]).map { $0["id"] as? Int } == [penguin["id"] as? Int])
                #expect(try await home.logEntries(["-q", "chat line"]).count == 2)
                #expect(try await home.logEntries(["-q", "\"unbalanced AND ("]).isEmpty, "FTS syntax in a query is plain text")
                #expect(try await home.logEntries(["-m", "openai/echo"]).count == 4)
                let cid = try #require(entries[4]["conversation_id"] as? String)
                #expect(try await home.logEntries(["--cid", cid]).map { $0["prompt"] as? String } == ["chat line one", "chat line two"])
                let latest = try await home.run(["logs", "--json"])
                #expect(CLIHarness.jsonArray(latest.stdout)?.map { $0["prompt"] as? String } == ["batch two", "chat line one", "chat line two"])
                let text = try await home.run(["logs", "-n", "1"])
                #expect(text.status == 0 && text.stdout.contains("## Prompt\n\nchat line two") && text.stdout.contains(cid), "\(text)")

                let totals = try await home.run(["logs", "--cost"])
                #expect(totals.status == 0, "\(totals)")
                let gptLine = totals.stdoutLines.first { $0.contains("gpt-4o-mini") } ?? ""
                #expect(gptLine.contains(UsageFormat.dollars(expected)), "\(totals)")
                #expect(totals.stdoutLines.contains { $0.contains("openai/echo") && $0.contains("unknown") }, "\(totals)")
                #expect(totals.stdout.contains("total: "))
                for output in [offline, asked, batch, chat] { #expect(!output.stderr.contains("warning"), "\(output)") }
            }
        }

        @Test func noLogTheVariableAndLogsOffKeepExchangesOutAndLogsOnBringsThemBack() async throws {
            let home = CLIMemoryHome()
            defer { home.remove() }
            #expect(try await home.run(["--offline", "one"]).status == 0)
            #expect(try await home.run(["--offline", "--no-log", "two"]).status == 0)
            #expect(try await home.run(["--offline", "three"], environment: ["EMBEDCHAT_LOG": "0"]).status == 0)
            let off = try await home.run(["logs", "off"])
            #expect(off.status == 0 && off.stderr.contains("off"), "\(off)")
            #expect(try await home.run(["--offline", "four"]).status == 0)
            #expect(try await home.run(["logs", "on"]).status == 0)
            #expect(try await home.run(["--offline", "five"]).status == 0)
            #expect(try await home.logEntries().map { $0["prompt"] as? String } == ["one", "five"])
            let path = try await home.run(["logs", "path"])
            #expect(path.stdout == home.logPath + "\n", "\(path)")
        }

        @Test func aLogThatCannotBeWrittenNeverFailsTheAnswer() async throws {
            let home = CLIMemoryHome()
            defer { home.remove() }
            try FileManager.default.createDirectory(atPath: (home.logPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try "not a database".write(toFile: home.logPath, atomically: true, encoding: .utf8)
            let result = try await home.run(["--offline", "still answered?"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.hasPrefix(CLIOneShotTests.offlineText), "\(result)")
            #expect(result.stderrLines.count == 1 && result.stderr.contains("warning") && result.stderr.contains(home.logPath), "\(result)")
            let logs = try await home.run(["logs"])
            #expect(logs.status == 3 && logs.stderrLines.count == 1 && logs.stderr.contains(home.logPath), "\(logs)")
        }
    }
}

/// The cost format the CLI prints (as `UsageReport.dollars`).
enum UsageFormat {
    static func dollars(_ value: Double) -> String { String(format: value < 1 ? "$%.6f" : "$%.2f", value) }
}

extension CLIHarness {
    /// Decodes a JSON array of objects.
    static func jsonArray(_ text: some StringProtocol) -> [[String: Any]]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]]
    }
}
