import NIOCore
import NIOHTTP1
import NIOPosix

/// The Runtime API's answer to one request.
struct RuntimeAPIResponse: Sendable {
    let status: HTTPResponseStatus
    let headers: HTTPHeaders
    let body: ByteBuffer
}

/// One keep-alive HTTP/1.1 connection to the Runtime API, carrying one request at a time (the client actor
/// serialises them). The request body can be written piece by piece, so one type serves buffered and streamed posts.
final class RuntimeAPIConnection: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func connect(host: String, port: Int, group: any EventLoopGroup) async throws -> RuntimeAPIConnection {
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(RuntimeAPIChannelHandler())
                }
            }
        do {
            return RuntimeAPIConnection(channel: try await bootstrap.connect(host: host, port: port).get())
        } catch {
            throw LambdaRuntimeError(
                code: .connectionFailed, message: "cannot connect to the Runtime API at \(host):\(port)", underlying: error)
        }
    }

    /// False once the peer closed the connection (after a `Connection: close` answer, for instance).
    var isActive: Bool { channel.isActive }

    /// Writes the request head (not flushed unless `flush`) and returns the future answer.
    func startRequest(_ head: HTTPRequestHead, flush: Bool = false) -> EventLoopFuture<RuntimeAPIResponse> {
        let response = channel.eventLoop.makePromise(of: RuntimeAPIResponse.self)
        let part = RuntimeAPIChannelHandler.Part.head(head, response)
        flush ? channel.writeAndFlush(part, promise: nil) : channel.write(part, promise: nil)
        return response.futureResult
    }

    /// Writes and flushes body bytes; returns when they are handed to the kernel (the back-pressure we need).
    func writeBody(_ buffer: ByteBuffer) async throws {
        try await mapClosed { try await channel.writeAndFlush(RuntimeAPIChannelHandler.Part.body(buffer)).get() }
    }

    /// Ends the request body, with HTTP trailers if given (chunked requests only).
    func endRequest(trailers: HTTPHeaders? = nil) async throws {
        try await mapClosed { try await channel.writeAndFlush(RuntimeAPIChannelHandler.Part.end(trailers)).get() }
    }

    /// Awaits an answer; cancelling the task closes the connection, since a pending `/next` has no other way out.
    func response(_ future: EventLoopFuture<RuntimeAPIResponse>) async throws -> RuntimeAPIResponse {
        let channel = self.channel
        do {
            return try await withTaskCancellationHandler {
                try await future.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
    }

    func close() async {
        try? await channel.close()
    }

    /// Starts closing without waiting: a pending answer fails with `connectionClosed`.
    func closeNow() {
        channel.close(promise: nil)
    }

    private func mapClosed(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as LambdaRuntimeError {
            throw error
        } catch {
            throw LambdaRuntimeError(
                code: .connectionClosed, message: "writing to the Runtime API failed", underlying: error)
        }
    }
}

/// Pairs each request with the promise of its answer and collects the answer's parts.
private final class RuntimeAPIChannelHandler: ChannelDuplexHandler {
    enum Part: Sendable {
        case head(HTTPRequestHead, EventLoopPromise<RuntimeAPIResponse>)
        case body(ByteBuffer)
        case end(HTTPHeaders?)
    }

    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Part
    typealias OutboundOut = HTTPClientRequestPart

    private var pending: (request: String, promise: EventLoopPromise<RuntimeAPIResponse>)?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    private var closed = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part: HTTPClientRequestPart
        switch unwrapOutboundIn(data) {
        case .head(let head, let response):
            let request = "\(head.method) \(head.uri)"
            guard !closed, pending == nil else {
                let why = closed ? "the connection is closed" : "a request is already in flight"
                let error = LambdaRuntimeError(code: .connectionClosed, message: "cannot send \(request): \(why)")
                response.fail(error)
                promise?.fail(error)
                return
            }
            pending = (request, response)
            part = .head(head)
        case .body(let buffer):
            part = .body(.byteBuffer(buffer))
        case .end(let trailers):
            part = .end(trailers)
        }
        // A failed write leaves the request half-sent: close, so the pending answer fails instead of hanging.
        let written = promise ?? context.eventLoop.makePromise()
        let channel = context.channel
        written.futureResult.whenFailure { _ in channel.close(promise: nil) }
        context.write(wrapOutboundOut(part), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            head = responseHead
            body = nil
        case .body(var buffer):
            if body == nil { body = buffer } else { body!.writeBuffer(&buffer) }
        case .end:
            guard let responseHead = head, let (_, promise) = pending else {
                context.close(promise: nil)  // an answer nobody asked for: the stream is out of step
                return
            }
            pending = nil
            head = nil
            let response = RuntimeAPIResponse(
                status: responseHead.status, headers: responseHead.headers,
                body: body.take() ?? context.channel.allocator.buffer(capacity: 0))
            if !responseHead.isKeepAlive { context.close(promise: nil) }
            promise.succeed(response)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failPending(underlying: error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failPending(underlying: nil)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failPending(underlying: nil)  // never leak a promise
    }

    private func failPending(underlying: (any Error)?) {
        closed = true
        guard let (request, promise) = pending else { return }
        pending = nil
        promise.fail(LambdaRuntimeError(
            code: .connectionClosed, message: "the Runtime API connection closed during \(request)",
            underlying: underlying))
    }
}

extension Optional {
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
