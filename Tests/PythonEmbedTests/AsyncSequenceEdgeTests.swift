import Foundation
import PythonEmbed
import Synchronization
import Testing

/// Runs `body` in a task of its own and says whether it finished within `seconds` (a hung task is left behind, so a
/// regression fails the test instead of hanging the run).
private func finishes(within seconds: Double, _ body: @escaping @Sendable () async throws -> Void) async -> Bool {
    let done = Atomic<Bool>(false)
    Task { _ = try? await body(); done.store(true, ordering: .releasing) }
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if done.load(ordering: .acquiring) { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return done.load(ordering: .acquiring)
}

private final class Results: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ value: String) { storage.withLock { $0.append(value) } }
    var values: [String] { storage.withLock { $0 } }
}

/// The pumped async sequence and the loop at their edges (found in review).
@Suite("Async sequences and the loop at their edges", .serialized, .timeLimit(.minutes(5)))
struct AsyncSequenceEdgeTests {
    @Test func aCancelledErrorFromTheIteratorEndsTheSequenceWithCancellation() async throws {
        try startPython()
        let stream = try await pythonAsyncSequence("""
            import asyncio
            async def gen():
                yield 1
                raise asyncio.CancelledError()
            result = gen()
            """)
        let outcome = Results()
        let finished = await finishes(within: 60) {
            var iterator = stream.makeAsyncIterator()
            _ = try await iterator.next()
            do {
                _ = try await iterator.next()
                outcome.append("returned")
            } catch is CancellationError {
                outcome.append("cancelled")
            }
        }
        #expect(finished, "next() never returned after the iterator raised CancelledError")
        #expect(outcome.values == ["cancelled"], "a cut-off stream must not look finished")
    }

    @Test func aSecondConsumerWaitingAtOnceIsRefusedAndTheFirstGoesOn() async throws {
        try startPython()
        // The first item waits for the test's word, not for a 0.2 s sleep: the second consumer comes while the first
        // is surely waiting (the generator has started for it) and surely before its item, however slow the machine.
        let stream = try await pythonAsyncSequence("""
            import asyncio, builtins
            builtins.edge_pulled = False
            builtins.edge_release = False
            async def gen():
                builtins.edge_pulled = True
                while not builtins.edge_release:
                    await asyncio.sleep(0.01)
                for i in range(3):
                    yield i
            result = gen()
            """)
        let results = Results()
        async let first = finishes(within: 120) {
            var iterator = stream.makeAsyncIterator()
            let item = try await iterator.next()
            results.append("item \(item?.intValue ?? -1)")
        }
        // A hang here means the first consumer's pull never started.
        try await untilPythonIsTrue("builtins.edge_pulled")
        let second = await finishes(within: 60) {
            var iterator = stream.makeAsyncIterator()
            do { _ = try await iterator.next() } catch let error as PythonError {
                results.append("refused: \(error.typeName)")
            }
        }
        #expect(results.values == ["refused: RuntimeError"], "the second consumer was not refused while the first waited")
        _ = try await evaluate("import builtins\nbuiltins.edge_release = True\nresult = None")
        let firstFinished = await first
        #expect(firstFinished && second, "first finished: \(firstFinished), second finished: \(second)")
        #expect(results.values == ["refused: RuntimeError", "item 0"])
    }

    @Test func closeClosesTheIteratorEvenWhenThePullAbsorbsTheCancellation() async throws {
        try startPython()
        // Python 3.11's wait_for returns the result instead of raising when the inner future finishes as it is
        // cancelled; this generator absorbs every cancellation outright.
        let stream = try await pythonAsyncSequence("""
            import asyncio, builtins
            builtins.edge_closed = False
            async def stubborn():
                try:
                    i = 0
                    while True:
                        try:
                            await asyncio.sleep(0.05)
                        except asyncio.CancelledError:
                            pass
                        yield i
                        i += 1
                finally:
                    builtins.edge_closed = True
            result = stubborn()
            """, readAhead: 2)
        var iterator = stream.makeAsyncIterator()
        _ = try await iterator.next()
        stream.close()
        // The close runs later on the loop thread: waited for by its effect, not for at most a second.
        try await untilPythonIsTrue("builtins.edge_closed")  // a hang here means the iterator was left open
        withExtendedLifetime(stream) {}
    }

    @Test func aCallStartsWithAFreshContextNotThePreviousCalls() async throws {
        try startPython()
        let loop = try PythonEventLoop.shared()
        _ = try await evaluate("""
            import contextvars, builtins
            builtins.edge_cv = contextvars.ContextVar('edge_cv', default='clean')
            async def setter():
                builtins.edge_cv.set('leaked from the previous call')
                return 0
            async def getter():
                return builtins.edge_cv.get()
            builtins.edge_setter, builtins.edge_getter = setter, getter
            result = None
            """)
        // On the loop's executor the next call starts inside the previous call's task step.
        let seen = try await withTaskExecutorPreference(loop.executor) {
            _ = try await loop.run({ gil in try Interpreter.run("import builtins\nresult = builtins.edge_setter()", gil) },
                                   convert: { _, _ in 0 })
            return try await loop.run({ gil in try Interpreter.run("import builtins\nresult = builtins.edge_getter()", gil) },
                                      convert: { value, gil in try value.toValue(gil) })
        }
        #expect(seen == "clean")
    }
}
