public import Logging
public import NIOCore
public import NIOPosix

extension LambdaRuntime {
    /// The most invocations Lambda sends this process at once: `AWS_LAMBDA_MAX_CONCURRENCY`, which Lambda Managed
    /// Instances set; 1 when it is unset or empty.
    /// - Returns: A positive count.
    /// - Throws: ``LambdaRuntimeError`` with code `invalidConfiguration` when the value is not a positive integer.
    public static func maxConcurrency() throws(LambdaRuntimeError) -> Int {
        try maxConcurrency(Environment.get("AWS_LAMBDA_MAX_CONCURRENCY"))
    }

    static func maxConcurrency(_ value: String?) throws(LambdaRuntimeError) -> Int {
        guard let value = value?.trimmingSpaces, !value.isEmpty else { return 1 }
        guard let count = Int(value), count >= 1 else {
            throw LambdaRuntimeError(
                code: .invalidConfiguration,
                message: "AWS_LAMBDA_MAX_CONCURRENCY must be a positive integer, got '\(value.prefix(32))'")
        }
        return count
    }

    /// Serves invocations with `concurrency` independent pollers, each with its own Runtime API connection:
    /// each long-polls `/next`, answers its invocation (buffered or streamed) and polls again, so one slow,
    /// failing or streaming invocation never holds up another. Each invocation has its own ``LambdaContext``; no
    /// invocation state is process-wide.
    ///
    /// With `concurrency` 1 this is ``run(handler:endpoint:eventLoopGroup:logger:)`` (which also exports
    /// `_X_AMZN_TRACE_ID` per invocation); above 1 the trace header travels only in ``LambdaContext/traceID``,
    /// since changing the environment races with the threads reading it.
    /// - Parameters:
    ///   - handler: Handles each invocation; called concurrently when `concurrency` > 1.
    ///   - endpoint: `host:port` of the Runtime API; `nil` reads `AWS_LAMBDA_RUNTIME_API`.
    ///   - concurrency: How many pollers (``maxConcurrency()``).
    ///   - shutdown: When it drains, the pollers stop taking invocations and this returns once the invocations in
    ///     flight are answered.
    ///   - eventLoopGroup: Where the connections live.
    ///   - logger: The runtime's logger; each context gets a copy tagged with its request id.
    /// - Throws: ``LambdaRuntimeError`` when the runtime must exit (a transport failure or a 500 from any poller
    ///   ends them all), or `CancellationError`. Handler errors never end a poller.
    public static func serve(
        handler: some StreamingLambdaHandler & Sendable,
        endpoint: String? = nil,
        concurrency: Int,
        shutdown: GracefulShutdown? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "LambdaRuntime")
    ) async throws {
        let endpoint = try endpoint ?? runtimeAPIEndpoint()
        defer { shutdown?.finish() }
        guard concurrency > 1 else {
            return try await poll(handler: handler, endpoint: endpoint, exportsTraceID: true, shutdown: shutdown,
                                  eventLoopGroup: eventLoopGroup, logger: logger)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    try await poll(handler: handler, endpoint: endpoint, exportsTraceID: false, shutdown: shutdown,
                                   eventLoopGroup: eventLoopGroup, logger: logger)
                }
            }
            // The first fatal error ends every poller (leaving the group cancels the rest; `waitForAll()` would
            // wait for them first); a drained poller just returns.
            while try await group.next() != nil {}
        }
    }

    /// One poller: its own client and connection, the invocation loop, and its stop hook for a drain.
    private static func poll(
        handler: some StreamingLambdaHandler, endpoint: String, exportsTraceID: Bool, shutdown: GracefulShutdown?,
        eventLoopGroup: any EventLoopGroup, logger: Logger
    ) async throws {
        try await LambdaRuntimeClient.withRuntimeClient(endpoint: endpoint, eventLoopGroup: eventLoopGroup, logger: logger) {
            client in
            let token = await shutdown?.register { await client.stopPolling() }
            defer { if let token { shutdown?.unregister(token) } }
            try await loop(handler: handler, client: client, logger: logger, exportsTraceID: exportsTraceID, shutdown: shutdown)
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
