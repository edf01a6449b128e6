import CPythonShim
import CPythonSupport
import Glibc
import Synchronization

/// One asyncio event loop on a dedicated thread, carrying any number of Python coroutines at once.
///
/// Swift queues work in an inbox and wakes the loop through an pipe; the loop thread, which holds the GIL anyway,
/// builds each coroutine, starts it as a task and, when it ends, converts the result and resumes the caller. So a
/// Swift thread never waits for the GIL to submit or cancel a call, and each call costs the loop one wake-up rather
/// than several GIL hand-offs. Cancelling the awaiting task cancels the asyncio task, so the coroutine's sockets
/// are closed, which a thread blocked in a synchronous call cannot offer.
public final class PythonEventLoop: Sendable {
    private let inbox: LoopInbox
    private let loop: PythonHandle
    private let startTask: PythonHandle
    private let closeIterator: PythonHandle
    private let startPump: PythonHandle
    private let cancelTask: PythonHandle

    private static let sharedLoop = Mutex<PythonEventLoop?>(nil)

    /// The process's loop, started on first use.
    /// - Throws: ``PythonError`` if asyncio cannot start.
    public static func shared() throws -> PythonEventLoop {
        guard Interpreter.isRunning else {
            throw PythonError(typeName: "RuntimeError", message: "the event loop needs a started interpreter: call Interpreter.start() first")
        }
        return try sharedLoop.withLock { shared in
            if let shared { return shared }
            let loop = try PythonEventLoop()
            shared = loop
            return loop
        }
    }

    private init() throws {
        let inbox = try LoopInbox()
        self.inbox = inbox
        (loop, startTask, closeIterator, startPump, cancelTask) = try Interpreter.withGIL { gil throws(PythonError) in
            let host = Interpreter.host(gil)
            let drain = try HostCallback.make(gil) { _, gil in inbox.drain(gil) }
            let loop = try host.attribute("EventLoop", gil).call(try PythonValue.int(Int(inbox.descriptor)).toPython(gil), drain, gil)
            _ = try host.attribute("start_thread", gil).call(
                objects: [loop.attribute("run", gil).handle(gil)], keywords: ["name": "python-asyncio"], gil)
            return (loop.handle(gil), try loop.attribute("start", gil).handle(gil), try loop.attribute("close_later", gil).handle(gil),
                    try loop.attribute("pump", gil).handle(gil), try loop.attribute("cancel", gil).handle(gil))
        }
    }

    /// Runs an awaitable on the loop and returns its converted result.
    ///
    /// - Parameters:
    ///   - makeAwaitable: builds the coroutine; runs once, on the loop thread, with the GIL held.
    ///   - convert: turns the result into a Swift value; runs on the loop thread with the GIL held.
    /// - Throws: ``PythonError`` for an exception in the coroutine (SystemExit included), `CancellationError` when
    ///   the task was cancelled, or what `makeAwaitable` or `convert` throw.
    public func run<T: Sendable>(
        _ makeAwaitable: @escaping @Sendable (borrowing GIL) throws -> PyRef,
        convert: @escaping @Sendable (borrowing PyRef, borrowing GIL) throws -> T
    ) async throws -> T {
        let call = LoopCall()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let startTask = self.startTask
                call.begin = { gil in
                    do {
                        let awaitable = try makeAwaitable(gil)
                        let done = try HostCallback.make(gil) { outcome, gil in
                            // `(kind, value)` from the glue's `_deliver`; a second delivery (cancelled before the
                            // first step) is ignored.
                            guard !call.delivered else { return }
                            call.delivered = true
                            call.task = nil  // drop the task and callback here, where the GIL is held
                            call.done = nil
                            let result = Result<T, any Error> {
                                switch try GlueOutcome(outcome, gil) {
                                case .value(let value): return try convert(value.borrow(gil), gil)
                                case .exception(let exception): throw PythonError(exception: exception.borrow(gil), gil)
                                case .cancelled, .end: throw CancellationError()
                                }
                            }
                            self.inbox.handOver(gil) { continuation.resume(with: result) }
                        }
                        call.task = try startTask.borrow(gil).call(awaitable, done, gil).handle(gil)
                        call.done = done.handle(gil)
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                call.abandon = { continuation.resume(throwing: CancellationError()) }
                inbox.post(.start(call))
            }
        } onCancel: {
            inbox.post(.cancel(call, cancelTask))
        }
    }

