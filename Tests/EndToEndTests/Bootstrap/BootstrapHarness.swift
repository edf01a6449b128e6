import Foundation
import ProviderFakes
import RuntimeAPIFake
import TestSupport
import Testing

/// The repository root, from this file's path.
let bootstrapRepositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// The Python packages the child bootstrap imports.
let bootstrapPythonPath = ProcessInfo.processInfo.environment["EMBEDCHAT_PYTHONPATH"] ?? "\(bootstrapRepositoryRoot)/.python"

/// The built `bootstrap`: the first folder holding one, walking up from the test runner's path.
func bootstrapExecutablePath() throws -> String {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent()
    while folder.path != "/" {
        let candidate = folder.appendingPathComponent("bootstrap").path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
           FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        folder.deleteLastPathComponent()
    }
    throw BootstrapHarnessError(message: "no built bootstrap above \(CommandLine.arguments[0]); run swift build first")
}

struct BootstrapHarnessError: Error, CustomStringConvertible { let description: String; init(message: String) { description = message } }

/// One child `bootstrap` process with its output in a file.
final class BootstrapChild: @unchecked Sendable {
    let process: Process
    let logPath: String
    /// Ends when the child is ready (it logged that litellm is imported) or has exited; see ``launch(arguments:environment:)``.
    private(set) var ready: Task<Void, Never> = Task {}

    /// How long a child may take to import litellm once it has its start permit.
    static let startBudget = Duration.seconds(300)

    /// Starts a child once ``ChildProcessGate`` lets it, and gives the permit back when the child is ready or gone.
    static func launch(arguments: [String] = [], environment: [String: String]) async throws -> BootstrapChild {
        await ChildProcessGate.shared.acquire()
        let child: BootstrapChild
        do {
            child = try BootstrapChild(arguments: arguments, environment: environment)
        } catch {
            await ChildProcessGate.shared.release()
            throw error
        }
        child.ready = Task {
            _ = await child.waitUntilReady(timeout: startBudget)
            await ChildProcessGate.shared.release()
        }
        return child
    }

