import ArgumentParser
import Foundation
import LiteLLM
import ProviderFakes
import PythonEmbed

/// litellm through the Swift client against litellm in Python, in one process on one interpreter.
struct LiteLLMBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "litellm",
        abstract: "Per-call and per-chunk cost of litellm through the Swift client vs in Python; 64 concurrent requests vs one.")

    @Option(help: "Calls per block: each block of Swift calls is paired with one of Python calls.") var block = 25
    @Option(help: "Rounds of blocks for the per-call figures (the median is reported).") var pairs = 100
    @Option(help: "Pairs of streams for the per-chunk figures.") var streams = 9
    @Option(help: "Concurrent requests against the 250 ms upstream.") var concurrency = 64

    func run() async throws {
        let client = try await LiteLLMClient.start(Bench.configuration())
        let request = ChatCompletionRequest(model: OfflineMode.model, messages: [.user("hello")])
        let settings = ProviderSettings.offline(reply: "hello world")
        let streamText = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 30)
        let reference = try PythonReference()

        // Warm both paths.
        for _ in 0..<100 { _ = try await client.complete(request, settings: settings) }
        _ = try await reference.acompletion(calls: 100)

        // litellm's own per-call cost drifts by ±10% over seconds as the process ages (its logging threads, the
        // collector), more than the difference being measured. So the sides run in short blocks, in rotating order,
        // and each round gives ratios against the Python block of the same round; the figures are medians over the
        // rounds. Two Python references: awaiting in a loop on the loop thread (litellm's own cost, the target's
        // reference) and a Python thread handing each call to that loop (what any caller on another thread pays).
        var swiftCalls: [Double] = [], pinnedCalls: [Double] = [], pythonCalls: [Double] = [], threadCalls: [Double] = []
        var callRatios: [Double] = [], pinnedRatios: [Double] = [], threadRatios: [Double] = []
        let swiftBlock = {
            try await Bench.time {
                for _ in 0..<block { _ = try await client.complete(request, settings: settings) }
            } / Double(block)
        }
        let pinnedBlock = {
            try await withTaskExecutorPreference(client.executor) { try await swiftBlock() }
        }
        for pair in 0..<pairs {
            var swift = 0.0, pinned = 0.0, python = 0.0, threaded = 0.0
            for slot in 0..<4 {
                switch (slot + pair) % 4 {
                case 0: swift = try await swiftBlock()
                case 1: pinned = try await pinnedBlock()
                case 2: threaded = try await reference.fromThread(calls: block) / Double(block)
                default: python = try await reference.acompletion(calls: block) / Double(block)
                }
            }
            swiftCalls.append(swift)
            pinnedCalls.append(pinned)
            pythonCalls.append(python)
            threadCalls.append(threaded)
            callRatios.append(swift / python)
            pinnedRatios.append(pinned / python)
            threadRatios.append(threaded / python)
        }
        let otherCalls = 200
        var syncPython: [Double] = []
        for _ in 0..<3 {
            syncPython.append(try await reference.completion(calls: otherCalls) / Double(otherCalls))
        }

        var pythonChunks: [Double] = [], swiftChunks: [Double] = [], chunkRatios: [Double] = []
        var chunkCount = 0
        for pair in 0..<streams {
            let measureSwift = {
                var count = 0
                let seconds = try await Bench.time {
                    for try await _ in try await client.stream(request, settings: .offline(reply: streamText)) { count += 1 }
                }
                chunkCount = count
                return seconds / Double(count)
            }
            var swift = 0.0
            if pair % 2 == 1 { swift = try await measureSwift() }
            let (pythonSeconds, pythonCount) = try await reference.stream(text: streamText)
            if pair % 2 == 0 { swift = try await measureSwift() }
            let python = pythonSeconds / Double(pythonCount)
            pythonChunks.append(python)
            swiftChunks.append(swift)
            chunkRatios.append(swift / python)
        }

        let python = Bench.median(pythonCalls) * 1e6
        let swift = Bench.median(swiftCalls) * 1e6
        let callRatio = Bench.median(callRatios)
        let pinned = Bench.median(pinnedCalls) * 1e6
        let pinnedRatio = Bench.median(pinnedRatios)
        print("litellm \(client.startup.litellmVersion), mock_response (litellm's real code path, no socket)")
        print("per call: \(pairs) rounds of blocks of \(block) calls, rotating order; medians over the rounds")
        print(Bench.row("Python: await litellm.acompletion in a loop (reference)", python))
        print(Bench.row("Swift: client.complete from a task on the loop's executor", pinned))
        print(Bench.ratio("ratio Swift on the loop's executor / Python", pinnedRatio) + Bench.spread(pinnedRatios))
        print(Bench.row("bridge overhead per call (ratio − 1) × Python", (pinnedRatio - 1) * python))
        print(Bench.row("Swift: client.complete from the global executor", swift))
        print(Bench.ratio("ratio Swift from the global executor / Python", callRatio) + Bench.spread(callRatios))
        print(Bench.row("bridge overhead + two thread hand-offs per call", (callRatio - 1) * python))
        print(Bench.row("Python: another thread submits each call to the loop", Bench.median(threadCalls) * 1e6))
        print(Bench.ratio("ratio Python from another thread / Python", Bench.median(threadRatios)) + Bench.spread(threadRatios))
        print(Bench.row("Python: litellm.completion (sync) in a loop", Bench.median(syncPython) * 1e6))
        print("per chunk: \(streams) pairs of streams of \(chunkCount) chunks")
        print(Bench.row("Python: per chunk, async for over a mock stream", Bench.median(pythonChunks) * 1e6))
        print(Bench.row("Swift: per chunk, for try await over client.stream", Bench.median(swiftChunks) * 1e6))
        print(Bench.ratio("ratio Swift / Python per chunk (median of the pairs)", Bench.median(chunkRatios)))

        // Where the bridge's time goes, each part timed alone.
        let hops = 5_000
        let hopSeconds = try await Bench.loopRoundTrip(hops: hops)
        let glueSeconds = try await reference.glue(calls: hops) / Double(hops)
        print("where the bridge's time goes, each part alone:")
        let pythonHopSeconds = try await reference.roundTrips(hops) / Double(hops)
        print(Bench.row("  round trip to the loop thread (empty coroutine)", hopSeconds * 1e6))
        print(Bench.row("  the same from a Python thread (run_coroutine_threadsafe)", pythonHopSeconds * 1e6))
        print(Bench.row("  Python glue: the reply's cost", glueSeconds * 1e6))

        // 64 concurrent requests against a loopback upstream that answers after 250 ms.
        let server = try await FakeProviderServer.start(port: 0)
        let upstream = ProviderSettings(apiBase: server.openAIBase, apiKey: "sk-bench-0123456789", maxRetries: 0)
        let slow = ChatCompletionRequest(model: "openai/delay-250", messages: [.user("hi")])
        _ = try await client.complete(slow, settings: upstream)
        var singles: [Double] = []
        for _ in 0..<5 { singles.append(try await Bench.time { _ = try await client.complete(slow, settings: upstream) }) }
        // Bursts alternate with the same burst gathered in Python on the loop: litellm's own concurrency.
        var concurrent: [Double] = [], pythonConcurrent: [Double] = []
        for _ in 0..<3 {
            concurrent.append(try await Bench.time {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<concurrency { group.addTask { _ = try await client.complete(slow, settings: upstream) } }
                    try await group.waitForAll()
                }
            })
            pythonConcurrent.append(try await reference.concurrent(concurrency, apiBase: server.openAIBase, apiKey: "sk-bench-0123456789"))
        }
        try await server.shutdown()
        let single = Bench.median(singles) * 1e3
        let many = Bench.median(concurrent) * 1e3
        let pythonMany = Bench.median(pythonConcurrent) * 1e3
        print(Bench.row("one request, upstream latency 250 ms (reference)", single, unit: "ms"))
        print(Bench.row("\(concurrency) concurrent requests, wall time for all", many, unit: "ms"))
        print(Bench.ratio("ratio \(concurrency) concurrent / one", many / single))
        print(Bench.row("Python: the same \(concurrency) gathered on the loop", pythonMany, unit: "ms"))
        print(Bench.ratio("ratio Python's \(concurrency) concurrent / one", pythonMany / single))
    }
}

