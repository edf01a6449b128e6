public import NIOCore
import NIOHTTP1
public import NIOPosix  // the default event loop group of `start`
import TestSupport

/// A loopback HTTP/1.1 server that speaks the wire protocols of the LLM providers litellm calls, so that tests
/// drive litellm's real HTTP path: the OpenAI chat completions, embeddings and models API, Anthropic Messages,
/// and Bedrock Runtime Converse.
///
/// ```swift
/// let server = try await FakeProviderServer.start()
/// // litellm.completion(model="openai/echo", api_base=server.openAIBase, api_key="sk-fake", ...)
/// try await server.shutdown()
/// ```
///
/// ## Endpoints
/// | Request | Protocol | Point litellm at it with |
/// |---|---|---|
/// | `POST /v1/chat/completions` | OpenAI chat completions, JSON or SSE (`"stream": true`, honours `stream_options.include_usage`) | `model="openai/<scenario>"`, `api_base=openAIBase`, any `api_key` |
/// | `POST /v1/embeddings` | OpenAI embeddings (float list, or `encoding_format: "base64"` float32) | `litellm.embedding(model="openai/<scenario>", api_base=openAIBase, ...)` |
/// | `GET /v1/models` | OpenAI model list (some scenario names) | |
/// | `POST /v1/messages` | Anthropic Messages, JSON or SSE | `model="anthropic/<scenario>"`, `api_base=anthropicBase`, any `api_key` |
/// | `POST /model/{id}/converse`, `/converse-stream` | Bedrock Converse, JSON or AWS event stream | `model="bedrock/converse/<scenario>"`, `aws_bedrock_runtime_endpoint=bedrockEndpoint`, fake `aws_access_key_id`, `aws_secret_access_key`, `aws_region_name` |
/// | `POST /` with `x-amz-target: secretsmanager.GetSecretValue` | Secrets Manager (SecretsManagerWire.swift: `missing/…`, `denied/…`, `hang/…`) | `AWS_ENDPOINT_URL_SECRETS_MANAGER=secretsManagerEndpoint`, fake credentials |
/// | `GET /_fake/image/<kind>` | an image host: `png`, `redirect?to=`, `hang`, `endless`, `text`, `status-N` (ImageHost.swift) | `imageBase` |
/// | `GET /health` | `ok` | |
/// | `GET /_fake/stats` | `{"open_connections", "total_connections", "requests", "requests_in_flight", "most_requests_in_flight"}` (the asking connection is not counted as open) | for clients of the `fake-provider` executable |
/// | `GET /_fake/requests` | the recorded requests as JSON (`method`, `path`, `headers` as pairs, `body` text, `model`, ...) | |
/// | `POST /_fake/reset` | forgets recorded requests and `fail-first` counters | |
///
/// The `/_fake/` requests are not recorded.
///
/// Bedrock requests without a SigV4 `Authorization` header (one starting `AWS4-HMAC-SHA256 Credential=`) are
/// refused with 403 `MissingAuthenticationTokenException`; the signature itself is not checked.
///
/// ## Scenario grammar
/// The scenario is read from the model name the client sends (litellm strips the `openai/`, `anthropic/` and
/// `bedrock/converse/` prefixes; for Bedrock it is the percent-decoded model id in the URL path).
/// The name is one or more *directives* joined by `+`, e.g. `delay-200+tools-2` or `slow-stream-20-50+unicode`.
/// Matching is case-insensitive and whole-directive; directives that match nothing are ignored, so any ordinary
/// name (`gpt-4o`) means `echo`. N, K and MS are non-negative decimal integers (chunk counts are capped at 100000,
/// times at one hour).
///
/// What the reply says:
/// - `echo` (the default): `"echo: " + <text of the last user message>` (content parts joined with spaces).
/// - `transcript`: `"transcript: "` + every message as `role: text`, joined with `" | "` (system prompts included),
///   so multi-turn memory can be checked from the reply.
/// - `unicode`: the text ``unicodeReply`` (accents, CJK, emoji, a ZWJ sequence, a 4-byte symbol). When streamed,
///   every event that holds a multi-byte character is written in two TCP writes 15 ms apart, cut inside that
///   character.
/// - `long-N`: N content chunks `tok0`, ` tok1`, ... ` tok{N-1}` (a non-streamed reply holds the same text).
/// - `tools` / `tools-N`: N tool calls (1 to 16). Call i uses tool `i % tools.count` of the request's tools
///   (`get_weather` if it sent none) with arguments `{"<first schema property, or input>": "<last user text>"}`
///   and id `call_fake_i` (Anthropic `toolu_fake_i`, Bedrock `tooluse_fake_i`); finish reason `tool_calls`
///   (`tool_use`). Streamed as OpenAI does: per call one fragment with index, id, name and empty arguments, then
///   the arguments in about three pieces. litellm sends Bedrock tools only for model ids it believes support
///   them, so put a known family first: `bedrock/converse/amazon.nova-fake+tools` (`amazon.nova-fake` is an
///   ignored directive).
/// - Whatever the directive, a conversation that ends with a tool result gets the text reply
///   `"tool result: " + <its content>` and finish reason `stop`, so a tool loop ends.
/// - `json-fit`, `json-break`, `json-missing`, `json-prose` (OpenAI only): the reply is JSON built from the request's
///   `response_format` json_schema (a request without one gets a 400 naming what is missing). `json-fit`: a value
///   that fits (the first enum value, `"sample"`, 7, 1.5, true, one array item, every property, those `required` lists in its order first);
///   `json-break`: the same with its last leaf (last property of each object, first item of each array) of a wrong
///   type; `json-missing`: without the first property of the top-level `required`; `json-prose`: the fitting JSON
///   wrapped in prose.
/// - `tool-rounds-N` (OpenAI only): a tool call (the request's first tool, arguments as for `tools`, id
///   `call_round_K`) while fewer than N tool results are in the conversation, then the text
///   `"tool results: " + <every result, joined with " | ">`. Every tool message must answer a call of the
///   assistant message before it, and every call must get one, else the request gets a 400 naming the message.
///   With a `json-*` directive too, the final answer is that directive's JSON.
/// - `finish-length`: finish reason `length` (`max_tokens`).
/// - `cached-N`, `reasoning-N`: usage reports N cached prompt tokens / N reasoning tokens (added to the
///   completion tokens). Default 0.
/// - `dim-N`: embedding dimension (else the request's `dimensions`, else 8).
///
/// Usage: prompt tokens = Σ over messages (whitespace-separated words + 4); completion tokens = words of the
/// reply (+ 10 + argument words per tool call), at least 1; total = the sum. OpenAI usage carries
/// `prompt_tokens_details.cached_tokens` and `completion_tokens_details.reasoning_tokens`; Anthropic
/// `input_tokens`/`output_tokens` (+ `cache_read_input_tokens`); Bedrock `inputTokens`/`outputTokens`/`totalTokens`.
///
/// Timing:
/// - `delay-MS`: wait MS milliseconds before the status line (errors included).
/// - `chunk-delay-MS`: wait MS before each streamed event.
/// - `slow-stream-N-MS`: `long-N` + `chunk-delay-MS`.
/// - `hang`: never answer; the connection stays open until the client closes it.
/// - `held`: hold the answer until the test calls ``releaseHeldAnswers()``: it holds a turn for exactly as long as
///   the test needs, where a `delay-MS` would end on its own on a machine slower than the test expected.
/// - `gate-N`: hold the answer until N requests are in flight at the server at once (see ``requestsInFlight``),
///   then let every request that was in flight then go (even one whose answer reaches the gate only after the first
///   have finished), or until two minutes have passed (counted in ``gateLimitsReached``); a test of overlap then
///   checks ``mostRequestsInFlight`` or ``gateLimitsReached`` instead of the wall clock.
///
/// Errors (each in the provider's own error shape and with its status):
/// - `status-NNN` for NNN in 400...599, optionally followed by kind words: `status-400-context` (context-length
///   message), `status-400-policy` (content-policy message), `-retry` (see below). OpenAI errors carry
///   `x-should-retry: false` so the OpenAI SDK gives up at once; with `-retry` they carry `retry-after-ms: 20`
///   instead, so the SDK's own retries are quick.
/// - `fail-first-K` / `fail-first-K-NNN`: the first K requests with this exact model name (on this path) fail
///   with NNN (default 503, retryable), later ones succeed. Counters live as long as the server (see
///   ``resetScenarioCounters()``).
///
/// Faults (for streams they count *events*, all of them: the role chunk, content and tool fragments, the finish
/// chunk, the usage chunk and `[DONE]` for OpenAI; every SSE event for Anthropic; every event-stream message for
/// Bedrock):
/// - `reset-after-K`: write K events, pause 50 ms, then reset the TCP connection (SO_LINGER 0, an RST).
///   `reset` is `reset-after-0`. A non-streamed request is reset without an answer.
/// - `malformed-after-K`: write K events, then one that is not valid JSON (Bedrock: a message with a bad CRC),
///   then end the stream. `malformed` is `malformed-after-1`. A non-streamed request gets a 200 with a truncated
///   JSON body.
/// - `stall-after-K`: write K events, then nothing (connection kept open).
/// - `sse-error-after-K`: write K events, then an error event (`data: {"error": {...}}` for OpenAI, an Anthropic
///   `event: error` overloaded_error, a Bedrock `modelStreamErrorException` exception message), then end.
///
/// Unknown paths get a 404; a body that is not JSON gets a 400 in the provider's shape; bodies over 64 MiB get a
/// 413. Malformed HTTP gets a 400 and the connection is closed; the server itself never stops on odd input.
public final class FakeProviderServer: Sendable {
    /// The reply text of the `unicode` scenario.
    public static let unicodeReply = "unicode: héllo wörld — 你好，世界 🌍🚀 こんにちは 👩‍👩‍👧 𝄞 ñ"

