import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Serves one runtime connection: routes each complete request to ``FakeCore`` and answers it.
final class FakeConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let invocationPrefix = "/2018-06-01/runtime/invocation/"
    private let core: FakeCore
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var bodyParts = 0
    /// The `/next` poll this connection has open, if any.
    private var pollToken: Int?
    /// This connection's number, from 1 in the order the fake accepted them.
    private var number = 0

    init(core: FakeCore) {
        self.core = core
    }

    func channelActive(context: ChannelHandlerContext) {
        if let number = core.track(context.channel) { self.number = number } else { context.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let pollToken { core.cancelPoll(token: pollToken) }
        pollToken = nil
        core.untrack(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.clear()
            bodyParts = 0
        case .body(var buffer):
            body.writeBuffer(&buffer)
            bodyParts += 1
        case .end(let trailers):
            guard let requestHead = head else { return }
            head = nil
            route(context, requestHead, trailers: trailers)
        }
    }

    private func route(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, trailers: HTTPHeaders?) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        if head.method == .GET, path == Self.invocationPrefix + "next" {
            return startPoll(context, keepAlive: head.isKeepAlive)
        }
        if head.method == .POST, path == "/2018-06-01/runtime/init/error" {
            core.recordInitError(head: head, body: body)
            return respond(context, .accepted, keepAlive: head.isKeepAlive)
        }
        if head.method == .POST, path.hasPrefix(Self.invocationPrefix) {
            let parts = path.dropFirst(Self.invocationPrefix.count).split(separator: "/")
            if parts.count == 2, let endpoint = RecordedPost.Endpoint(rawValue: String(parts[1])) {
                let status = core.recordPost(
                    requestID: String(parts[0]), endpoint: endpoint, head: head, body: body, bodyParts: bodyParts,
                    trailers: trailers, connection: number)
                return respond(context, status, keepAlive: head.isKeepAlive)
            }
        }
        core.recordUnexpected("\(head.method) \(head.uri): no such endpoint")
        respond(context, .notFound, keepAlive: head.isKeepAlive)
    }

    /// Long poll: the answer goes out when an event is available, like the real `/next`.
    private func startPoll(_ context: ChannelHandlerContext, keepAlive: Bool) {
        let token = core.state.withLock { $0.makeToken() }
        pollToken = token
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let core = self.core
        core.poll(token: token) { event in
            let deliver: @Sendable () -> Void = {
                let (handler, context) = bound.value
                guard context.channel.isActive, handler.pollToken == token else {
                    try? core.enqueue(event, atFront: true)  // the poller left: give the event to the next one
                    return
                }
                handler.pollToken = nil
                core.markHandedOut(event, connection: handler.number)
                handler.respond(context, .ok, headers: Self.invocationHeaders(event), body: event.body, keepAlive: keepAlive)
            }
            if eventLoop.inEventLoop { deliver() } else { eventLoop.execute(deliver) }
        }
    }

    private static func invocationHeaders(_ event: QueuedEvent) -> HTTPHeaders {
        let deadline = Int64(Date().timeIntervalSince1970 * 1000) + Int64(event.timeout.nanosecondsClamped / 1_000_000)
        var headers: HTTPHeaders = [
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": event.requestID,
            "Lambda-Runtime-Deadline-Ms": String(deadline),
            "Lambda-Runtime-Invoked-Function-Arn": event.functionARN,
        ]
        if let traceID = event.traceID { headers.add(name: "Lambda-Runtime-Trace-Id", value: traceID) }
        if let clientContext = event.clientContext { headers.add(name: "Lambda-Runtime-Client-Context", value: clientContext) }
        if let cognito = event.cognitoIdentity { headers.add(name: "Lambda-Runtime-Cognito-Identity", value: cognito) }
        return headers
    }

    /// The bodies the Runtime API answers with (its error shape, with its error types).
    private static func statusBody(_ status: HTTPResponseStatus) -> String {
        let (type, message): (String, String)
        switch status.code {
        case 202: return #"{"status":"OK"}"#
        case 400: (type, message) = ("InvalidRequestID", "Invalid request ID")
        case 403: (type, message) = ("InvalidStateTransition", "State transition from Ready to InvocationErrorResponse failed")
        case 413:
            (type, message) = (
                "RequestEntityTooLarge", "Exceeded maximum allowed payload size (\(RuntimeAPIFake.lambdaResponseLimit) bytes).")
        case 500: (type, message) = ("ServiceException", "Internal server error")
        default: (type, message) = ("\(status.code)", "\(status)")
        }
        return #"{"errorMessage":"\#(message)","errorType":"\#(type)"}"#
    }

    private func respond(
        _ context: ChannelHandlerContext, _ status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer? = nil,
        keepAlive: Bool
    ) {
        let body = body ?? ByteBuffer(string: Self.statusBody(status))
        var headers = headers
        if headers.first(name: "Content-Type") == nil { headers.add(name: "Content-Type", value: "application/json") }
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
