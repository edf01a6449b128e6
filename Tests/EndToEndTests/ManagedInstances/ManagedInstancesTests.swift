import Foundation
import RuntimeAPIFake
import Testing

/// Serialised: each test starts a bootstrap that imports litellm, and N of them at once would starve the machine.
@Suite("bootstrap on Lambda Managed Instances (N pollers), as a child process", .serialized)
struct ManagedInstancesTests {
    @Test(arguments: [1, 4, 16])
    func nInvocationsAreInFlightAtOnceEachAnsweredWithItsOwnPrompt(pollers: Int) async throws {
        let harness = try await ManagedInstances.start(pollers: pollers)
        defer { Task { await harness.stop() } }
        let fake = harness.runtimeAPI
        // The process polls N times at once; then N invocations of the four shapes go out together.
        #expect(try await fake.waitForPolls(pollers, timeout: .seconds(120)) == pollers)
        let shapes = ManagedInstances.Shape.allCases
        var sent: [(id: String, prompt: String, shape: ManagedInstances.Shape)] = []
        for index in 0..<pollers {
            let prompt = uniquePrompt(index)
            let shape = shapes[index % shapes.count]
            sent.append((try await fake.enqueue(event: shape.event(prompt: prompt)), prompt, shape))
        }
        var results: [InvocationResult] = []
        for invocation in sent { results.append(try await fake.waitForResult(invocation.id, timeout: .seconds(120))) }

        for (invocation, result) in zip(sent, results) {
            #expect(!result.isError, "\(invocation.shape): \(result.bodyString)")
            let (text, streamed) = invocation.shape.reply(result)
            // No cross-talk: each answer carries its own prompt and no other.
            #expect(text == "echo: \(invocation.prompt)", "\(invocation.shape): \(result.bodyString)")
            #expect(streamed == (invocation.shape != .directBuffered))
            for other in sent where other.id != invocation.id { #expect(!result.bodyString.contains(other.prompt)) }
            // What overlapped: every one of them was in flight while all N were.
            #expect(result.mostInFlight == pollers)
            #expect(result.final.connection == result.pollConnection)
        }
        #expect(Set(results.map(\.pollConnection)).count == pollers)
        #expect(fake.mostInvocationsInFlight == pollers)
        #expect(fake.unexpectedRequests.isEmpty)
        // Every log line of an invocation names it; init ran once.
        let log = harness.child.log
        for invocation in sent { #expect(log.contains(invocation.id)) }
        #expect(log.components(separatedBy: "litellm ready").count == 2)
    }

    @Test(arguments: [4, 16])
    func oneStreamCutAndOneDeadlineFailOnlyThemselves(pollers: Int) async throws {
        let harness = try await ManagedInstances.start(pollers: pollers)
        defer { Task { await harness.stop() } }
        let fake = harness.runtimeAPI
        #expect(try await fake.waitForPolls(pollers, timeout: .seconds(120)) == pollers)
        // `reset` cuts its stream after 3 events; `glacial` would answer after 10 minutes, so only its 3 s deadline
        // can end it, however late a busy machine runs the deadline's timer.
        let cut = try await fake.enqueue(event: chatBody("reset", stream: true))
        let late = try await fake.enqueue(event: chatBody("glacial"), timeout: .seconds(3))
        var fine: [(id: String, prompt: String)] = []
        for index in 0..<(pollers - 2) {
            let prompt = uniquePrompt(index)
            fine.append((try await fake.enqueue(event: chatBody("wait", prompt)), prompt))
        }

        let cutResult = try await fake.waitForResult(cut, timeout: .seconds(120))
        #expect(cutResult.final.isStreamed)
        #expect(cutResult.isError)
        #expect(cutResult.errorType?.hasPrefix("Chat.") == true)
        #expect(sseEvents(cutResult.bodyString).contains { $0.contains(#""error""#) })

        let lateResult = try await fake.waitForResult(late, timeout: .seconds(120))
        #expect(lateResult.final.endpoint == .error)
        #expect(lateResult.errorType == "Chat.Timeout")

        for invocation in fine {
            let result = try await fake.waitForResult(invocation.id, timeout: .seconds(120))
            #expect(!result.isError)
            #expect(completionText(result.bodyString) == "echo: \(invocation.prompt)")
            #expect(result.mostInFlight == pollers)
        }
        #expect(fake.mostInvocationsInFlight == pollers)
        #expect(fake.unexpectedRequests.isEmpty)
        #expect(harness.child.process.isRunning)
    }

    @Test func sigtermLetsTheInvocationsInFlightFinishThenExitsZero() async throws {
        let pollers = 4
        let harness = try await ManagedInstances.start(pollers: pollers, environment: ["EMBEDCHAT_SHUTDOWN_GRACE_SECONDS": "300"])
        defer { Task { await harness.stop() } }
        let fake = harness.runtimeAPI
        #expect(try await fake.waitForPolls(pollers, timeout: .seconds(120)) == pollers)
        var sent: [(id: String, prompt: String)] = []
        for index in 0..<(pollers - 1) {
            let prompt = uniquePrompt(index)
            sent.append((try await fake.enqueue(event: chatBody("slow", prompt)), prompt))
        }
        // Three in flight (each waits 5 s upstream, echoing its prompt), one poller idle; then SIGTERM.
        try await waitUntil("three invocations are in flight") { fake.invocationsInFlight == pollers - 1 }
        kill(harness.child.process.processIdentifier, SIGTERM)
        let answeredAtSignal = fake.completedInvocations
        // The idle poller's /next is closed; nothing more is taken, even with an event waiting.
        try await waitUntil("no /next is waiting") { fake.waitingPolls == 0 }
        let afterSignal = try await fake.enqueue(event: chatBody("echo", "after the signal"))

        let status = await harness.child.waitForExit(timeout: .seconds(120))
        #expect(status == 0, "\(harness.child.log)")
        #expect(answeredAtSignal == 0, "the invocations ended before the signal: nothing was in flight")
        for invocation in sent {
            let result = try #require(fake.result(for: invocation.id))
            #expect(!result.isError)
            #expect(completionText(result.bodyString) == "echo: \(invocation.prompt)")
        }
        #expect(fake.result(for: afterSignal) == nil)
        #expect(fake.pendingEvents == 1)
        #expect(fake.servedInvocations == pollers - 1)
        #expect(harness.child.log.contains("draining"))
    }

    @Test func anInvalidMaxConcurrencyIsAnInitError() async throws {
        let runtimeAPI = try await RuntimeAPIFake.start()
        defer { Task { try? await runtimeAPI.shutdown() } }
        let child = try BootstrapChild(environment: [
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI.endpoint, "AWS_LAMBDA_MAX_CONCURRENCY": "lots",
        ])
        defer { child.stop() }
        let initError = try await runtimeAPI.waitForInitError(timeout: .seconds(60))
        #expect(initError.errorType == "Runtime.InvalidConfiguration")
        #expect(initError.error?.errorMessage.contains("AWS_LAMBDA_MAX_CONCURRENCY") == true)
        #expect(await child.waitForExit() == 1)
    }
}
