import Foundation
import ProviderFakes
import Synchronization
import Testing

/// `embedchat batch FILE.jsonl`: concurrency, input order, per-line errors, one-shot options as defaults.
@Suite("embedchat batch")
struct CLIBatchTests {
    @Test func runsLinesConcurrentlyKeepsInputOrderAndReportsTheFailingLineOnly() async throws {
        // Early lines are slow and later ones fast, so completion order differs from input order.
        let input = """
            {"prompt": "one", "model": "openai/delay-900"}
            "two"
            {"model": "openai/delay-600", "messages": [{"role": "user", "content": "three"}]}

            {"model": "openai/status-429", "messages": [{"role": "user", "content": "four"}]}
            {"custom_id": "req-5", "body": {"model": "openai/transcript", "messages": [{"role": "user", "content": "five"}]}}
            this line is not JSON
            {"prompt": "seven", "model": "openai/delay-300"}
            "eight"
            {"prompt": "nine", "model": "openai/delay-600"}
            "ten"
            """
        let file = try CLIHarness.temporaryFile(input)
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await FakeProviderServer.withServer { server in
            let peak = Atomic<Int>(0)
            let watcher = Task {
                while !Task.isCancelled {
                    let open = server.openConnections
                    if open > peak.load(ordering: .relaxed) { peak.store(open, ordering: .relaxed) }
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
            let result = try await CLIHarness.run(
                ["batch", file, "--concurrency", "4", "--api-base", server.openAIBase, "-m", "openai/echo", "-s", "SYS"],
                environment: ["OPENAI_API_KEY": CLIHarness.fakeKey])
            watcher.cancel()

            #expect(result.status == 1, "a failed line makes the exit code 1: \(result)")
            #expect(result.stderr.isEmpty, "no progress bar when stderr is not a terminal: \(result)")
            let rows = result.stdoutLines.map { CLIHarness.json($0) }
            try #require(rows.count == 10 && rows.allSatisfy { $0 != nil }, "one JSON line per request: \(result)")
            #expect(rows.map { $0?["line"] as? Int } == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11], "input order, blank line skipped")

            func content(_ row: [String: Any]?) -> String? {
                let response = row?["response"] as? [String: Any]
                let message = (response?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]
                return message?["content"] as? String
            }
            #expect(content(rows[0]) == "echo: one")
            #expect(content(rows[1]) == "echo: two")
            #expect(content(rows[2]) == "echo: three")
            #expect(content(rows[4]) == "transcript: system: SYS | user: five", "--system and --model are defaults")
            #expect(rows[4]?["custom_id"] as? String == "req-5")
            for (index, word) in [(6, "seven"), (7, "eight"), (8, "nine"), (9, "ten")] {
                #expect(content(rows[index]) == "echo: \(word)")
            }

            let rateLimited = try #require(rows[3]?["error"] as? [String: Any])
            #expect(rateLimited["type"] as? String == "rate_limit")
            #expect(rateLimited["status"] as? Int == 429)
            #expect(rows[3]?["response"] == nil)
            let unreadable = try #require(rows[5]?["error"] as? [String: Any])
            #expect(unreadable["type"] as? String == "invalid_request")
            #expect(rows.enumerated().filter { $0.element?["error"] != nil }.map(\.offset) == [3, 5], "errors on those lines only")
            #expect(!result.stdout.contains(CLIHarness.fakeKeySecretPart))

            let models = server.recordedRequests.compactMap(\.model)
            #expect(models.count == 9, "every valid line reached the provider once: \(models)")
            #expect((2...4).contains(peak.load(ordering: .relaxed)), "up to 4 requests in flight, peak \(peak.load(ordering: .relaxed))")
        }
    }
}
