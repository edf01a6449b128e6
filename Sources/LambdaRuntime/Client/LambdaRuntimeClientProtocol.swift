public import NIOCore
public import NIOHTTP1

/// Talks to the Runtime API on behalf of ``LambdaRuntime/run(handler:client:logger:)``; a protocol so the loop can
/// run against a stand-in.
public protocol LambdaRuntimeClientProtocol: Sendable {
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
public protocol LambdaInvocationWriter: LambdaResponseStreamWriter {
    /// Settles the invocation: finishes the answer if the handler left it open, or reports `handlerError` (to
    /// `/error` before the first streamed byte, as trailers after). Does nothing if the answer is already settled.
    /// - Parameter handlerError: What the handler threw, if anything.
    /// - Throws: Only errors that end the runtime (``LambdaRuntimeError/isFatal``), including one that an earlier
    ///   call of this invocation met and the handler swallowed.
    func complete(handlerError: (any Error)?) async throws
}

/// One invocation as `/next` delivered it.
public struct Invocation: Sendable {
    /// The parsed `Lambda-Runtime-*` headers.
    public let metadata: InvocationMetadata
    /// The event body.
    public let event: ByteBuffer

    /// Creates an invocation.
    /// - Parameters:
    ///   - metadata: The parsed headers.
    ///   - event: The event body.
    public init(metadata: InvocationMetadata, event: ByteBuffer) {
        self.metadata = metadata
        self.event = event
    }
}

/// The `Lambda-Runtime-*` headers of a `/next` answer.
public struct InvocationMetadata: Sendable, Hashable {
    /// `Lambda-Runtime-Aws-Request-Id`.
    public let requestID: String
    /// `Lambda-Runtime-Deadline-Ms` (Unix epoch milliseconds).
    public let deadlineMilliseconds: Int64
    /// `Lambda-Runtime-Invoked-Function-Arn`, empty if absent.
    public let invokedFunctionARN: String
    /// `Lambda-Runtime-Trace-Id`.
    public let traceID: String?
    /// `Lambda-Runtime-Client-Context`.
    public let clientContext: String?
    /// `Lambda-Runtime-Cognito-Identity`.
    public let cognitoIdentity: String?

    /// Parses the headers of a `/next` answer.
    /// - Parameter headers: The response headers.
    /// - Throws: ``LambdaRuntimeError`` with code `invalidInvocation` when the request id or a numeric deadline is
    ///   missing: without them the invocation cannot be answered or bounded.
    public init(headers: HTTPHeaders) throws {
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
