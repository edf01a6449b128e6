import ChatLambda
import Synchronization
import TestSupport
import Testing

/// The local server's admission queue on its own: FIFO turns, the limit, and the two ways a waiting request leaves.
@Suite("Admission queue")
struct AdmissionQueueTests {
    /// A body that stays inside until ``open()``.
    final class Hold: Sendable {
        private let stream: AsyncStream<Void>
        private let continuation: AsyncStream<Void>.Continuation
        init() { (stream, continuation) = AsyncStream.makeStream() }
        func wait() async { for await _ in stream { break } }
        func open() { continuation.finish() }
    }

    /// A value shared by tasks.
    final class Shared<Value: Sendable>: Sendable {
        private let mutex: Mutex<Value>
        init(_ value: Value) { mutex = Mutex(value) }
        func update(_ body: (inout Value) -> Void) { mutex.withLock { body(&$0) } }
        var value: Value { mutex.withLock { $0 } }
    }

    /// Waits (without a clock budget the test asserts on) until `queue` has `count` requests waiting.
    static func waitUntil(_ queue: AdmissionQueue, waiting count: Int) async {
        while queue.waiting != count { await Task.yield() }
    }

    @Test func waitingRequestsEnterInTheOrderTheyCame() async throws {
        let queue = AdmissionQueue(limit: 1)
        let hold = Hold()
        let order = Shared<[Int]>([])
        let holder = Task { try await queue.admitted { await hold.wait() } }
        while queue.inside != 1 { await Task.yield() }
        var waiters: [Task<Void, any Error>] = []
        for index in 0..<6 {
            waiters.append(Task { try await queue.admitted { order.update { $0.append(index) } } })
            await Self.waitUntil(queue, waiting: index + 1)
        }
        hold.open()
        try await holder.value
        for waiter in waiters { try await waiter.value }
        #expect(order.value == [0, 1, 2, 3, 4, 5])
        #expect(queue.inside == 0 && queue.waiting == 0)
    }

    @Test func onlyARequestThatHasToWaitIsToldItWaits() async throws {
        let queue = AdmissionQueue(limit: 1)
        let hold = Hold()
        let told = Shared<[String]>([])
        let holder = Task { try await queue.admitted(whenWaiting: { told.update { $0.append("holder") } }) { await hold.wait() } }
        while queue.inside != 1 { await Task.yield() }
        let waiter = Task { try await queue.admitted(whenWaiting: { told.update { $0.append("waiter") } }) {} }
        while told.value.isEmpty { await Task.yield() }  // told just after it joins the queue
        #expect(told.value == ["waiter"], "only the one that waits is told")
        #expect(queue.waiting == 1)
        hold.open()
        try await holder.value
        try await waiter.value
        #expect(told.value == ["waiter"])
    }

    @Test func neverMoreThanTheLimitAreInsideAndAllAreServed() async throws {
        let queue = AdmissionQueue(limit: 3)
        let counts = Shared((now: 0, most: 0, done: 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    try await queue.admitted {
                        counts.update { $0.now += 1; $0.most = max($0.most, $0.now) }
                        for _ in 0..<5 { await Task.yield() }
                        counts.update { $0.now -= 1; $0.done += 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        let seen = counts.value
        #expect(seen.most <= 3 && seen.most >= 1)
        #expect(seen.done == 40)
    }

    @Test func aWaiterWhoseTaskIsCancelledLeavesTheQueueWithoutEntering() async throws {
        let queue = AdmissionQueue(limit: 1)
        let hold = Hold()
        let holder = Task { try await queue.admitted { await hold.wait() } }
        while queue.inside != 1 { await Task.yield() }
        let entered = Shared(false)
        let waiter = Task { try await queue.admitted { entered.update { $0 = true } } }
        await Self.waitUntil(queue, waiting: 1)
        waiter.cancel()
        let error = await #expect(throws: AdmissionError.self) { try await waiter.value }
        #expect(error?.reason == .cancelled)
        #expect(error?.description.contains("client went away") == true)
        #expect(queue.waiting == 0)
        hold.open()
        try await holder.value
        #expect(!entered.value)
        #expect(queue.inside == 0)
        // The queue serves the next one as before.
        #expect(try await queue.admitted { 7 } == 7)
    }

    @Test func aWaiterWhoseDeadlinePassesLeavesWithTheDeadlineError() async throws {
        let queue = AdmissionQueue(limit: 1)
        let hold = Hold()
        let holder = Task { try await queue.admitted { await hold.wait() } }
        while queue.inside != 1 { await Task.yield() }
        // The deadline is on a clock the test moves: it passes once the waiter is surely waiting, and only then.
        let clock = ManualClock()
        let waiter = Task {
            try await queue.admitted(until: clock.now.advanced(by: .milliseconds(20)), clock: clock) {
                Issue.record("a request past its deadline entered")
            }
        }
        while clock.sleepers != 1 { await Task.yield() }
        #expect(queue.waiting == 1)
        clock.advance(by: .milliseconds(19))
        #expect(queue.waiting == 1, "a waiter leaves only once its deadline has passed")
        clock.advance(by: .milliseconds(1))
        let error = await #expect(throws: AdmissionError.self) { try await waiter.value }
        #expect(error?.reason == .deadlinePassed)
        #expect(queue.waiting == 0 && queue.inside == 1)
        hold.open()
        try await holder.value
        #expect(queue.inside == 0)
    }

    @Test func aRequestLetInRunsPastItsDeadlineAndItsErrorsPassThrough() async throws {
        struct Boom: Error {}
        let queue = AdmissionQueue(limit: 1)
        // A free turn is taken at once, even with a deadline already passed: the deadline only ends a wait.
        let clock = ManualClock()
        let passed = clock.now
        clock.advance(by: .seconds(1))
        await #expect(throws: Boom.self) { try await queue.admitted(until: passed, clock: clock) { throw Boom() } }
        #expect(queue.inside == 0, "a body that throws gives its turn back")
    }
}
