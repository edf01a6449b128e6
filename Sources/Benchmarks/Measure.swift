import Foundation
import LiteLLM
import PythonEmbed

/// Shared set-up and statistics for the benchmarks.
enum Bench {
    static func configuration() -> PythonSettings {
        var configuration = PythonSettings.fromEnvironment()
        if ProcessInfo.processInfo.environment["EMBEDCHAT_PYTHONPATH"] == nil {
            configuration.packagePaths = [FileManager.default.currentDirectoryPath + "/.python"]
        }
        return configuration
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    /// The middle half of `values` (first to third quartile), printed after a median so its spread shows.
    static func spread(_ values: [Double]) -> String {
        let sorted = values.sorted()
        guard sorted.count >= 4 else { return "" }
        return String(format: "  (middle half %.3f–%.3f)", sorted[sorted.count / 4], sorted[sorted.count * 3 / 4])
    }

    /// Seconds a closure takes.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let began = ContinuousClock.now
        try body()
        return (ContinuousClock.now - began).seconds
    }

    static func time(_ body: () async throws -> Void) async rethrows -> Double {
        let began = ContinuousClock.now
        try await body()
        return (ContinuousClock.now - began).seconds
    }

    /// CPU seconds the whole process has used so far, every thread's (`CLOCK_PROCESS_CPUTIME_ID`).
    static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Runs `body` `warmup + count` times, one after another, and returns how long each of the last `count` runs took.
    /// - Parameters:
    ///   - count: The timed runs.
    ///   - warmup: The untimed runs first.
    ///   - body: One run; it gets the run's index (0 is the first warm-up run).
    static func samples(_ count: Int, warmup: Int, _ body: (Int) async throws -> Void) async rethrows -> [Duration] {
        var samples: [Duration] = []
        samples.reserveCapacity(count)
        for index in 0..<(warmup + count) {
            let started = ContinuousClock.now
            try await body(index)
            if index >= warmup { samples.append(ContinuousClock.now - started) }
        }
        return samples
    }

    /// The median of each side's figures over `rounds` rounds, each round measuring every side once, in the order
    /// given (so a drift over the run touches every side alike).
    /// - Parameters:
    ///   - rounds: How many figures each median is taken of.
    ///   - sides: Each returns one figure (e.g. seconds per call) when called.
    /// - Returns: One median per side, in the order of `sides`.
    static func medians(rounds: Int, _ sides: (() async throws -> Double)...) async throws -> [Double] {
        var figures = Array(repeating: [Double](), count: sides.count)
        for _ in 0..<rounds {
            for (index, side) in sides.enumerated() { figures[index].append(try await side()) }
        }
        return figures.map(median)
    }

    static func row(_ label: String, _ value: Double, unit: String = "µs") -> String {
        label.padding(toLength: 58, withPad: " ", startingAt: 0) + String(format: "%10.2f %@", value, unit)
    }

    static func ratio(_ label: String, _ value: Double) -> String {
        label.padding(toLength: 58, withPad: " ", startingAt: 0) + String(format: "%10.3f ×", value)
    }

    /// Seconds per round trip of an empty coroutine through the shared event loop, over `hops` calls.
    static func loopRoundTrip(hops: Int) async throws -> Double {
        let loop = try PythonEventLoop.shared()
        let nothing = try Interpreter.withGIL { gil in
            try Interpreter.run("async def nothing():\n    return 1\nresult = nothing", gil).handle(gil)
        }
        return try await time {
            for _ in 0..<hops {
                _ = try await loop.run({ gil in try nothing.borrow(gil).call(gil) }, convert: { value, gil in try value.toValue(gil) })
            }
        } / Double(hops)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