/// The same litellm calls made by Python itself on the shared event loop and on a worker thread.
private struct PythonReference {
    let glue: PythonHandle

    init() throws {
        glue = try Interpreter.withGIL { gil in
            try Interpreter.loadModule(named: "_embedchat_bench", source: """
                import asyncio, time, litellm
                MESSAGES = [{"role": "user", "content": "hello"}]
                LOOP = None
                async def one():
                    await litellm.acompletion(model="openai/offline", messages=MESSAGES, mock_response="hello world")
                async def nothing():
                    return 1
                async def concurrent(n, api_base, api_key):
                    # n calls gathered on the loop: litellm's own concurrency, for the Swift client's to stand beside.
                    async def call():
                        await litellm.acompletion(model="openai/delay-250", messages=[{"role": "user", "content": "hi"}],
                                                  api_base=api_base, api_key=api_key, num_retries=0)
                    began = time.perf_counter()
                    await asyncio.gather(*[call() for _ in range(n)])
                    return time.perf_counter() - began
                def round_trips(n):
                    # A Python thread's round trip to the same loop with an empty coroutine.
                    began = time.perf_counter()
                    for _ in range(n):
                        asyncio.run_coroutine_threadsafe(nothing(), LOOP).result()
                    return time.perf_counter() - began
                def from_thread(n):
                    # A Python thread handing each call to the same loop: what any host thread pays, Python or not.
                    began = time.perf_counter()
                    for _ in range(n):
                        asyncio.run_coroutine_threadsafe(one(), LOOP).result()
                    return time.perf_counter() - began
                async def acompletion(n):
                    global LOOP
                    LOOP = asyncio.get_running_loop()
                    began = time.perf_counter()
                    for _ in range(n):
                        await litellm.acompletion(model="openai/offline", messages=MESSAGES, mock_response="hello world")
                    return time.perf_counter() - began
                def completion(n):
                    began = time.perf_counter()
                    for _ in range(n):
                        litellm.completion(model="openai/offline", messages=MESSAGES, mock_response="hello world")
                    return time.perf_counter() - began
                async def glue(n):
                    import _embedchat_litellm as glue
                    response = await litellm.acompletion(model="openai/offline", messages=MESSAGES, mock_response="hello world")
                    began = time.perf_counter()
                    for _ in range(n):
                        glue._reply(response)
                    return time.perf_counter() - began
                async def stream(text):
                    began = time.perf_counter()
                    count = 0
                    response = await litellm.acompletion(model="openai/offline", messages=MESSAGES, mock_response=text, stream=True)
                    async for _ in response:
                        count += 1
                    return [time.perf_counter() - began, count]
                """, gil).handle(gil)
        }
    }

