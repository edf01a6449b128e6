import Foundation
import ProviderFakes
import RuntimeAPIFake

/// `embedchat-bench lambda --concurrency N`: one `bootstrap` with N pollers (`AWS_LAMBDA_MAX_CONCURRENCY=N`) against
/// the in-process fake Runtime API, its model pointing at a loopback provider that answers after 250 ms.
///
/// Prints, in one run: one invocation alone against 64 enqueued at once (wall time and ratio); the per-invocation
/// cost of a flood of offline invocations with the process's CPU use (where one process saturates); RSS after
/// warm-up, at the peak of the 64-burst and after `soak` more invocations; and beside it the managed Python
/// runtime's way, N separate Python processes that each imported litellm (the sum of their RSS).
struct LambdaConcurrencyRun {
    let executable: String
    let packages: String
    let concurrency: Int
    let burst: Int
    let soak: Int
    let pythonProcesses: Int
    let logLevel: String

    func run() async throws {
        let provider = try await FakeProviderServer.start()
        let fake = try await RuntimeAPIFake.start()
        let models = #"{"up": {"model": "openai/echo+delay-250", "api_base": "\#(provider.openAIBase)", "api_key_env": "BENCH_PROVIDER_KEY", "num_retries": 0},"#
            + #" "offline": {"model": "openai/gpt-4o-mini", "mock_response": "offline reply: no provider was called"}}"#
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EMBEDCHAT_") && !$0.key.hasPrefix("AWS_") }
        environment["AWS_LAMBDA_RUNTIME_API"] = fake.endpoint
        environment["AWS_LAMBDA_MAX_CONCURRENCY"] = String(concurrency)
        environment["EMBEDCHAT_PYTHONPATH"] = packages
        environment["EMBEDCHAT_MODELS"] = models
        environment["BENCH_PROVIDER_KEY"] = "sk-bench-provider-key"
        environment["LOG_LEVEL"] = logLevel
        child.environment = environment
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        defer {
            child.terminate()
            child.waitUntilExit()
        }
        let pid = child.processIdentifier
        let upstream = #"{"model":"up","messages":[{"role":"user","content":"ping"}]}"#
        let offline = #"{"model":"offline","messages":[{"role":"user","content":"How long does a Lambda invocation take?"}]}"#

        // Warm-up: every poller serves a few of each kind.
        _ = try await invokeAll(fake, Array(repeating: upstream, count: concurrency * 2))
        _ = try await invokeAll(fake, Array(repeating: offline, count: concurrency * 4))
        let warmRSS = try ProcessMemory.residentKiB(pid)

        // One invocation alone, then `burst` at once (the median of three of each).
        var alone: [Double] = []
        var bursts: [Double] = []
        var burstPeakRSS = warmRSS
        for _ in 0..<3 {
            alone.append(try await invokeAll(fake, [upstream]))
            let sampler = RSSSampler(pid: pid)
            bursts.append(try await invokeAll(fake, Array(repeating: upstream, count: burst)))
            burstPeakRSS = max(burstPeakRSS, await sampler.stop())
        }
        let mostAtOnce = fake.mostInvocationsInFlight

        // A flood of offline invocations: the runtime's and litellm's own cost, and the CPU it takes.
        let flood = 400
        let cpuBefore = try ProcessMemory.cpuSeconds(pid)
        let floodWall = try await invokeAll(fake, Array(repeating: offline, count: flood))
        let cpu = try ProcessMemory.cpuSeconds(pid) - cpuBefore

        // The soak: RSS after many more, read every 2,000 so a plateau shows apart from a leak.
        var remaining = soak
        var soakTrajectory: [(Int, Int)] = []
        while remaining > 0 {
            let round = min(remaining, 500)
            _ = try await invokeAll(fake, Array(repeating: offline, count: round))
            fake.forgetResults()
            remaining -= round
            if (soak - remaining) % 2000 == 0 || remaining == 0 {
                soakTrajectory.append((soak - remaining, try ProcessMemory.residentKiB(pid)))
            }
        }
        let soakRSS = soakTrajectory.last?.1 ?? warmRSS
        try await fake.shutdown()
        try await provider.shutdown()

        let python = try await PythonProcesses.measure(count: pythonProcesses, packages: packages)

        let aloneMedian = Bench.median(alone), burstMedian = Bench.median(bursts)
        print("Lambda Managed Instances: one bootstrap, \(concurrency) pollers (AWS_LAMBDA_MAX_CONCURRENCY), fake Runtime API")
        print(Bench.row("one invocation, upstream 250 ms (median of 3)", aloneMedian * 1000, unit: "ms"))
        print(Bench.row("\(burst) invocations enqueued at once (median of 3)", burstMedian * 1000, unit: "ms"))
        print(Bench.ratio("  ratio (goal ≤ 2× with enough pollers)", burstMedian / aloneMedian))
        print("  most invocations in flight at once (recorded by the fake): \(mostAtOnce)")
        print(Bench.row("\(flood) offline invocations at once: per invocation", floodWall / Double(flood) * 1e6))
        print(Bench.row("  throughput", Double(flood) / floodWall, unit: "/s"))
        print(Bench.row("  bootstrap CPU over wall time (1.0 = one core busy)", cpu / floodWall, unit: "cores"))
        print(Bench.row("RSS after warm-up", Double(warmRSS) / 1024, unit: "MB"))
        print(Bench.row("RSS peak during the \(burst)-invocation bursts", Double(burstPeakRSS) / 1024, unit: "MB"))
        print(Bench.row("  growth over warm-up (goal ≤ 15 MB)", Double(burstPeakRSS - warmRSS) / 1024, unit: "MB"))
        print(Bench.row("RSS after \(soak) more invocations", Double(soakRSS) / 1024, unit: "MB"))
        print(Bench.row("  growth over warm-up", Double(soakRSS - warmRSS) / 1024, unit: "MB"))
        print("  RSS along the way (MB): " + soakTrajectory.map { "\($0.0): \(String(format: "%.1f", Double($0.1) / 1024))" }.joined(separator: ", "))
        if !python.isEmpty {
            let sum = python.reduce(0, +)
            print("The managed Python runtime's way: one process per concurrent request, each having imported litellm")
            print(Bench.row("  \(python.count) python3.11 processes after `import litellm`, RSS sum", Double(sum) / 1024, unit: "MB"))
            print(Bench.row("  per process (mean)", Double(sum) / Double(python.count) / 1024, unit: "MB"))
            print(Bench.ratio("  bootstrap after warm-up / their sum", Double(warmRSS) / Double(sum)))
        }
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

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads a process's memory and CPU time from `/proc`.
enum ProcessMemory {
    static func residentKiB(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            if let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") { return kib }
        }
        throw BenchmarkFailure("no VmRSS for process \(pid)")
    }

    /// User plus system CPU seconds the process has used.
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (which may hold spaces) start after the last ')'.
        guard let close = stat.lastIndex(of: ")") else { throw BenchmarkFailure("unreadable /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchmarkFailure("unreadable /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// Samples a process's RSS every 10 ms until stopped; returns the peak.
final class RSSSampler: Sendable {
    private let task: Task<Int, Never>

    init(pid: Int32) {
        task = Task {
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, (try? ProcessMemory.residentKiB(pid)) ?? 0)
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