    /// The port the server listens on (127.0.0.1).
    public let port: Int

    private let channel: any Channel
    private let state: ServerState

    private init(channel: any Channel, port: Int, state: ServerState) {
        self.channel = channel
        self.port = port
        self.state = state
    }

    /// Starts a server on 127.0.0.1.
    /// - Parameters:
    ///   - port: The port to listen on; 0 (the default) picks a free one (read it back from ``port``).
    ///   - eventLoopGroup: The event loops that serve connections; NIO's shared singleton group by default, so
    ///     starting a server creates no threads once that group exists.
    /// - Returns: The running server. Call ``shutdown()`` when done.
    /// - Throws: NIO's error when the port cannot be bound.
    public static func start(
        port: Int = 0,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> FakeProviderServer {
        let state = ServerState()
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let number = state.connectionOpened(channel)
                channel.closeFuture.whenComplete { _ in state.connectionClosed(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(FakeHTTPHandler(state: state, connectionNumber: number))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        let boundPort = channel.localAddress?.port ?? port
        return FakeProviderServer(channel: channel, port: boundPort, state: state)
    }

    /// Runs `body` with a started server and shuts the server down afterwards, also when `body` throws.
    /// Don't let the server escape `body`.
    /// - Parameters:
    ///   - port: The port to listen on; 0 picks a free one.
    ///   - body: The code that uses the server.
    /// - Returns: What `body` returns.
    /// - Throws: What ``start(port:eventLoopGroup:)`` or `body` throws.
    public static func withServer<R: Sendable>(
        port: Int = 0,
        _ body: (FakeProviderServer) async throws -> R
    ) async throws -> R {
        let server = try await start(port: port)
        do {
            let result = try await body(server)
            try await server.shutdown()
            return result
        } catch {
            try? await server.shutdown()
            throw error
        }
    }

    /// `http://127.0.0.1:PORT/v1`: litellm's `api_base` for `openai/...` models.
    public var openAIBase: String { "http://127.0.0.1:\(port)/v1" }
    /// The image host's base: `\(imageBase)/png`, `/redirect?to=...`, `/hang`, `/endless` (ImageHost.swift).
    public var imageBase: String { "http://127.0.0.1:\(port)/_fake/image" }

    /// `http://127.0.0.1:PORT`: litellm's `api_base` for `anthropic/...` models (litellm appends `/v1/messages`).
    public var anthropicBase: String { "http://127.0.0.1:\(port)" }

    /// `http://127.0.0.1:PORT`: litellm's `aws_bedrock_runtime_endpoint` for `bedrock/converse/...` models.
    public var bedrockEndpoint: String { "http://127.0.0.1:\(port)" }
    /// The Secrets Manager endpoint (`AWS_ENDPOINT_URL_SECRETS_MANAGER`); see SecretsManagerWire.swift.
    public var secretsManagerEndpoint: String { "http://127.0.0.1:\(port)" }
    /// The key the fake Secrets Manager holds in secret `id` (as `{"api_key": key}`).
    public static func secretKey(forSecret id: String) -> String { SecretsManagerWire.key(forSecret: id) }

    /// Every request received so far, in arrival order (a request is recorded once its body is complete,
    /// before the response starts).
    public var recordedRequests: [RecordedRequest] { state.recorded }

    /// Forgets the recorded requests.
    public func clearRecordedRequests() { state.clearRecorded() }

    /// Lets every `held` answer go on, those waiting now and any asked for later.
    public func releaseHeldAnswers() { state.releaseHeldAnswers() }

    /// Resets the per-model counters of the `fail-first-K` scenarios.
    public func resetScenarioCounters() { state.resetCounters() }

    /// The number of client TCP connections open right now. A connection counts as closed once the server's side
    /// of it is closed (after the client closed or reset it, or the server ended it).
    public var openConnections: Int { state.openConnectionCount }

    /// The number of requests being answered right now: counted from when a request's body is complete until its
    /// answer ends or its connection closes (a `hang`, `stall-after` or `reset-after` answer counts until then).
    public var requestsInFlight: Int { state.requestsInFlight }

    /// The most requests that were in flight at one moment since the server started (or since
    /// ``resetMostRequestsInFlight()``): how many really overlapped, whatever the wall clock says.
    public var mostRequestsInFlight: Int { state.mostRequestsInFlight }

    /// Starts ``mostRequestsInFlight`` again from the requests in flight now.
    public func resetMostRequestsInFlight() { state.resetMostRequestsInFlight() }

    /// How many `gate-N` answers went on because the gate's two minutes ran out, not because N requests were in
    /// flight together: 0 after a round of N calls says they all overlapped at the server.
    public var gateLimitsReached: Int { state.gateLimitsReachedCount }

    /// The number of client TCP connections accepted since the server started.
    public var totalConnections: Int { state.totalConnectionCount }

    /// Returns once ``openConnections`` equals `count`: at once if it does, else at the accept or close that makes it
    /// so. Nothing is polled and no clock is read; a test bounds the wait with its time limit (`.timeLimit`), which
    /// cancels it.
    /// - Parameter count: The number of open connections to wait for, often 0.
    /// - Throws: `CancellationError` if the task is cancelled first.
    public func untilOpenConnections(_ count: Int) async throws {
        try await state.untilOpenConnections(count)
    }

    /// Waits until ``openConnections`` equals `count` or `timeout` passes, for callers without a time limit of their
    /// own (the `fake-provider --self-check` binary). Tests use ``untilOpenConnections(_:)``.
    /// - Parameters:
    ///   - count: The number of open connections to wait for.
    ///   - timeout: How long to wait at most.
    /// - Returns: `true` if the count was reached, `false` on timeout or cancellation.
    public func waitForOpenConnections(_ count: Int, timeout: Duration) async -> Bool {
        await value(of: { (try? await self.untilOpenConnections(count)).map { true } }, within: timeout) ?? false
    }

    /// Stops listening and closes every open connection. Calling it twice is harmless.
    /// - Throws: Nothing in practice; errors from closing already closed channels are ignored.
    public func shutdown() async throws {
        try? await channel.close()
        for child in state.openChannels {
            try? await child.close()
        }
    }

    /// The embedding vector the fake returns for `text`: `dimensions` values in [-1, 1], multiples of 1/1024
    /// (exact in float32), from an FNV-1a hash of the text and the index.
    /// - Parameters:
    ///   - text: One input string (token-id inputs are the ids joined with spaces).
    ///   - dimensions: The vector length.
    /// - Returns: The vector.
    public static func embedding(for text: String, dimensions: Int) -> [Float] {
        (0..<dimensions).map { j in
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            for b in withUnsafeBytes(of: UInt32(j).littleEndian, Array.init) { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            h ^= h >> 29
            return Float(Int(h % 2049) - 1024) / 1024
        }
    }
}
