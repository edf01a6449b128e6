import Foundation
import PythonEmbed
import Synchronization

/// What starting the client took and found.
public struct LiteLLMStartup: Sendable {
    /// The interpreter's start-up report (home, `sys.path`, version).
    public let interpreter: PythonStartup
    /// litellm's version, from its package metadata.
    public let litellmVersion: String
    /// Seconds `import litellm` took.
    public let importSeconds: Double
    /// Seconds from the start call until the client was ready (interpreter + import).
    public let totalSeconds: Double
}

/// The Swift face of litellm: chat completions (whole and streamed), embeddings and token counts, in-process.
///
/// Calls run as coroutines on one asyncio loop thread (``PythonEventLoop``), so any number can be in flight from any
/// number of tasks, none blocks Swift's cooperative pool, and cancelling the awaiting task cancels the call and
/// closes its upstream connection. litellm is imported once per process.
public final class LiteLLMClient: Sendable {
    /// What start-up took and found.
    public let startup: LiteLLMStartup
    let loop: PythonEventLoop
    private let completeFunction: PythonHandle
    private let streamFunction: PythonHandle
    private let embedFunction: PythonHandle
    private let countTokensFunction: PythonHandle

    private static let shared = Mutex<LiteLLMClient?>(nil)

    /// Starts the interpreter (if needed) and imports litellm, on a thread of its own since that takes seconds.
    /// Later calls return the same client.
    /// - Throws: ``LiteLLMError`` of kind ``LiteLLMError/Kind/setup`` naming what was missing.
    public static func start(_ configuration: PythonSettings = .fromEnvironment()) async throws -> LiteLLMClient {
        if let client = shared.withLock({ $0 }) { return client }
        let result: Result<LiteLLMClient, LiteLLMError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(LiteLLMError) in try startBlocking(configuration) })
            }
            thread.name = "litellm-start"
            thread.start()
        }
        return try result.get()
    }

    /// The blocking form of ``start(_:)``, for a program's init phase.
    public static func startBlocking(_ configuration: PythonSettings = .fromEnvironment()) throws(LiteLLMError)
        -> LiteLLMClient
    {
        do {
            return try shared.withLock { shared in
                if let shared { return shared }
                let client = try LiteLLMClient(configuration)
                shared = client
                return client
            }
        } catch let error as LiteLLMError {
            throw error
        } catch {
            throw LiteLLMError(kind: .setup, message: "\(error)")
        }
    }

    private init(_ configuration: PythonSettings) throws {
        let began = ContinuousClock.now
        let interpreter: PythonStartup
        do {
            interpreter = PythonStartup(try Interpreter.start(configuration.interpreter))
        } catch {
            throw LiteLLMError(kind: .setup, message: error.description)
        }
        PythonError.captureAttributes(["status_code", "llm_provider", "model", "cooldown_time"])
        PydanticConversion.install()
        let version: String, importSeconds: Double
        do {
            (completeFunction, streamFunction, embedFunction, countTokensFunction, version, importSeconds) =
                try Interpreter.withGIL { gil in
                    let glue = try GlueModules.loadClient(gil)
                    try PythonOutput.install(gil)  // after litellm's import, which gives its loggers handlers
                    return (try glue.attribute("complete", gil).handle(gil), try glue.attribute("start_stream", gil).handle(gil),
                            try glue.attribute("embed", gil).handle(gil), try glue.attribute("count_tokens", gil).handle(gil),
                            try glue.attribute("VERSION", gil).toValue(gil).stringValue ?? "unknown",
                            try glue.attribute("IMPORT_SECONDS", gil).toValue(gil).doubleValue ?? 0)
                }
            loop = try PythonEventLoop.shared()
        } catch let error as PythonError {
            let hint = error.isInstance(of: "ModuleNotFoundError")
                ? " (looked in \(configuration.packagePaths.joined(separator: ":")); set EMBEDCHAT_PYTHONPATH or run scripts/setup.sh)"
                : ""
            throw LiteLLMError(kind: .setup, message: "importing litellm failed: \(error.description)\(hint)")
        }
        startup = LiteLLMStartup(interpreter: interpreter, litellmVersion: version, importSeconds: importSeconds,
                                 totalSeconds: (ContinuousClock.now - began).seconds)
    }

    /// The executor of the thread the calls run on. A task that makes calls one after another can run under
    /// `withTaskExecutorPreference(client.executor) { ... }` to skip the two thread hand-offs each call otherwise
    /// costs; see ``PythonEventLoop/executor`` for when that suits.
    public var executor: any TaskExecutor { loop.executor }

    /// Asks for one whole chat completion.
    ///
    /// - Parameters:
    ///   - request: the OpenAI request (`stream` is ignored).
    ///   - settings: where it goes and with which credentials.
    ///   - timeout: an overall deadline for the call; when it passes the call is cancelled and a
    ///     ``LiteLLMError/Kind/timeout`` error thrown.
    /// - Throws: ``LiteLLMError`` (typed from litellm's exception), or `CancellationError`.
    public func complete(_ request: ChatCompletionRequest, settings: ProviderSettings = ProviderSettings(),
                         timeout: Duration? = nil) async throws -> ChatCompletion {
        try settings.checkExtra()
        let arguments = Payload.arguments(request, settings: settings, timeout: timeout)
        return try await call(completeFunction, arguments, settings: settings) { reply, gil throws(LiteLLMError) in
            try ChatCompletion.decodePriced(reply, gil)
        }
    }

    /// Starts a streamed chat completion and returns its chunks once the provider has accepted the request, so
    /// errors before the first chunk (authentication, unknown model) are thrown here.
    ///
    /// Cancelling the consuming task, or dropping the stream, closes the upstream response. A failure midway is
    /// thrown from the stream after the chunks that did arrive.
    public func stream(_ request: ChatCompletionRequest, settings: ProviderSettings = ProviderSettings(),
                       timeout: Duration? = nil) async throws -> ChatCompletionStream {
        try settings.checkExtra()
        let arguments = Payload.arguments(request, settings: settings, timeout: timeout)
        let chunks = try await call(streamFunction, arguments, settings: settings) { [loop] stream, gil in
            try PythonAsyncSequence<ChatCompletionChunk>(stream, loop: loop, gil) { chunk, gil in
                try ChatCompletionChunk.decode(chunk, gil)
            }
        }
        return ChatCompletionStream(chunks: chunks, secrets: settings.secrets)
    }

    /// Embeds texts (`litellm.aembedding`).
    /// - Parameters:
    ///   - request: The texts and the litellm model.
    ///   - settings: Where it goes and with which credentials.
    ///   - timeout: An overall deadline for the call.
    /// - Returns: One vector per input, with usage and litellm's cost when it knows the model's prices.
    /// - Throws: ``LiteLLMError`` (typed from litellm's exception), or `CancellationError`.
    public func embed(_ request: EmbeddingRequest, settings: ProviderSettings = ProviderSettings(),
                      timeout: Duration? = nil) async throws -> EmbeddingResponse {
        try settings.checkExtra()
        let arguments = Payload.arguments(request, settings: settings, timeout: timeout)
        let reply = try await call(embedFunction, arguments, settings: settings) { reply, gil in
            try Payload.embeddingReply(reply.toValue(gil))
        }
        return try Payload.decodeEmbedding(reply)
    }

    /// Counts the prompt tokens of `messages` as `model` would (litellm's `token_counter`, on a worker thread).
    public func countTokens(model: String, messages: [ChatMessage]) async throws -> Int {
        let arguments: PythonValue = ["model": .string(model), "messages": messages.pythonValue]
        do {
            let count = try await PythonWorkerPool.shared.run { [countTokensFunction] gil in
                try countTokensFunction.borrow(gil).call(arguments: [arguments], gil).toValue(gil)
            }
            return count.intValue ?? 0
        } catch let error as PythonError {
            throw LiteLLMError(error, secrets: [])
        }
    }

    /// Runs a glue coroutine and reads its result on the loop thread with `read`.
    /// Secrets are worked out from `settings` only when there is an error to redact: a call that succeeds skips it.
    func call<T: Sendable>(_ function: PythonHandle, _ arguments: PythonValue, settings: ProviderSettings,
                           read: @escaping @Sendable (borrowing PyRef, borrowing GIL) throws -> T) async throws -> T {
        settings.rememberSecrets()  // Python's own log lines about this call are redacted too
        do {
            return try await loop.run({ gil in
                try function.borrow(gil).call(arguments: [arguments], gil)
            }, convert: read)
        } catch let error as PythonError {
            throw LiteLLMError(error, secrets: settings.secrets)
        }
    }
}

