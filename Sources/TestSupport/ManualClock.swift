/// A clock that moves only when a test moves it: a deadline on it passes when the test says so, never because a busy
/// machine ran late.
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        var offset: Duration
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let time = ObservedState(Instant(offset: .zero))

    /// A clock at its zero instant.
    public init() {}

    public var now: Instant { time.value }
    public var minimumResolution: Duration { .zero }
    /// Tasks sleeping on this clock now.
    public var sleepers: Int { time.waiting }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try await time.until { $0 >= deadline }
    }

    /// Moves the clock on by `duration`, waking every sleeper whose deadline that reaches.
    public func advance(by duration: Duration) {
        time.update { $0 = $0.advanced(by: duration) }
    }
}
