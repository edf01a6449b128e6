import Foundation
import ProviderFakes
import RuntimeAPIFake

/// `embedchat-bench lambda --concurrency N`: `bootstrap` with N pollers (`AWS_LAMBDA_MAX_CONCURRENCY=N`) against the
/// in-process fake Runtime API, its model pointing at a loopback provider that answers after 250 ms, measured twice
/// in one run: one process serving all N pollers (`EMBEDCHAT_WORKERS=1`), then W worker processes sharing them.
///
/// Prints, side by side: one invocation alone against 64 enqueued at once (wall time and ratio); the per-invocation
/// cost of a flood of offline invocations with the CPU it took (where one process saturates); RSS summed over the
/// processes after warm-up, at the peak of the 64-burst and after `soak` more invocations; and beside it the managed
/// Python runtime's way, N separate Python processes that each imported litellm (the sum of their RSS).
struct LambdaConcurrencyRun {
    let executable: String
    let packages: String
    let concurrency: Int
    let workers: Int
    let burst: Int
    let soak: Int
    let pythonProcesses: Int
    let logLevel: String

    /// What one way of serving measured.
    struct Figures {
        var processes = 0
        var alone = 0.0, burst = 0.0, mostAtOnce = 0
        var floodWall = 0.0, floodCPU = 0.0
        var warmRSS = 0, burstPeakRSS = 0, soakRSS = 0
        var trajectory: [(Int, Int)] = []
    }

    static let flood = 400

    func run() async throws {
        // The cores are shared on a busy machine: what else ran is part of the figures.
        let loadBefore = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        let single = try await measure(workers: 1)
        let several = workers > 1 ? try await measure(workers: workers) : nil
        let python = try await PythonProcesses.measure(count: pythonProcesses, packages: packages)

        print("Lambda Managed Instances: bootstrap with \(concurrency) pollers (AWS_LAMBDA_MAX_CONCURRENCY), fake Runtime API, "
              + "\(ProcessInfo.processInfo.activeProcessorCount) processors; load average before: \(loadBefore)")
        print("  columns: one process (EMBEDCHAT_WORKERS=1)" + (several.map { " | \(workers) worker processes (\($0.processes) processes with the parent)" } ?? ""))
        func line(_ label: String, _ unit: String, _ value: (Figures) -> Double, format: String = "%.1f") {
            let values = [single] + (several.map { [$0] } ?? [])
            let text = values.map { String(format: format, value($0)) + " " + unit }.joined(separator: " | ")
            print("  " + label.padding(toLength: 58, withPad: " ", startingAt: 0) + text)
        }
        line("one invocation, upstream 250 ms (median of 3)", "ms") { $0.alone * 1000 }
        line("\(burst) invocations enqueued at once (median of 3)", "ms") { $0.burst * 1000 }
        line("  ratio to one invocation (goal ≤ 2×)", "×", { $0.burst / $0.alone }, format: "%.2f")
        line("  most invocations in flight at once (the fake's count)", "", { Double($0.mostAtOnce) }, format: "%.0f")
        line("\(Self.flood) offline invocations at once: per invocation", "µs") { $0.floodWall / Double(Self.flood) * 1e6 }
        line("  throughput", "/s", { Double(Self.flood) / $0.floodWall }, format: "%.0f")
        line("  CPU over wall time (1.0 = one core busy)", "cores", { $0.floodCPU / $0.floodWall }, format: "%.2f")
        line("  CPU per invocation (all processes)", "µs", { $0.floodCPU / Double(Self.flood) * 1e6 }, format: "%.0f")
        line("RSS after warm-up (all processes)", "MB") { Double($0.warmRSS) / 1024 }
        line("RSS peak during the \(burst)-invocation bursts", "MB") { Double($0.burstPeakRSS) / 1024 }
        line("  growth over warm-up (goal ≤ 15 MB)", "MB") { Double($0.burstPeakRSS - $0.warmRSS) / 1024 }
        line("RSS after \(soak) more invocations", "MB") { Double($0.soakRSS) / 1024 }
        line("  growth over warm-up", "MB") { Double($0.soakRSS - $0.warmRSS) / 1024 }
        for (label, figures) in [("one process", single)] + (several.map { [("\(workers) workers", $0)] } ?? []) {
            print("  RSS along the way, \(label) (MB): " + figures.trajectory.map { "\($0.0): \(String(format: "%.1f", Double($0.1) / 1024))" }.joined(separator: ", "))
        }
        if let several {
            print(Bench.ratio("  \(burst)-burst wall time, \(workers) workers / one process", several.burst / single.burst))
            print(Bench.ratio("  offline throughput, \(workers) workers / one process", single.floodWall / several.floodWall))
        }
        if !python.isEmpty {
            let sum = python.reduce(0, +)
            print("The managed Python runtime's way: one process per concurrent request, each having imported litellm")
            print(Bench.row("  \(python.count) python3.11 processes after `import litellm`, RSS sum", Double(sum) / 1024, unit: "MB"))
            print(Bench.row("  per process (mean)", Double(sum) / Double(python.count) / 1024, unit: "MB"))
            print(Bench.ratio("  bootstrap, one process, after warm-up / their sum", Double(single.warmRSS) / Double(sum)))
            if let several { print(Bench.ratio("  bootstrap, \(workers) workers, after warm-up / their sum", Double(several.warmRSS) / Double(sum))) }
        }
    }

