public import Logging

/// What the Runtime API says about one invocation, plus a logger tagged with its request id.
public struct LambdaContext: Sendable {
    /// `Lambda-Runtime-Aws-Request-Id`.
    public let requestID: String
    /// `Lambda-Runtime-Deadline-Ms`: the deadline as Unix epoch milliseconds (wall clock, as the platform sends it).
    public let deadlineMilliseconds: Int64
    /// `Lambda-Runtime-Invoked-Function-Arn` (empty if the Runtime API did not send it).
    public let invokedFunctionARN: String
    /// `Lambda-Runtime-Trace-Id`; the runtime also exports it as `_X_AMZN_TRACE_ID` for the invocation.
    public let traceID: String?
    /// `Lambda-Runtime-Client-Context`: the mobile SDK's client context JSON, undecoded.
    public let clientContext: String?
    /// `Lambda-Runtime-Cognito-Identity`: the Cognito identity JSON, undecoded.
    public let cognitoIdentity: String?
    /// A logger whose metadata carries `requestID`.
    public var logger: Logger

    /// Creates a context, for instance to call a handler from a test.
    /// - Parameters:
    ///   - requestID: The request id.
    ///   - deadlineMilliseconds: The deadline as Unix epoch milliseconds.
    ///   - invokedFunctionARN: The function ARN.
    ///   - traceID: The X-Ray trace header.
    ///   - clientContext: The client context JSON.
    ///   - cognitoIdentity: The Cognito identity JSON.
    ///   - logger: The logger; `requestID` is added to its metadata.
    public init(
        requestID: String,
        deadlineMilliseconds: Int64,
        invokedFunctionARN: String = "",
        traceID: String? = nil,
        clientContext: String? = nil,
        cognitoIdentity: String? = nil,
        logger: Logger
    ) {
        self.requestID = requestID
        self.deadlineMilliseconds = deadlineMilliseconds
        self.invokedFunctionARN = invokedFunctionARN
        self.traceID = traceID
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.logger = logger
        self.logger[metadataKey: "requestID"] = .string(requestID)
    }

    /// Creates the context of an invocation received from `/next`.
    /// - Parameters:
    ///   - metadata: The invocation's headers, parsed.
    ///   - logger: The runtime's logger; `requestID` is added to its metadata.
    package init(metadata: InvocationMetadata, logger: Logger) {
        self.init(
            requestID: metadata.requestID,
            deadlineMilliseconds: metadata.deadlineMilliseconds,
            invokedFunctionARN: metadata.invokedFunctionARN,
            traceID: metadata.traceID,
            clientContext: metadata.clientContext,
            cognitoIdentity: metadata.cognitoIdentity,
            logger: logger
        )
    }

    /// The time left before the deadline, measured on the wall clock now; negative once it has passed.
    public var remainingTime: Duration {
        .milliseconds(deadlineMilliseconds - WallClock.nowMilliseconds())
    }

    /// The deadline on the monotonic clock (computed from ``remainingTime`` now), for `Task.sleep(until:)` and
    /// timeouts that must not jump with wall-clock corrections.
    public var deadline: ContinuousClock.Instant {
        .now + remainingTime
    }
}
