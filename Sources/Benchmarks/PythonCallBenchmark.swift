import ArgumentParser
import LiteLLM
import PythonEmbed

/// One trivial Python call through the Swift API (GIL acquire, call, conversions) against the same loop in Python.
struct PythonCallBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "python",
        abstract: "Cost of one trivial Python call through PythonEmbed vs the same call in a Python loop.")

    @Option(help: "Calls per round.") var calls = 200_000
    @Option(help: "Rounds (the median is reported).") var rounds = 5

    func run() async throws {
        try Interpreter.start(Bench.configuration().interpreter)
        let (function, pythonLoop) = try Interpreter.withGIL { gil in
            let namespace = try Interpreter.run("""
                import time
                def add_one(x):
                    return x + 1
                def loop(n):
                    began = time.perf_counter()
                    for i in range(n):
                        add_one(i)
                    return time.perf_counter() - began
                result = (add_one, loop)
                """, gil)
            return (try namespace.attribute("__getitem__", gil).call(arguments: [0], gil).handle(gil),
                    try namespace.attribute("__getitem__", gil).call(arguments: [1], gil).handle(gil))
        }
        let medians = try await Bench.medians(rounds: rounds, {
            // Each call in its own GIL scope: acquire, call with a converted argument, convert the result, release.
            try Bench.time {
                for index in 0..<calls {
                    let value = try Interpreter.withGIL { gil in
                        try function.borrow(gil).call(arguments: [.int(index)], gil).toValue(gil)
                    }
                    precondition(value == .int(index + 1))
                }
            } / Double(calls)
        }, {
            // The same calls inside one GIL scope: the cost of the call and conversions alone.
            try Interpreter.withGIL { gil in
                try Bench.time {
                    let callable = function.borrow(gil)
                    for index in 0..<calls { _ = try callable.call(arguments: [.int(index)], gil).toValue(gil) }
                }
            } / Double(calls)
        }, {
            try Interpreter.withGIL { gil in
                try pythonLoop.borrow(gil).call(arguments: [.int(calls)], gil).toValue(gil).doubleValue ?? .nan
            } / Double(calls)
        })
        let (swift, scoped, python) = (medians[0] * 1e6, medians[1] * 1e6, medians[2] * 1e6)
        print("PythonEmbed: one trivial call (add_one(i)), \(calls) calls × \(rounds) rounds, median")
        print(Bench.row("Python loop calling add_one (reference)", python))
        print(Bench.row("Swift: withGIL + call + Int conversions, per call", swift))
        print(Bench.row("Swift: call + conversions inside one GIL scope", scoped))
        print(Bench.ratio("ratio Swift per-call / Python loop", swift / python))
        print(Bench.row("bridge overhead per call (Swift − Python)", swift - python))

        // Round trips to the threads that run blocking and async Python work.
        let hops = 5_000
        let roundTrips = try await Bench.medians(rounds: rounds, { try await Bench.loopRoundTrip(hops: hops) }, {
            try await Bench.time {
                for _ in 0..<hops {
                    _ = try await PythonWorkerPool.shared.run { gil in try function.borrow(gil).call(arguments: [1], gil).toValue(gil) }
                }
            } / Double(hops)
        })
        print(Bench.row("round trip: coroutine on the asyncio loop thread", roundTrips[0] * 1e6))
        print(Bench.row("round trip: call on a worker-pool thread", roundTrips[1] * 1e6))
    }
}
