import Foundation
import RuntimeAPIFake
import Testing

/// `bootstrap` with worker processes (`EMBEDCHAT_WORKERS=2`, 4 pollers: two each), as a child process. The fake
/// Runtime API records each post's `User-Agent`, which names the worker and its pid.
@Suite("bootstrap with one worker process per vCPU, as a child process", .serialized)
struct WorkerProcessesTests {
    static let pollers = 4

    static func start(_ environment: [String: String] = [:]) async throws -> BootstrapHarness {
        var env = ["EMBEDCHAT_WORKERS": "2"]
        env.merge(environment) { _, new in new }
        return try await ManagedInstances.start(pollers: pollers, environment: env)
    }

    @Test func invocationsAreAnsweredByBothWorkersWhileAllAreInFlight() async throws {
        let harness = try await Self.start()
        defer { Task { await harness.stop() } }
        let fake = harness.runtimeAPI
        #expect(try await fake.waitForPolls(Self.pollers, timeout: .seconds(180)) == Self.pollers)
        var sent: [(id: String, prompt: String)] = []
        for index in 0..<Self.pollers {
            let prompt = uniquePrompt(index)
            sent.append((try await fake.enqueue(event: chatBody("wait", prompt)), prompt))
        }
        var workers: [Answerer] = []
        for invocation in sent {
            let result = try await fake.waitForResult(invocation.id, timeout: .seconds(120))
            #expect(!result.isError, "\(result.bodyString)")
            #expect(completionText(result.bodyString) == "echo: \(invocation.prompt)")
            // What overlapped: all four were in flight at once, two in each worker.
            #expect(result.mostInFlight == Self.pollers)
            workers.append(try #require(Answerer(result), "\(result.final.headers)"))
        }
        let byWorker = Dictionary(grouping: workers, by: \.worker)
        #expect(byWorker.keys.sorted() == [0, 1])
        #expect(byWorker.values.map(\.count) == [2, 2])
        #expect(Set(workers.map(\.pid)).count == 2)
        #expect(!workers.contains { $0.pid == harness.child.process.processIdentifier })
        // Each worker imported litellm once; the parent never started Python.
        let log = harness.child.log
        #expect(log.components(separatedBy: "litellm ready").count == 3, "\(log)")
        #expect(log.contains("every worker is ready"))
        #expect(fake.unexpectedRequests.isEmpty)
    }

    @Test func sigtermDrainsTheInvocationsInFlightInEveryWorkerThenExitsZero() async throws {
        let harness = try await Self.start(["EMBEDCHAT_SHUTDOWN_GRACE_SECONDS": "300"])
        defer { Task { await harness.stop() } }
        let fake = harness.runtimeAPI
        #expect(try await fake.waitForPolls(Self.pollers, timeout: .seconds(180)) == Self.pollers)
        let children = try workerPIDs(of: harness.child.process.processIdentifier)
        #expect(children.keys.sorted() == [0, 1])
        var sent: [(id: String, prompt: String)] = []
        for index in 0..<Self.pollers {
            let prompt = uniquePrompt(index)
            sent.append((try await fake.enqueue(event: chatBody("slow", prompt)), prompt))
        }
        // Four in flight (each waits 5 s upstream), two in each worker; then SIGTERM to the parent only.
        try await waitUntil("four invocations are in flight") { fake.invocationsInFlight == Self.pollers }
        kill(harness.child.process.processIdentifier, SIGTERM)
        let answeredAtSignal = fake.completedInvocations
        let afterSignal = try await fake.enqueue(event: chatBody("echo", "after the signal"))

        let status = await harness.child.waitForExit(timeout: .seconds(120))
        #expect(status == 0, "\(harness.child.log)")
        #expect(answeredAtSignal == 0, "the invocations ended before the signal: nothing was in flight")
        var workers: Set<Int> = []
        for invocation in sent {
            let result = try #require(fake.result(for: invocation.id))
            #expect(!result.isError)
            #expect(completionText(result.bodyString) == "echo: \(invocation.prompt)")
            if let answerer = Answerer(result) { workers.insert(answerer.worker) }
        }
        #expect(workers == [0, 1])
        #expect(fake.result(for: afterSignal) == nil)
        // The workers are gone with the parent (reaped by it, not left behind).
        for pid in children.values { #expect(processIsGone(pid)) }
        #expect(harness.child.log.contains("draining every worker"))
        #expect(harness.child.log.contains("every worker drained"))
    }

    @Test func aWorkerThatDiesIsNamedAndTheOtherDrainsBeforeTheEnvironmentEnds() async throws {
        let harness = try await Self.start(["EMBEDCHAT_SHUTDOWN_GRACE_SECONDS": "300"])
        defer { Task { await harness.stop() } }
        let fake = harness.runtimeAPI
        #expect(try await fake.waitForPolls(Self.pollers, timeout: .seconds(180)) == Self.pollers)
        let children = try workerPIDs(of: harness.child.process.processIdentifier)
        let victim = try #require(children[1])
        var sent: [String] = []
        for index in 0..<Self.pollers { sent.append(try await fake.enqueue(event: chatBody("slow", uniquePrompt(index)))) }
        try await waitUntil("four invocations are in flight") { fake.invocationsInFlight == Self.pollers }
        kill(victim, SIGKILL)

        let status = await harness.child.waitForExit(timeout: .seconds(120))
        #expect(status == 1, "\(harness.child.log)")
        let log = harness.child.log
        let death = try #require(log.split(separator: "\n").first { $0.contains("worker died") }, "\(log)")
        #expect(death.contains("worker=1") && death.contains("pid=\(victim)") && death.contains("signal 9"), "\(death)")
        // The survivor's two invocations were answered; the dead worker's two were not.
        let answered = sent.compactMap { fake.result(for: $0) }
        #expect(answered.count == 2)
        for result in answered {
            #expect(!result.isError)
            #expect(Answerer(result)?.worker == 0)
        }
        #expect(processIsGone(try #require(children[0])))
    }

    @Test func workersWhoseParentIsKilledExitInsteadOfPollingOn() async throws {
        let harness = try await Self.start()
        defer { Task { await harness.stop() } }
        let fake = harness.runtimeAPI
        #expect(try await fake.waitForPolls(Self.pollers, timeout: .seconds(180)) == Self.pollers)
        let children = try workerPIDs(of: harness.child.process.processIdentifier)
        #expect(children.count == 2)
        kill(harness.child.process.processIdentifier, SIGKILL)
        // Each worker sees its link to the parent close and exits; none is left holding a /next.
        try await waitUntil("both workers are gone") { children.values.allSatisfy(processIsGone) }
        try await waitUntil("no /next is waiting") { fake.waitingPolls == 0 }
        #expect(harness.child.log.contains("the parent process is gone"))
    }

    @Test func anInitFailureInTheWorkersIsReportedOnce() async throws {
        let runtimeAPI = try await RuntimeAPIFake.start()
        defer { Task { try? await runtimeAPI.shutdown() } }
        let child = try await BootstrapChild.launch(environment: [
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI.endpoint, "AWS_LAMBDA_MAX_CONCURRENCY": "4", "EMBEDCHAT_WORKERS": "2",
            "EMBEDCHAT_PYTHONPATH": "/nonexistent/embedchat-packages",
        ])
        defer { child.stop() }
        #expect(await child.waitForExit(timeout: .seconds(120)) == 1)
        let errors = runtimeAPI.initErrors
        #expect(errors.count == 1, "\(child.log)")
        #expect(errors.first?.errorType == "Runtime.PythonInitFailed")
        #expect(errors.first?.error?.errorMessage.contains("/nonexistent/embedchat-packages") == true)
        #expect(runtimeAPI.waitingPolls == 0)
        #expect(child.log.contains("init failed in a worker"))
    }

    @Test func anInvalidWorkerCountIsAnInitError() async throws {
        let runtimeAPI = try await RuntimeAPIFake.start()
        defer { Task { try? await runtimeAPI.shutdown() } }
        let child = try BootstrapChild(environment: [
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI.endpoint, "AWS_LAMBDA_MAX_CONCURRENCY": "4", "EMBEDCHAT_WORKERS": "none",
        ])
        defer { child.stop() }
        let initError = try await runtimeAPI.waitForInitError(timeout: .seconds(60))
        #expect(initError.errorType == "Runtime.InvalidConfiguration")
        #expect(initError.error?.errorMessage.contains("EMBEDCHAT_WORKERS must be a positive integer, got 'none'") == true)
        #expect(await child.waitForExit() == 1)
    }
}

/// The worker and pid that posted an answer, from its `User-Agent` (`embedchat-lambda-runtime (worker I, pid P)`).
struct Answerer: Hashable {
    let worker: Int
    let pid: Int32

    init?(_ result: InvocationResult) {
        guard let agent = result.final.header("User-Agent"),
              let open = agent.range(of: "(worker "), let comma = agent.range(of: ", pid "),
              let close = agent.range(of: ")", range: comma.upperBound..<agent.endIndex),
              let worker = Int(agent[open.upperBound..<comma.lowerBound]),
              let pid = Int32(agent[comma.upperBound..<close.lowerBound])
        else { return nil }
        self.worker = worker
        self.pid = pid
    }
}

/// Whether `pid` has exited (gone, or a zombie its new parent has not reaped yet).
func processIsGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return true }
    return stat[stat.index(after: close)...].split(separator: " ").first == "Z"
}

/// The parent's worker processes by index, read from `/proc` (children, and each one's `EMBEDCHAT_WORKER_INDEX`).
func workerPIDs(of parent: Int32) throws -> [Int: Int32] {
    var found: [Int: Int32] = [:]
    for task in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(parent)/task") {
        let children = (try? String(contentsOfFile: "/proc/\(parent)/task/\(task)/children", encoding: .utf8)) ?? ""
        for pid in children.split(separator: " ").compactMap({ Int32($0) }) {
            guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            for entry in environ.split(separator: 0) {
                let text = String(decoding: entry, as: UTF8.self)
                if text.hasPrefix("EMBEDCHAT_WORKER_INDEX="), let index = Int(text.dropFirst(23)) { found[index] = pid }
            }
        }
    }
    return found
}
