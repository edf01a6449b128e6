public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `bootstrap --local`: the chat function over plain HTTP/1.1 on 127.0.0.1 (or `--host`), under the OpenAI paths
/// (`POST /v1/chat/completions`, `GET /v1/models`), so any OpenAI client can use it during development.
///
/// Streams answer with `Transfer-Encoding: chunked` (HTTP/1.0 clients get the bare body and a close), one chunk per
/// SSE event; a failure after the first event ends the stream after its error event. There is no invocation deadline
/// here (litellm's own `timeout` applies).
///
/// The front door (``LocalServerLimits``): header size, body size, connections and requests in flight are capped
/// (503 with `retry-after` over the last two, never a queue without bound); of the requests admitted, at most
/// `maxInFlight` (when set) are answered at once, the others wait their turn in arrival order (``AdmissionQueue``), connections that are idle or slow to
/// send a request are closed, and since any web page the developer visits can send requests to a loopback port,
/// a request must name this server in `Host` (DNS rebinding), carry no `Origin` but an allowed one, and a POST must
/// be `application/json` (a page's form or `text/plain` POST is not).
public final class LocalServer: Sendable {
    /// The port bound.
    public let port: Int
    /// The address bound.
    public let host: String
    private let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let service: ChatService
    private let logger: Logger
    private let limits: LocalServerLimits
    private let door: DoorCounts
    private let admission: AdmissionQueue

    private init(channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>,
                 host: String, port: Int, service: ChatService, limits: LocalServerLimits, door: DoorCounts, logger: Logger) {
        self.channel = channel
        self.host = host
        self.port = port
        self.service = service
        self.limits = limits
        self.door = door
        self.admission = AdmissionQueue(limit: limits.maxInFlight ?? limits.maxRequestsInFlight)
        self.logger = logger
    }

    /// Binds `host`:`port`.
    /// - Parameters:
    ///   - service: The chat function.
    ///   - host: The address to listen on; 127.0.0.1 unless told otherwise.
    ///   - port: The port; 0 picks a free one (read ``port``).
    ///   - limits: The front door's limits.
    ///   - logger: For request logs.
    /// - Returns: The server; call ``run()`` to serve.
    /// - Throws: If the port cannot be bound.
    public static func bind(service: ChatService, host: String = "127.0.0.1", port: Int, limits: LocalServerLimits = LocalServerLimits(),
                            logger: Logger) async throws -> LocalServer {
        let door = DoorCounts()
        let maxBody = service.configuration.maxRequestBytes
        let decoderLimits = {
            var decoder = NIOHTTPDecoderLimitConfiguration()
            decoder.maxHeaderListSize = limits.maxHeaderBytes
            decoder.maxHeaderFieldSize = limits.maxHeaderBytes
            return decoder
        }()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let admitted = door.connections.add(1, ordering: .relaxed).newValue <= limits.maxConnections
                    channel.closeFuture.whenComplete { _ in door.connections.subtract(1, ordering: .relaxed) }
                    if !admitted {
                        door.refusedConnections.add(1, ordering: .relaxed)
                        try channel.pipeline.syncOperations.addHandler(OverCapacityHandler(retryAfterSeconds: limits.retryAfterSeconds))
                    } else {
                        // NIO's own error handler answers a request its decoder cannot read with an empty 400; ours,
                        // in the same place, says what was wrong in an OpenAI error body.
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                            withErrorHandling: false, withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
                        try channel.pipeline.syncOperations.addHandler(MalformedRequestHandler(maxHeaderBytes: limits.maxHeaderBytes))
                        try channel.pipeline.syncOperations.addHandler(FrontDoorHandler(maxBodyBytes: maxBody, readTimeout: limits.readTimeout))
                    }
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        return LocalServer(channel: channel, host: host, port: channel.channel.localAddress?.port ?? port, service: service,
                           limits: limits, door: door, logger: logger)
    }

    /// Connections open now (including refused ones not yet closed).
    public var openConnections: Int { door.connections.load(ordering: .relaxed) }

