import ArgumentParser
import Foundation
import LiteLLM
import RuntimeAPIFake

/// `embedchat-bench lambda`: the custom runtime's own cost per invocation.
///
/// Runs the built `bootstrap` as a child process against the in-process ``RuntimeAPIFake`` in offline mode
/// (`EMBEDCHAT_MODELS` unset, so litellm answers through `mock_response`) and times N direct invokes end to end
/// (enqueue → `/next` → handler → `/response` recorded). Then, after the child has exited, times the same offline
/// `LiteLLMClient.complete` called directly in this process. The difference is what the runtime adds: the Runtime
/// API round trips, event decoding, validation, policy, JSON re-encoding and logging.
///
/// With `--concurrency N` it measures Lambda Managed Instances instead (``LambdaConcurrencyRun``).
struct LambdaOverheadBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lambda",
        abstract: "Per-invocation overhead of the bootstrap runtime vs an in-process offline completion.")

    @Option(help: "Timed invocations on each side.")
    var invocations = 200

    @Option(help: "Untimed invocations first, on each side.")
    var warmup = 20

    @Option(help: "The bootstrap executable (default: next to this benchmark).")
    var bootstrap: String?

    @Option(help: "EMBEDCHAT_PYTHONPATH for both sides (default: the environment's, else ./.python).")
    var pythonPath: String?

    @Option(help: "LOG_LEVEL of the child (its per-invocation info line is part of the overhead by default).")
    var logLevel = "info"

    @Option(help: "Lambda Managed Instances: run one bootstrap with this many pollers (AWS_LAMBDA_MAX_CONCURRENCY) and measure bursts to a 250 ms upstream, CPU and memory.")
    var concurrency: Int?

    @Option(help: "With --concurrency: invocations enqueued at once against a 250 ms upstream.")
    var burst = 64

    @Option(help: "With --concurrency: offline invocations after the bursts, before the last RSS reading.")
    var soak = 10_000

    @Option(help: "With --concurrency: worker processes for the second measurement (EMBEDCHAT_WORKERS; default one per vCPU; 1 measures one process only).")
    var workers: Int?

    @Option(help: "With --concurrency: python3.11 processes importing litellm for the reference (default: the concurrency; 0 skips it).")
    var pythonProcesses: Int?

    func run() async throws {
        let packages = pythonPath ?? ProcessInfo.processInfo.environment["EMBEDCHAT_PYTHONPATH"]
            ?? FileManager.default.currentDirectoryPath + "/.python"
        let executable = try BenchChild.bootstrapExecutable(bootstrap)
        if let concurrency {
            guard concurrency >= 1, burst >= 1, soak >= 0, (workers ?? 1) >= 1 else {
                throw ValidationError("--concurrency, --burst and --workers must be positive")
            }
            return try await LambdaConcurrencyRun(
                executable: executable, packages: packages, concurrency: concurrency,
                workers: min(workers ?? ProcessInfo.processInfo.activeProcessorCount, concurrency), burst: burst, soak: soak,
                pythonProcesses: pythonProcesses ?? concurrency, logLevel: logLevel
            ).run()
        }
        let event = #"{"model":"offline","messages":[{"role":"user","content":"How long does a Lambda invocation take?"}]}"#

        // Through the runtime.
        let fake = try await RuntimeAPIFake.start()
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EMBEDCHAT_") }
        environment["AWS_LAMBDA_RUNTIME_API"] = fake.endpoint
        environment["EMBEDCHAT_PYTHONPATH"] = packages
        environment["LOG_LEVEL"] = logLevel
        environment["AWS_LAMBDA_LOG_LEVEL"] = nil
        let launched = ContinuousClock.now
        let child = try BenchChild(executable: executable, environment: environment, keepLog: false)
        var firstAnswer = Duration.zero
        let lambda: [Duration]
        do {
            lambda = try await Bench.samples(invocations, warmup: warmup) { index in
                let id = try await fake.enqueue(event: event)
                let result = try await fake.waitForResult(id, timeout: .seconds(120))
                guard !result.isError, result.bodyString.contains("chat.completion") else {
                    throw ValidationError("invocation \(index) failed: \(result.errorType ?? "") \(result.bodyString.prefix(300))")
                }
                if index == 0 { firstAnswer = ContinuousClock.now - launched }
                if index % 50 == 0 { fake.forgetResults() }
            }
        } catch {
            child.stop()
            throw error
        }
        child.stop()
        try await fake.shutdown()

        // The same completion, in-process.
        let client = try await LiteLLMClient.start(PythonSettings(packagePaths: packages.split(separator: ":").map(String.init)))
        let request = ChatCompletionRequest(model: "openai/gpt-4o-mini", messages: [.user("How long does a Lambda invocation take?")])
        let direct = try await Bench.samples(invocations, warmup: warmup) { _ in
            _ = try await client.complete(request, settings: .offline())
        }

        let lambdaStats = Stats(lambda)
        let directStats = Stats(direct)
        print("Lambda runtime overhead (offline mode, \(invocations) invocations after \(warmup) warm-up, sequential)")
        print("  cold start to first answer (process launch → first /response): \(format(firstAnswer))")
        print("  " + "".padding(toLength: 34, withPad: " ", startingAt: 0) + "   mean      p50      p95      min")
        print("  " + lambdaStats.row("bootstrap via Runtime API (direct)"))
        print("  " + directStats.row("client.complete in-process"))
        print("  overhead per invocation: mean \(format(lambdaStats.mean - directStats.mean)), p50 \(format(lambdaStats.p50 - directStats.p50)); "
              + "ratio \(String(format: "%.2f", lambdaStats.mean.seconds / directStats.mean.seconds))x")
    }
}

private struct Stats {
    let mean, p50, p95, min: Duration

    init(_ samples: [Duration]) {
        let sorted = samples.sorted()
        mean = sorted.reduce(.zero, +) / Swift.max(sorted.count, 1)
        p50 = sorted.isEmpty ? .zero : sorted[sorted.count / 2]
        p95 = sorted.isEmpty ? .zero : sorted[Swift.min(sorted.count - 1, sorted.count * 95 / 100)]
        min = sorted.first ?? .zero
    }

    func row(_ label: String) -> String {
        label.padding(toLength: 34, withPad: " ", startingAt: 0)
            + [mean, p50, p95, min].map { format($0).leftPadded(to: 9) }.joined()
    }
}

private func format(_ duration: Duration) -> String {
    String(format: "%.2f ms", duration.seconds * 1000)
}

private extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
