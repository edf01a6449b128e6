import Synchronization

/// A first-in, first-out admission limit: at most ``limit`` requests are inside at once (for the local server: inside
/// the chat function, and so inside Python's event loop); the others wait in the order they came, none is dropped.
///
/// A waiting request leaves the queue, without ever entering, when its task is cancelled (the client went away) or
/// its deadline passes; ``admitted(until:whenWaiting:_:)`` throws ``AdmissionError`` then. Whoever leaves the inside lets the
/// longest-waiting request in.
public final class AdmissionQueue: Sendable {
    /// The most requests inside at once.
    public let limit: Int
    private let state = Mutex(State())

    private enum Entry {
        /// Queued; its continuation is not yet stored.
        case announced
        /// Queued, suspended on this continuation.
        case waiting(CheckedContinuation<Void, any Error>)
        /// Let in before its continuation was stored.
        case admitted
        /// Left the queue before its continuation was stored.
        case gone(AdmissionError)
    }

    private struct State {
        var inside = 0
        var nextID: UInt64 = 0
        /// Waiting requests, oldest first.
        var queue: [UInt64] = []
        var entries: [UInt64: Entry] = [:]
    }

    /// A queue letting `limit` (at least 1) requests in at once.
    public init(limit: Int) {
        precondition(limit > 0, "an admission limit is at least 1")
        self.limit = limit
    }

    /// Requests inside now.
    public var inside: Int { state.withLock { $0.inside } }
    /// Requests waiting now.
    public var waiting: Int { state.withLock { $0.queue.count } }

    /// Runs `body` once this request's turn has come, and lets the next one in when it returns or throws.
    /// - Parameters:
    ///   - deadline: When a request still waiting gives up; `nil` waits as long as it takes. A request let in runs
    ///     past it.
    ///   - whenWaiting: Called once if the request has to wait (it has joined the queue), before it waits.
    ///   - body: The work done inside.
    /// - Returns: What `body` returned.
    /// - Throws: ``AdmissionError`` if the request left the queue (cancelled, or the deadline passed) without
    ///   entering; else what `body` threw.
    public func admitted<T>(until deadline: ContinuousClock.Instant? = nil, whenWaiting: (() -> Void)? = nil,
                            _ body: () async throws -> T) async throws -> T {
        try await admitted(until: deadline, clock: ContinuousClock(), whenWaiting: whenWaiting, body)
    }

    /// ``admitted(until:whenWaiting:_:)`` with the deadline read on `clock` (a test's manual clock, say).
    public func admitted<T, C: Clock>(until deadline: C.Instant?, clock: C, whenWaiting: (() -> Void)? = nil,
                                      _ body: () async throws -> T) async throws -> T {
        try await enter(until: deadline, clock: clock, whenWaiting: whenWaiting)
        defer { leave() }
        return try await body()
    }

    private func enter<C: Clock>(until deadline: C.Instant?, clock: C, whenWaiting: (() -> Void)?) async throws {
        if Task.isCancelled { throw AdmissionError(reason: .cancelled) }
        let id: UInt64? = state.withLock { state in
            if state.inside < limit && state.queue.isEmpty {
                state.inside += 1
                return nil
            }
            let id = state.nextID
            state.nextID += 1
            state.queue.append(id)
            state.entries[id] = .announced
            return id
        }
        guard let id else { return }
        whenWaiting?()
        let timer = deadline.map { deadline in
            Task { [weak self] in
                try await clock.sleep(until: deadline, tolerance: nil)
                self?.leaveQueue(id, AdmissionError(reason: .deadlinePassed))
            }
        }
        defer { timer?.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, AdmissionError>? = state.withLock { state in
                    switch state.entries[id] {
                    case .announced?:
                        state.entries[id] = .waiting(continuation)
                        return nil
                    case .admitted?:
                        state.entries[id] = nil
                        return .success(())
                    case .gone(let error)?:
                        state.entries[id] = nil
                        return .failure(error)
                    case .waiting?, nil:
                        preconditionFailure("admission entry \(id) stored twice")
                    }
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            leaveQueue(id, AdmissionError(reason: .cancelled))
        }
    }

    /// Takes a request that is still waiting out of the queue with `error`; one already let in is left alone.
    private func leaveQueue(_ id: UInt64, _ error: AdmissionError) {
        let continuation: CheckedContinuation<Void, any Error>? = state.withLock { state in
            switch state.entries[id] {
            case .announced?:
                state.queue.removeAll { $0 == id }
                state.entries[id] = .gone(error)
                return nil
            case .waiting(let continuation)?:
                state.queue.removeAll { $0 == id }
                state.entries[id] = nil
                return continuation
            case .admitted?, .gone?, nil:
                return nil
            }
        }
        continuation?.resume(throwing: error)
    }

    private func leave() {
        let next: [CheckedContinuation<Void, any Error>] = state.withLock { state in
            state.inside -= 1
            var next: [CheckedContinuation<Void, any Error>] = []
            while state.inside < limit, !state.queue.isEmpty {
                let id = state.queue.removeFirst()
                state.inside += 1
                switch state.entries[id] {
                case .waiting(let continuation)?:
                    state.entries[id] = nil
                    next.append(continuation)
                case .announced?:
                    state.entries[id] = .admitted
                default:
                    preconditionFailure("a queued admission entry \(id) was not waiting")
                }
            }
            return next
        }
        for continuation in next { continuation.resume() }
    }
}

/// A request left an ``AdmissionQueue`` without entering.
public struct AdmissionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why it left.
    public enum Reason: Sendable, Equatable {
        /// Its task was cancelled while it waited (for the local server: the client closed its connection).
        case cancelled
        /// Its deadline passed while it waited.
        case deadlinePassed
    }

    /// Why it left.
    public let reason: Reason

    public var description: String {
        switch reason {
        case .cancelled: "the request was cancelled while it waited for its turn (the client went away)"
        case .deadlinePassed: "the request waited for its turn past its deadline; the server was answering as many requests as it serves at once"
        }
    }
}
