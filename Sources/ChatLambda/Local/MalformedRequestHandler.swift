import NIOCore
import NIOHTTP1

/// Answers a request NIO's HTTP decoder cannot read (an `HTTPParserError`: headers over the cap, both
/// `Content-Length` and `Transfer-Encoding`, an unknown method, any other malformed HTTP) with a 400 and an OpenAI
/// error body saying what was wrong, then closes the connection.
///
/// It stands where NIO's `HTTPServerProtocolErrorHandler` would (`configureHTTPServerPipeline(withErrorHandling:)`),
/// which answers the same 400 with an empty body. The message names the fault only: nothing of the request (its
/// headers, keys or bytes) is echoed. A parse error after an answer began gets no second answer, only the close; the
/// pipelining handler before this one holds an error back until the answer in progress has ended.
///
/// Runs on the connection's event loop only.
final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let maxHeaderBytes: Int
    /// An answer's head went out and its end has not.
    private var answering = false

    /// - Parameter maxHeaderBytes: The decoder's cap on a request's headers, named in the message when it is passed.
    init(maxHeaderBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if !answering {
            context.writeRefusal(Self.refusal(for: parserError, maxHeaderBytes: maxHeaderBytes), version: .http1_1)
        }
        // Passed on, as NIO's handler does: the connection's reader ends with it.
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status == .continue: break  // informational: the answer's head follows
        case .head: answering = true
        case .body: break
        case .end: answering = false
        }
        context.write(data, promise: promise)
    }

    /// The 400 for `error`: what is wrong with the request, in words a client's developer can act on.
    /// - Parameters:
    ///   - error: The decoder's error.
    ///   - maxHeaderBytes: The cap on a request's headers.
    /// - Returns: A 400 `invalid_request_error`; `headers_too_large` for headers over the cap, else `malformed_http`.
    static func refusal(for error: HTTPParserError, maxHeaderBytes: Int) -> ChatError {
        let fault: String
        switch error {
        case .headerOverflow:
            return .invalidRequest("The request's headers are larger than \(maxHeaderBytes) bytes.", code: "headers_too_large")
        case .invalidMethod:
            fault = "its method is not an HTTP method"
        case .invalidURL:
            fault = "its target is not a valid URL path"
        case .invalidVersion:
            fault = "its HTTP version is not HTTP/1.0 or HTTP/1.1"
        case .invalidHeaderToken, .invalidCharactersUsed:
            fault = "a header name or value holds characters HTTP does not allow"
        case .unexpectedContentLength:
            fault = "it has more than one Content-Length"
        case .invalidContentLength:
            fault = "its Content-Length is not one whole number, or comes with Transfer-Encoding"
        case .invalidChunkSize:
            fault = "a chunk of its chunked body has no valid size"
        case .lfExpected, .invalidConstant, .strictModeAssertion:
            fault = "its request line, a header line or a chunk is not formed as HTTP requires"
        case .unknown:
            // llhttp's errors with no case of their own: a bad Transfer-Encoding, a missing CR.
            fault = "its Transfer-Encoding is not chunked or comes with Content-Length, or a line does not end in CRLF"
        default:
            fault = "it could not be read"
        }
        return .invalidRequest("The request is not valid HTTP/1.1: \(fault).", code: "malformed_http")
    }
}
