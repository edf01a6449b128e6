public import NIOCore

/// A function that handles one invocation at a time and writes its answer through a response writer.
///
/// The shape follows swift-aws-lambda-runtime's `StreamingLambdaHandler`. A throw before the first streamed byte is
/// reported to `/error`; a throw after it ends the stream with the Runtime API's error trailers. Either way the
/// runtime goes on to the next invocation.
public protocol StreamingLambdaHandler {
    /// Handles one invocation.
    /// - Parameters:
    ///   - event: The event body exactly as `/next` delivered it.
    ///   - responseWriter: Where the answer goes; buffered unless ``LambdaResponseStreamWriter/beginStreaming(contentType:)``
    ///     is called first. If the handler returns without finishing, the runtime finishes the response.
    ///   - context: The invocation's metadata and logger.
    /// - Throws: Any error; it is reported for this invocation only.
    func handle(
        _ event: ByteBuffer,
        responseWriter: some LambdaResponseStreamWriter,
        context: LambdaContext
    ) async throws
}

/// Writes one invocation's answer, buffered (the default) or streamed.
///
/// Buffered: writes accumulate and `finish()` posts one `/response`. Streamed: after
/// ``beginStreaming(contentType:)`` the first non-empty write opens a chunked `/response`, each write is one chunk,
/// and `finish()` ends the body.
public protocol LambdaResponseStreamWriter: Sendable {
    /// Chooses a streamed response with the given content type. Sends nothing yet: until the first byte, a throw
    /// is still reported as a plain invocation error.
    /// - Parameter contentType: The `Content-Type` the invoker sees, e.g. `text/event-stream` or
    ///   `application/vnd.awslambda.http-integration-response`.
    /// - Throws: ``LambdaRuntimeError`` with code `invalidWriterState` if bytes were already written.
    func beginStreaming(contentType: String) async throws

    /// Appends bytes to the answer; in streaming mode they leave as one chunk. Empty buffers are ignored.
    /// - Parameter buffer: The bytes.
    /// - Throws: ``LambdaRuntimeError`` if the response is finished or the Runtime API connection failed.
    func write(_ buffer: ByteBuffer) async throws

    /// Completes the answer: posts the buffered body, or ends the stream.
    /// - Throws: ``LambdaRuntimeError``: `responseTooLarge` on a 413 (the platform has then ended the invocation
    ///   and records the error itself), `runtimeAPIServerError` on a 500, or a transport error.
    func finish() async throws

    /// Writes `buffer` and finishes, in one request when buffered.
    /// - Parameter buffer: The last bytes.
    /// - Throws: As ``write(_:)`` and ``finish()``.
    func writeAndFinish(_ buffer: ByteBuffer) async throws
}

/// An error a handler can throw to choose what the Runtime API records for the failed invocation.
///
/// Errors that do not adopt it are reported with their Swift type name as `errorType` and their description as
/// `errorMessage`.
public protocol LambdaFunctionError: Error {
    /// The `errorType` field and `Lambda-Runtime-Function-Error-Type` header, ideally `Category.Reason`.
    var errorType: String { get }
    /// The `errorMessage` field.
    var errorMessage: String { get }
}
