import Foundation
import ProviderFakes
import Testing

@Suite("bootstrap --local over real HTTP")
struct BootstrapLocalModeTests {
    struct LocalBootstrap {
        let child: BootstrapChild
        let provider: FakeProviderServer
        let base: String
    }

    /// Starts `bootstrap --local --port 0` and reads its port from the "listening on" line.
    static func startLocal(environment: [String: String] = [:],
                           extraModels: (FakeProviderServer) -> [String: [String: String]] = { _ in [:] }) async throws -> LocalBootstrap {
        let provider = try await FakeProviderServer.start()
        var env = ["EMBEDCHAT_MODELS": BootstrapHarness.modelsJSON(provider, extra: extraModels(provider)),
                   "FAKE_PROVIDER_KEY": BootstrapHarness.providerKey]
        env.merge(environment) { _, new in new }
        let child = try await BootstrapChild.launch(arguments: ["--local", "--port", "0"], environment: env)
        await child.ready.value
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let line = child.log.split(separator: "\n").first(where: { $0.hasPrefix("bootstrap: listening on ") }) {
                return LocalBootstrap(child: child, provider: provider, base: String(line.dropFirst("bootstrap: listening on ".count)))
            }
            guard child.process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        child.stop()
        throw BootstrapHarnessError(message: "bootstrap --local did not start: \(child.log)")
    }

    /// One process for every check (each start costs seconds), stopped at the end: a server has no Runtime API
    /// connection whose closing would end it.
    @Test func localModeServesOpenAIClientsOverHTTP() async throws {
        let local = try await Self.startLocal()
        defer {
            local.child.stop()
            Task { try? await local.provider.shutdown() }
        }
        try await modelsAndACompletionAnswerOverHTTP(local)
        try await streamingUsesChunkedSSE(local)
        try await theOpenAIPythonClientWorksAgainstIt(local)
        local.child.stop()
        #expect(await local.child.waitForExit(timeout: .seconds(10)) != nil)
    }

    /// curl's `-d` says `application/x-www-form-urlencoded` unless told otherwise, which the server refuses.
    let json = ["-H", "content-type: application/json"]

    func curl(_ arguments: [String]) async throws -> String {
        let result = try await runCommand("/usr/bin/curl", ["-sS", "--max-time", "30"] + arguments)
        #expect(result.status == 0, "\(result.output)")
        return result.output
    }

    func modelsAndACompletionAnswerOverHTTP(_ local: LocalBootstrap) async throws {
        let models = try await curl(["\(local.base)/models"])
        #expect(models.contains(#""id":"echo""#))
        let completion = try await curl(json + ["-d", chatBody("echo", "local hello"), "\(local.base)/chat/completions"])
        #expect(jsonObject(Array(completion.utf8))?["object"] as? String == "chat.completion")
        #expect(completion.contains("echo: local hello"))
        let refused = try await curl(json + ["-w", "%{http_code}", "-o", "/dev/null", "-d", chatBody("echo", extra: #","api_base":"http://x""#),
                                "\(local.base)/chat/completions"])
        #expect(refused == "400")
        let unknown = try await curl(json + ["-w", "%{http_code}", "-o", "/dev/null", "-d", chatBody("nope"), "\(local.base)/chat/completions"])
        #expect(unknown == "404")
    }

    func streamingUsesChunkedSSE(_ local: LocalBootstrap) async throws {
        let raw = try await curl(json + ["-N", "--raw", "-i", "-d", chatBody("long", stream: true), "\(local.base)/chat/completions"])
        #expect(raw.lowercased().contains("transfer-encoding: chunked"))
        #expect(raw.lowercased().contains("content-type: text/event-stream"))
        let body = try await curl(json + ["-N", "-d", chatBody("long", stream: true), "\(local.base)/chat/completions"])
        let events = sseEvents(body)
        #expect(events.last == "[DONE]")
        #expect(sseText(events) == "tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7")
    }

    func theOpenAIPythonClientWorksAgainstIt(_ local: LocalBootstrap) async throws {
        let script = """
            import sys, openai
            client = openai.OpenAI(base_url=sys.argv[1], api_key="unused")
            print(client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "sdk hi"}]).choices[0].message.content)
            text = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
                model="long", messages=[{"role": "user", "content": "x"}], stream=True) if c.choices)
            print(text)
            try:
                list(client.chat.completions.create(model="reset", messages=[{"role": "user", "content": "x"}], stream=True))
                print("no error")
            except Exception as error:
                print("stream error:", type(error).__name__)
            try:
                client.chat.completions.create(model="missing", messages=[{"role": "user", "content": "x"}])
            except openai.NotFoundError as error:
                print("not found:", error.status_code)
            """
        let result = try await runCommand(testPython, testPythonPrefix + ["-c", script, local.base], environment: ["PYTHONPATH": bootstrapPythonPath])
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.contains("echo: sdk hi"))
        #expect(lines.contains("tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7"))
        #expect(lines.contains { $0.hasPrefix("stream error:") })
        #expect(lines.contains("not found: 404"))
    }
}
