import Foundation
import ProviderFakes
import Testing

extension CLIMemorySuites {
    /// Costs of streamed and whole answers, unknown prices, config.toml's default model and aliases, `models`.
    @Suite("embedchat cost and config")
    struct CLICostConfigTests {
        static let key = ["OPENAI_API_KEY": CLIHarness.fakeKey]

        @Test func streamedAnswersAskForUsageAndShowTheirCostAndUnknownPricesSaySo() async throws {
            let home = CLIMemoryHome()
            defer { home.remove() }
            try await FakeProviderServer.withServer { server in
                async let pricedRun = home.run(["--offline", "-m", "gpt-4o-mini", "--usage", "hi"])
                async let unpricedRun = home.run(["--api-base", server.openAIBase, "-m", "openai/long-6", "--usage", "go"], environment: Self.key)
                let priced = try await pricedRun, unpriced = try await unpricedRun
                #expect(priced.status == 0 && priced.stderrLines.count == 1, "\(priced)")
                #expect(priced.stderr.hasPrefix("usage: ") && priced.stderr.contains(", cost $0.0000"), "\(priced)")
                #expect(unpriced.status == 0 && unpriced.stdout == "tok0 tok1 tok2 tok3 tok4 tok5\n", "\(unpriced)")
                #expect(unpriced.stderr.contains("cost unknown: litellm has no price for openai/long-6"), "\(unpriced)")
                let lastRequest = try #require(server.recordedRequests.last)
                let body = try #require(CLIHarness.json(lastRequest.bodyText))
                #expect((body["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true,
                        "a streamed answer asks for usage even without --usage")
            }
            let entries = try await home.logEntries()
            let offline = try #require(entries.first { $0["model"] as? String == "gpt-4o-mini" })
            #expect((offline["cost_usd"] as? Double ?? 0) > 0, "the streamed offline answer's cost is logged")
        }

        @Test func aliasesAndTheDefaultModelComeFromConfigTomlAndOtherTablesSurvive() async throws {
            let home = CLIMemoryHome()
            defer { home.remove() }
            try FileManager.default.createDirectory(atPath: (home.configPath as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try "[mcp.servers.files]\ncommand = \"mcp-files\"\n".write(toFile: home.configPath, atomically: true, encoding: .utf8)
            try await FakeProviderServer.withServer { server in
                let set = try await home.run(["aliases", "set", "tr", "openai/transcript"])
                #expect(set.status == 0, "\(set)")
                let list = try await home.run(["aliases"])
                #expect(list.stdout == "tr: openai/transcript\n", "\(list)")
                let viaAlias = try await home.run(["--api-base", server.openAIBase, "-m", "tr", "hi"], environment: Self.key)
                #expect(viaAlias.stdout == "transcript: user: hi\n", "\(viaAlias)")
                let aliased = try #require(server.recordedRequests.last)
                #expect(CLIHarness.json(aliased.bodyText)?["model"] as? String == "transcript")

                #expect(try await home.run(["models", "default", "tr"]).status == 0)
                let shown = try await home.run(["models", "default"])
                #expect(shown.stdout == "tr\n", "\(shown)")
                let byDefault = try await home.run(["--api-base", server.openAIBase, "no model given"], environment: Self.key)
                #expect(byDefault.stdout == "transcript: user: no model given\n", "\(byDefault)")
                // The environment's default wins over the file's.
                let fromEnvironment = try await home.run(["--api-base", server.openAIBase, "x"],
                                                         environment: Self.key.merging(["EMBEDCHAT_DEFAULT_MODEL": "openai/echo"]) { $1 })
                #expect(fromEnvironment.stdout == "echo: x\n", "\(fromEnvironment)")
                #expect(try await home.logEntries(["-m", "tr"]).count == 2, "logs -m resolves the alias")
            }
            let file = try String(contentsOfFile: home.configPath, encoding: .utf8)
            #expect(file.contains("mcp-files") && file.contains("default_model") && file.contains("openai/transcript"), "\(file)")
            #expect(try await home.run(["aliases", "remove", "tr"]).status == 0)
            #expect(try await home.run(["aliases"]).stdout.isEmpty)

            try "default_model = [1, 2".write(toFile: home.configPath, atomically: true, encoding: .utf8)
            let broken = try await home.run(["--offline", "hi"])
            #expect(broken.status == 2 && broken.stderrLines.count == 1, "\(broken)")
            #expect(broken.stderr.contains(home.configPath) && broken.stderr.contains("line 1"), "\(broken)")
        }

        @Test func modelsListsLitellmsTableFilteredWithPrices() async throws {
            let home = CLIMemoryHome()
            defer { home.remove() }
            let result = try await home.run(["models", "-q", "claude-3-5-haiku"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.hasPrefix("model ") && result.stdoutLines.count > 1, "\(result)")
            #expect(result.stdoutLines.dropFirst().allSatisfy { $0.lowercased().contains("claude-3-5-haiku") }, "\(result)")
            #expect(result.stdoutLines.contains { $0.contains("200k") }, "context windows shown: \(result)")
            let none = try await home.run(["models", "-q", "no-such-model-anywhere"])
            #expect(none.status == 0 && none.stdout.isEmpty && none.stderr.contains("no known model"), "\(none)")
        }
    }
}
