import CPythonShim
import CPythonSupport
import Foundation
import Synchronization

/// Threads the host owns for blocking Python work, so long calls never block Swift's cooperative pool.
///
/// Threads start on demand up to ``maximumThreads`` and then live for the process, each keeping one Python thread
/// state (so `threading.local` persists between calls). While one thread waits on I/O with the GIL released, the
/// others run: N threads give N blocking calls in flight.
public final class PythonWorkerPool: Sendable {
    /// The pool shared by the process: 64 threads at most.
    public static let shared = PythonWorkerPool(maximumThreads: 64)

    /// The most threads this pool starts.
    public let maximumThreads: Int
    private let queue: JobQueue

    /// - Parameter maximumThreads: how many blocking calls may be in flight at once; more wait their turn.
    public init(maximumThreads: Int) {
        self.maximumThreads = maximumThreads
        queue = JobQueue(maximumThreads: maximumThreads)
    }

    /// One thread for Python work that must not block its caller: cancellations, and the fallback drain of
    /// ``PendingDecrefs`` when nobody else takes the GIL. A
    /// cancellation handler runs while Swift holds the task's status lock, and a Python thread holding the GIL may
    /// be resuming that very task: taking the GIL there deadlocks, so the work is posted here instead.
    static let housekeeping = PythonWorkerPool(maximumThreads: 1)

    /// Queues `body` to run with the GIL on a pool thread, without waiting for it.
    func post(_ body: @escaping @Sendable (borrowing GIL) -> Void) {
        let job = WorkerJob()
        job.work = { _, gil in body(gil) }
        queue.push(job)
    }

    /// How many threads the pool has started so far.
    public var threadCount: Int { queue.threadCount }

    /// Runs `body` with the GIL held on a pool thread and returns its result.
    ///
    /// Cancellation: a job not yet started is dropped; a running one gets an asynchronous exception at its next
    /// Python bytecode (C code blocked in a system call finishes that call first), then this throws
    /// `CancellationError`.
    /// - Throws: what `body` throws (``PythonError`` for Python exceptions), or `CancellationError`.
    public func run<T: Sendable>(_ body: @escaping @Sendable (borrowing GIL) throws -> T) async throws -> T {
        let job = WorkerJob()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                job.work = { cancelled, gil in
                    if cancelled { continuation.resume(throwing: CancellationError()); return }
                    let result = Result { try body(gil) }
                    if job.wasCancelled, case .failure = result {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        continuation.resume(with: result)
                    }
                }
                queue.push(job)
            }
        } onCancel: {
            job.cancel()
        }
    }
}

/// One unit of work and its cancellation state. `work` is set once before the job is queued.
final class WorkerJob: @unchecked Sendable {
    enum State { case pending, running(UInt), finished, cancelled }
    private let state = Mutex<State>(.pending)
    private let cancelRequested = Atomic<Bool>(false)
    var work: ((Bool, borrowing GIL) -> Void)!

    var wasCancelled: Bool { cancelRequested.load(ordering: .acquiring) }

    /// Called by the worker holding the GIL: returns false if the job was cancelled before it started.
    func begin(thread: UInt) -> Bool {
        state.withLock { state in
            if case .cancelled = state { return false }
            state = .running(thread)
            return true
        }
    }

    /// Called by the worker while it still holds the GIL, so a concurrent cancel (which takes the GIL) cannot
    /// interrupt the next job on this thread.
    func end() { state.withLock { $0 = .finished } }

    func cancel() {
        cancelRequested.store(true, ordering: .releasing)
        let notStarted = state.withLock { state -> Bool in
            if case .pending = state { state = .cancelled; return true }
            return false
        }
        guard !notStarted, Interpreter.isRunning else { return }
        PythonWorkerPool.housekeeping.post { [self] gil in
            state.withLock { state in
                if case .running(let thread) = state {
                    let type = WorkerJob.cancelledType(gil)
                    _ = cps_interrupt_thread(UInt(thread), type.pointer)
                }
            }
        }
    }

    static func cancelledType(_ gil: borrowing GIL) -> PyRef {
        (try? Interpreter.host(gil).attribute("HostCancelled", gil)) ?? PyRef(borrowing: cpy_keyboard_interrupt(), gil)
    }
}

/// A FIFO of jobs and the threads that drain it (pthread mutex + condition: the waiting is real blocking).
final class JobQueue: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    // Taken slots are cleared rather than removed, so no job is ever released while the mutex is held: a released
    // job may drop the last reference to a PythonHandle, whose deinit posts back into this queue.
    private var jobs: [WorkerJob?] = []
    private var head = 0
    private var idle = 0
    private var threads = 0
    private let maximumThreads: Int

    init(maximumThreads: Int) {
        self.maximumThreads = maximumThreads
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    var threadCount: Int {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        return threads
    }

    func push(_ job: WorkerJob) {
        pthread_mutex_lock(&mutex)
        jobs.append(job)
        // More queued jobs than idle threads (two pushes can land before one idle thread wakes): start another.
        let startThread = jobs.count - head > idle && threads < maximumThreads
        if startThread { threads += 1 }
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
        if startThread {
            let thread = Thread { [self] in self.workerLoop() }
            thread.name = "python-worker"
            thread.stackSize = 8 << 20  // deep Python recursion needs more than a secondary thread's default
            thread.start()
        }
    }

    private func take() -> WorkerJob {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while head == jobs.count {
            idle += 1
            pthread_cond_wait(&condition, &mutex)
            idle -= 1
        }
        let job = jobs[head]!
        jobs[head] = nil
        head += 1
        if head > 256, head * 2 > jobs.count { jobs.removeFirst(head); head = 0 }
        return job
    }

    private func workerLoop() {
        // One thread state for the thread's whole life: Ensure once, then save/restore around each job.
        _ = PyGILState_Ensure()
        let thread = PyThread_get_thread_ident()
        var saved = PyEval_SaveThread()
        while true {
            let job = take()
            PyEval_RestoreThread(saved)
            let gil = GIL()
            PendingDecrefs.drain(gil)
            if job.begin(thread: UInt(thread)) {
                job.work(false, gil)
                job.end()
                // Drop an interrupt that arrived too late to hit this job, so it cannot hit the next one.
                _ = PyThreadState_SetAsyncExc(thread, nil)
            } else {
                job.work(true, gil)
            }
            // The closure captures the job (for its cancellation state): break that cycle, here where the GIL is held
            // so the Python objects the closure kept are released at once.
            job.work = nil
            saved = PyEval_SaveThread()
        }
    }
}
