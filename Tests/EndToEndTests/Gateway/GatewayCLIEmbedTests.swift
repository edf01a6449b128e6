import Foundation
import ProviderFakes
import Testing

/// `embedchat embed` against the loopback provider: text in, one JSON line of vector out per text.
@Suite("Gateway: embedchat embed")
struct GatewayCLIEmbedTests {
    @Test func textAndStdinLinesBecomeJSONVectors() async throws {
        let provider = try await FakeProviderServer.start()
        defer { Task { try? await provider.shutdown() } }
        let common = ["embed", "--api-base", provider.openAIBase, "--api-key-env", "TEST_KEY"]
        let environment = ["TEST_KEY": CLIHarness.fakeKey]
        async let one = CLIHarness.run(common + ["-m", "openai/text-embedding-3-small", "--dimensions", "4", "--usage", "hello", "world"],
                                       environment: environment)
        async let lines = CLIHarness.run(common + ["-m", "openai/dim-3", "--batch", "2"], stdin: "alpha\n\nbeta\ngamma\n", environment: environment)
        async let failing = CLIHarness.run(common + ["-m", "openai/status-401", "x"], environment: environment)

        let single = try await one
        #expect(single.status == 0, "\(single)")
        #expect(single.stdoutLines.count == 1)
        let vector = try #require(CLIHarness.json(single.stdout)?["embedding"] as? [Double])
        #expect(zip(vector, FakeProviderServer.embedding(for: "hello world", dimensions: 4)).allSatisfy { abs($0 - Double($1)) < 1e-6 })
        #expect(vector.count == 4)
        #expect(single.stderr.hasPrefix("usage: ") && single.stderr.contains("cost $"), "\(single)")
        #expect(provider.recordedRequests.contains { ($0.bodyText).contains(#""dimensions":4"#) })

        let piped = try await lines
        #expect(piped.status == 0, "\(piped)")
        let objects = piped.stdoutLines.compactMap { CLIHarness.json($0) }
        #expect(objects.map { $0["index"] as? Int } == [0, 1, 2], "empty lines are skipped; indexes run across batches")
        for (object, text) in zip(objects, ["alpha", "beta", "gamma"]) {
            let values = object["embedding"] as? [Double] ?? []
            #expect(zip(values, FakeProviderServer.embedding(for: text, dimensions: 3)).allSatisfy { abs($0 - Double($1)) < 1e-6 } && values.count == 3)
        }
        #expect(provider.recordedRequests.filter { $0.model == "dim-3" }.count == 2, "three texts in batches of two")

        let refused = try await failing
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout.isEmpty)
        #expect(!refused.stderr.contains(CLIHarness.fakeKeySecretPart))

        let empty = try await CLIHarness.run(["embed"])
        #expect(empty.status == 2, "no text and nothing piped is a usage error: \(empty)")
    }
}
