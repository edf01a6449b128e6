/// An error of the runtime itself: its configuration or its conversation with the Runtime API.
///
/// Errors thrown by a handler are not wrapped in this type; they are reported to the Runtime API and the loop goes
/// on. A `LambdaRuntimeError` that leaves ``LambdaRuntime/run(handler:logger:)`` means the runtime must exit.
/// Match on ``code``: codes may be added without an API break.
public struct LambdaRuntimeError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of constants.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case missingRuntimeAPIEndpoint, invalidRuntimeAPIEndpoint, connectionFailed, connectionClosed
            case runtimeAPIServerError, unexpectedStatus, invalidInvocation, responseTooLarge, invalidWriterState
            case invocationClosed, pollingStopped, invalidConfiguration
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// `AWS_LAMBDA_RUNTIME_API` is not set.
        public static let missingRuntimeAPIEndpoint = Code(.missingRuntimeAPIEndpoint)
        /// The endpoint is not `host:port`.
        public static let invalidRuntimeAPIEndpoint = Code(.invalidRuntimeAPIEndpoint)
        /// The TCP connection to the Runtime API could not be opened.
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection dropped while a request was in flight, or a write to it failed.
        public static let connectionClosed = Code(.connectionClosed)
        /// The Runtime API answered 500: the runtime must exit.
        public static let runtimeAPIServerError = Code(.runtimeAPIServerError)
        /// The Runtime API answered a status this runtime cannot act on.
        public static let unexpectedStatus = Code(.unexpectedStatus)
        /// `/next` returned an invocation without a request id or deadline.
        public static let invalidInvocation = Code(.invalidInvocation)
        /// The Runtime API answered 413 to `/response`; the platform has ended the invocation (it records
        /// `Function.ResponseSizeTooLarge` itself), so nothing more is posted for it.
        public static let responseTooLarge = Code(.responseTooLarge)
        /// The Runtime API refused a `/response` or `/error` with 400 or 403: the platform had already ended the
        /// invocation (after a 413, or on its timeout). Only that invocation is lost.
        public static let invocationClosed = Code(.invocationClosed)
        /// `/next` was not sent, or was cut, because polling was stopped for a shutdown.
        public static let pollingStopped = Code(.pollingStopped)
        /// The runtime's configuration is invalid (for instance `AWS_LAMBDA_MAX_CONCURRENCY`).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The response writer was used out of order (for example after `finish()`).
        public static let invalidWriterState = Code(.invalidWriterState)

        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// A readable explanation.
    public let message: String
    /// The error underneath, such as a NIO channel error.
    public let underlying: (any Error)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: A readable explanation.
    ///   - underlying: The error underneath, if any.
    public init(code: Code, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// Whether the runtime must exit after this error: anything but a refused response, a post for an invocation
    /// the platform already ended, a misused writer, or polling stopped on purpose.
    public var isFatal: Bool {
        code != .responseTooLarge && code != .invocationClosed && code != .invalidWriterState && code != .pollingStopped
    }

    /// `code: message (underlying)`.
    public var description: String {
        let base = "LambdaRuntimeError.\(code): \(message)"
        return underlying.map { "\(base) (\($0))" } ?? base
    }
}
