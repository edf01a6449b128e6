/// Permits handed out first come, first served: at most `permits` holders at once, the others wait in order.
public actor AsyncSemaphore {
    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// A semaphore with `permits` (at least 1) permits.
    public init(permits: Int) {
        precondition(permits > 0, "a semaphore has at least one permit")
        available = permits
    }

    /// Waits for a permit. Pair every acquire with one ``release()``.
    public func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Gives a permit back, to the longest waiting task if there is one.
    public func release() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// How many tasks wait for a permit now.
    public var queued: Int { waiting.count }

    /// Runs `body` holding a permit, and gives it back however `body` ends.
    public nonisolated func withPermit<R>(_ body: () async throws -> R) async rethrows -> R {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}