    /// Serves connections until the task is cancelled or the socket fails.
    /// - Throws: The listening socket's error.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await channel.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                // FrontDoorHandler passes on whole requests only: head, one body buffer, end.
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                for try await part in inbound {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                        body = []
                    case .body(let buffer):
                        body = Array(buffer.readableBytesView)
                    case .end:
                        guard let requestHead = head else { continue }
                        head = nil
                        // A client that goes away ends its answer, and so the upstream call: an answer waiting on a
                        // stalled upstream would otherwise never write and never learn the client is gone.
                        let answering = Task { [body] in try await self.answer(requestHead, body: body, outbound) }
                        connection.channel.closeFuture.whenComplete { _ in answering.cancel() }
                        let keepAlive = try await withTaskCancellationHandler { try await answering.value } onCancel: { answering.cancel() }
                        if !keepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    /// Answers one request; returns whether the connection stays open.
    private func answer(_ head: HTTPRequestHead, body: [UInt8],
                        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws -> Bool {
        var logger = self.logger
        logger[metadataKey: "requestID"] = "local-\(UInt32.random(in: 0...UInt32.max))"
        var headers: [String: String] = [:]
        for (name, value) in head.headers { headers[name.lowercased()] = value }
        let path = String(head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/")
        let reply: ChatReply
        if let refusal = LocalRequestCheck(limits: limits, boundHost: host).refusal(method: head.method, version: head.version, headers: headers) {
            logger.info("request refused at the door", metadata: ["status": "\(refusal.status)", "code": "\(refusal.code)"])
            reply = .failure(refusal)
        } else if door.requests.add(1, ordering: .relaxed).newValue > limits.maxRequestsInFlight {
            door.requests.subtract(1, ordering: .relaxed)
            var busy = ChatError(status: 503, type: "server_busy", code: "too_many_requests",
                                 message: "The server is answering as many requests as it serves at once; retry later.")
            busy.headers["retry-after"] = "\(limits.retryAfterSeconds)"
            reply = .failure(busy)
        } else {
            defer { door.requests.subtract(1, ordering: .relaxed) }
            let request = ChatHTTPRequest(method: head.method.rawValue, path: path, headers: headers, body: body)
            do {
                // A streamed answer runs in Python while it is sent: the turn lasts until the last byte.
                let limit = admission.limit
                let waiting = { [logger] in logger.debug("request waits for its turn", metadata: ["maxInFlight": "\(limit)"]) }
                return try await admission.admitted(until: .now + limits.queueWait, whenWaiting: waiting) { [logger] in
                    try await send(await service.respond(to: request, deadline: nil, logger: logger), for: head, outbound)
                }
            } catch let left as AdmissionError where left.reason == .deadlinePassed {
                logger.info("request waited too long for its turn", metadata: ["maxInFlight": "\(admission.limit)"])
                var busy = ChatError(status: 503, type: "server_busy", code: "queue_wait_exceeded",
                                     message: "The request waited for its turn longer than the server allows; retry later.")
                busy.headers["retry-after"] = "\(limits.retryAfterSeconds)"
                reply = .failure(busy)
            } catch let left as AdmissionError {
                logger.info("request left the queue before its turn: the client went away", metadata: ["maxInFlight": "\(admission.limit)"])
                throw left
            }
        }
        return try await send(reply, for: head, outbound)
    }

    /// Writes `reply`; returns whether the connection stays open.
    private func send(_ reply: ChatReply, for head: HTTPRequestHead,
                      _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws -> Bool {
        let keepAlive = head.isKeepAlive
        switch reply {
        case .response, .failure:
            let response = reply.httpResponse!
            var responseHeaders = HTTPHeaders(response.headers.map { ($0.key, $0.value) })
            responseHeaders.add(name: "content-length", value: "\(response.body.count)")
            if !keepAlive { responseHeaders.add(name: "connection", value: "close") }
            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: response.status),
                                                            headers: responseHeaders)))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
            try await outbound.write(.end(nil))
            return keepAlive
        case .eventStream(let stream):
            var responseHeaders = HTTPHeaders(stream.headers.map { ($0.key, $0.value) })
            // HTTP/1.0 has no chunked encoding: the body runs until the connection closes.
            let chunked = head.version.major == 1 && head.version.minor >= 1
            if chunked { responseHeaders.add(name: "transfer-encoding", value: "chunked") }
            let keepAlive = keepAlive && chunked
            if !keepAlive { responseHeaders.add(name: "connection", value: "close") }
            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .ok, headers: responseHeaders)))
            do {
                try await stream.send { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: $0)))) }
            } catch is ChatError {
                // Its error event went out; the OpenAI client raises it. End the response cleanly.
            }
            try await outbound.write(.end(nil))
            return keepAlive
        }
    }
}

/// The front door's counters, shared by the server and its connections' handlers.
final class DoorCounts: Sendable {
    let connections = Atomic<Int>(0)
    let refusedConnections = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
}
