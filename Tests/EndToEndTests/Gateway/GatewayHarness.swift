import Foundation
import ProviderFakes
import RuntimeAPIFake
import Synchronization
import Testing

/// A `bootstrap` child serving the gateway's models against an in-process fake provider: through a fake Runtime
/// API (`start(mode:)`) or with `--local` (`startLocal()`). Its stdout and stderr go to one log file, which the tests
/// read for EMF lines and scan for prompts and keys.
///
/// | public model | behind it |
/// |---|---|
/// | `echo` | `openai/echo` |
/// | `embed` | `openai/text-embedding-3-small` (priced by litellm) |
/// | `ha` | deployments `status-500`, `echo` (cooldown 60 s) |
/// | `hs` | deployments `status-503`, `long-4` (cooldown 60 s), for streams |
/// | `limited` | `openai/status-429`, plain |
/// | `cut` | deployment `long-20+reset-after-3`, falls back to `echo` (never mid-stream) |
/// | `cooling` | deployments `status-429`, `status-429` (cooldown 30 s): both cool down at the first request |
final class GatewayHarness: @unchecked Sendable {
    static let providerKey = "sk-gateway-e2e-NEVERSHOWN-7d2c"
    static let aliceKey = "sk-alice-e2e-NEVERSHOWN-91ab", bobKey = "sk-bob-e2e-NEVERSHOWN-55cd"

    let runtimeAPI: RuntimeAPIFake?
    let provider: FakeProviderServer
    let child: BootstrapChild
    /// `http://127.0.0.1:PORT/v1` in local mode.
    let base: String?

    static func sha256(_ text: String) throws -> String {
        let result = Process()
        result.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        result.standardInput = input
        result.standardOutput = output
        try result.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        result.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }

