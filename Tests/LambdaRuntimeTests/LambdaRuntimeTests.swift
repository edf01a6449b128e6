import Testing

/// Serialised: the loop sets the process-wide `_X_AMZN_TRACE_ID`, so two loops at once would race on it.
@Suite("LambdaRuntime against the loopback Runtime API", .serialized, .timeLimit(.minutes(2)))
struct LambdaRuntimeTests {}
