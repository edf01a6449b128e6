import Foundation
import ProviderFakes
import Testing

/// `embedchat [options] PROMPT`: offline, streamed, whole, JSON, piped stdin and `-`.
@Suite("embedchat one-shot")
struct CLIOneShotTests {
    static let offlineText = "This is an offline reply from embedchat"

    @Test func offlineAnswersThroughLitellmInTextJSONAndStreamedJSON() async throws {
        async let text = CLIHarness.run(["--offline", "Hello"])
        async let whole = CLIHarness.run(["--offline", "--no-stream", "--json", "Hello"])
        async let chunks = CLIHarness.run(["--offline", "--json", "Hello"])

        let plain = try await text
        #expect(plain.status == 0, "\(plain)")
        #expect(plain.stdout.hasPrefix(Self.offlineText), "\(plain)")
        #expect(plain.stdout.contains("no provider was called"))
        #expect(plain.stdout.hasSuffix("\n"))
        #expect(plain.stderr.isEmpty, "stderr is not a terminal, so no spinner: \(plain)")

        // litellm's mock path: a chatcmpl- id and its fixed usage of 10 prompt and 20 completion tokens.
        let json = try await whole
        #expect(json.status == 0, "\(json)")
        #expect(json.stdoutLines.count == 1)
        let completion = try #require(CLIHarness.json(json.stdout), "\(json)")
        #expect((completion["id"] as? String)?.hasPrefix("chatcmpl-") == true)
        #expect(completion["object"] as? String == "chat.completion")
        #expect(completion["model"] as? String == "offline")
        let usage = try #require(completion["usage"] as? [String: Any])
        #expect(usage["prompt_tokens"] as? Int == 10)
        #expect(usage["completion_tokens"] as? Int == 20)
        let message = ((completion["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])
        #expect((message?["content"] as? String)?.hasPrefix(Self.offlineText) == true)

        // Streamed JSON: one chunk per line, litellm's 3-character mock deltas, one chatcmpl- id.
        let streamed = try await chunks
        #expect(streamed.status == 0, "\(streamed)")
        let objects = streamed.stdoutLines.compactMap { CLIHarness.json($0) }
        #expect(objects.count == streamed.stdoutLines.count && objects.count > 10, "every line is one JSON chunk: \(streamed)")
        #expect(objects.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
        #expect(Set(objects.compactMap { $0["id"] as? String }).count == 1)
        #expect(objects.allSatisfy { ($0["id"] as? String)?.hasPrefix("chatcmpl-") == true })
        let deltas = objects.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }
        #expect(deltas.dropLast().allSatisfy { $0.count == 3 }, "\(deltas)")
        #expect(deltas.joined().hasPrefix(Self.offlineText))
        #expect(plain.stdout == deltas.joined() + "\n", "text mode prints exactly the streamed deltas")
    }

    @Test func streamsTheAnswerAndSendsModelOptionsAndTheKeyFromApiKeyEnv() async throws {
        try await FakeProviderServer.withServer { server in
            let result = try await CLIHarness.run(
                ["--api-base", server.openAIBase, "-m", "openai/transcript", "-s", "Be brief.", "-t", "0.5",
                 "--max-tokens", "64", "--api-key-env", "CLI_TEST_KEY", "What", "is", "up?"],
                environment: ["CLI_TEST_KEY": CLIHarness.fakeKey])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "transcript: system: Be brief. | user: What is up?\n", "\(result)")
            #expect(result.stderr.isEmpty, "\(result)")

            let request = try #require(server.recordedRequests.last)
            #expect(request.path == "/v1/chat/completions")
            #expect(request.header("authorization") == "Bearer \(CLIHarness.fakeKey)")
            let body = try #require(CLIHarness.json(request.bodyText))
            #expect(body["stream"] as? Bool == true)
            #expect(body["temperature"] as? Double == 0.5)
            #expect(body["max_tokens"] as? Int == 64)
        }
    }

    @Test func noStreamPrintsTheWholeAnswerAndUsageGoesToStderr() async throws {
        try await FakeProviderServer.withServer { server in
            async let wholeRun = CLIHarness.run(["--api-base", server.openAIBase, "-m", "openai/long-6", "--no-stream", "--usage", "go"],
                                            environment: ["OPENAI_API_KEY": CLIHarness.fakeKey])
            async let streamedRun = CLIHarness.run(["--api-base", server.openAIBase, "-m", "openai/long-6", "--json", "--usage", "go"],
                                            environment: ["OPENAI_API_KEY": CLIHarness.fakeKey])
            let whole = try await wholeRun
            #expect(whole.status == 0, "\(whole)")
            #expect(whole.stdout == "tok0 tok1 tok2 tok3 tok4 tok5\n", "\(whole)")
            #expect(whole.stderrLines.count == 1 && whole.stderr.hasPrefix("usage: "), "\(whole)")
            #expect(whole.stderr.contains("tokens"))

            let streamed = try await streamedRun
            #expect(streamed.status == 0, "\(streamed)")
            let chunks = streamed.stdoutLines.map { CLIHarness.json($0) }
            #expect(chunks.allSatisfy { $0?["object"] as? String == "chat.completion.chunk" }, "\(streamed)")
            let text = chunks.compactMap { (($0?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }
            #expect(text.joined() == "tok0 tok1 tok2 tok3 tok4 tok5")
            #expect(chunks.contains { $0?["usage"] != nil }, "--usage asks for the final usage chunk")
            #expect(streamed.stderr.hasPrefix("usage: "), "\(streamed)")

            let bodies = server.recordedRequests.compactMap { CLIHarness.json($0.bodyText) }
            #expect(bodies.contains { $0["stream"] == nil || $0["stream"] as? Bool == false }, "--no-stream asks for a whole answer")
        }
    }

    @Test func pipedStdinIsSentWithThePromptAndDashReadsThePromptFromStdin() async throws {
        try await FakeProviderServer.withServer { server in
            let environment = ["OPENAI_API_KEY": CLIHarness.fakeKey]
            async let piped = CLIHarness.run(["--api-base", server.openAIBase, "-m", "openai/echo", "summarise this"],
                                             stdin: "line one\nline two\n", environment: environment)
            async let dash = CLIHarness.run(["--api-base", server.openAIBase, "-m", "openai/echo", "--no-stream", "-"],
                                            stdin: "what is two plus two?", environment: environment)
            let withPrompt = try await piped
            #expect(withPrompt.status == 0, "\(withPrompt)")
            #expect(withPrompt.stdout == "echo: line one\nline two\n\nsummarise this\n", "\(withPrompt)")

            let fromStdin = try await dash
            #expect(fromStdin.status == 0, "\(fromStdin)")
            #expect(fromStdin.stdout == "echo: what is two plus two?\n", "\(fromStdin)")

            let userTexts = server.recordedRequests.compactMap { request -> String? in
                let messages = CLIHarness.json(request.bodyText)?["messages"] as? [[String: Any]]
                return messages?.last?["content"] as? String
            }
            #expect(userTexts.contains("line one\nline two\n\nsummarise this"), "\(userTexts)")
            #expect(userTexts.contains("what is two plus two?"), "\(userTexts)")
        }
    }

    @Test func helpDocumentsExitCodesAndExamples() async throws {
        let help = try await CLIHarness.run(["--help"])
        #expect(help.status == 0, "\(help)")
        for text in ["Exit codes:", "usage error", "setup error", "130", "Examples:", "embedchat --offline", "chat", "batch",
                     "doctor", "EMBEDCHAT_DEFAULT_MODEL", "gpt-4o-mini"] {
            #expect(help.stdout.contains(text), "help lacks \(text)")
        }
        let ask = try await CLIHarness.run(["help", "ask"])
        for option in ["--model", "--system", "--temperature", "--max-tokens", "--api-base", "--api-key-env", "--no-stream",
                       "--json", "--usage", "--offline", "--python-path", "--python-home", "--timeout"] {
            #expect(ask.stdout.contains(option), "ask help lacks \(option)")
        }
    }
}
