import CPythonShim
import CPythonSupport
import Synchronization

/// One asyncio event loop on a dedicated thread, carrying any number of Python coroutines at once.
///
/// Swift submits an awaitable with ``run(_:convert:)`` and is resumed from a done-callback on the loop thread, where
/// the result is converted while the GIL is held anyway. Cancelling the awaiting task cancels the asyncio task, so
/// the coroutine's sockets are closed, which a thread blocked in a synchronous call cannot offer.
public final class PythonEventLoop: Sendable {
    private let loop: PythonHandle
    private let submit: PythonHandle
    private let cancelTask: PythonHandle
    private let spawnTask: PythonHandle
    private let outcome: PythonHandle
    private let end: PythonHandle

    private static let sharedLoop = Mutex<PythonEventLoop?>(nil)

    /// The process's loop, started on first use.
    /// - Throws: ``PythonError`` if asyncio cannot start.
    public static func shared() throws -> PythonEventLoop {
        try sharedLoop.withLock { shared in
            if let shared { return shared }
            let loop = try PythonEventLoop()
            shared = loop
            return loop
        }
    }

    private init() throws {
        (loop, submit, cancelTask, spawnTask, outcome, end) = try Interpreter.withGIL { gil throws(PythonError) in
            let host = Interpreter.host(gil)
            let loop = try host.attribute("EventLoop", gil).call(gil)
            _ = try host.attribute("start_thread", gil).call(
                objects: [loop.attribute("run", gil).handle(gil)], keywords: [:], gil, extra: ["python-asyncio"])
            return (loop.handle(gil), try loop.attribute("submit", gil).handle(gil), try loop.attribute("cancel", gil).handle(gil),
                    try loop.attribute("spawn", gil).handle(gil), try host.attribute("future_outcome", gil).handle(gil),
                    try host.attribute("END", gil).handle(gil))
        }
    }

    /// Runs an awaitable on the loop and returns its converted result.
    ///
    /// - Parameters:
    ///   - makeAwaitable: builds the coroutine (called once, with the GIL, on the calling thread).
    ///   - convert: turns the result into a Swift value; runs on the loop thread with the GIL held.
    /// - Throws: ``PythonError`` for an exception in the coroutine (SystemExit included), `CancellationError` when
    ///   the task was cancelled, or what `convert` throws.
    public func run<T: Sendable>(
        _ makeAwaitable: (borrowing GIL) throws -> PyRef,
        convert: @escaping @Sendable (borrowing GIL, borrowing PyRef) throws -> T
    ) async throws -> T {
        let submission = Submission()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                do {
                    try Interpreter.withGIL { gil in
                        let awaitable = try makeAwaitable(gil)
                        let outcome = self.outcome
                        let done = try HostCallback.make(gil) { gil, future in
                            continuation.resume(with: Result {
                                let pair = try outcome.borrow(gil).call(gil, future)
                                let kind = try PyRef(borrowing: cpy_tuple_get_item(pair.pointer, 0), gil).toValue(gil)
                                let value = PyRef(borrowing: cpy_tuple_get_item(pair.pointer, 1), gil)
                                switch kind.stringValue {
                                case "ok": return try convert(gil, value)
                                case "error": throw PythonError(exception: value, gil)
                                default: throw CancellationError()
                                }
                            })
                        }
                        let handle = try submit.borrow(gil).call(gil, awaitable, done)
                        submission.started(handle.handle(gil), cancel: cancelTask)
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            submission.cancel()
        }
    }

    /// Runs an awaitable to its end without waiting for it (closing a stream); its errors are dropped.
    func spawn(_ gil: borrowing GIL, _ awaitable: borrowing PyRef) {
        if (try? spawnTask.borrow(gil).call(gil, awaitable)) == nil { PyErr_Clear() }
    }

    func isEnd(_ value: borrowing PyRef, _ gil: borrowing GIL) -> Bool { value.pointer == end.pointer }
}

/// The asyncio task handle of one submission, and a cancel that may arrive before the handle does.
private final class Submission: Sendable {
    private struct State { var handle: PythonHandle?; var cancel: PythonHandle?; var cancelRequested = false }
    private let state = Mutex(State())

    func started(_ handle: PythonHandle, cancel: PythonHandle) {
        let cancelNow = state.withLock { state in
            state.handle = handle
            state.cancel = cancel
            return state.cancelRequested
        }
        if cancelNow { send(handle, cancel) }
    }

    func cancel() {
        let pending = state.withLock { state in
            state.cancelRequested = true
            return (state.handle, state.cancel)
        }
        if let handle = pending.0, let cancel = pending.1 { send(handle, cancel) }
    }

    private func send(_ handle: PythonHandle, _ cancel: PythonHandle) {
        // Called from a task cancellation handler: never take the GIL here (see PythonWorkerPool.housekeeping).
        PythonWorkerPool.housekeeping.post { gil in
            if (try? cancel.borrow(gil).call(gil, handle.borrow(gil))) == nil { PyErr_Clear() }
        }
    }
}

extension PyRef {
    /// `self(*objects, *extra)` for the glue's own helpers.
    func call(objects: [PythonHandle], keywords: [String: PythonValue], _ gil: borrowing GIL, extra: [PythonValue])
        throws(PythonError) -> PyRef
    {
        let tuple = try PyRef(checked: PyTuple_New(objects.count + extra.count), gil)
        for (index, object) in objects.enumerated() {
            cps_incref(object.pointer)
            PyTuple_SetItem(tuple.pointer, index, object.pointer)
        }
        for (offset, value) in extra.enumerated() {
            PyTuple_SetItem(tuple.pointer, objects.count + offset, try value.toPython(gil).relinquish())
        }
        return try PyRef(checked: PyObject_Call(pointer, tuple.pointer, nil), gil)
    }
}