    /// Runs `body` on the loop thread with the GIL held, without waiting for it.
    func post(_ body: @escaping @Sendable (borrowing GIL) -> Void) { inbox.post(.run(body)) }

    /// On the loop thread: closes an async iterator (`aclose`, errors dropped) without waiting for it.
    func closeLater(_ iterator: borrowing PyRef, _ gil: borrowing GIL) {
        if (try? closeIterator.borrow(gil).call(iterator, gil)) == nil { PyErr_Clear() }
    }

    /// On the loop thread: starts the glue's `Pump` over `iterator`, pushing to `push`.
    func pump(_ iterator: borrowing PyRef, _ push: borrowing PyRef, window: Int, _ gil: borrowing GIL)
        throws(PythonError) -> PyRef
    {
        try startPump.borrow(gil).call(iterator, push, try PythonValue.int(window).toPython(gil), gil)
    }

    /// On the loop thread, in a coroutine or callback that just produced a result: runs `resume` and then at once
    /// what a caller on ``executor`` posted in response (see `LoopInbox.handOver`).
    func handOver(_ gil: borrowing GIL, _ resume: () -> Void) { inbox.handOver(gil, resume) }

    /// An executor that runs Swift jobs on the loop thread, between asyncio's callbacks, with the GIL released.
    ///
    /// A caller that makes Python calls one after another can run under
    /// `withTaskExecutorPreference(loop.executor) { ... }`: its code then runs where the calls run, as a Python
    /// coroutine's would, and no call costs a hand-off between threads (two thread wake-ups, most of the bridge's
    /// per-call cost; `embedchat-bench litellm` measures both ways). While Swift code runs there the asyncio loop
    /// waits, so it suits short steps between calls; a task that computes for long, or blocks, belongs on the
    /// global executor.
    public var executor: any TaskExecutor { inbox }
}

/// What the glue hands the host: a `(kind, value)` tuple from `_deliver` or a `Pump`.
enum GlueOutcome {
    case value(PythonHandle)
    case exception(PythonHandle)
    case cancelled
    case end

    init(_ outcome: borrowing PyRef, _ gil: borrowing GIL) throws(PythonError) {
        let pointer = outcome.pointer
        guard cpy_tuple_check(pointer) != 0, cpy_tuple_size(pointer) == 2,
              cpy_long_check(cpy_tuple_get_item(pointer, 0)) != 0 else {
            throw PythonError(typeName: "SystemError", message: "the glue handed over a malformed outcome")
        }
        let value = PyRef(borrowing: cpy_tuple_get_item(pointer, 1), gil)
        switch Code(rawValue: PyLong_AsLong(cpy_tuple_get_item(pointer, 0))) {
        case .ok: self = .value(value.handle(gil))
        case .error: self = .exception(value.handle(gil))
        case .cancelled: self = .cancelled
        case .end: self = .end
        case nil: throw PythonError(typeName: "SystemError", message: "the glue handed over an unknown outcome")
        }
    }

    /// The kinds of outcome as the glue numbers them: defined here only, and written into the glue's source
    /// (``pythonDefinition``), so the two sides cannot disagree.
    enum Code: Int, CaseIterable {
        case ok = 0, error, cancelled, end

        /// `OK, ERROR, CANCELLED, END = 0, 1, 2, 3`: the glue's constants.
        static var pythonDefinition: String {
            allCases.map { "\($0)".uppercased() }.joined(separator: ", ") + " = "
                + allCases.map { "\($0.rawValue)" }.joined(separator: ", ")
        }
    }
}

/// One call's state. Touched only on the loop thread once posted (the inbox hands it over), hence unchecked.
private final class LoopCall: @unchecked Sendable {
    var begin: ((borrowing GIL) -> Void)?
    var abandon: (() -> Void)?
    var task: PythonHandle?
    /// The callback the glue delivers the outcome to, kept for a cancel (see the glue's `EventLoop.cancel`).
    var done: PythonHandle?
    var cancelled = false
    var delivered = false
}

