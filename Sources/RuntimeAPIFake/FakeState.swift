import NIOCore

/// An event waiting for (or being handed to) a `/next` poll.
struct QueuedEvent: Sendable {
    let requestID: String
    let body: ByteBuffer
    let timeout: Duration
    let functionARN: String
    let traceID: String?
    let clientContext: String?
    let cognitoIdentity: String?
    let answer: ResponseAnswer
}

/// What a test can wait for.
enum WaitKey: Hashable, Sendable {
    case result(String)
    case initError
    /// At least this many `/next` polls waiting at once.
    case polls(Int)
}

enum Awaited: Sendable {
    case result(InvocationResult)
    case initError(RecordedInitError)
    case polls(Int)
}

/// An invocation handed out and not yet ended.
struct OpenInvocation: Sendable {
    let answer: ResponseAnswer
    /// The connection whose `/next` received it.
    let connection: Int
    /// Invocations in flight right after it was handed out, itself included.
    let inFlightAtHandOut: Int
    /// The most invocations in flight at once while it was open, itself included.
    var mostInFlight: Int
}

/// Everything the fake knows, behind one lock. Continuations and deliveries are collected under the lock and run
/// after it is released.
struct FakeStorage {
    struct Waiter {
        let key: WaitKey
        let continuation: CheckedContinuation<Awaited, any Error>
        var timer: Scheduled<Void>?
    }

    var queue: [QueuedEvent] = []
    /// Long-polling `/next` requests, oldest first; each delivers on its own channel's event loop.
    var nextPolls: [(token: Int, deliver: @Sendable (QueuedEvent) -> Void)] = []
    /// Handed out and not yet completed, by request id.
    var inFlight: [String: OpenInvocation] = [:]
    /// The most invocations in flight at one moment.
    var mostInFlight = 0
    var posts: [String: [RecordedPost]] = [:]
    var results: [String: InvocationResult] = [:]
    var initErrors: [RecordedInitError] = []
    var waiters: [Int: Waiter] = [:]
    var unexpectedRequests: [String] = []
    var channels: [ObjectIdentifier: any Channel] = [:]
    var served = 0
    var acceptedConnections = 0
    var completed = 0
    var defaultAnswer = ResponseAnswer.accept
    /// A buffered `/response` with a larger body is answered 413, as Lambda answers one over 6 MB.
    var maxBufferedResponseBytes = RuntimeAPIFake.lambdaResponseLimit
    /// Invocations the platform ended without an answer (``RuntimeAPIFake/expireInvocation(_:)``).
    var expired: Set<String> = []
    var isShutDown = false
    private var lastToken = 0

    mutating func makeToken() -> Int {
        lastToken += 1
        return lastToken
    }

    func available(_ key: WaitKey) -> Awaited? {
        switch key {
        case .result(let id): results[id].map(Awaited.result)
        case .initError: initErrors.first.map(Awaited.initError)
        case .polls(let count): nextPolls.count >= count ? .polls(nextPolls.count) : nil
        }
    }

    /// Removes and returns the waiters for `key`, to be resumed outside the lock.
    mutating func takeWaiters(for key: WaitKey) -> [Waiter] {
        let tokens = waiters.filter { $0.value.key == key }.map(\.key)
        return tokens.compactMap { waiters.removeValue(forKey: $0) }
    }

    /// Removes and returns the waiters for a number of polls that is now reached.
    mutating func takePollWaiters() -> [Waiter] {
        let tokens = waiters.filter { if case .polls(let count) = $0.value.key { count <= nextPolls.count } else { false } }.map(\.key)
        return tokens.compactMap { waiters.removeValue(forKey: $0) }
    }

    /// Records that `event` reached the wire on `connection`.
    mutating func open(_ event: QueuedEvent, connection: Int) {
        let count = inFlight.count + 1
        for id in inFlight.keys { inFlight[id]!.mostInFlight = max(inFlight[id]!.mostInFlight, count) }
        inFlight[event.requestID] = OpenInvocation(
            answer: event.answer, connection: connection, inFlightAtHandOut: count, mostInFlight: count)
        mostInFlight = max(mostInFlight, count)
        served += 1
    }

    /// Hands `event` to the oldest poll, or queues it (at the front when it is being given back).
    mutating func offer(_ event: QueuedEvent, atFront: Bool = false) -> (@Sendable (QueuedEvent) -> Void)? {
        if !nextPolls.isEmpty { return nextPolls.removeFirst().deliver }
        if atFront { queue.insert(event, at: 0) } else { queue.append(event) }
        return nil
    }
}

extension [FakeStorage.Waiter] {
    func resume(with value: Awaited) {
        for waiter in self {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: value)
        }
    }
}


