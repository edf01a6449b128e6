import Synchronization

/// Drains the runtime on request: the pollers stop taking invocations, the invocations in flight finish, and
/// ``LambdaRuntime/serve(handler:endpoint:concurrency:shutdown:eventLoopGroup:logger:)`` returns.
///
/// The first ``requestShutdown()`` (SIGTERM, through ``TerminationSignals``) starts the drain and the grace period.
/// A second request, or the grace period running out with invocations still in flight, calls `onForce` once: the
/// caller ends the process there (the runtime cannot stop a handler that ignores cancellation).
///
/// ```swift
/// let shutdown = GracefulShutdown(gracePeriod: .seconds(10)) { forced in
///     logger.critical("shutdown forced", metadata: ["inFlight": "\(forced.invocationsInFlight)"])
///     exit(1)
/// }
/// TerminationSignals.forward([SIGTERM], to: shutdown)
/// try await LambdaRuntime.serve(handler: handler, endpoint: endpoint, concurrency: 16, shutdown: shutdown, logger: logger)
/// exit(0)  // drained
/// ```
public final class GracefulShutdown: Sendable {
    /// Why the drain was cut short.
    public struct Forced: Sendable, CustomStringConvertible {
        /// What cut it short.
        public enum Reason: String, Sendable {
            /// A second shutdown request (a second SIGTERM).
            case secondRequest
            /// The grace period ran out.
            case gracePeriodExpired
        }

        /// What cut the drain short.
        public let reason: Reason
        /// The invocations still in flight, which are abandoned.
        public let invocationsInFlight: Int

        /// `reason (n invocations in flight)`.
        public var description: String { "\(reason.rawValue) (\(invocationsInFlight) invocations in flight)" }
    }

    private struct State {
        enum Phase { case serving, draining, finished, forced }
        var phase = Phase.serving
        var inFlight = 0
        var nextToken = 0
        /// What stops each poller's `/next`, by registration token.
        var stoppers: [Int: @Sendable () async -> Void] = [:]
        var timer: Task<Void, Never>?
    }

    /// How long in-flight invocations may take after the first request.
    public let gracePeriod: Duration
    private let onForce: @Sendable (Forced) -> Void
    private let state = Mutex(State())

    /// Creates a controller.
    /// - Parameters:
    ///   - gracePeriod: How long the invocations in flight may take once a shutdown is requested.
    ///   - onForce: Called once, on a second request or when the grace period runs out first; it should end the
    ///     process.
    public init(gracePeriod: Duration, onForce: @escaping @Sendable (Forced) -> Void) {
        self.gracePeriod = gracePeriod
        self.onForce = onForce
    }

    /// Whether a shutdown was requested: pollers take no new invocation.
    public var isDraining: Bool { state.withLock { $0.phase != .serving } }

    /// The invocations being handled now.
    public var invocationsInFlight: Int { state.withLock { $0.inFlight } }

    /// Whether the drain is done and its grace timer gone, so nothing can force the shutdown any more.
    var isFinished: Bool { state.withLock { $0.phase == .finished && $0.timer == nil } }

    /// Asks for a shutdown. The first call stops every poller's `/next` and starts the grace period; a later
    /// call (while the drain is still going on) forces it.
    public func requestShutdown() {
        enum Action { case drain([@Sendable () async -> Void]), force(Int), none }
        let action: Action = state.withLock { s in
            switch s.phase {
            case .serving:
                s.phase = .draining
                return .drain(Array(s.stoppers.values))
            case .draining:
                s.phase = .forced
                s.timer?.cancel()
                return .force(s.inFlight)
            case .finished, .forced:
                return .none
            }
        }
        switch action {
        case .drain(let stoppers):
            startTimer()
            for stop in stoppers { Task { await stop() } }
        case .force(let inFlight):
            onForce(Forced(reason: .secondRequest, invocationsInFlight: inFlight))
        case .none:
            break
        }
    }

    /// Marks the drain done (every poller has stopped), so the grace period no longer forces anything.
    func finish() {
        let timer: Task<Void, Never>? = state.withLock { s in
            if s.phase == .draining || s.phase == .serving { s.phase = .finished }
            defer { s.timer = nil }
            return s.timer
        }
        timer?.cancel()
    }

    // MARK: Pollers

    /// Registers what stops one poller's pending `/next`; runs it at once if a drain already began.
    /// - Returns: The token for ``unregister(_:)``.
    func register(stop: @escaping @Sendable () async -> Void) async -> Int {
        let (token, draining) = state.withLock { s in
            s.nextToken += 1
            s.stoppers[s.nextToken] = stop
            return (s.nextToken, s.phase != .serving)
        }
        if draining { await stop() }
        return token
    }

    func unregister(_ token: Int) {
        _ = state.withLock { $0.stoppers.removeValue(forKey: token) }
    }

    func invocationBegan() { state.withLock { $0.inFlight += 1 } }

    func invocationEnded() { state.withLock { $0.inFlight -= 1 } }

    private func startTimer() {
        let gracePeriod = self.gracePeriod
        let timer = Task { [weak self] in
            try? await Task.sleep(for: gracePeriod)
            guard !Task.isCancelled else { return }
            self?.gracePeriodExpired()
        }
        let keep = state.withLock { s in
            guard s.phase == .draining else { return false }
            s.timer = timer
            return true
        }
        if !keep { timer.cancel() }
    }

    private func gracePeriodExpired() {
        let inFlight: Int? = state.withLock { s in
            guard s.phase == .draining else { return nil }
            s.phase = .forced
            s.timer = nil
            return s.inFlight
        }
        if let inFlight { onForce(Forced(reason: .gracePeriodExpired, invocationsInFlight: inFlight)) }
    }
}
