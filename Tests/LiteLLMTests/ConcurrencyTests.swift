import Foundation
import LiteLLM
import ProviderFakes
import Testing

@Suite("Many requests in flight, cancellation", .serialized, .timeLimit(.minutes(5)))
struct LiteLLMConcurrencyTests {
    @Test func thirtyTwoStreamsOverlapInTime() async throws {
        try await withProvider { client, server in
            // The fake holds every answer until 32 requests are in flight at once (`gate-32`), then streams each with
            // chunks 100 ms apart. Served one after another, no answer would start until the gate gives up (two
            // minutes) and the fake would never have seen more than one request at a time.
            let texts = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<32 {
                    group.addTask {
                        var text = ""
                        for try await chunk in try await client.stream(ask("openai/gate-32+slow-stream-5-100", "n\(index)"), settings: server.openAI) {
                            text += chunk.text ?? ""
                        }
                        return text
                    }
                }
                var texts: [String] = []
                for try await text in group { texts.append(text) }
                return texts
            }
            #expect(texts.count == 32)
            #expect(texts.allSatisfy { $0 == "tok0 tok1 tok2 tok3 tok4" })
            #expect(server.mostRequestsInFlight == 32, "at most \(server.mostRequestsInFlight) of 32 streams were in flight at once")
        }
    }

    @Test func cancellingMidStreamClosesTheUpstreamConnection() async throws {
        // Warm up on another server, so the loop and litellm's and httpx's own threads exist before the baseline,
        // while this test's server has seen no connection yet (a finished call leaves its connection in the pool).
        try await withProvider { client, warmup in
            _ = await collect(try await client.stream(ask("openai/long-2"), settings: warmup.openAI))
        }
        try await withProvider { client, server in
            let baseline = threadCount()

            for _ in 0..<20 {
                let received = AsyncStream.makeStream(of: Int.self)
                let task = Task {
                    var count = 0
                    for try await _ in try await client.stream(ask("openai/slow-stream-100-20"), settings: server.openAI) {
                        count += 1
                        received.continuation.yield(count)
                    }
                    return count
                }
                for await count in received.stream where count >= 2 { break }
                #expect(server.openConnections >= 1)
                task.cancel()
                let outcome = await task.result
                #expect(throws: CancellationError.self) { try outcome.get() }
                try await server.untilOpenConnections(0)  // a connection left open hangs here, until the time limit
            }
            // Other suites run in parallel and may add threads of their own (Python's default executor grows to six
            // on two cores); a thread per cancelled stream would add 20.
            #expect(threadCount() < baseline + 10, "threads: \(baseline) before, \(threadCount()) after 20 cancelled streams")
        }
    }

    @Test func cancellingAWholeCompletionCancelsTheCall() async throws {
        try await withProvider { client, server in
            let task = Task { try await client.complete(ask("openai/delay-20000"), settings: server.openAI) }
            while server.recordedRequests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            task.cancel()
            // Uncancelled, the call would return the answer after 20 s.
            await #expect(throws: CancellationError.self) { _ = try await task.value }
            try await server.untilOpenConnections(0)  // a connection left open hangs here, until the time limit
        }
    }

    @Test func abandoningAStreamClosesIt() async throws {
        try await withProvider { client, server in
            do {
                let stream = try await client.stream(ask("openai/slow-stream-100-50"), settings: server.openAI)
                var iterator = stream.makeAsyncIterator()
                _ = try await iterator.next()
                stream.close()
            }
            try await server.untilOpenConnections(0)  // a connection left open hangs here, until the time limit
        }
    }
}
