package import NIOCore
package import NIOHTTP1

/// Talks to the Runtime API on behalf of the invocation loop (`LambdaRuntime.loop`); a protocol so the loop can
/// run against a stand-in.
package protocol LambdaRuntimeClientProtocol: Sendable {
    /// The writer handed to the handler for each invocation.
    associatedtype Writer: LambdaInvocationWriter

    /// Waits, without a timeout, for the next invocation (`GET /runtime/invocation/next`).
    /// - Returns: The invocation and the writer for its answer.
    /// - Throws: ``LambdaRuntimeError`` (the runtime must exit) or `CancellationError`.
    func nextInvocation() async throws -> (Invocation, Writer)

    /// Stops polling for good: a pending ``nextInvocation()`` fails soon and later ones fail at once. The
    /// invocation being answered is not affected. Used to drain the runtime on shutdown.
    func stopPolling() async
}

/// A response writer that the run loop can close after the handler returns.
package protocol LambdaInvocationWriter: LambdaResponseStreamWriter {
    /// Settles the invocation: finishes the answer if the handler left it open, or reports `handlerError` (to
    /// `/error` before the first streamed byte, as trailers after). Does nothing if the answer is already settled.
    /// - Parameter handlerError: What the handler threw, if anything.
    /// - Throws: Only errors that end the runtime (``LambdaRuntimeError/isFatal``), including one that an earlier
    ///   call of this invocation met and the handler swallowed.
    func complete(handlerError: (any Error)?) async throws
}

/// One invocation as `/next` delivered it.
package struct Invocation: Sendable {
    /// The parsed `Lambda-Runtime-*` headers.
    package let metadata: InvocationMetadata
    /// The event body.
    package let event: ByteBuffer

    /// Creates an invocation.
    /// - Parameters:
    ///   - metadata: The parsed headers.
    ///   - event: The event body.
    package init(metadata: InvocationMetadata, event: ByteBuffer) {
        self.metadata = metadata
        self.event = event
    }
}

/// The `Lambda-Runtime-*` headers of a `/next` answer.
package struct InvocationMetadata: Sendable, Hashable {
    /// `Lambda-Runtime-Aws-Request-Id`.
    package let requestID: String
    /// `Lambda-Runtime-Deadline-Ms` (Unix epoch milliseconds).
    package let deadlineMilliseconds: Int64
    /// `Lambda-Runtime-Invoked-Function-Arn`, empty if absent.
    package let invokedFunctionARN: String
    /// `Lambda-Runtime-Trace-Id`.
    package let traceID: String?
    /// `Lambda-Runtime-Client-Context`.
    package let clientContext: String?
    /// `Lambda-Runtime-Cognito-Identity`.
    package let cognitoIdentity: String?

    /// Parses the headers of a `/next` answer.
    /// - Parameter headers: The response headers.
    /// - Throws: ``LambdaRuntimeError`` with code `invalidInvocation` when the request id or a numeric deadline is
    ///   missing: without them the invocation cannot be answered or bounded.
    package init(headers: HTTPHeaders) throws {
        guard let requestID = headers.first(name: "Lambda-Runtime-Aws-Request-Id"), !requestID.isEmpty else {
            throw LambdaRuntimeError(code: .invalidInvocation, message: "/next answered without Lambda-Runtime-Aws-Request-Id")
        }
        guard let deadline = headers.first(name: "Lambda-Runtime-Deadline-Ms").flatMap({ Int64($0) }) else {
            throw LambdaRuntimeError(
                code: .invalidInvocation, message: "/next answered \(requestID) without a numeric Lambda-Runtime-Deadline-Ms")
        }
        self.requestID = requestID
        self.deadlineMilliseconds = deadline
        self.invokedFunctionARN = headers.first(name: "Lambda-Runtime-Invoked-Function-Arn") ?? ""
        self.traceID = headers.first(name: "Lambda-Runtime-Trace-Id")
        self.clientContext = headers.first(name: "Lambda-Runtime-Client-Context")
        self.cognitoIdentity = headers.first(name: "Lambda-Runtime-Cognito-Identity")
    }
}
