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

    @Option(help: "Calls per round for the per-call figures.") var calls = 300
    @Option(help: "Rounds (the median is reported).") var rounds = 9
    @Option(help: "Concurrent requests against the 250 ms upstream.") var concurrency = 64

    func run() async throws {
        let client = try await LiteLLMClient.start(Bench.configuration())
        let request = ChatCompletionRequest(model: OfflineMode.litellmModel, messages: [.user("hello")])
        let settings = ProviderSettings.offline(reply: "hello world")
        let streamText = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 30)
        let reference = try PythonReference()

        // Warm both paths.
        for _ in 0..<50 { _ = try await client.complete(request, settings: settings) }
        _ = try await reference.acompletion(calls: 50)

        var asyncPython: [Double] = [], syncPython: [Double] = [], swiftCalls: [Double] = [], threadPython: [Double] = []
        var pythonChunks: [Double] = [], swiftChunks: [Double] = []
        var chunkCount = 0
        for round in 0..<rounds {
            // Alternate which side goes first: litellm's per-call cost drifts as a process warms and ages.
            let measureSwift = {
                swiftCalls.append(try await Bench.time {
                    for _ in 0..<calls { _ = try await client.complete(request, settings: settings) }
                } / Double(calls))
            }
            if round % 2 == 1 { try await measureSwift() }
            asyncPython.append(try await reference.acompletion(calls: calls) / Double(calls))
            if round % 2 == 0 { try await measureSwift() }
            syncPython.append(try await reference.completion(calls: calls) / Double(calls))
            threadPython.append(try await reference.fromThread(calls: calls) / Double(calls))
            let (pythonSeconds, pythonCount) = try await reference.stream(text: streamText)
            pythonChunks.append(pythonSeconds / Double(pythonCount))
            var count = 0
            let seconds = try await Bench.time {
                for try await _ in try await client.stream(request, settings: .offline(reply: streamText)) { count += 1 }
            }
            swiftChunks.append(seconds / Double(count))
            chunkCount = count
        }
        let python = Bench.median(asyncPython) * 1e6
        let swift = Bench.median(swiftCalls) * 1e6
        print("litellm \(client.startup.litellmVersion), mock_response (litellm's real code path, no socket), \(calls) calls × \(rounds) rounds, median")
        print(Bench.row("Python: await litellm.acompletion in a loop (reference)", python))
        print(Bench.row("Python: litellm.completion (sync) in a loop", Bench.median(syncPython) * 1e6))
        let threaded = Bench.median(threadPython) * 1e6
        print(Bench.row("Python: another thread submits each call to the loop", threaded))
        print(Bench.row("Swift: client.complete (acompletion on the loop thread)", swift))
        print(Bench.ratio("ratio Swift / Python submitting from another thread", swift / threaded))
        print(Bench.ratio("ratio Swift / Python acompletion", swift / python))
        print(Bench.row("bridge overhead per call (Swift − Python)", swift - python))
        let pythonChunk = Bench.median(pythonChunks) * 1e6
        let swiftChunk = Bench.median(swiftChunks) * 1e6
        print(Bench.row("Python: per chunk, async for over a mock stream (\(chunkCount) chunks)", pythonChunk))
        print(Bench.row("Swift: per chunk, for try await over client.stream", swiftChunk))
        print(Bench.ratio("ratio Swift / Python per chunk", swiftChunk / pythonChunk))

        // 64 concurrent requests against a loopback upstream that answers after 250 ms.
        let server = try await FakeProviderServer.start(port: 0)
        let upstream = ProviderSettings(apiBase: server.openAIBase, apiKey: "sk-bench-0123456789", maxRetries: 0)
        let slow = ChatCompletionRequest(model: "openai/delay-250", messages: [.user("hi")])
        _ = try await client.complete(slow, settings: upstream)
        var singles: [Double] = []
        for _ in 0..<5 { singles.append(try await Bench.time { _ = try await client.complete(slow, settings: upstream) }) }
        var concurrent: [Double] = []
        for _ in 0..<3 {
            concurrent.append(try await Bench.time {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<concurrency { group.addTask { _ = try await client.complete(slow, settings: upstream) } }
                    try await group.waitForAll()
                }
            })
        }
        try await server.shutdown()
        let single = Bench.median(singles) * 1e3
        let many = Bench.median(concurrent) * 1e3
        print(Bench.row("one request, upstream latency 250 ms (reference)", single, unit: "ms"))
        print(Bench.row("\(concurrency) concurrent requests, wall time for all", many, unit: "ms"))
        print(Bench.ratio("ratio \(concurrency) concurrent / one", many / single))
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

    func acompletion(calls: Int) async throws -> Double {
        try await PythonEventLoop.shared().run({ gil in
            try glue.borrow(gil).callMethod("acompletion", arguments: [.int(calls)], gil)
        }, convert: { gil, value in try value.toValue(gil).doubleValue ?? .nan })
    }

    func fromThread(calls: Int) async throws -> Double {
        try await PythonWorkerPool.shared.run { [glue] gil in
            try glue.borrow(gil).callMethod("from_thread", arguments: [.int(calls)], gil).toValue(gil).doubleValue ?? .nan
        }
    }

    func completion(calls: Int) async throws -> Double {
        try await PythonWorkerPool.shared.run { [glue] gil in
            try glue.borrow(gil).callMethod("completion", arguments: [.int(calls)], gil).toValue(gil).doubleValue ?? .nan
        }
    }

    func stream(text: String) async throws -> (Double, Int) {
        let pair = try await PythonEventLoop.shared().run({ gil in
            try glue.borrow(gil).callMethod("stream", arguments: [.string(text)], gil)
        }, convert: { gil, value in try value.toValue(gil) })
        return (pair.arrayValue?[0].doubleValue ?? .nan, pair.arrayValue?[1].intValue ?? 1)
    }
}