/// A streamed chat completion: its chunks in order, then the end or the error that cut it.
public struct ChatCompletionStream: AsyncSequence, Sendable {
    public typealias Element = ChatCompletionChunk
    let chunks: PythonAsyncSequence<ChatCompletionChunk>
    let secrets: [String]
    /// What the stream keeps alive: a Router's stream keeps its Router, whose going takes the Router's callbacks out
    /// of litellm's lists (litellm's failure logging of the stream would otherwise find them gone).
    let owner: (any Sendable)?

    init(chunks: PythonAsyncSequence<ChatCompletionChunk>, secrets: [String], owner: (any Sendable)? = nil) {
        self.chunks = chunks
        self.secrets = secrets
        self.owner = owner
    }

    public func makeAsyncIterator() -> Iterator { Iterator(base: chunks.makeAsyncIterator(), secrets: secrets, owner: owner) }

    /// Closes the upstream response now (dropping the stream does it too).
    public func close() { chunks.close() }

    public struct Iterator: AsyncIteratorProtocol {
        var base: PythonAsyncSequence<ChatCompletionChunk>.Iterator
        let secrets: [String]
        let owner: (any Sendable)?  // held, never read: see ChatCompletionStream.owner

        public mutating func next() async throws -> ChatCompletionChunk? {
            do {
                return try await base.next()
            } catch let error as PythonError {
                throw LiteLLMError(error, secrets: secrets)
            }
        }
    }
}