    /// Starts one bootstrap with `workers` worker processes (1: none) and measures it.
    private func measure(workers: Int) async throws -> Figures {
        let provider = try await FakeProviderServer.start()
        let fake = try await RuntimeAPIFake.start()
        let models = #"{"up": {"model": "openai/echo+delay-250", "api_base": "\#(provider.openAIBase)", "api_key_env": "BENCH_PROVIDER_KEY", "num_retries": 0},"#
            + #" "offline": {"model": "openai/gpt-4o-mini", "mock_response": "offline reply: no provider was called"}}"#
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EMBEDCHAT_") && !$0.key.hasPrefix("AWS_") }
        environment["AWS_LAMBDA_RUNTIME_API"] = fake.endpoint
        environment["AWS_LAMBDA_MAX_CONCURRENCY"] = String(concurrency)
        environment["EMBEDCHAT_WORKERS"] = String(workers)
        environment["EMBEDCHAT_PYTHONPATH"] = packages
        environment["EMBEDCHAT_MODELS"] = models
        environment["BENCH_PROVIDER_KEY"] = "sk-bench-provider-key"
        environment["LOG_LEVEL"] = logLevel
        let child = try BenchChild(executable: executable, environment: environment, keepLog: false)
        defer { child.stop() }
        _ = try await fake.waitForPolls(concurrency, timeout: .seconds(600))
        let upstream = #"{"model":"up","messages":[{"role":"user","content":"ping"}]}"#
        let offline = #"{"model":"offline","messages":[{"role":"user","content":"How long does a Lambda invocation take?"}]}"#
        var figures = Figures()
        figures.processes = child.processCount

        // Warm-up: every poller serves a few of each kind.
        _ = try await invokeAll(fake, Array(repeating: upstream, count: concurrency * 2))
        _ = try await invokeAll(fake, Array(repeating: offline, count: concurrency * 4))
        figures.warmRSS = child.statusKiB("VmRSS")

        // One invocation alone, then `burst` at once (the median of three of each).
        var alone: [Double] = []
        var bursts: [Double] = []
        figures.burstPeakRSS = figures.warmRSS
        for _ in 0..<3 {
            alone.append(try await invokeAll(fake, [upstream]))
            let sampler = RSSSampler(child)
            bursts.append(try await invokeAll(fake, Array(repeating: upstream, count: burst)))
            figures.burstPeakRSS = max(figures.burstPeakRSS, await sampler.stop())
        }
        figures.alone = Bench.median(alone)
        figures.burst = Bench.median(bursts)
        figures.mostAtOnce = fake.mostInvocationsInFlight

        // A flood of offline invocations: the runtime's and litellm's own cost, and the CPU it takes.
        let cpuBefore = child.cpuSeconds
        figures.floodWall = try await invokeAll(fake, Array(repeating: offline, count: Self.flood))
        figures.floodCPU = child.cpuSeconds - cpuBefore

        // The soak: RSS after many more, read every 2,000 so a plateau shows apart from a leak.
        var remaining = soak
        while remaining > 0 {
            let round = min(remaining, 500)
            _ = try await invokeAll(fake, Array(repeating: offline, count: round))
            fake.forgetResults()
            remaining -= round
            if (soak - remaining) % 2000 == 0 || remaining == 0 {
                figures.trajectory.append((soak - remaining, child.statusKiB("VmRSS")))
            }
        }
        figures.soakRSS = figures.trajectory.last?.1 ?? figures.warmRSS
        try await fake.shutdown()
        try await provider.shutdown()
        return figures
    }

    /// Enqueues every event at once and waits for all the results; returns the wall time in seconds.
    private func invokeAll(_ fake: RuntimeAPIFake, _ events: [String]) async throws -> Double {
        try await Bench.time {
            var ids: [String] = []
            for event in events { ids.append(try await fake.enqueue(event: event)) }
            for id in ids {
                let result = try await fake.waitForResult(id, timeout: .seconds(300))
                guard !result.isError, result.bodyString.contains("chat.completion") else {
                    throw BenchmarkFailure("invocation failed: \(result.errorType ?? "") \(result.bodyString.prefix(300))")
                }
            }
        }
    }
}

/// Samples a child's RSS (summed over its processes) every 10 ms until stopped; returns the peak.
final class RSSSampler: Sendable {
    private let task: Task<Int, Never>

    init(_ child: BenchChild) {
        task = Task {
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, child.statusKiB("VmRSS"))
                try? await Task.sleep(for: .milliseconds(10))
            }
            return peak
        }
    }

    func stop() async -> Int {
        task.cancel()
        return await task.value
    }
}

/// N Python processes that each imported litellm, as AWS's managed Python runtime runs one per concurrent request.
enum PythonProcesses {
    static func measure(count: Int, packages: String) async throws -> [Int] {
        guard count > 0 else { return [] }
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3.11") ? "/usr/bin/python3.11" : "/usr/bin/python3"
        let script = "import sys; sys.path[1:1] = sys.argv[1].split(':'); import litellm; print('ready', flush=True); sys.stdin.read()"
        var processes: [(Process, Pipe, Pipe)] = []
        defer {
            for (process, _, input) in processes {
                try? input.fileHandleForWriting.close()
                process.waitUntilExit()
            }
        }
        // Started one after another: each import takes seconds of CPU, and together they would only be slower.
        var resident: [Int] = []
        for _ in 0..<count {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", script, packages]
            let output = Pipe(), input = Pipe()
            process.standardOutput = output
            process.standardInput = input
            process.standardError = FileHandle.nullDevice
            try process.run()
            processes.append((process, output, input))
            let line = output.fileHandleForReading.availableData
            guard String(decoding: line, as: UTF8.self).contains("ready") else {
                throw BenchmarkFailure("a python process did not import litellm from \(packages)")
            }
            resident.append(try ProcessMemory.residentKiB(process.processIdentifier))
        }
        return resident
    }
}
