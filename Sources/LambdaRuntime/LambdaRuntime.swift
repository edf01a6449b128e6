public import Logging
public import NIOCore
public import NIOPosix

/// Entry points of the custom runtime: the invocation loop and the start-up error report.
///
/// ```swift
/// LambdaLogging.bootstrap()
/// do { handler = try await MyHandler.load() } catch {
///     try? await LambdaRuntime.reportInitError(error)
///     exit(1)
/// }
/// try await LambdaRuntime.run(handler: handler)
/// ```
public enum LambdaRuntime {
    /// The Runtime API endpoint from `AWS_LAMBDA_RUNTIME_API`.
    /// - Returns: `host:port`.
    /// - Throws: ``LambdaRuntimeError`` with code `missingRuntimeAPIEndpoint` when unset or empty.
    public static func runtimeAPIEndpoint() throws -> String {
        guard let endpoint = Environment.get("AWS_LAMBDA_RUNTIME_API"), !endpoint.isEmpty else {
            throw LambdaRuntimeError(
                code: .missingRuntimeAPIEndpoint, message: "AWS_LAMBDA_RUNTIME_API is not set: not running inside Lambda")
        }
        return endpoint
    }

    /// Serves invocations from the Runtime API named by `AWS_LAMBDA_RUNTIME_API` until a fatal error.
    /// - Parameters:
    ///   - handler: Handles each invocation.
    ///   - logger: The runtime's logger; each context gets a copy tagged with the request id.
    /// - Throws: ``LambdaRuntimeError`` when the runtime must exit (no endpoint, transport failure, a 500 from the
    ///   Runtime API), or `CancellationError`. Handler errors never end the loop.
    public static func run(
        handler: some StreamingLambdaHandler,
        logger: Logger = Logger(label: "LambdaRuntime")
    ) async throws -> Never {
        try await run(handler: handler, endpoint: runtimeAPIEndpoint(), logger: logger)
    }

    /// Serves invocations from the Runtime API at `endpoint` until a fatal error.
    /// - Parameters:
    ///   - handler: Handles each invocation.
    ///   - endpoint: `host:port` of the Runtime API.
    ///   - eventLoopGroup: Where the connection lives.
    ///   - logger: The runtime's logger.
    /// - Throws: As ``run(handler:logger:)``.
    public static func run(
        handler: some StreamingLambdaHandler,
        endpoint: String,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "LambdaRuntime")
    ) async throws -> Never {
        try await LambdaRuntimeClient.withRuntimeClient(endpoint: endpoint, eventLoopGroup: eventLoopGroup, logger: logger) {
            client in
            try await loop(handler: handler, client: client, logger: logger)
        }
        preconditionFailure("the invocation loop ends only by throwing")
    }

    /// The invocation loop over any client: next, handle, settle, repeat.
    /// Returns `Void` rather than `Never` so the scoped client API can wrap it without unreachable-code warnings.
    /// It returns only once `shutdown` is draining; otherwise it ends by throwing.
    /// - Parameters:
    ///   - exportsTraceID: Sets `_X_AMZN_TRACE_ID` for each invocation; only when this loop is the process's only
    ///     one, since `setenv` races with other threads (Python's among them) reading the environment.
    ///   - shutdown: Stops the loop between invocations once it drains.
    static func loop<Client: LambdaRuntimeClientProtocol>(
        handler: some StreamingLambdaHandler,
        client: Client,
        logger: Logger,
        exportsTraceID: Bool = true,
        shutdown: GracefulShutdown? = nil
    ) async throws {
        while true {
            try Task.checkCancellation()
            if let shutdown, shutdown.isDraining { return }
            let invocation: Invocation, writer: Client.Writer
            do {
                (invocation, writer) = try await client.nextInvocation()
            } catch {
                if let shutdown, shutdown.isDraining { return }
                throw error
            }
            shutdown?.invocationBegan()
            defer { shutdown?.invocationEnded() }
            let context = LambdaContext(metadata: invocation.metadata, logger: logger)
            // X-Ray SDKs read the trace header from the environment; a missing header must not leave a stale one.
            if exportsTraceID { Environment.set("_X_AMZN_TRACE_ID", context.traceID) }
            var handlerError: (any Error)?
            do {
                try await handler.handle(invocation.event, responseWriter: writer, context: context)
            } catch {
                handlerError = error
                let payload = FunctionErrorPayload(error)
                context.logger.error("invocation failed", metadata: [
                    "errorType": "\(payload.errorType)", "errorMessage": "\(payload.errorMessage)",
                ])
            }
            try await writer.complete(handlerError: handlerError)
        }
    }

    /// Posts a start-up failure to `/runtime/init/error` of the Runtime API named by `AWS_LAMBDA_RUNTIME_API`.
    /// The caller should exit non-zero afterwards; Lambda then reports the init failure.
    /// - Parameters:
    ///   - error: The failure; a ``LambdaFunctionError`` chooses its `errorType` (e.g. `Runtime.PythonInitFailed`).
    ///   - endpoint: `host:port`; `nil` reads `AWS_LAMBDA_RUNTIME_API`.
    ///   - logger: For the client's messages.
    /// - Throws: ``LambdaRuntimeError`` if there is no endpoint or the post fails.
    public static func reportInitError(
        _ error: any Error,
        endpoint: String? = nil,
        logger: Logger = Logger(label: "LambdaRuntime")
    ) async throws {
        let endpoint = try endpoint ?? runtimeAPIEndpoint()
        try await LambdaRuntimeClient.withRuntimeClient(endpoint: endpoint, logger: logger) { client in
            try await client.reportInitError(error)
        }
    }
}
