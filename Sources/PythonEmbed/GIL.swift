import CPythonShim

/// Proof that the calling thread holds the global interpreter lock.
///
/// A `GIL` exists only inside ``Interpreter/withGIL(_:)``, a worker-pool or event-loop job, or a host callback
/// Python makes while holding the lock. It is non-copyable and passed as `borrowing`, so it cannot be stored,
/// returned or captured by an escaping closure, and so cannot outlive the scope that acquired it. Every API that
/// touches Python objects takes one, which makes "called Python without the GIL" a compile-time error. A debug
/// build also checks, wherever a token is made, that the thread really holds the lock (`PyGILState_Check`).
public struct GIL: ~Copyable {
    /// Only this module mints tokens, and only where the lock is known to be held.
    init() {
        assert(PyGILState_Check() == 1, "a GIL token made on a thread that does not hold the GIL")
    }
}

extension Interpreter {
    /// Runs `body` with the GIL held on the current thread.
    ///
    /// The closure is synchronous, so nothing can `await` (and so hop threads) while holding the lock. What keeps
    /// Python objects from leaving the scope:
    /// - the `GIL` token is `~Copyable` and borrowed: `body` can pass it on, but not return, store or capture it;
    /// - ``PyRef`` is `~Copyable` and `R` is not (an unconstrained generic parameter is implicitly `Copyable`), so
    ///   a `PyRef` cannot be the result. The compiler does not stop one being moved into a non-copyable stored
    ///   property or global: don't; keep objects across scopes in a ``PythonHandle``, which is safe to drop anywhere;
    /// - a ``PythonReader`` is `~Escapable` and cannot leave ``PyRef/read(extraMembers:_:_:)`` at all.
    ///
    /// Keep the work short: this blocks the calling thread until the lock is free. For long Python calls use
    /// ``PythonWorkerPool`` or ``PythonEventLoop`` instead of the cooperative pool. Decrefs queued by handles
    /// dropped without the GIL run first (see `PendingDecrefs`).
    ///
    /// Calls `PyGILState_Ensure` / `PyGILState_Release`.
    /// - Precondition: the interpreter was started with ``Interpreter/start(_:)``.
    public static func withGIL<R, E: Error>(_ body: (borrowing GIL) throws(E) -> R) throws(E) -> R {
        precondition(isRunning, "Interpreter.withGIL called before Interpreter.start()")
        let state = PyGILState_Ensure()
        defer { PyGILState_Release(state) }
        let gil = GIL()
        PendingDecrefs.drain(gil)
        return try body(gil)
    }
}