/// Work for the loop thread, and the pipe that wakes it; also the loop's ``PythonEventLoop/executor``.
private final class LoopInbox: TaskExecutor, Sendable {
    enum Work: Sendable {
        case start(LoopCall)
        /// The call, and the glue's `EventLoop.cancel`.
        case cancel(LoopCall, PythonHandle)
        case run(@Sendable (borrowing GIL) -> Void)
        case job(UnownedJob)
    }

    private struct State {
        var pending: [Work] = []
        /// The loop thread is in `drain` and will take whatever is posted before it returns: no wake-up needed.
        var draining = false
    }

    /// Passes over the inbox per drain before asyncio gets a turn again.
    private static let passesPerDrain = 16

    /// The read end of a non-blocking pipe the loop watches; `wakeDescriptor` is its write end.
    let descriptor: Int32
    private let wakeDescriptor: Int32
    private let state = Mutex(State())

    init() throws(PythonError) {
        var ends: [Int32] = [0, 0]
        guard cps_wakeup_pipe(&ends) == 0 else {
            throw PythonError(typeName: "OSError", message: "pipe2 failed: errno \(errno)")
        }
        descriptor = ends[0]
        wakeDescriptor = ends[1]
    }

    func post(_ work: Work) {
        let wake = state.withLock { state in
            state.pending.append(work)
            return !state.draining && state.pending.count == 1
        }
        if wake { wakeLoop() }
    }

    func enqueue(_ job: consuming ExecutorJob) { post(.job(UnownedJob(job))) }

    private func wakeLoop() {
        var byte: UInt8 = 1
        _ = write(wakeDescriptor, &byte, 1)
    }

    /// On the loop thread with the GIL held, when the pipe is readable. Work posted while it runs (a job starting its
    /// next call) is taken in the same drain, up to a bound, so a caller on ``PythonEventLoop/executor`` costs the
    /// loop no extra turn.
    func drain(_ gil: borrowing GIL) {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(descriptor, &bytes, bytes.count) > 0 {}
        drainPasses(gil)
        PendingDecrefs.drain(gil)
    }

    /// On the loop thread with the GIL held, inside a coroutine that just finished: runs `resume` (which resumes
    /// the caller) and then at once what that posted. A caller on ``PythonEventLoop/executor`` thus continues here,
    /// ahead of the callbacks the call left queued on the loop, as a coroutine awaiting the call would.
    func handOver(_ gil: borrowing GIL, _ resume: () -> Void) {
        let nested = state.withLock { state in
            defer { state.draining = true }
            return state.draining
        }
        resume()
        if !nested { drainPasses(gil) }
    }

    private func drainPasses(_ gil: borrowing GIL) {
        for pass in 1...Self.passesPerDrain {
            let work = state.withLock { state in
                defer { state.pending.removeAll(keepingCapacity: true) }
                state.draining = !state.pending.isEmpty && pass < Self.passesPerDrain
                return state.pending
            }
            if work.isEmpty { return }
            perform(work, gil)
        }
        // Bounded: what is still pending waits for the next turn of the loop, which the pipe guarantees.
        if state.withLock({ state in state.draining = false; return !state.pending.isEmpty }) { wakeLoop() }
    }

    private func perform(_ work: [Work], _ gil: borrowing GIL) {
        for item in work {
            switch item {
            case .start(let call):
                if call.cancelled {
                    call.abandon?()
                } else {
                    call.begin?(gil)
                }
                call.begin = nil
                call.abandon = nil
            case .cancel(let call, let canceller):
                call.cancelled = true
                if let task = call.task, let done = call.done,
                   (try? canceller.borrow(gil).call(task.borrow(gil), done.borrow(gil), gil)) == nil {
                    PyErr_Clear()
                }
            case .run(let body):
                body(gil)
            case .job(let job):
                // Swift code does not need the GIL; released, the loop's other threads go on meanwhile.
                let thread = PyEval_SaveThread()
                job.runSynchronously(on: asUnownedTaskExecutor())
                PyEval_RestoreThread(thread)
            }
        }
    }
}
