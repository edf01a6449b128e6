import ArgumentParser
import Foundation
import ProviderFakes
import RuntimeAPIFake

/// `embedchat-bench storm`: many requests at once, mixing good ones, every bad input, upstream faults and clients
/// that misbehave, against `bootstrap --local` and against the Lambda path through the fake Runtime API.
///
/// Passes when the process never dies, every request gets a right answer, a 503 with `retry-after` or a clean close
/// (none hangs), no request is left in flight at the fake provider (so every upstream call of a client that left was
/// closed), the process's file descriptors come back to their baseline (what stays above it are the upstream
/// keep-alive connections the fake provider still sees open) and its RSS to within a margin of it, and no provider
/// key or prompt appears in any log line.
struct StormBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storm",
        abstract: "A storm of good, bad and faulty requests against bootstrap --local and the Lambda path; checks it survives.")

    @Option(help: "Requests per target.")
    var requests = 10_000

    @Option(help: "Connections (local) or invocations (Lambda) in flight at once, at most.")
    var connections = 256

    @Option(help: "local, lambda or both.")
    var target = "both"

    @Option(help: "AWS_LAMBDA_MAX_CONCURRENCY for the Lambda child: its pollers.")
    var concurrency = 1

    @Option(help: "EMBEDCHAT_WORKERS for the Lambda child (default: the runtime's own rule, one worker per vCPU when concurrency > 1).")
    var workers: Int?

    @Option(help: "Seconds without a byte before a request counts as hung.")
    var budget = 120

    @Option(name: .customLong("rss-margin-mib"), help: "How much RSS may stay above its baseline at the end, in MiB.")
    var rssMarginMiB = 64

    @Option(help: "The bootstrap executable (default: next to this benchmark).")
    var bootstrap: String?

    @Option(help: "EMBEDCHAT_PYTHONPATH for the child (default: the environment's, else ./.python).")
    var pythonPath: String?

    static let providerKey = "sk-storm-provider-key-5f0c2a9e71d4"
    static let maxBodyBytes = 65_536

    func validate() throws {
        guard ["local", "lambda", "both"].contains(target) else { throw ValidationError("--target is local, lambda or both") }
        guard requests > 0, connections > 0, concurrency > 0, budget > 0, (workers ?? 1) > 0 else { throw ValidationError("counts must be positive") }
    }

    func run() async throws {
        let executable = try BenchChild.bootstrapExecutable(bootstrap)
        var failures: [String] = []
        if target != "lambda" { failures += try await storm(lambda: false, executable: executable) }
        if target != "local" { failures += try await storm(lambda: true, executable: executable) }
        if failures.isEmpty {
            print("storm: PASS")
        } else {
            print("storm: FAIL")
            for failure in failures { print("  - \(failure)") }
            throw ExitCode.failure
        }
    }

    func environment(_ provider: FakeProviderServer) -> [String: String] {
        var table: [String: [String: Any]] = [:]
        for (name, model) in StormKind.models {
            table[name] = ["model": model, "api_base": provider.openAIBase, "api_key_env": "STORM_PROVIDER_KEY", "num_retries": 0]
        }
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EMBEDCHAT_") && !$0.key.hasPrefix("AWS_") }
        environment["EMBEDCHAT_PYTHONPATH"] = pythonPath ?? ProcessInfo.processInfo.environment["EMBEDCHAT_PYTHONPATH"]
            ?? FileManager.default.currentDirectoryPath + "/.python"
        environment["EMBEDCHAT_MODELS"] = String(decoding: try! JSONSerialization.data(withJSONObject: table), as: UTF8.self)
        environment["STORM_PROVIDER_KEY"] = Self.providerKey
        environment["EMBEDCHAT_MAX_REQUEST_BYTES"] = "\(Self.maxBodyBytes)"
        return environment
    }

    /// One storm against one target; returns what failed.
    func storm(lambda: Bool, executable: String) async throws -> [String] {
        let name = lambda ? "Lambda (fake Runtime API, AWS_LAMBDA_MAX_CONCURRENCY=\(concurrency), EMBEDCHAT_WORKERS=\(workers.map(String.init) ?? "default"))"
            : "bootstrap --local"
        let kinds = StormKind.allCases.filter { !lambda || !$0.isLocalOnly }
        let provider = try await FakeProviderServer.start()
        var environment = environment(provider)
        let runtimeAPI = lambda ? try await RuntimeAPIFake.start() : nil
        let child: BenchChild
        if let runtimeAPI {
            environment["AWS_LAMBDA_RUNTIME_API"] = runtimeAPI.endpoint
            environment["AWS_LAMBDA_FUNCTION_NAME"] = "embedchat-storm"
            environment["AWS_LAMBDA_MAX_CONCURRENCY"] = "\(concurrency)"
            if let workers { environment["EMBEDCHAT_WORKERS"] = "\(workers)" }
            child = try BenchChild(executable: executable, arguments: [], environment: environment)
        } else {
            environment["EMBEDCHAT_LOCAL_MAX_CONNECTIONS"] = "\(connections)"
            environment["EMBEDCHAT_LOCAL_MAX_REQUESTS"] = "\(connections)"
            environment["EMBEDCHAT_LOCAL_READ_TIMEOUT_SECONDS"] = "10"
            child = try BenchChild(executable: executable, arguments: ["--local", "--port", "0"], environment: environment)
        }
        defer {
            child.stop()
            Task { try? await provider.shutdown(); try? await runtimeAPI?.shutdown() }
        }
        guard await child.waitForLog(lambda ? "litellm ready" : "bootstrap: listening on", seconds: 600) else {
            return ["\(name): the child did not start: \(child.log.suffix(2000))"]
        }
        // Every poller of every worker is waiting before the storm begins.
        if let runtimeAPI, (try? await runtimeAPI.waitForPolls(concurrency, timeout: .seconds(600))) == nil {
            return ["\(name): the pollers did not start: \(child.log.suffix(2000))"]
        }
        var port = 0
        if !lambda, let line = child.log.split(separator: "\n").first(where: { $0.hasPrefix("bootstrap: listening on ") }),
           let value = URLComponents(string: String(line.dropFirst("bootstrap: listening on ".count)))?.port {
            port = value
        }
        let listening = port, budget = budget
        let send: @Sendable (StormRequest) async -> StormOutcome = { request in
            if let runtimeAPI { return await Self.invoke(request, runtimeAPI, budget: budget) }
            return await Self.onThread { StormClient.run(request, port: listening, budget: budget) }
        }

        // Warm up (every kind twice, one at a time), then take the baseline.
        for index in 0..<(kinds.count * 2) where !kinds[index % kinds.count].isClientFault {
            _ = await send(StormRequest.make(index, kinds: kinds, maxBodyBytes: Self.maxBodyBytes))
        }
        _ = await settle(provider)
        let baseline = (fds: child.openFileDescriptors, rss: child.statusKiB("VmRSS"), upstream: provider.openConnections)

        let tally = StormTally()
        let began = ContinuousClock.now
        let next = NSLock()
        nonisolated(unsafe) var nextIndex = 0
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    while true {
                        let index = next.withLock { () -> Int in
                            defer { nextIndex += 1 }
                            return nextIndex
                        }
                        guard index < requests else { return }
                        let request = StormRequest.make(index, kinds: kinds, maxBodyBytes: Self.maxBodyBytes)
                        tally.began()
                        tally.ended(await send(request))
                        if index % 500 == 0 { runtimeAPI?.forgetResults() }
                    }
                }
            }
        }
        let elapsed = ContinuousClock.now - began
        let drained = await settle(provider)
        // What stays open above the baseline may only be upstream keep-alive connections the fake still sees open.
        var final = (fds: child.openFileDescriptors, upstream: provider.openConnections)
        for _ in 0..<100 where final.fds - baseline.fds > final.upstream - baseline.upstream + 2 {
            try? await Task.sleep(for: .milliseconds(100))
            final = (child.openFileDescriptors, provider.openConnections)
        }
        let rss = child.statusKiB("VmRSS"), peak = child.statusKiB("VmHWM")
        let alive = child.process.isRunning
        let leaks = child.linesHolding([Self.providerKey, "storm-prompt-"])
        let faults = (0..<requests).filter { index in
            let kind = kinds[index % kinds.count]
            return kind.isUpstreamFault || kind.isClientFault
        }.count

        print("""

            storm against \(name): \(requests) requests, up to \(connections) at once (\(tally.mostInFlight) reached), \
            \(String(format: "%.1f", elapsed.seconds)) s
              mix: \(kinds.count) kinds in turn; \(faults) with an upstream or client fault
              answers: \(tally.answered) right, \(tally.refused) refused (503 + retry-after), \(tally.closed) closed \
            without an answer, \(tally.wrong.count) wrong, \(tally.hung) hung
              upstream: \(provider.totalConnections) connections opened, \(provider.mostRequestsInFlight) requests in \
            flight at most, \(provider.requestsInFlight) still in flight at the end
              processes: \(child.processCount) (RSS and fds are summed over them)
              fds: \(baseline.fds) baseline, \(final.fds) final (upstream keep-alive: \(baseline.upstream) → \(final.upstream))
              RSS: \(baseline.rss / 1024) MiB baseline, \(rss / 1024) MiB final, \(peak / 1024) MiB peak
              log: \(child.log.split(separator: "\n").count) lines, \(leaks.count) holding a key or a prompt
            """)

        var failures: [String] = []
        if !alive { failures.append("\(name): the process died: \(child.log.suffix(2000))") }
        if tally.hung > 0 { failures.append("\(name): \(tally.hung) requests hung") }
        failures += tally.wrong.prefix(5).map { "\(name): wrong answer: \($0)" }
        if tally.wrong.count > 5 { failures.append("\(name): \(tally.wrong.count - 5) more wrong answers") }
        if !drained { failures.append("\(name): \(provider.requestsInFlight) upstream requests still open after the storm") }
        if final.fds - baseline.fds > final.upstream - baseline.upstream + 2 {
            failures.append("\(name): file descriptors \(baseline.fds) → \(final.fds), beyond the upstream keep-alive connections")
        }
        if rss - baseline.rss > rssMarginMiB * 1024 {
            failures.append("\(name): RSS \(baseline.rss / 1024) → \(rss / 1024) MiB, more than \(rssMarginMiB) MiB above its baseline")
        }
        failures += leaks.prefix(3).map { "\(name): a log line holds a key or a prompt: \($0.prefix(200))" }
        return failures
    }

    /// Waits (up to a minute) until no request is in flight at the fake provider.
    func settle(_ provider: FakeProviderServer) async -> Bool {
        for _ in 0..<600 where provider.requestsInFlight > 0 { try? await Task.sleep(for: .milliseconds(100)) }
        return provider.requestsInFlight == 0
    }

    /// One invocation through the fake Runtime API, judged like the local answer.
    static func invoke(_ request: StormRequest, _ runtimeAPI: RuntimeAPIFake, budget: Int) async -> StormOutcome {
        do {
            let id = try await runtimeAPI.enqueue(event: request.functionURLEvent, timeout: .seconds(900))
            // The runtime serves invocations one (or N) at a time: the budget covers the queue ahead too.
            let result = try await runtimeAPI.waitForResult(id, timeout: .seconds(budget + 10 * runtimeAPI.pendingEvents))
            guard let json = try? JSONSerialization.jsonObject(with: Data(result.body)) as? [String: Any],
                  let status = json["statusCode"] as? Int else {
                return .wrong("\(request.kind.rawValue): not an HTTP response: \(result.errorType ?? "") \(result.bodyString.prefix(300))")
            }
            let body = json["body"] as? String ?? ""
            // Buffered, a stream cut upstream is one error answer rather than a stream ending in an error event.
            var expected = request.kind.expected
            if request.kind == .cutStream { expected.formUnion([500, 502, 503]) }
            guard expected.contains(status) else { return .wrong("\(request.kind.rawValue): status \(status): \(body.prefix(300))") }
            return status == 200 ? StormClient.judge(request.kind, status: status, body: body)
                : (body.contains("\"error\"") ? .answered : .wrong("\(request.kind.rawValue): no error body"))
        } catch {
            return .hung
        }
    }

    static func onThread<R: Sendable>(_ body: @escaping @Sendable () -> R) async -> R {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.stackSize = 256 * 1024
            thread.start()
        }
    }
}
