import Foundation

/// How many child processes that import litellm may be starting at once, for the whole end-to-end test run.
///
/// Every end-to-end test starts processes that import litellm (about 1.5 s of CPU each on a quiet machine). Started
/// all at once on 2 cores, twenty such imports share the cores twenty ways, and on a machine that is also busy with
/// other work each one takes minutes: every budget a test gives its child runs out while the child is still
/// importing. The gate lets two start at a time (one per core); a test waits for a permit before it starts its child,
/// and its child's budgets count from then. A long-lived child gives its permit back once it is ready (it logged that
/// litellm is imported, or it exited), a short-lived one when it exits.
actor ChildProcessGate {
    /// The one gate of the test run.
    static let shared = ChildProcessGate(permits: max(1, Int(ProcessInfo.processInfo.environment["EMBEDCHAT_TEST_CHILDREN"] ?? "") ?? 2))

    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { available = permits }

    /// Waits for a permit. Pair every acquire with one ``release()``.
    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Gives a permit back, to the longest waiting test if there is one.
    func release() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// How many tests wait for a permit now.
    var queued: Int { waiting.count }

    /// Runs `body` holding a permit (for a child that lives as long as `body`).
    func withPermit<R: Sendable>(_ body: @Sendable () async throws -> R) async rethrows -> R {
        await acquire()
        do {
            let result = try await body()
            release()
            return result
        } catch {
            release()
            throw error
        }
    }
}
