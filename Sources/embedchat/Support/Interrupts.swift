import Dispatch
import Foundation
import Synchronization

/// Ctrl-C handling: SIGINT is ignored by the process and delivered to a handler through a dispatch source, so it
/// can cancel a task instead of killing the program in the middle of writing.
///
/// The interpreter starts without Python's own signal handlers (its `PyConfig` sets `install_signal_handlers = 0`),
/// so nothing else claims SIGINT.
final class InterruptHandler: @unchecked Sendable {
    // The dispatch source is only touched in init and `cancel()`.
    private let source: any DispatchSourceSignal
    private final class Counter: Sendable { let value = Atomic<Int>(0) }
    private let counter = Counter()

    /// Installs `handler`, called on a background queue once per Ctrl-C with the number of interrupts so far.
    init(_ handler: @escaping @Sendable (Int) -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "embedchat.sigint"))
        let counter = counter
        source.setEventHandler { handler(counter.value.add(1, ordering: .relaxed).newValue) }
        source.resume()
    }

    /// Whether Ctrl-C was pressed at least once.
    var interrupted: Bool { counter.value.load(ordering: .relaxed) > 0 }

    /// Removes the handler and restores the default action.
    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }

    /// Runs `operation` as a task that the first Ctrl-C cancels; a second Ctrl-C (or a task that does not stop
    /// within two seconds, e.g. while the interpreter is still starting) exits with 130 at once.
    /// - Throws: `CancellationError` when interrupted, else what `operation` throws.
    static func cancellingOnInterrupt<R: Sendable>(_ operation: @escaping @Sendable () async throws -> R) async throws -> R {
        let task = Task { try await operation() }
        let handler = InterruptHandler { count in
            task.cancel()
            if count > 1 { Foundation.exit(CLIExit.interrupted) }
            DispatchQueue.global().asyncAfter(deadline: .now() + 2) { Foundation.exit(CLIExit.interrupted) }
        }
        defer { handler.cancel() }
        let result = await task.result
        if handler.interrupted { throw CancellationError() }
        return try result.get()
    }
}
