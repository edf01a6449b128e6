import NIOCore
import NIOHTTP1

/// Sits after the HTTP codec of one local connection and lets only whole requests within the limits through.
///
/// - A request is passed on only once complete, as head, one body buffer and end, so the server never holds a
///   half request: a body over the cap (by `content-length` or by what arrived) gets a 413 and the connection is
///   closed at the cap, the rest unread.
/// - A connection must deliver a whole request within ``LocalServerLimits/readTimeout`` of opening or of its
///   previous answer's end; else it is closed, with a 408 if a request had begun (idle keep-alive connections and
///   slow-loris clients alike).
/// - A client that stops reading an answer (the connection stays unwritable) for as long is closed too, which ends
///   the answer and so its upstream call.
/// - A request that asks `Expect: 100-continue` (curl does for bodies over 1 KiB) and is within the cap gets
///   `100 Continue` at once; without it the client waits about a second before sending its body anyway.
///
/// Runs on the connection's event loop only.
final class FrontDoorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Phase {
        /// Waiting for a request's head.
        case waiting
        /// Collecting a request's body.
        case reading(HTTPRequestHead, ByteBuffer)
        /// The request went on; its answer has not ended.
        case answering
        /// A 413 or 408 went out; the connection is closing.
        case refused
    }

    private let maxBodyBytes: Int
    private let readTimeout: TimeAmount
    private var phase = Phase.waiting
    private var timer: Scheduled<Void>?
    private var stallTimer: Scheduled<Void>?

    init(maxBodyBytes: Int, readTimeout: Duration) {
        self.maxBodyBytes = maxBodyBytes
        let parts = readTimeout.components
        self.readTimeout = .nanoseconds(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
    }

    func channelActive(context: ChannelHandlerContext) {
        armTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        stallTimer?.cancel()
        stallTimer = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stallTimer?.cancel()
            stallTimer = nil
        } else if stallTimer == nil {
            stallTimer = context.eventLoop.assumeIsolated().scheduleTask(in: readTimeout) { [self] in
                stallTimer = nil
                if !context.channel.isWritable { context.close(promise: nil) }
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armTimer(context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), phase) {
        case (.head(let head), .waiting):
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > maxBodyBytes {
                refuse(.requestTooLarge("The request is larger than \(maxBodyBytes) bytes."), version: head.version, context: context)
                return
            }
            phase = .reading(head, context.channel.allocator.buffer(capacity: 0))
            if head.version == .http1_1, head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case (.body(var chunk), .reading(let head, var body)):
            if body.readableBytes + chunk.readableBytes > maxBodyBytes {
                refuse(.requestTooLarge("The request is larger than \(maxBodyBytes) bytes."), version: head.version, context: context)
                return
            }
            phase = .answering  // drop the buffer's second reference while it grows
            body.writeBuffer(&chunk)
            phase = .reading(head, body)
        case (.end, .reading(let head, let body)):
            timer?.cancel()
            timer = nil
            phase = .answering
            context.fireChannelRead(wrapInboundOut(.head(head)))
            context.fireChannelRead(wrapInboundOut(.body(body)))
            context.fireChannelRead(wrapInboundOut(.end(nil)))
        default:
            // Parts of a refused request, or pipelined ones behind an answer (the pipelining handler before this
            // one holds those back): nothing to pass on.
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), case .answering = phase {
            phase = .waiting
            armTimer(context: context)
        }
        context.write(data, promise: promise)
    }

    private func armTimer(context: ChannelHandlerContext) {
        timer?.cancel()
        let loop = context.eventLoop.assumeIsolated()
        timer = loop.scheduleTask(in: readTimeout) { [self] in
            timer = nil
            switch phase {
            case .waiting:
                context.close(promise: nil)
            case .reading(let head, _):
                refuse(ChatError(status: 408, type: "invalid_request_error", code: "request_timeout",
                                 message: "The request did not arrive in time; send it whole and promptly."),
                       version: head.version, context: context)
            case .answering, .refused:
                break
            }
        }
    }

    /// Answers `error` and closes the connection after the answer, reading nothing more.
    private func refuse(_ error: ChatError, version: HTTPVersion, context: ChannelHandlerContext) {
        phase = .refused
        timer?.cancel()
        timer = nil
        context.writeRefusal(error, version: version)
    }
}

extension ChannelHandlerContext {
    /// Writes `error` as a whole HTTP answer (its status, `content-type: application/json`, `connection: close`, the
    /// OpenAI error body), then closes the connection once it is written. For a handler whose outbound parts are
    /// `HTTPServerResponsePart`s, on the connection's event loop.
    /// - Parameters:
    ///   - error: The refusal; its status and headers go out with it.
    ///   - version: The HTTP version of the answer.
    func writeRefusal(_ error: ChatError, version: HTTPVersion) {
        let body = error.body
        var headers = HTTPHeaders([("content-type", "application/json"), ("content-length", "\(body.count)"), ("connection", "close")])
        for (name, value) in error.headers { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: error.status), headers: headers)
        write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).assumeIsolated().whenComplete { [self] _ in
            close(promise: nil)
        }
    }
}

/// The handler of a connection over ``LocalServerLimits/maxConnections``: a 503 with `retry-after`, then close.
final class OverCapacityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let retryAfterSeconds: Int

    init(retryAfterSeconds: Int) { self.retryAfterSeconds = retryAfterSeconds }

    func channelActive(context: ChannelHandlerContext) {
        let error = ChatError(status: 503, type: "server_busy", code: "too_many_connections",
                              message: "The server has as many connections as it serves; retry later.")
        let body = error.body
        let head = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: \(body.count)\r\n"
            + "retry-after: \(retryAfterSeconds)\r\nconnection: close\r\n\r\n"
        context.writeAndFlush(NIOAny(ByteBuffer(bytes: Array(head.utf8) + body))).assumeIsolated().whenComplete { _ in
            // Half-close, so a request the client is still sending does not turn our answer into a reset; the read
            // side is dropped as it arrives and the connection ends when the client closes (or at the latest soon).
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(2)) { context.close(promise: nil) }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event { context.close(promise: nil) }
    }
}
