import Synchronization

/// A value behind a lock that tasks can wait on: ``until(_:)`` returns at the ``update(_:)`` that makes its condition
/// true, so a test waits for an event, not for a clock, and never polls.
///
/// A wait that never ends is bounded by its test's time limit (`.timeLimit`), which cancels it; it then throws
/// `CancellationError`.
public final class ObservedState<State: Sendable>: Sendable {
    private struct Waiter {
        let condition: @Sendable (State) -> Bool
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Inner {
        var state: State
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
    }

    private let inner: Mutex<Inner>

    /// Starts with `state`.
    public init(_ state: State) { inner = Mutex(Inner(state: state)) }

    /// The value now.
    public var value: State { inner.withLock { $0.state } }

    /// Tasks waiting now.
    public var waiting: Int { inner.withLock { $0.waiters.count } }

    /// Changes the value and resumes every waiter whose condition it now meets.
    @discardableResult
    public func update<R>(_ body: (inout State) -> R) -> R {
        let (result, met): (R, [CheckedContinuation<Void, any Error>]) = inner.withLock { inner in
            let result = body(&inner.state)
            let state = inner.state
            let ids = inner.waiters.filter { $0.value.condition(state) }.map(\.key)
            return (result, ids.compactMap { inner.waiters.removeValue(forKey: $0)?.continuation })
        }
        for continuation in met { continuation.resume() }
        return result
    }

    /// Returns once `condition` holds: at once if it does now, else at the update that makes it so.
    /// - Throws: `CancellationError` if the task is cancelled first.
    public func until(_ condition: @escaping @Sendable (State) -> Bool) async throws {
        let id = inner.withLock { inner in
            inner.nextID += 1
            return inner.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = inner.withLock { inner in
                    // Checked under the lock: a cancel seen here, or one that runs after the waiter is stored, ends it.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if condition(inner.state) { return .success(()) }
                    inner.waiters[id] = Waiter(condition: condition, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            inner.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }
}
