import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `bootstrap --local`: the chat function over plain HTTP/1.1 on 127.0.0.1, under the OpenAI paths
/// (`POST /v1/chat/completions`, `GET /v1/models`), so any OpenAI client can use it during development.
///
/// Streams answer with `Transfer-Encoding: chunked`, one chunk per SSE event; a failure after the first event ends
/// the stream after its error event. There is no invocation deadline here (litellm's own `timeout` applies).
public final class LocalServer: Sendable {
    /// The port bound.
    public let port: Int
    private let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let service: ChatService
    private let logger: Logger

    private init(channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>,
                 port: Int, service: ChatService, logger: Logger) {
        self.channel = channel
        self.port = port
        self.service = service
        self.logger = logger
    }

    /// Binds 127.0.0.1:`port`.
    /// - Parameters:
    ///   - service: The chat function.
    ///   - port: The port; 0 picks a free one (read ``port``).
    ///   - logger: For request logs.
    /// - Returns: The server; call ``run()`` to serve.
    /// - Throws: If the port cannot be bound.
    public static func bind(service: ChatService, port: Int, logger: Logger) async throws -> LocalServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        return LocalServer(channel: channel, port: channel.channel.localAddress?.port ?? port, service: service, logger: logger)
    }

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
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                var tooLarge = false
                let cap = service.configuration.maxRequestBytes
                for try await part in inbound {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                        body = []
                        tooLarge = false
                    case .body(let buffer):
                        if body.count + buffer.readableBytes > cap { tooLarge = true } else { body += buffer.readableBytesView }
                    case .end:
                        guard let requestHead = head else { continue }
                        head = nil
                        let keepAlive = try await answer(requestHead, body: body, tooLarge: tooLarge, outbound)
                        if !keepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    /// Answers one request; returns whether the connection stays open.
    private func answer(_ head: HTTPRequestHead, body: [UInt8], tooLarge: Bool,
                        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws -> Bool {
        var logger = self.logger
        logger[metadataKey: "requestID"] = "local-\(UInt32.random(in: 0...UInt32.max))"
        var headers: [String: String] = [:]
        for (name, value) in head.headers { headers[name.lowercased()] = value }
        let path = String(head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/")
        let reply: ChatReply
        if tooLarge {
            reply = .failure(.requestTooLarge("The request is larger than \(service.configuration.maxRequestBytes) bytes."))
        } else {
            reply = await service.respond(to: ChatHTTPRequest(method: head.method.rawValue, path: path, headers: headers, body: body),
                                          deadline: nil, logger: logger)
        }
        let keepAlive = head.isKeepAlive && !tooLarge
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
            responseHeaders.add(name: "transfer-encoding", value: "chunked")
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
