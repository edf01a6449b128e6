import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The fake's state and rules, shared by the public façade and the connection handlers.
final class FakeCore: Sendable {
    let state = Locked(FakeStorage())

    // MARK: /next

    /// Registers a long poll; `deliver` runs (off the lock) once an event is available, maybe immediately.
    func poll(token: Int, deliver: @escaping @Sendable (QueuedEvent) -> Void) {
        let (event, waiters): (QueuedEvent?, [FakeStorage.Waiter]) = state.withLock { s in
            if !s.queue.isEmpty { return (s.queue.removeFirst(), []) }
            s.nextPolls.append((token, deliver))
            return (nil, s.takePollWaiters())
        }
        if let event { deliver(event) }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: .polls(state.withLock { $0.nextPolls.count }))
        }
    }

    func cancelPoll(token: Int) {
        state.withLock { s in s.nextPolls.removeAll { $0.token == token } }
    }

    func enqueue(_ event: QueuedEvent, atFront: Bool = false) throws {
        let deliver = try state.withLock { s throws(RuntimeAPIFakeError) in
            guard !s.isShutDown else { throw RuntimeAPIFakeError(message: "enqueue after shutdown") }
            return s.offer(event, atFront: atFront)
        }
        deliver?(event)
    }

    /// The event reached the wire on `connection`: the invocation is in flight.
    func markHandedOut(_ event: QueuedEvent, connection: Int) {
        state.withLock { s in s.open(event, connection: connection) }
    }

    // MARK: Posts

    /// Records a post for an invocation and returns the status to answer.
    func recordPost(
        requestID: String, endpoint: RecordedPost.Endpoint, head: HTTPRequestHead, body: ByteBuffer, bodyParts: Int,
        trailers: HTTPHeaders?, connection: Int
    ) -> HTTPResponseStatus {
        let headers = head.headers.map { ($0.name, $0.value) }
        let isChunked = head.headers[canonicalForm: "transfer-encoding"].contains { $0.lowercased() == "chunked" }
        let errorType: String?
        let errorBody: [UInt8]?
        switch endpoint {
        case .error:
            errorType = head.headers.first(name: "Lambda-Runtime-Function-Error-Type")
            errorBody = Array(buffer: body)
        case .response:
            errorType = trailers?.first(name: "Lambda-Runtime-Function-Error-Type")
            errorBody = trailers?.first(name: "Lambda-Runtime-Function-Error-Body")
                .flatMap { Data(base64Encoded: $0) }.map { Array($0) }
        }

        let (status, waiters, result) = state.withLock { s -> (HTTPResponseStatus, [FakeStorage.Waiter], Awaited?) in
            guard let open = s.inFlight[requestID] else {
                let known = s.results[requestID] != nil || s.expired.contains(requestID)
                s.unexpectedRequests.append(
                    "\(head.method) \(head.uri): " + (known ? "invocation already completed" : "unknown request id"))
                return (known ? .forbidden : .badRequest, [], nil)
            }
            var status = endpoint == .response ? HTTPResponseStatus(statusCode: open.answer.status) : .accepted
            if endpoint == .response, !isChunked, body.readableBytes > s.maxBufferedResponseBytes { status = .payloadTooLarge }
            let post = RecordedPost(
                endpoint: endpoint, status: Int(status.code), headers: headers, body: Array(buffer: body),
                isChunked: isChunked, bodyPartCount: bodyParts, trailers: trailers.map { $0.map { ($0.name, $0.value) } },
                errorType: errorType, errorBody: errorBody, connection: connection)
            s.posts[requestID, default: []].append(post)
            // Every answer ends the invocation, a 413 included: the real Runtime API closes it then, and refuses a
            // later /error with 403 InvalidStateTransition.
            s.inFlight[requestID] = nil
            let result = InvocationResult(
                requestID: requestID, posts: s.posts.removeValue(forKey: requestID) ?? [post], pollConnection: open.connection,
                inFlightAtHandOut: open.inFlightAtHandOut, mostInFlight: open.mostInFlight)
            s.results[requestID] = result
            s.completed += 1
            return (status, s.takeWaiters(for: .result(requestID)), .result(result))
        }
        if let result { waiters.resume(with: result) }
        return status
    }

    /// Ends an in-flight invocation without a post, as the platform does when its deadline passes.
    func expire(requestID: String) -> Bool {
        state.withLock { s in
            guard s.inFlight.removeValue(forKey: requestID) != nil else { return false }
            s.expired.insert(requestID)
            return true
        }
    }

    func recordInitError(head: HTTPRequestHead, body: ByteBuffer) {
        let record = RecordedInitError(headers: head.headers.map { ($0.name, $0.value) }, body: Array(buffer: body))
        let waiters = state.withLock { s in
            s.initErrors.append(record)
            return s.takeWaiters(for: .initError)
        }
        waiters.resume(with: .initError(record))
    }

    func recordUnexpected(_ description: String) {
        state.withLock { $0.unexpectedRequests.append(description) }
    }

    // MARK: Waiting

    /// Waits until `key` is available, for at most `timeout`; cancellation ends the wait too.
    func wait(for key: WaitKey, timeout: Duration, on eventLoop: any EventLoop) async throws -> Awaited {
        let token = state.withLock { $0.makeToken() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Awaited, any Error>) in
                let ready: Awaited? = state.withLock { s in
                    if let value = s.available(key) { return value }
                    s.waiters[token] = FakeStorage.Waiter(key: key, continuation: continuation)
                    return nil
                }
                if let ready { return continuation.resume(returning: ready) }
                let timer = eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.nanosecondsClamped))) { [self] in
                    self.abandon(token, RuntimeAPIFakeError(message: "timed out after \(timeout) waiting for \(key)"))
                }
                let stillWaiting = state.withLock { s in
                    s.waiters[token]?.timer = timer
                    return s.waiters[token] != nil
                }
                if !stillWaiting { timer.cancel() }
                // onCancel may have run before the waiter was registered.
                if Task.isCancelled { abandon(token, CancellationError()) }
            }
        } onCancel: {
            abandon(token, CancellationError())
        }
    }

    private func abandon(_ token: Int, _ error: any Error) {
        guard let waiter = state.withLock({ $0.waiters.removeValue(forKey: token) }) else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(throwing: error)
    }

    // MARK: Lifecycle

    /// Registers a runtime connection and returns its number (1, 2, ...), or `nil` after shutdown.
    func track(_ channel: any Channel) -> Int? {
        state.withLock { s in
            guard !s.isShutDown else { return nil }
            s.channels[ObjectIdentifier(channel)] = channel
            s.acceptedConnections += 1
            return s.acceptedConnections
        }
    }

    func untrack(_ channel: any Channel) {
        _ = state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Marks the fake shut down, fails every wait and returns the open connections to close.
    func shutDown() -> [any Channel] {
        let (channels, waiters) = state.withLock { s in
            s.isShutDown = true
            s.nextPolls.removeAll()
            defer { s.waiters.removeAll() }
            return (Array(s.channels.values), Array(s.waiters.values))
        }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(throwing: RuntimeAPIFakeError(message: "shut down while waiting for \(waiter.key)"))
        }
        return channels
    }
}

extension Duration {
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds < Int64.max / 1_000_000_000 else { return .max }
        return max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
