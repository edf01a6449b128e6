import Synchronization

/// Requests and tokens per minute for each caller, over a sliding minute of one-second buckets.
///
/// Limits are per execution environment: each Lambda sandbox (or `--local` process) counts only what it served,
/// so N concurrent sandboxes together allow up to N times a caller's limits.
final class RateLimiter: Sendable {
    private struct Bucket { var second: Int64 = .min; var requests = 0; var tokens = 0 }
    private struct Window {
        var buckets = [Bucket](repeating: Bucket(), count: 60)

        mutating func bucket(_ second: Int64) -> Int {
            let index = Int(((second % 60) + 60) % 60)
            if buckets[index].second != second { buckets[index] = Bucket(second: second) }
            return index
        }

        func live(_ now: Int64) -> some Sequence<Bucket> { buckets.lazy.filter { $0.second > now - 60 && $0.second <= now } }
    }

    private let windows = Mutex<[String: Window]>([:])
    private let now: @Sendable () -> Int64

    /// - Parameter now: The current time in whole seconds (monotonic); tests pass their own.
    init(now: @escaping @Sendable () -> Int64 = RateLimiter.monotonicSeconds) { self.now = now }

    static func monotonicSeconds() -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds
    }
    private static let start = ContinuousClock.now

    /// Admits one request of `caller`, counting it; or says in how many seconds it could be admitted.
    /// - Returns: `nil` when admitted; else the seconds until the oldest counted request or tokens leave the minute.
    func admit(_ caller: Caller) -> Int? {
        guard caller.rpm != nil || caller.tpm != nil else { return nil }
        let second = now()
        return windows.withLock { windows in
            var window = windows[caller.name] ?? Window()
            let live = Array(window.live(second))
            let requests = live.reduce(0) { $0 + $1.requests }, tokens = live.reduce(0) { $0 + $1.tokens }
            let overRequests = caller.rpm.map { requests >= $0 } ?? false
            let overTokens = caller.tpm.map { tokens >= $0 } ?? false
            if overRequests || overTokens {
                let oldest = live.filter { overRequests ? $0.requests > 0 : $0.tokens > 0 }.map(\.second).min() ?? second
                return Int(max(1, oldest + 60 - second))
            }
            window.buckets[window.bucket(second)].requests += 1
            windows[caller.name] = window
            return nil
        }
    }

    /// Counts the tokens an answer used against the caller's `tpm`.
    func record(_ caller: Caller, tokens: Int) {
        guard caller.tpm != nil, tokens > 0 else { return }
        let second = now()
        windows.withLock { windows in
            var window = windows[caller.name] ?? Window()
            window.buckets[window.bucket(second)].tokens += tokens
            windows[caller.name] = window
        }
    }
}
