package import Logging
package import NIOCore
import JSONText
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The Runtime API client: one keep-alive HTTP/1.1 connection (reopened if the server closes it) and the state of
/// the current invocation's answer.
///
/// Use it through ``withRuntimeClient(endpoint:eventLoopGroup:logger:_:)`` so the connection's lifetime stays
/// visible; don't let the client escape the closure.
package actor LambdaRuntimeClient: LambdaRuntimeClientProtocol {
    /// How the current invocation's answer stands. Every transition happens before the suspension it leads to, so a
    /// reentrant call sees the new state.
    private enum ResponseState {
        case idle
        case buffering(requestID: String, body: ByteBuffer?)
        case streamRequested(requestID: String, contentType: String)
        case streaming(requestID: String, connection: RuntimeAPIConnection, response: EventLoopFuture<RuntimeAPIResponse>)
        case finished(requestID: String)
    }

    private static let basePath = "/2018-06-01/runtime"
    private let host: String
    private let port: Int
    private let group: any EventLoopGroup
    private let logger: Logger
    private var connection: RuntimeAPIConnection?
    private var state = ResponseState.idle
    /// The first fatal error met; it ends the run loop even if a handler swallowed it.
    private var failure: LambdaRuntimeError?
    /// Set by ``stopPolling()``: no `/next` is sent any more.
    private var stopping = false
    /// The connection of the `/next` in flight, if one is.
    private var pollConnection: RuntimeAPIConnection?

    private init(host: String, port: Int, group: any EventLoopGroup, logger: Logger) {
        self.host = host
        self.port = port
        self.group = group
        self.logger = logger
    }

    /// Runs `body` with a client of the Runtime API at `endpoint`, then closes the connection.
    /// - Parameters:
    ///   - endpoint: `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`. The connection opens on the first request.
    ///   - eventLoopGroup: Where the connection lives.
    ///   - logger: For the client's own messages.
    ///   - body: Uses the client; don't let it escape.
    /// - Returns: What `body` returns.
    /// - Throws: ``LambdaRuntimeError`` with code `invalidRuntimeAPIEndpoint`, or what `body` throws.
    package static func withRuntimeClient<Result>(
        endpoint: String,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "LambdaRuntime"),
        _ body: (LambdaRuntimeClient) async throws -> Result
    ) async throws -> Result {
        let (host, port) = try parseEndpoint(endpoint)
        let client = LambdaRuntimeClient(host: host, port: port, group: eventLoopGroup, logger: logger)
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    // MARK: Runtime API calls

    /// `GET /runtime/invocation/next`, without a timeout; cancelling the task closes the connection.
    /// - Returns: The invocation and the writer for its answer.
    /// - Throws: ``LambdaRuntimeError`` (fatal) or `CancellationError`.
    package func nextInvocation() async throws -> (Invocation, ResponseWriter) {
        if let failure { throw failure }
        switch state {
        case .idle, .finished: break
        default: throw misuse("nextInvocation() called before the previous invocation was completed")
        }
        state = .idle
        let response = try await transport { try await send(.GET, "\(Self.basePath)/invocation/next", isPoll: true) }
        guard response.status == .ok else { throw record(statusError(response, "GET /next")) }
        let metadata = try transport { try InvocationMetadata(headers: response.headers) }
        state = .buffering(requestID: metadata.requestID, body: nil)
        return (Invocation(metadata: metadata, event: response.body), ResponseWriter(client: self, requestID: metadata.requestID))
    }

    /// Stops polling for good: a `/next` in flight fails at once (its connection is closed) and later ones are not
    /// sent. The invocation being answered, if any, is not affected.
    package func stopPolling() {
        stopping = true
        pollConnection?.closeNow()
    }

    /// `POST /runtime/init/error`: tells Lambda that start-up failed. The caller should then exit non-zero.
    /// - Parameter error: The start-up error; a ``LambdaFunctionError`` chooses its `errorType`.
    /// - Throws: ``LambdaRuntimeError`` if the post fails or is not accepted.
    package func reportInitError(_ error: any Error) async throws {
        try await postError(FunctionErrorPayload(error), path: "\(Self.basePath)/init/error")
    }

    // MARK: Writer operations

    fileprivate func beginStreaming(_ requestID: String, contentType: String) throws {
        switch state {
        case .buffering(requestID, let body) where (body?.readableBytes ?? 0) == 0:
            state = .streamRequested(requestID: requestID, contentType: contentType)
        case .streamRequested(requestID, _):
            state = .streamRequested(requestID: requestID, contentType: contentType)
        default:
            throw misuse("beginStreaming(contentType:) must come before the first write of \(requestID)")
        }
    }

    fileprivate func write(_ requestID: String, _ buffer: ByteBuffer) async throws {
        switch state {
        case .buffering(requestID, var body):
            guard buffer.readableBytes > 0 else { return }
            state = .idle  // drop the enum's reference so the append doesn't copy the buffer
            if body == nil { body = buffer } else { body!.writeImmutableBuffer(buffer) }
            state = .buffering(requestID: requestID, body: body)
        case .streamRequested(requestID, let contentType):
            guard buffer.readableBytes > 0 else { return }
            let connection = try await transport { try await openConnection() }
            let response = connection.startRequest(streamingHead(requestID, contentType: contentType))
            state = .streaming(requestID: requestID, connection: connection, response: response)
            try await transport { try await connection.writeBody(buffer) }
        case .streaming(requestID, let connection, _):
            guard buffer.readableBytes > 0 else { return }
            try await transport { try await connection.writeBody(buffer) }
        default:
            throw misuse("write after the response of \(requestID) was finished")
        }
    }

    fileprivate func finish(_ requestID: String) async throws {
        switch state {
        case .buffering(requestID, let body):
            state = .finished(requestID: requestID)
            try await postBufferedResponse(requestID, body ?? ByteBuffer())
        case .streamRequested(requestID, let contentType):
            state = .finished(requestID: requestID)
            let connection = try await transport { try await openConnection() }
            let response = connection.startRequest(streamingHead(requestID, contentType: contentType))
            try await endStream(requestID, connection, response, trailers: nil)
        case .streaming(requestID, let connection, let response):
            state = .finished(requestID: requestID)
            try await endStream(requestID, connection, response, trailers: nil)
        default:
            throw misuse("finish() called twice, or after the invocation \(requestID) ended")
        }
    }

    fileprivate func complete(_ requestID: String, handlerError: (any Error)?) async throws {
        do {
            switch (state, handlerError) {
            case (.finished(requestID), nil):
                break
            case (.finished(requestID), let error?):
                logger.warning("handler threw after its response was settled; the error is only logged",
                               metadata: ["requestID": "\(requestID)", "error": "\(error)"])
            case (.buffering(requestID, _), nil), (.streamRequested(requestID, _), nil), (.streaming(requestID, _, _), nil):
                try await finish(requestID)
            case (.buffering(requestID, _), let error?), (.streamRequested(requestID, _), let error?):
                state = .finished(requestID: requestID)
                try await postInvocationError(requestID, FunctionErrorPayload(error))
            case (.streaming(requestID, let connection, let response), let error?):
                state = .finished(requestID: requestID)
                let payload = FunctionErrorPayload(error)
                var trailers = HTTPHeaders()
                trailers.add(name: "Lambda-Runtime-Function-Error-Type", value: payload.headerValue)
                // Bounded: trailers travel in a header block, which servers cap.
                trailers.add(name: "Lambda-Runtime-Function-Error-Body", value: Base64.encode(payload.json(maxMessageBytes: 4096).utf8))
                try await endStream(requestID, connection, response, trailers: trailers)
            default:
                throw misuse("complete() for \(requestID), which is not the current invocation")
            }
        } catch let error as LambdaRuntimeError where !error.isFatal {
            // The invocation is over either way; the next one is unaffected.
            logger.log(level: error.code == .invalidWriterState ? .error : .warning, "\(error)", metadata: ["requestID": "\(requestID)"])
        }
        state = .idle
        if let failure { throw failure }
    }

    // MARK: Requests

    private func postBufferedResponse(_ requestID: String, _ body: ByteBuffer) async throws {
        let path = "\(Self.basePath)/invocation/\(pathSegment(requestID))/response"
        let response = try await transport { try await send(.POST, path, body: body) }
        // A 413 ends the invocation on the platform's side (it records Function.ResponseSizeTooLarge itself): an
        // /error now would be refused with 403 InvalidStateTransition, so there is nothing more to post.
        try check(response, "POST \(path) (\(body.readableBytes) bytes)", invocation: requestID)
    }

    private func postInvocationError(_ requestID: String, _ payload: FunctionErrorPayload) async throws {
        try await postError(payload, path: "\(Self.basePath)/invocation/\(pathSegment(requestID))/error", invocation: requestID)
    }

    private func postError(_ payload: FunctionErrorPayload, path: String, invocation requestID: String? = nil) async throws {
        let headers: HTTPHeaders = [
            "Lambda-Runtime-Function-Error-Type": payload.headerValue, "Content-Type": "application/json",
        ]
        let response = try await transport {
            try await send(.POST, path, headers: headers, body: ByteBuffer(string: payload.json()))
        }
        try check(response, "POST \(path)", invocation: requestID)
    }

    private func endStream(
        _ requestID: String, _ connection: RuntimeAPIConnection, _ future: EventLoopFuture<RuntimeAPIResponse>,
        trailers: HTTPHeaders?
    ) async throws {
        let response = try await transport {
            try await connection.endRequest(trailers: trailers)
            return try await connection.response(future)
        }
        try check(response, "POST /invocation/\(requestID)/response (streamed)", invocation: requestID)
    }

    /// Sends a whole request and awaits its answer.
    private func send(
        _ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil, isPoll: Bool = false
    ) async throws -> RuntimeAPIResponse {
        let connection = try await openConnection()
        if isPoll {
            // Checked after the last suspension before the request goes out, so stopPolling() either sees this
            // connection or has already been seen here.
            guard !stopping else { throw LambdaRuntimeError(code: .pollingStopped, message: "polling was stopped") }
            pollConnection = connection
        }
        defer { if isPoll { pollConnection = nil } }
        var head = requestHead(method, path, headers)
        if let body { head.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes)) }
        let future = connection.startRequest(head)
        if let body, body.readableBytes > 0 { try await connection.writeBody(body) }
        try await connection.endRequest()
        return try await connection.response(future)
    }

    private func streamingHead(_ requestID: String, contentType: String) -> HTTPRequestHead {
        requestHead(.POST, "\(Self.basePath)/invocation/\(pathSegment(requestID))/response", [
            "Lambda-Runtime-Function-Response-Mode": "streaming",
            "Transfer-Encoding": "chunked",
            "Trailer": "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
            "Content-Type": sanitizedHeaderValue(contentType),
        ])
    }

    private func requestHead(_ method: HTTPMethod, _ path: String, _ extra: HTTPHeaders) -> HTTPRequestHead {
        var headers: HTTPHeaders = ["Host": "\(host):\(port)", "User-Agent": Self.userAgent]
        headers.add(contentsOf: extra)
        return HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)
    }

    /// `embedchat-lambda-runtime (pid P)`, with `worker I` in a worker process: a peer (or the fake) can tell
    /// which process answered.
    static let userAgent: String = {
        let worker = Environment.get(WorkerLink.indexVariable).map { "worker \($0), " } ?? ""
        return "embedchat-lambda-runtime (\(worker)pid \(getpid()))"
    }()

    private func openConnection() async throws -> RuntimeAPIConnection {
        if let connection, connection.isActive { return connection }
        let fresh = try await RuntimeAPIConnection.connect(host: host, port: port, group: group)
        connection = fresh
        return fresh
    }

    private func close() async {
        await connection?.close()
        connection = nil
    }

    // MARK: Errors

    /// Runs a Runtime API exchange, remembering the first fatal error so `complete` can end the loop with it.
    private func transport<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as LambdaRuntimeError {
            throw record(error)
        }
    }

    private func transport<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LambdaRuntimeError {
            throw record(error)
        }
    }

    /// Throws unless the answer is 2xx. `invocation` names the invocation a `/response` or `/error` was for: a 413
    /// or a 400/403 then ends that invocation only, since the platform has already closed it.
    private func check(_ response: RuntimeAPIResponse, _ request: String, invocation: String? = nil) throws {
        guard !(200..<300).contains(response.status.code) else { return }
        throw record(statusError(response, request, invocation: invocation))
    }

    private func statusError(_ response: RuntimeAPIResponse, _ request: String, invocation: String? = nil) -> LambdaRuntimeError {
        let detail = String(buffer: response.body).prefix(512)
        if let invocation, response.status.code == 400 || response.status.code == 403 {
            return LambdaRuntimeError(
                code: .invocationClosed,
                message: "the Runtime API answered \(response.status.code) to \(request): it had already ended the invocation \(invocation): \(detail)")
        }
        switch response.status.code {
        case 413:
            return LambdaRuntimeError(
                code: .responseTooLarge,
                message: "the Runtime API answered 413 to \(request): response too large, the invocation has ended: \(detail)")
        case 500:
            return LambdaRuntimeError(
                code: .runtimeAPIServerError, message: "the Runtime API answered 500 to \(request), so the runtime must exit: \(detail)")
        default:
            return LambdaRuntimeError(
                code: .unexpectedStatus, message: "the Runtime API answered \(response.status.code) to \(request): \(detail)")
        }
    }

    private func record(_ error: LambdaRuntimeError) -> LambdaRuntimeError {
        if error.isFatal, failure == nil { failure = error }
        return error
    }

    private func misuse(_ message: String) -> LambdaRuntimeError {
        LambdaRuntimeError(code: .invalidWriterState, message: message)
    }

    static func parseEndpoint(_ endpoint: String) throws -> (host: String, port: Int) {
        guard let colon = endpoint.lastIndex(of: ":"),
              let port = Int(endpoint[endpoint.index(after: colon)...]), (1...65_535).contains(port)
        else {
            throw LambdaRuntimeError(code: .invalidRuntimeAPIEndpoint, message: "expected host:port, got '\(endpoint)'")
        }
        var host = endpoint[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }  // [::1]:9001
        guard !host.isEmpty else {
            throw LambdaRuntimeError(code: .invalidRuntimeAPIEndpoint, message: "expected host:port, got '\(endpoint)'")
        }
        return (String(host), port)
    }
}

