import Foundation
public import LambdaRuntime
import Logging
public import NIOCore

/// The Lambda face of ``ChatService``: reads each event and answers it the way docs/design/contracts.md ("How the Lambda
/// answers") fixes for the configured ``InvokeMode``.
///
/// | event | `BUFFERED` | `RESPONSE_STREAM` |
/// |---|---|---|
/// | HTTP (payload 2.0) | `{"statusCode", "headers", "body", "isBase64Encoded"}`; `"stream": true` gets the whole SSE text | prelude (status, headers) + 8 NUL bytes, then the body or the SSE events as they come |
/// | direct | one `chat.completion` JSON | the same, except `"stream": true`: SSE events, no prelude |
///
/// Errors before any byte: HTTP events get the OpenAI error body with its status; a direct invoke fails with
/// `/error` (`errorType` `Chat.<Reason>`, `errorMessage` the error body with its `status`). After the first byte:
/// an SSE error event, then the Runtime API error trailers.
public struct ChatLambdaHandler: StreamingLambdaHandler, Sendable {
    private let service: ChatService

    /// Creates the handler.
    /// - Parameter service: The chat function.
    public init(service: ChatService) {
        self.service = service
    }

    /// Answers one invocation.
    /// - Parameters:
    ///   - event: The event.
    ///   - responseWriter: The runtime's writer.
    ///   - context: The invocation context (deadline, logger with the request id).
    /// - Throws: ``ChatError`` for a direct invoke that failed, or for a stream cut after its first byte (the runtime
    ///   then reports it with `/error` or trailers); the runtime's own errors.
    public func handle(_ event: ByteBuffer, responseWriter: some LambdaResponseStreamWriter, context: LambdaContext) async throws {
        let deadline = context.deadline
        let streamMode = service.configuration.invokeMode == .responseStream
        switch LambdaEvent.decode(Array(event.readableBytesView)) {
        case .http(let request):
            var logger = context.logger
            logger[metadataKey: "event"] = "http"
            let reply = await service.respond(to: request, deadline: deadline, logger: logger)
            try await sendHTTP(reply, streamMode: streamMode, writer: responseWriter)
        case .malformedHTTP(let error):
            context.logger.info("request refused", metadata: ["event": "http", "status": "\(error.status)", "code": "\(error.code)"])
            try await sendHTTP(.failure(error), streamMode: streamMode, writer: responseWriter)
        case .direct(let body):
            var logger = context.logger
            logger[metadataKey: "event"] = "direct"
            let reply = await service.invoke(body: body, streaming: streamMode, deadline: deadline, logger: logger)
            switch reply {
            case .response(let response):
                try await responseWriter.writeAndFinish(ByteBuffer(bytes: response.body))
            case .failure(let error):
                throw error
            case .eventStream(let stream):
                try await responseWriter.beginStreaming(contentType: "text/event-stream")
                try await stream.send { try await responseWriter.write(ByteBuffer(bytes: $0)) }
                try await responseWriter.finish()
            }
        }
    }

    private func sendHTTP(_ reply: ChatReply, streamMode: Bool, writer: some LambdaResponseStreamWriter) async throws {
        if streamMode {
            switch reply {
            case .eventStream(let stream):
                try await writer.beginStreaming(HTTPResponsePrelude(statusCode: 200, headers: stream.headers))
                try await stream.send { try await writer.write(ByteBuffer(bytes: $0)) }
                try await writer.finish()
            case .response, .failure:
                let response = reply.httpResponse!
                try await writer.beginStreaming(HTTPResponsePrelude(statusCode: response.status, headers: response.headers))
                try await writer.write(ByteBuffer(bytes: response.body))
                try await writer.finish()
            }
            return
        }
        let response: ChatHTTPResponse
        switch reply {
        case .eventStream(let stream):
            switch await stream.collect() {
            case .success(let body): response = ChatHTTPResponse(status: 200, headers: stream.headers, body: body)
            case .failure(let error): response = ChatHTTPResponse(error)
            }
        case .response, .failure:
            response = reply.httpResponse!
        }
        try await writer.writeAndFinish(ByteBuffer(bytes: Self.bufferedResponse(response)))
    }

    /// The payload 2.0 response object of a buffered HTTP answer.
    public static func bufferedResponse(_ response: ChatHTTPResponse) -> [UInt8] {
        JSON.bytes([
            "statusCode": response.status, "headers": response.headers,
            "body": String(decoding: response.body, as: UTF8.self), "isBase64Encoded": false,
        ] as [String: Any])
    }
}