    /// Awaits the reference module's coroutine `name` on the shared loop; its seconds.
    private func onLoop(_ name: String, _ arguments: [PythonValue]) async throws -> Double {
        try await PythonEventLoop.shared().run({ [glue] gil in
            try glue.borrow(gil).callMethod(name, arguments: arguments, gil)
        }, convert: { value, gil in try value.toValue(gil).doubleValue ?? .nan })
    }

    /// Calls the reference module's function `name` on a worker thread (a Python thread); its seconds.
    private func onThread(_ name: String, _ arguments: [PythonValue]) async throws -> Double {
        try await PythonWorkerPool.shared.run { [glue] gil in
            try glue.borrow(gil).callMethod(name, arguments: arguments, gil).toValue(gil).doubleValue ?? .nan
        }
    }

    func acompletion(calls: Int) async throws -> Double { try await onLoop("acompletion", [.int(calls)]) }

    func glue(calls: Int) async throws -> Double { try await onLoop("glue", [.int(calls)]) }

    /// Seconds for `count` calls to the 250 ms upstream gathered in Python on the loop.
    func concurrent(_ count: Int, apiBase: String, apiKey: String) async throws -> Double {
        try await onLoop("concurrent", [.int(count), .string(apiBase), .string(apiKey)])
    }

    func roundTrips(_ count: Int) async throws -> Double { try await onThread("round_trips", [.int(count)]) }

    func fromThread(calls: Int) async throws -> Double { try await onThread("from_thread", [.int(calls)]) }

    func completion(calls: Int) async throws -> Double { try await onThread("completion", [.int(calls)]) }

    func stream(text: String) async throws -> (Double, Int) {
        let pair = try await PythonEventLoop.shared().run({ gil in
            try glue.borrow(gil).callMethod("stream", arguments: [.string(text)], gil)
        }, convert: { value, gil in try value.toValue(gil) })
        return (pair.arrayValue?[0].doubleValue ?? .nan, pair.arrayValue?[1].intValue ?? 1)
    }
}
