@testable import LambdaRuntime
import NIOCore
import RuntimeAPIFake
import Testing

extension LambdaRuntimeTests {
    @Suite("Graceful shutdown")
    struct GracefulShutdownTests {
        @Test(arguments: [1, 3])
        func aShutdownStopsPollingAndLetsTheInvocationsInFlightFinish(pollers: Int) async throws {
            let forced = Recorder<GracefulShutdown.Forced>()
            let shutdown = GracefulShutdown(gracePeriod: .seconds(600)) { forced.append($0) }
            let gate = Gate()
            let handler = TestHandler { event, writer, _ in
                await gate.wait()
                try await writer.writeAndFinish(event)
            }
            let inFlight = max(1, pollers - 1)
            let outcome = try await withPollers(handler, concurrency: pollers, shutdown: shutdown) { fake, serve in
                try await fake.waitForPolls(pollers)
                var ids: [String] = []
                for index in 0..<inFlight { ids.append(try await fake.enqueue(event: "in flight \(index)")) }
                #expect(await eventually { shutdown.invocationsInFlight == inFlight })
                shutdown.requestShutdown()
                // The idle poller's /next is cut and nothing more is taken, even with an event waiting.
                #expect(await eventually { fake.waitingPolls == 0 })
                try await fake.enqueue(event: "after the signal")
                #expect(fake.result(for: ids[0]) == nil)
                gate.open()
                let ended = await ending(of: serve)
                var results: [InvocationResult] = []
                for id in ids { results.append(try await fake.waitForResult(id)) }
                return (ended, results, fake.pendingEvents, fake.servedInvocations)
            }
            let (ended, results, pending, served) = outcome
            guard case .success = try #require(ended, "serve did not return after the drain") else {
                Issue.record("serve threw after a drain: \(String(describing: ended))")
                return
            }
            #expect(results.map(\.bodyString) == (0..<inFlight).map { "in flight \($0)" })
            #expect(pending == 1)
            #expect(served == inFlight)
            #expect(forced.all.isEmpty)
            #expect(shutdown.invocationsInFlight == 0)
        }

        @Test(arguments: [GracefulShutdown.Forced.Reason.gracePeriodExpired, .secondRequest])
        func theGracePeriodRunningOutOrASecondRequestForcesTheShutdownOnce(reason: GracefulShutdown.Forced.Reason) async throws {
            let forced = Recorder<GracefulShutdown.Forced>()
            let grace: Duration = reason == .gracePeriodExpired ? .milliseconds(100) : .seconds(600)
            let shutdown = GracefulShutdown(gracePeriod: grace) { forced.append($0) }
            let handler = TestHandler { _, _, _ in try await Task.sleep(for: .seconds(3600)) }
            try await withPollers(handler, concurrency: 2, shutdown: shutdown) { fake, _ in
                try await fake.waitForPolls(2)
                try await fake.enqueue(event: "never answered")
                #expect(await eventually { shutdown.invocationsInFlight == 1 })
                shutdown.requestShutdown()
                #expect(shutdown.isDraining)
                if reason == .secondRequest {
                    #expect(forced.all.isEmpty)
                    shutdown.requestShutdown()
                    shutdown.requestShutdown()
                }
                #expect(await eventually { !forced.all.isEmpty })
            }
            #expect(forced.all.map(\.reason) == [reason])
            #expect(forced.all.first?.invocationsInFlight == 1)
        }

        @Test func aShutdownWithNothingInFlightReturnsAtOnceAndNeverForces() async throws {
            let forced = Recorder<GracefulShutdown.Forced>()
            // A grace period no drain outlasts: with 50 ms, a busy machine's drain of four pollers lost the race to
            // the timer, which forces whatever is in flight when it fires (here nothing) while the drain goes on.
            let shutdown = GracefulShutdown(gracePeriod: .seconds(600)) { forced.append($0) }
            let handler = TestHandler { event, writer, _ in try await writer.writeAndFinish(event) }
            let ended = try await withPollers(handler, concurrency: 4, shutdown: shutdown) { fake, serve in
                try await fake.waitForPolls(4)
                shutdown.requestShutdown()
                return await ending(of: serve)
            }
            guard case .success = try #require(ended) else {
                Issue.record("serve threw after a drain")
                return
            }
            // The drain finished the shutdown and cancelled its timer: the grace period can no longer fire.
            #expect(shutdown.isFinished)
            #expect(forced.all.isEmpty)
        }
    }
}