    /// Whether the child logged that litellm is ready (`false`: it exited first, or `timeout` passed).
    func waitUntilReady(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if log.contains("litellm ready") { return true }
            if !process.isRunning { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Starts a child at once, outside ``ChildProcessGate``: prefer ``launch(arguments:environment:)``, which waits
    /// for a start permit (a child started here competes with every other start for the cores).
    init(arguments: [String] = [], environment: [String: String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: try bootstrapExecutablePath())
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EMBEDCHAT_") && !$0.key.hasPrefix("AWS_") }
        env["EMBEDCHAT_PYTHONPATH"] = bootstrapPythonPath
        env.merge(environment) { _, new in new }
        process.environment = env
        logPath = NSTemporaryDirectory() + "bootstrap-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        // Never the test runner's stdin: a runner started from a terminal (by `timeout`, in a background process
        // group) would hand the child a terminal it may not read.
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// VmRSS of the child in KiB.
    var residentKiB: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    /// Waits for the child to exit and returns its status, or `nil` after `timeout`.
    func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func stop() {
        if process.isRunning { process.terminate() }
    }
}

/// A `bootstrap` serving an in-process fake Runtime API, with models that point at an in-process fake provider.
///
/// | public model | litellm model |
/// |---|---|
/// | `echo` | `openai/echo` |
/// | `long` | `openai/long-8` |
/// | `reset` | `openai/long-20+reset-after-3` (stream cut after 3 events) |
/// | `slow` | `openai/delay-5000` |
/// | `glacial` | `openai/delay-600000` (10 minutes: only a deadline or a cancel ends it first) |
/// | `held` | `openai/held` (answers once the test calls `provider.releaseHeldAnswers()`) |
/// | `slow-stream` | `openai/slow-stream-400-100` (40 s) |
final class BootstrapHarness: @unchecked Sendable {
    static let providerKey = "sk-provider-key-for-tests-0123456789"
    let runtimeAPI: RuntimeAPIFake
    let provider: FakeProviderServer
    let child: BootstrapChild

    static func modelsJSON(_ provider: FakeProviderServer, extra: [String: [String: String]] = [:]) -> String {
        var table: [String: [String: Any]] = [:]
        for (name, model) in ["echo": "openai/echo", "long": "openai/long-8", "reset": "openai/long-20+reset-after-3",
                              "slow": "openai/delay-5000", "slow-stream": "openai/slow-stream-400-100",
                              "glacial": "openai/delay-600000", "held": "openai/held"] {
            table[name] = ["model": model, "api_base": provider.openAIBase, "api_key_env": "FAKE_PROVIDER_KEY", "num_retries": 0]
        }
        for (name, entry) in extra { table[name] = entry }
        return String(decoding: try! JSONSerialization.data(withJSONObject: table), as: UTF8.self)
    }

    static func start(mode: String = "BUFFERED", environment: [String: String] = [:],
                      extraModels: (FakeProviderServer) -> [String: [String: String]] = { _ in [:] }) async throws -> BootstrapHarness {
        let runtimeAPI = try await RuntimeAPIFake.start()
        let provider = try await FakeProviderServer.start()
        var env = [
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI.endpoint, "EMBEDCHAT_INVOKE_MODE": mode,
            "EMBEDCHAT_MODELS": modelsJSON(provider, extra: extraModels(provider)), "FAKE_PROVIDER_KEY": providerKey,
            "AWS_LAMBDA_FUNCTION_NAME": "embedchat-test",
        ]
        env.merge(environment) { _, new in new }
        return BootstrapHarness(runtimeAPI: runtimeAPI, provider: provider, child: try await BootstrapChild.launch(environment: env))
    }

    private init(runtimeAPI: RuntimeAPIFake, provider: FakeProviderServer, child: BootstrapChild) {
        self.runtimeAPI = runtimeAPI
        self.provider = provider
        self.child = child
    }

    /// How long one invocation may take at most on a busy machine (the slowest the tests send takes 5 s upstream).
    static let invocationBudget = 60

    /// Enqueues an event and waits for its result, once the child is ready. The wait's budget scales with what is
    /// queued ahead: the tests of a suite share one child, which serves one invocation at a time.
    func invoke(_ event: String, timeout: Duration = .seconds(900)) async throws -> InvocationResult {
        await child.ready.value
        let ahead = runtimeAPI.pendingEvents + runtimeAPI.servedInvocations - runtimeAPI.completedInvocations
        let id = try await runtimeAPI.enqueue(event: event, timeout: timeout)
        return try await runtimeAPI.waitForResult(id, timeout: .seconds(Self.invocationBudget * (ahead + 1)))
    }

    func stop() async {
        child.stop()
        _ = await child.waitForExit(timeout: .seconds(5))
        try? await runtimeAPI.shutdown()
        try? await provider.shutdown()
    }
}

/// Processes shared by many tests (each start costs seconds): one per invoke mode. They end when the test runner
/// exits, since their Runtime API connection closes then.
enum SharedBootstraps {
    static let buffered = Task { try await BootstrapHarness.start(mode: "BUFFERED") }
    static let streaming = Task {
        try await BootstrapHarness.start(mode: "RESPONSE_STREAM", environment: ["EMBEDCHAT_AUTH_TOKEN": streamingAuthToken])
    }
    static let streamingAuthToken = "local-dev-token-42"
}

// MARK: Events

func chatBody(_ model: String, _ text: String = "hello lambda", stream: Bool = false, extra: String = "") -> String {
    #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(text)"}]\#(stream ? #","stream":true"# : "")\#(extra)}"#
}

/// A Function URL (payload 2.0) event.
func functionURLEvent(method: String = "POST", path: String = "/v1/chat/completions", body: String? = nil,
                      base64: Bool = false, headers: [String: String] = [:]) -> String {
    var allHeaders = ["content-type": "application/json", "host": "abc.lambda-url.us-east-1.on.aws"]
    allHeaders.merge(headers) { _, new in new }
    var event: [String: Any] = [
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "", "headers": allHeaders,
        "requestContext": [
            "accountId": "123456789012", "apiId": "abc", "domainName": "abc.lambda-url.us-east-1.on.aws",
            "http": ["method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "test"],
            "requestId": UUID().uuidString, "time": "29/Nov/2026:17:00:00 +0000", "timeEpoch": 1_795_971_600_000,
        ] as [String: Any],
        "isBase64Encoded": base64,
    ]
    if let body { event["body"] = base64 ? Data(body.utf8).base64EncodedString() : body }
    return String(decoding: try! JSONSerialization.data(withJSONObject: event), as: UTF8.self)
}

func jsonObject(_ bytes: some Collection<UInt8>) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
}

/// A buffered HTTP answer: status, headers and body text.
func bufferedHTTP(_ result: InvocationResult) -> (status: Int, headers: [String: String], body: String)? {
    guard let json = jsonObject(result.body), let status = json["statusCode"] as? Int else { return nil }
    return (status, json["headers"] as? [String: String] ?? [:], json["body"] as? String ?? "")
}

/// A streamed HTTP answer split at the prelude's 8 NUL bytes.
func streamedHTTP(_ result: InvocationResult) -> (prelude: [String: Any], body: String)? {
    let bytes = result.body
    guard bytes.count >= 8 else { return nil }
    for index in 0...(bytes.count - 8) where bytes[index..<(index + 8)].allSatisfy({ $0 == 0 }) {
        guard let prelude = jsonObject(bytes[..<index]) else { return nil }
        return (prelude, String(decoding: bytes[(index + 8)...], as: UTF8.self))
    }
    return nil
}

/// The `data:` payloads of an SSE text.
func sseEvents(_ text: String) -> [String] {
    text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { $0.hasPrefix("data: ") ? String($0.dropFirst(6)) : $0 }
}

/// The concatenated delta text of SSE chunk payloads.
func sseText(_ events: [String]) -> String {
    events.compactMap { event -> String? in
        guard let json = jsonObject(Array(event.utf8)), let choices = json["choices"] as? [[String: Any]] else { return nil }
        return (choices.first?["delta"] as? [String: Any])?["content"] as? String
    }.joined()
}

/// A free loopback TCP port (bound and released; fine for a test-local child process).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw BootstrapHarnessError(message: "could not bind a loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs a command on a thread of its own (never blocking the cooperative pool the other tests run on) and returns
/// its exit status and output; a command still running after `timeout` is killed, so a helper that waits on a
/// server that never came up fails the test instead of hanging the run.
@discardableResult
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                timeout: Duration = .seconds(120)) async throws -> (status: Int32, output: String) {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result {
                try runCommandBlocking(executable, arguments, environment: environment, timeout: timeout)
            })
        }
        thread.name = "test-command"
        thread.start()
    }
}

private func runCommandBlocking(_ executable: String, _ arguments: [String], environment: [String: String],
                                timeout: Duration) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let pid = process.processIdentifier
    let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
    DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)), execute: watchdog)
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    watchdog.cancel()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Debian's interpreter, which the tests' helper scripts (moto, the OpenAI client) run on.
let testPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3.11") ? "/usr/bin/python3.11" : "/usr/bin/env"
let testPythonPrefix = testPython == "/usr/bin/env" ? ["python3.11"] : []
