import LiteLLM
import ProviderFakes
import Testing

/// The fake provider's `gate-N`, which the overlap tests rely on to prove that N calls were at the server together.
@Suite("The fake provider's gate")
struct FakeProviderGateTests {
    @Test func aRequestInFlightWhenTheGateOpensGoesThroughEvenIfItReachesTheGateAfterTheOthersEnded() async throws {
        try await withProvider { client, server in
            // `gate-2` with two requests: the first waits at the gate; the second is held before its gate step
            // (`held+gate-2`), so the first sees both in flight, goes through and ends while the second has not yet
            // looked. Released then, the second was one of the two in flight when the gate opened, and goes through
            // too. Before, it asked "are 2 in flight?" (only itself by then) and waited out the gate's two minutes
            // alone: the first round of `callsStartedTogetherOverIdleConnectionsEachGetTheirOwn` did that on a busy
            // machine when its 20th request's handler looked after the other 19 had been answered.
            let first = Task { try await client.complete(ask("openai/gate-2", "first"), settings: server.openAI).text }
            defer { server.releaseHeldAnswers() }  // a failed step must not leave the second held for ever
            #expect(await eventually { server.requestsInFlight == 1 }, "the first request reached the server")
            let second = Task { try await client.complete(ask("openai/held+gate-2", "second"), settings: server.openAI).text }
            let firstText = try await first.value
            #expect(firstText == "echo: first")
            #expect(server.mostRequestsInFlight == 2)
            server.releaseHeldAnswers()
            let secondText = try await second.value
            #expect(secondText == "echo: second")
            #expect(server.gateLimitsReached == 0, "answers let go by the gate's time limit, not by its opening")
        }
    }
}
