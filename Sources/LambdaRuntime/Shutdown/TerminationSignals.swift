import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns termination signals into ``GracefulShutdown/requestShutdown()`` calls.
public enum TerminationSignals {
    private static let queue = DispatchQueue(label: "LambdaRuntime.TerminationSignals")

    /// From now on, each of `signals` (e.g. `SIGTERM`) asks `shutdown` to drain (the first) or to stop (the
    /// next): their default action, ending the process at once, is switched off.
    /// - Parameters:
    ///   - signals: The signal numbers.
    ///   - shutdown: What each delivery asks.
    ///   - onSignal: Called with the signal number on each delivery, before `shutdown` is asked (to log it).
    public static func forward(
        _ signals: [Int32], to shutdown: GracefulShutdown, onSignal: @escaping @Sendable (Int32) -> Void = { _ in }
    ) {
        for number in signals {
            signal(number, SIG_IGN)  // delivered to the dispatch source instead
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                onSignal(number)
                shutdown.requestShutdown()
            }
            source.resume()
            // Kept for the life of the process: a released source stops delivering.
            _ = Unmanaged.passRetained(source as AnyObject)
        }
    }
}
