public import NIOCore
import NIOHTTP1
public import NIOPosix  // the default event loop group of `start`

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A loopback stand-in for the Lambda Runtime API, for tests and benchmarks.
///
/// It listens on 127.0.0.1 (a free port), hands queued events to `GET /next` (which long-polls like the real one),
/// and records every `/response`, `/error` and `/init/error` post: headers, body, chunking, decoded trailers and
/// error bodies. Point a runtime at ``endpoint`` (e.g. `AWS_LAMBDA_RUNTIME_API` of a child `bootstrap`).
///
/// ```swift
/// let fake = try await RuntimeAPIFake.start()
/// let id = try await fake.enqueue(event: #"{"hello":"world"}"#)
/// let result = try await fake.waitForResult(id)
/// try await fake.shutdown()
/// ```
public final class RuntimeAPIFake: Sendable {
    /// The ARN sent when ``enqueue(event:requestID:timeout:functionARN:traceID:clientContext:cognitoIdentity:answer:)``
    /// is not given one.
    public static let defaultFunctionARN = "arn:aws:lambda:us-east-1:123456789012:function:embedchat"

    /// The port bound on 127.0.0.1.
    public let port: Int
    private let core: FakeCore
    private let serverChannel: any Channel
    private let eventLoop: any EventLoop

    private init(port: Int, core: FakeCore, serverChannel: any Channel) {
        self.port = port
        self.core = core
        self.serverChannel = serverChannel
        self.eventLoop = serverChannel.eventLoop
    }

    /// Starts a fake on 127.0.0.1 with a port the kernel picks.
    /// - Parameter eventLoopGroup: Where the server runs.
    /// - Returns: The running fake; call ``shutdown()`` when done.
    /// - Throws: If the socket cannot be bound.
    public static func start(
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RuntimeAPIFake {
        let core = FakeCore()
        let channel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(FakeConnectionHandler(core: core))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw RuntimeAPIFakeError(message: "the server socket has no port")
        }
        return RuntimeAPIFake(port: port, core: core, serverChannel: channel)
    }

    /// `127.0.0.1:<port>`, the value for `AWS_LAMBDA_RUNTIME_API`.
    public var endpoint: String { "127.0.0.1:\(port)" }

    /// Queues an invocation for the next `/next` poll.
    /// - Parameters:
    ///   - event: The event body (usually JSON).
    ///   - requestID: The request id; a fresh UUID by default.
    ///   - timeout: The deadline sent is the hand-out time plus this.
    ///   - functionARN: `Lambda-Runtime-Invoked-Function-Arn`.
    ///   - traceID: `Lambda-Runtime-Trace-Id`; a random X-Ray header by default, `nil` to omit it.
    ///   - clientContext: `Lambda-Runtime-Client-Context`, omitted when `nil`.
    ///   - cognitoIdentity: `Lambda-Runtime-Cognito-Identity`, omitted when `nil`.
    ///   - answer: How to answer this invocation's `/response`; ``defaultResponseAnswer`` by default.
    /// - Returns: The request id.
    /// - Throws: ``RuntimeAPIFakeError`` after ``shutdown()``.
    @discardableResult
    public func enqueue(
        event: some Sequence<UInt8>,
        requestID: String? = nil,
        timeout: Duration = .seconds(900),
        functionARN: String = RuntimeAPIFake.defaultFunctionARN,
        traceID: String? = RuntimeAPIFake.makeTraceID(),
        clientContext: String? = nil,
        cognitoIdentity: String? = nil,
        answer: ResponseAnswer? = nil
    ) async throws -> String {
        let id = requestID ?? UUID().uuidString.lowercased()
        try core.enqueue(QueuedEvent(
            requestID: id, body: ByteBuffer(bytes: event), timeout: timeout, functionARN: functionARN, traceID: traceID,
            clientContext: clientContext, cognitoIdentity: cognitoIdentity,
            answer: answer ?? core.state.withLock { $0.defaultAnswer }))
        return id
    }

    /// Queues an invocation whose event is `event`'s UTF-8 bytes; see the byte-sequence overload.
    /// - Parameters:
    ///   - event: The event text.
    ///   - requestID: The request id; a fresh UUID by default.
    ///   - timeout: The deadline sent is the hand-out time plus this.
    ///   - functionARN: `Lambda-Runtime-Invoked-Function-Arn`.
    ///   - traceID: `Lambda-Runtime-Trace-Id`, `nil` to omit it.
    ///   - clientContext: `Lambda-Runtime-Client-Context`.
    ///   - cognitoIdentity: `Lambda-Runtime-Cognito-Identity`.
    ///   - answer: How to answer this invocation's `/response`.
    /// - Returns: The request id.
    /// - Throws: ``RuntimeAPIFakeError`` after ``shutdown()``.
    @discardableResult
    public func enqueue(
        event: String,
        requestID: String? = nil,
        timeout: Duration = .seconds(900),
        functionARN: String = RuntimeAPIFake.defaultFunctionARN,
        traceID: String? = RuntimeAPIFake.makeTraceID(),
        clientContext: String? = nil,
        cognitoIdentity: String? = nil,
        answer: ResponseAnswer? = nil
    ) async throws -> String {
        try await enqueue(
            event: event.utf8, requestID: requestID, timeout: timeout, functionARN: functionARN, traceID: traceID,
            clientContext: clientContext, cognitoIdentity: cognitoIdentity, answer: answer)
    }