    static func modelsJSON(_ base: String) -> String {
        func plain(_ model: String) -> String { #"{"model": "openai/\#(model)", "api_base": "\#(base)", "api_key_env": "FAKE_PROVIDER_KEY", "num_retries": 0}"# }
        func deployment(_ model: String) -> String { #"{"model": "openai/\#(model)", "api_base": "\#(base)", "api_key_env": "FAKE_PROVIDER_KEY"}"# }
        return """
            {"echo": \(plain("echo")), "embed": \(plain("text-embedding-3-small")), "limited": \(plain("status-429")),
             "ha": {"deployments": [\(deployment("status-500")), \(deployment("echo"))], "cooldown_seconds": 60},
             "hs": {"deployments": [\(deployment("status-503")), \(deployment("long-4"))], "cooldown_seconds": 60},
             "cut": {"deployments": [\(deployment("long-20+reset-after-3"))], "fallbacks": ["echo"]},
             "cooling": {"deployments": [\(deployment("status-429")), \(deployment("status-429"))], "cooldown_seconds": 30}}
            """
    }

    static func callersJSON() throws -> String {
        #"{"alice": {"key_sha256": "\#(try sha256(aliceKey))"}, "bob": {"key_sha256": "\#(try sha256(bobKey))", "models": ["echo"], "rpm": 3}}"#
    }

    static func environment(_ provider: FakeProviderServer) throws -> [String: String] {
        ["EMBEDCHAT_MODELS": modelsJSON(provider.openAIBase), "FAKE_PROVIDER_KEY": providerKey,
         "EMBEDCHAT_CALLERS": try callersJSON(), "AWS_LAMBDA_FUNCTION_NAME": "embedchat-gateway-test"]
    }

    static func start(mode: String) async throws -> GatewayHarness {
        let runtimeAPI = try await RuntimeAPIFake.start()
        let provider = try await FakeProviderServer.start()
        var environment = try environment(provider)
        environment["AWS_LAMBDA_RUNTIME_API"] = runtimeAPI.endpoint
        environment["EMBEDCHAT_INVOKE_MODE"] = mode
        // Through the gate, like every child that imports litellm: started outside it, the child competed with the
        // gated starts for the cores while the first invocation's 90 s budget counted its import.
        return GatewayHarness(runtimeAPI: runtimeAPI, provider: provider, child: try await BootstrapChild.launch(environment: environment), base: nil)
    }

    static func startLocal() async throws -> GatewayHarness {
        let provider = try await FakeProviderServer.start()
        let child = try await BootstrapChild.launch(arguments: ["--local", "--port", "0"], environment: try environment(provider))
        await child.ready.value
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            if let line = child.log.split(separator: "\n").first(where: { $0.hasPrefix("bootstrap: listening on ") }) {
                return GatewayHarness(runtimeAPI: nil, provider: provider, child: child, base: String(line.dropFirst("bootstrap: listening on ".count)))
            }
            guard child.process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        child.stop()
        throw BootstrapHarnessError(message: "bootstrap --local did not start: \(child.log)")
    }

    private init(runtimeAPI: RuntimeAPIFake?, provider: FakeProviderServer, child: BootstrapChild, base: String?) {
        self.runtimeAPI = runtimeAPI
        self.provider = provider
        self.child = child
        self.base = base
    }

    /// How many invocations were sent.
    var invocations: Int { sent.withLock { $0 } }
    private let sent = Mutex(0)

    func invoke(_ event: String) async throws -> InvocationResult {
        let runtimeAPI = try #require(runtimeAPI)
        await child.ready.value
        sent.withLock { $0 += 1 }
        let id = try await runtimeAPI.enqueue(event: event, timeout: .seconds(900))
        return try await runtimeAPI.waitForResult(id, timeout: .seconds(90))
    }

    /// A Function URL event with the caller's key.
    func http(_ path: String, _ body: String?, key: String? = aliceKey, method: String = "POST") async throws -> InvocationResult {
        try await invoke(functionURLEvent(method: method, path: path, body: body, headers: key.map { ["authorization": "Bearer \($0)"] } ?? [:]))
    }

    /// How many requests the fake received for a model name.
    func requests(for model: String) -> Int { provider.recordedRequests.filter { $0.model == model }.count }

    /// The EMF lines the child wrote so far, parsed.
    var metricLines: [[String: Any]] {
        child.log.split(separator: "\n").filter { $0.hasPrefix(#"{"_aws""#) }.compactMap { jsonObject(Array($0.utf8)) }
    }

    func stop() async {
        child.stop()
        _ = await child.waitForExit(timeout: .seconds(10))
        try? await runtimeAPI?.shutdown()
        try? await provider.shutdown()
    }
}

/// Checks an EMF line's structure as CloudWatch reads it: the `_aws` block names namespace `embedchat`, dimension
/// sets over `model` and `caller`, and metrics whose values are present at the top level.
func checkEMF(_ line: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
    let aws = line["_aws"] as? [String: Any]
    #expect(aws?["Timestamp"] as? Int != nil, sourceLocation: sourceLocation)
    let directive = (aws?["CloudWatchMetrics"] as? [[String: Any]])?.first
    #expect(directive?["Namespace"] as? String == "embedchat", sourceLocation: sourceLocation)
    let dimensions = directive?["Dimensions"] as? [[String]] ?? []
    #expect(dimensions.contains(["model", "caller"]), sourceLocation: sourceLocation)
    for dimension in dimensions.joined() { #expect(line[dimension] is String, "dimension \(dimension)", sourceLocation: sourceLocation) }
    let metrics = directive?["Metrics"] as? [[String: String]] ?? []
    #expect(metrics.contains { $0["Name"] == "Latency" && $0["Unit"] == "Milliseconds" }, sourceLocation: sourceLocation)
    for metric in metrics {
        #expect(line[metric["Name"] ?? ""] is NSNumber, "metric \(metric["Name"] ?? "?") has a value", sourceLocation: sourceLocation)
    }
    #expect(line["status"] is Int, sourceLocation: sourceLocation)
}