/// Request arguments and JSON reply decoding.
enum Payload {
    private static let decoder = JSONDecoder()  // holds no per-call state; making one per call costs more than a small reply

    /// The keyword arguments of one call: the request's fields, then the provider settings (which win), then the
    /// deadline the glue enforces.
    static func arguments(_ request: some RequestEncodable, settings: ProviderSettings, timeout: Duration?) -> PythonValue {
        guard case .object(var members) = request.pythonValue else { return request.pythonValue }
        for (name, value) in settings.keywords { members[name] = value.pythonValue }
        if let timeout { members["_deadline"] = .double(timeout.seconds) }
        return .object(members)
    }

    /// The glue's `(JSON bytes, cost)` of an embedding call, as plain values (decoded off the loop thread).
    static func embeddingReply(_ value: PythonValue) throws -> (json: [UInt8], cost: Double?) {
        guard case .array(let pair) = value, pair.count == 2, case .bytes(let bytes) = pair[0] else {
            throw LiteLLMError(kind: .invalidResponse, message: "litellm's embedding reply was not (JSON, cost)")
        }
        return (bytes, pair[1].doubleValue)
    }

    static func decodeEmbedding(_ reply: (json: [UInt8], cost: Double?)) throws -> EmbeddingResponse {
        var response = try decode(EmbeddingResponse.self, from: reply.json)
        response.cost = reply.cost
        response.data.sort { $0.index < $1.index }
        return response
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch {
            throw LiteLLMError(kind: .invalidResponse, message: "litellm's reply did not have the expected shape: \(error)")
        }
    }
}
