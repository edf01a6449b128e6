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
        let event: QueuedEvent? = state.withLock { s in
            if !s.queue.isEmpty { return s.queue.removeFirst() }
            s.nextPolls.append((token, deliver))
            return nil
        }
        if let event { deliver(event) }
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

    /// The event reached the wire: the invocation is in flight.
    func markHandedOut(_ event: QueuedEvent) {
        state.withLock { s in
            s.inFlight[event.requestID] = event.answer
            s.served += 1
        }
    }

    // MARK: Posts

    /// Records a post for an invocation and returns the status to answer.
    func recordPost(
        requestID: String, endpoint: RecordedPost.Endpoint, head: HTTPRequestHead, body: ByteBuffer, bodyParts: Int,
        trailers: HTTPHeaders?
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
            guard let answer = s.inFlight[requestID] else {
                let known = s.results[requestID] != nil
                s.unexpectedRequests.append(
                    "\(head.method) \(head.uri): " + (known ? "invocation already completed" : "unknown request id"))
                return (known ? .forbidden : .badRequest, [], nil)
            }
            let status = endpoint == .response ? HTTPResponseStatus(statusCode: answer.status) : .accepted
            let post = RecordedPost(
                endpoint: endpoint, status: Int(status.code), headers: headers, body: Array(buffer: body),
                isChunked: isChunked, bodyPartCount: bodyParts, trailers: trailers.map { $0.map { ($0.name, $0.value) } },
                errorType: errorType, errorBody: errorBody)
            s.posts[requestID, default: []].append(post)
            // A buffered /response refused with 413 leaves the invocation open: the runtime should post /error next.
            if endpoint == .response, status == .payloadTooLarge, !isChunked { return (status, [], nil) }
            s.inFlight[requestID] = nil
            let result = InvocationResult(requestID: requestID, posts: s.posts.removeValue(forKey: requestID) ?? [post])
            s.results[requestID] = result
            s.completed += 1
            return (status, s.takeWaiters(for: .result(requestID)), .result(result))
        }
        if let result { waiters.resume(with: result) }
        return status
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

    func track(_ channel: any Channel) -> Bool {
        state.withLock { s in
            guard !s.isShutDown else { return false }
            s.channels[ObjectIdentifier(channel)] = channel
            s.acceptedConnections += 1
            return true
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
