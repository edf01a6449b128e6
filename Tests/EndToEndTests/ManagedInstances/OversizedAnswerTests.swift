import Foundation
import ProviderFakes
import RuntimeAPIFake
import Testing

@Suite("bootstrap after the Runtime API refuses an answer, as a child process")
struct OversizedAnswerTests {
    @Test func anAnswerOverTheLimitEndsOnlyItsInvocationAndTheNextOneIsServed() async throws {
        let harness = try await BootstrapHarness.start(extraModels: { provider in
            ["big": ["model": "openai/long-500", "api_base": provider.openAIBase, "api_key_env": "FAKE_PROVIDER_KEY"]]
        })
        defer { Task { await harness.stop() } }
        // The fake answers 413 above this, as Lambda does above 6 MB; `long-500` answers ~3.5 KB, `echo` far less.
        harness.runtimeAPI.maxResponseBytes = 2000
        let tooLarge = try await harness.invoke(chatBody("big"))
        let next = try await harness.invoke(chatBody("echo", "still here"))
        #expect(tooLarge.posts.map(\.endpoint) == [.response])
        #expect(tooLarge.final.status == 413)
        #expect(tooLarge.body.count > 2000)
        #expect(!next.isError)
        #expect(String(decoding: next.body, as: UTF8.self).contains("echo: still here"))
        // No /error after the 413 (the platform would refuse it with 403), and the process is still up.
        #expect(harness.runtimeAPI.unexpectedRequests.isEmpty)
        #expect(harness.child.process.isRunning)
        #expect(harness.child.log.contains("413"))
    }
}