/// Request ids are UUIDs, but one with other bytes must not break the request line.
private func pathSegment(_ requestID: String) -> String {
    var out = ""
    for byte in requestID.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = String(byte, radix: 16, uppercase: true)
            out += "%" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    return out
}

extension LambdaRuntimeClient {
    /// The writer for one invocation's answer; it forwards to the client, which holds the state.
    package struct ResponseWriter: LambdaInvocationWriter {
        private let client: LambdaRuntimeClient
        /// The invocation this writer answers.
        package let requestID: String

        fileprivate init(client: LambdaRuntimeClient, requestID: String) {
            self.client = client
            self.requestID = requestID
        }

        /// See ``LambdaResponseStreamWriter/beginStreaming(contentType:)``.
        /// - Parameter contentType: The response's content type.
        /// - Throws: ``LambdaRuntimeError`` with code `invalidWriterState` after the first write.
        package func beginStreaming(contentType: String) async throws {
            try await client.beginStreaming(requestID, contentType: contentType)
        }

        /// See ``LambdaResponseStreamWriter/write(_:)``.
        /// - Parameter buffer: The bytes.
        /// - Throws: ``LambdaRuntimeError``.
        package func write(_ buffer: ByteBuffer) async throws {
            try await client.write(requestID, buffer)
        }

        /// See ``LambdaResponseStreamWriter/finish()``.
        /// - Throws: ``LambdaRuntimeError``.
        package func finish() async throws {
            try await client.finish(requestID)
        }

        /// See ``LambdaResponseStreamWriter/writeAndFinish(_:)``.
        /// - Parameter buffer: The last bytes.
        /// - Throws: ``LambdaRuntimeError``.
        package func writeAndFinish(_ buffer: ByteBuffer) async throws {
            try await client.write(requestID, buffer)
            try await client.finish(requestID)
        }

        /// See ``LambdaInvocationWriter/complete(handlerError:)``.
        /// - Parameter handlerError: What the handler threw, if anything.
        /// - Throws: Only fatal errors.
        package func complete(handlerError: (any Error)?) async throws {
            try await client.complete(requestID, handlerError: handlerError)
        }
    }
}
