import CPythonShim

/// Proof that the calling thread holds the global interpreter lock.
///
/// A `GIL` exists only inside ``Interpreter/withGIL(_:)`` (or a host callback Python makes while holding the lock).
/// It is non-copyable and passed as `borrowing`, so it cannot be stored or outlive the scope that acquired it. Every
/// API that touches Python objects takes one, which makes "called Python without the GIL" a compile-time error.
public struct GIL: ~Copyable {
    /// Only this module mints tokens, and only where the lock is known to be held.
    init() {}
}

extension Interpreter {
    /// Runs `body` with the GIL held on the current thread.
    ///
    /// The closure is synchronous, so nothing can `await` (and so hop threads) while holding the lock. Its result must
    /// be `Sendable`, which keeps owned Python references (``PyRef``) from escaping. Keep the work short: this blocks
    /// the calling thread until the lock is free. For long Python calls use ``PythonWorkerPool`` or
    /// ``PythonEventLoop`` instead of the cooperative pool.
    ///
    /// Calls `PyGILState_Ensure` / `PyGILState_Release`.
    /// - Precondition: the interpreter was started with ``Interpreter/start(_:)``.
    public static func withGIL<R, E: Error>(_ body: (borrowing GIL) throws(E) -> R) throws(E) -> R {
        precondition(isRunning, "Interpreter.withGIL called before Interpreter.start()")
        let state = PyGILState_Ensure()
        defer { PyGILState_Release(state) }
        return try body(GIL())
    }
}