    /// Waits until the invocation has ended: its first `/response` or `/error`, accepted or refused (a `/response`
    /// refused with 413 ends it too, as on Lambda; an `/error` after that is refused with 403).
    /// - Parameters:
    ///   - requestID: From `enqueue`.
    ///   - timeout: How long to wait.
    /// - Returns: The result with every post for the invocation.
    /// - Throws: ``RuntimeAPIFakeError`` on timeout or shutdown, `CancellationError` if cancelled.
    public func waitForResult(_ requestID: String, timeout: Duration = .seconds(30)) async throws -> InvocationResult {
        guard case .result(let result) = try await core.wait(for: .result(requestID), timeout: timeout, on: eventLoop)
        else { preconditionFailure("a result wait resumed with another kind of value") }
        return result
    }

    /// Waits for the first `POST /runtime/init/error`.
    /// - Parameter timeout: How long to wait.
    /// - Returns: The first init error posted.
    /// - Throws: ``RuntimeAPIFakeError`` on timeout or shutdown, `CancellationError` if cancelled.
    public func waitForInitError(timeout: Duration = .seconds(30)) async throws -> RecordedInitError {
        guard case .initError(let record) = try await core.wait(for: .initError, timeout: timeout, on: eventLoop)
        else { preconditionFailure("an init-error wait resumed with another kind of value") }
        return record
    }

    /// Waits until at least `count` `GET /next` polls are waiting at once (N pollers ready for N invocations).
    /// - Parameters:
    ///   - count: How many polls.
    ///   - timeout: How long to wait.
    /// - Returns: The number of polls waiting when the wait ended.
    /// - Throws: ``RuntimeAPIFakeError`` on timeout or shutdown, `CancellationError` if cancelled.
    @discardableResult
    public func waitForPolls(_ count: Int, timeout: Duration = .seconds(30)) async throws -> Int {
        guard case .polls(let waiting) = try await core.wait(for: .polls(count), timeout: timeout, on: eventLoop)
        else { preconditionFailure("a poll wait resumed with another kind of value") }
        return waiting
    }

    /// The result of an ended invocation, if it has ended.
    /// - Parameter requestID: From `enqueue`.
    /// - Returns: The result, or `nil`.
    public func result(for requestID: String) -> InvocationResult? {
        core.state.withLock { $0.results[requestID] }
    }

    /// Every `/runtime/init/error` post so far.
    public var initErrors: [RecordedInitError] { core.state.withLock { $0.initErrors } }

    /// Requests the fake could not place (unknown path or request id, post after completion): a correct runtime
    /// makes none.
    public var unexpectedRequests: [String] { core.state.withLock { $0.unexpectedRequests } }

    /// How many events `/next` has handed out.
    public var servedInvocations: Int { core.state.withLock { $0.served } }

    /// How many connections runtimes have opened; a keep-alive runtime opens one.
    public var acceptedConnections: Int { core.state.withLock { $0.acceptedConnections } }

    /// How many `GET /next` polls are waiting now.
    public var waitingPolls: Int { core.state.withLock { $0.nextPolls.count } }

    /// How many invocations are in flight now (handed out by `/next`, not yet ended).
    public var invocationsInFlight: Int { core.state.withLock { $0.inFlight.count } }

    /// The most invocations in flight at one moment since the fake started: how many the runtime really served
    /// at once.
    public var mostInvocationsInFlight: Int { core.state.withLock { $0.mostInFlight } }

    /// How many invocations have ended.
    public var completedInvocations: Int { core.state.withLock { $0.completed } }

    /// Events queued and not yet handed out.
    public var pendingEvents: Int { core.state.withLock { $0.queue.count } }

    /// How `/response` is answered for events enqueued without an explicit `answer`.
    public var defaultResponseAnswer: ResponseAnswer {
        get { core.state.withLock { $0.defaultAnswer } }
        set { core.state.withLock { $0.defaultAnswer = newValue } }
    }

    /// Lambda's limit on a buffered response, in bytes: the real Runtime API answers a larger `/response` with 413.
    public static let lambdaResponseLimit = 6_291_556

    /// The size above which a buffered `/response` is answered 413 and the invocation ends (streamed responses
    /// are not limited); ``lambdaResponseLimit`` by default.
    public var maxResponseBytes: Int {
        get { core.state.withLock { $0.maxBufferedResponseBytes } }
        set { core.state.withLock { $0.maxBufferedResponseBytes = newValue } }
    }

    /// Ends an in-flight invocation without an answer, as the platform does when its deadline passes: any later
    /// post for it is refused with 403 (and listed in ``unexpectedRequests``), and no result is recorded.
    /// - Parameter requestID: From `enqueue`.
    /// - Returns: Whether the invocation was in flight.
    @discardableResult
    public func expireInvocation(_ requestID: String) -> Bool {
        core.expire(requestID: requestID)
    }

    /// Drops the recorded results, so a long benchmark does not keep every body.
    public func forgetResults() {
        core.state.withLock { $0.results.removeAll() }
    }

    /// Stops listening, closes every runtime connection (a runtime polling `/next` sees it close) and fails the
    /// pending waits.
    /// - Throws: If closing the listening socket fails.
    public func shutdown() async throws {
        for channel in core.shutDown() { channel.close(promise: nil) }
        try await serverChannel.close()
    }

    /// A random X-Ray trace header, `Root=1-<time>-<id>;Parent=<id>;Sampled=0`.
    /// - Returns: The header value.
    public static func makeTraceID() -> String {
        func hex(_ value: UInt64, _ digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - text.count)) + text.suffix(digits)
        }
        let seconds = UInt64(Date().timeIntervalSince1970)
        let root = hex(.random(in: 0...UInt64.max), 16) + hex(.random(in: 0...UInt64.max), 8)
        return "Root=1-\(hex(seconds, 8))-\(root);Parent=\(hex(.random(in: 0...UInt64.max), 16));Sampled=0"
    }
}
