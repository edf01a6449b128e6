import NIOCore
import NIOHTTP1
import NIOPosix

/// Collects one request at a time (the pipeline handler before it queues pipelined ones), records it,
/// and plays the planned response back on the event loop.
final class FakeHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Larger request bodies get a 413 and the connection is closed.
    static let maxBodyBytes = 64 * 1024 * 1024

    private let state: ServerState
    private let connectionNumber: Int
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var bodyTooLarge = false
    private var active = true
    private var scheduled: Scheduled<Void>?
    private var keepAlive = true
    /// Whether a recorded request's answer is being played (counted in the server's requests in flight).
    private var answering = false
    /// The request in play's number among those the server began (`ServerState.requestBegan`): its place at a gate.
    private var requestNumber = Int.max
    /// When the `gate` step in play began waiting.
    private var gateWaitBegan: NIODeadline?

    init(state: ServerState, connectionNumber: Int) {
        self.state = state
        self.connectionNumber = connectionNumber
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(requestHead):
            head = requestHead
            body.clear()
            bodyTooLarge = false
        case var .body(chunk):
            if body.readableBytes + chunk.readableBytes > FakeHTTPHandler.maxBodyBytes {
                bodyTooLarge = true
                body.clear()
            } else if !bodyTooLarge {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            handle(requestHead, context: context)
        }
    }

    private func handle(_ requestHead: HTTPRequestHead, context: ChannelHandlerContext) {
        keepAlive = requestHead.isKeepAlive
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        body.clear()
        let route = Router.route(method: requestHead.method.rawValue, path: requestHead.uri)
        let json = bodyTooLarge ? nil : JSONValue.parse(bytes)
        let request = RecordedRequest(
            method: requestHead.method.rawValue,
            path: requestHead.uri,
            headers: requestHead.headers.map { ($0.name, $0.value) },
            body: bytes,
            model: Router.modelName(route: route, body: json),
            sequenceNumber: state.nextRequestNumber(),
            connectionNumber: connectionNumber
        )
        switch route {
        case .stats, .requests, .reset: break
        default:
            state.record(request)
            answering = true
            requestNumber = state.requestBegan()
        }
        let steps: [ResponseStep]
        if bodyTooLarge {
            keepAlive = false
            steps = ResponsePlan.json(status: 413, .object([("error", .object([
                ("message", .string("Request body too large for fake-provider.")),
                ("type", .string("invalid_request_error")), ("param", .null), ("code", .null),
            ]))]))
        } else {
            steps = Router.plan(route: route, request: request, body: json, state: state)
        }
        play(steps[...], context: context)
    }

    private func play(_ steps: ArraySlice<ResponseStep>, context: ChannelHandlerContext) {
        var steps = steps
        while active, let step = steps.popFirst() {
            switch step {
            case let .delay(ms):
                playLater(steps, in: .milliseconds(Int64(ms)), context: context)
                return
            case let .head(status, headerList):
                var headers = HTTPHeaders(headerList)
                headers.replaceOrAdd(name: "connection", value: keepAlive ? "keep-alive" : "close")
                headers.replaceOrAdd(name: "server", value: "fake-provider")
                let responseHead = HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers)
                context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            case let .write(bytes):
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
            case .end:
                answerEnded()
                let closeAfter = !keepAlive
                let promise = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
                if closeAfter {
                    promise.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                }
                return
            case .reset:
                context.flush()
                scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(50)) {
                    self.scheduled = nil
                    self.reset(context: context)
                }
                return
            case .hang:
                return
            case .held where !state.heldAnswersReleased:
                // Checked again every 10 ms on the event loop; the test's side waits for nothing but its own call.
                playLater([step] + steps, in: .milliseconds(10), context: context)
                return
            case .held:
                continue
            case let .gate(count):
                let now = NIODeadline.now()
                let waitBegan = gateWaitBegan ?? now
                gateWaitBegan = waitBegan
                // Passes once `count` requests were in flight together with this one, whoever saw it: the first ones
                // let through may finish before this handler first looks.
                let passes = state.passesGate(count, number: requestNumber)
                if passes || now - waitBegan > ResponsePlan.gateLimit {
                    if !passes { state.gateLimitReached() }
                    gateWaitBegan = nil
                    continue
                }
                playLater([step] + steps, in: .milliseconds(10), context: context)
                return
            }
        }
    }

    /// Plays `steps` after `delay`, unless the connection closes first (`channelInactive` cancels it).
    private func playLater(_ steps: some Collection<ResponseStep>, in delay: TimeAmount, context: ChannelHandlerContext) {
        let rest = ArraySlice(steps)
        scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            self.scheduled = nil
            self.play(rest, context: context)
        }
    }

    private func reset(context: ChannelHandlerContext) {
        guard active else { return }
        if let provider = context.channel as? any SocketOptionProvider {
            provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            context.close(promise: nil)
        }
    }

    /// Counts the answer in play as ended, once.
    private func answerEnded() {
        guard answering else { return }
        answering = false
        state.requestEnded()
    }

    func channelInactive(context: ChannelHandlerContext) {
        answerEnded()
        active = false
        scheduled?.cancel()
        scheduled = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Odd input, resets and the like: drop the connection, never the server.
        answerEnded()
        active = false
        scheduled?.cancel()
        scheduled = nil
        context.close(promise: nil)
    }
}
