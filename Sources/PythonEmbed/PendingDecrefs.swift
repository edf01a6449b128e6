import CPythonSupport
import Dispatch
import Synchronization

/// Decrefs asked for on threads that do not hold the GIL, kept until the next thread that takes it (PyO3's
/// reference pool).
///
/// A ``PythonHandle`` dropped without the GIL must not block for it (its deinit may run under a lock a GIL holder
/// waits for), so its decref waits here. Every place that takes the GIL drains the list first: ``Interpreter/withGIL(_:)``,
/// each worker-pool job, each pass of the event loop. When nobody takes the GIL for ``fallbackDelay``, the
/// housekeeping thread drains it instead, so an idle process does not keep dead objects. That is one wake-up for a
/// batch of drops, not one for each.
enum PendingDecrefs {
    private struct State {
        var pointers: [UncheckedPointer] = []
        /// When the earliest fallback drain that has not yet looked at `pointers` is due; `nil` when none is.
        var fallbackDue: DispatchTime?
    }

    private static let state = Mutex(State())
    /// How many decrefs wait, readable without the lock: the fast path of every GIL acquisition is one load.
    private static let waiting = Atomic<Int>(0)
    /// How long the list may wait for a GIL holder before the housekeeping thread drains it, in nanoseconds.
    static let fallbackDelay = Atomic<Int>(20_000_000)

    /// How many decrefs wait for the GIL.
    static var count: Int { waiting.load(ordering: .acquiring) }

    /// Queues a decref, on a thread that does not hold the GIL.
    static func add(_ pointer: UncheckedPointer) {
        let due = DispatchTime.now() + .nanoseconds(fallbackDelay.load(ordering: .relaxed))
        let arm = state.withLock { state in
            state.pointers.append(pointer)
            waiting.add(1, ordering: .releasing)
            if let scheduled = state.fallbackDue, scheduled <= due { return false }
            state.fallbackDue = due
            return true
        }
        if arm { DispatchQueue.global().asyncAfter(deadline: due) { fallback(due: due) } }
    }

    /// Runs the queued decrefs; with the GIL held. Cheap when none wait.
    static func drain(_ gil: borrowing GIL) {
        guard waiting.load(ordering: .acquiring) > 0 else { return }
        let pointers = state.withLock { state in
            defer { state.pointers.removeAll() }
            waiting.subtract(state.pointers.count, ordering: .relaxed)
            return state.pointers
        }
        // A decref may run Python code (a finaliser) that drops more handles: those are decref'd at once, since this
        // thread holds the GIL.
        for pointer in pointers { cps_decref(pointer.pointer) }
    }

    /// Nobody took the GIL since the first of these drops: hand the drain to the housekeeping thread. (A fallback
    /// superseded by an earlier one, after the delay was shortened, only drains what it finds.)
    private static func fallback(due: DispatchTime) {
        let pending = state.withLock { state in
            if state.fallbackDue == due { state.fallbackDue = nil }
            return !state.pointers.isEmpty
        }
        if pending { PythonWorkerPool.housekeeping.post { gil in drain(gil) } }
    }
}
