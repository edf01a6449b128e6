import Foundation
import LiteLLM
import Logging

/// An HTTP request as the chat function sees it, whatever carried it (a Function URL event, API Gateway, the local
/// server).
public struct ChatHTTPRequest: Sendable {
    /// `GET`, `POST`, ...
    public var method: String
    /// The path without the query, e.g. `/v1/chat/completions` (an API Gateway stage prefix is allowed).
    public var path: String
    /// Header values by lower-case name.
    public var headers: [String: String]
    /// The body bytes (already base64-decoded).
    public var body: [UInt8]

    /// Creates a request.
    /// - Parameters:
    ///   - method: The method.
    ///   - path: The path.
    ///   - headers: Headers; names are lower-cased here.
    ///   - body: The body.
    public init(method: String, path: String, headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method.uppercased()
        self.path = path
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.body = body
    }
}

/// A whole HTTP answer.
public struct ChatHTTPResponse: Sendable, Equatable {
    /// The status.
    public var status: Int
    /// Headers by lower-case name.
    public var headers: [String: String]
    /// The body.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer.
    static func json(_ status: Int, _ body: [UInt8]) -> ChatHTTPResponse {
        ChatHTTPResponse(status: status, headers: ["content-type": "application/json"], body: body)
    }

    /// The error's body with its status and headers (and `www-authenticate` on a 401 of our own bearer check).
    public init(_ error: ChatError) {
        self = .json(error.status, error.body)
        headers.merge(error.headers) { _, errors in errors }
        if error.code == "invalid_api_key" { headers["www-authenticate"] = "Bearer" }
    }
}

/// What the chat function answers: a whole response, or a 200 event stream that the transport sends as it comes
/// (or collects, when it cannot stream).
public enum ChatReply: Sendable {
    /// A whole successful response (a completion, the model list).
    case response(ChatHTTPResponse)
    /// An error before anything was sent.
    case failure(ChatError)
    /// A `text/event-stream` of completion chunks; the provider has already accepted the request.
    case eventStream(ChatEventStream)

    /// The reply as one HTTP response, for a failure or a whole response (`nil` for an event stream).
    public var httpResponse: ChatHTTPResponse? {
        switch self {
        case .response(let response): response
        case .failure(let error): ChatHTTPResponse(error)
        case .eventStream: nil
        }
    }

    /// The headers of an event stream answer.
    public static let eventStreamHeaders = ["content-type": "text/event-stream", "cache-control": "no-cache"]
}

/// A streamed completion as OpenAI's server-sent events: `data: {chunk}\n\n` per chunk, then `data: [DONE]\n\n`.
///
/// Iterate it once, with ``send(_:)`` or ``collect()``.
public struct ChatEventStream: Sendable {
    let stream: ChatCompletionStream
    let modelName: String
    let logger: Logger
    let started: ContinuousClock.Instant

    /// The `[DONE]` event.
    public static let done = Array("data: [DONE]\n\n".utf8)

    /// Sends every event through `write`, each as one call.
    ///
    /// A failure after the stream began (the provider cut the stream, the deadline passed) is sent as an SSE error
    /// event (`data: {"error": ...}`, so OpenAI clients raise it) and then thrown as a ``ChatError``, so a Lambda
    /// transport can end the response with the Runtime API's error trailers.
    /// - Parameter write: Sends one event's bytes.
    /// - Throws: ``ChatError`` for a failure of the completion (after its error event was written), or what
    ///   `write` throws.
    public func send(_ write: ([UInt8]) async throws -> Void) async throws {
        var chunks = 0
        var iterator = stream.makeAsyncIterator()
        while true {
            let chunk: ChatCompletionChunk?
            do {
                chunk = try await iterator.next()
            } catch {
                stream.close()
                let failure = ChatError.from(error)
                logger.error("stream failed after it began", metadata: [
                    "model": "\(modelName)", "status": "\(failure.status)", "code": "\(failure.code)",
                    "error": "\(failure.message)", "chunks": "\(chunks)",
                    "detail": "\(Redactor.loggable(failure.detail ?? "-"))",
                ])
                try await write(failure.event)
                throw failure
            }
            guard var chunk else { break }
            chunks += 1
            chunk.model = modelName
            try await write(JSON.sseEvent(try JSON.encode(chunk)))
        }
        try await write(Self.done)
        logger.info("stream answered", metadata: [
            "model": "\(modelName)", "status": "200", "chunks": "\(chunks)",
            "durationMs": "\((ContinuousClock.now - started).milliseconds)",
        ])
    }

    /// Reads the whole stream into one `text/event-stream` body, for transports that cannot stream.
    /// - Returns: The SSE text, or the error that cut the stream (nothing has been sent yet, so the caller can still
    ///   answer with the error's status).
    public func collect() async -> Result<[UInt8], ChatError> {
        var body: [UInt8] = []
        do {
            try await send { body += $0 }
            return .success(body)
        } catch {
            return .failure(ChatError.from(error))
        }
    }
}

/// The chat function itself, independent of transport: an OpenAI request in, a response or an event stream out.
/// ``ChatLambdaHandler`` (Lambda events) and ``LocalServer`` (HTTP on 127.0.0.1) both call it.
///
/// ```swift
/// let service = ChatService(client: try await LiteLLMClient.start(), configuration: try .fromEnvironment())
/// let reply = await service.respond(to: ChatHTTPRequest(method: "GET", path: "/v1/models"), deadline: nil, logger: logger)
/// ```
public final class ChatService: Sendable {
    /// Reads a Secrets Manager secret string by id.
    public typealias SecretReader = @Sendable (String) async throws -> String

    /// The policy.
    public let configuration: ChatConfiguration
    private let client: LiteLLMClient
    private let credentials: CredentialStore

    /// Creates the service.
    /// - Parameters:
    ///   - client: The started litellm client.
    ///   - configuration: The policy.
    ///   - readSecret: How `api_key_secret` values are read (once each per process); Secrets Manager through boto3
    ///     by default.
    public init(client: LiteLLMClient, configuration: ChatConfiguration,
                readSecret: @escaping SecretReader = { try await SecretsManager.secretString(id: $0) }) {
        self.client = client
        self.configuration = configuration
        self.credentials = CredentialStore(readSecret: readSecret)
    }

    /// Reads every model's `api_key_secret` now, so a bad id fails the cold start (init) instead of each request.
    /// Each read is bounded (``SecretsManager``); the keys are kept for the process as on first use.
    /// - Parameter logger: Where each read is logged.
    /// - Throws: ``ChatConfigurationError`` naming the model and the secret id (never a value).
    public func readSecrets(logger: Logger) async throws(ChatConfigurationError) {
        for route in configuration.models.values.sorted(by: { $0.name < $1.name }) {
            guard let secret = route.apiKeySecret else { continue }
            do {
                try await credentials.preload(secret, logger: logger)
            } catch {
                throw ChatConfigurationError(message: "EMBEDCHAT_MODELS['\(route.name)'].api_key_secret could not be read: \(Redactor.redact(String(describing: error)))")
            }
        }
    }

    // MARK: HTTP

    /// Answers an HTTP request: `POST /v1/chat/completions`, `GET /v1/models`, `GET /v1/models/{id}`.
    /// - Parameters:
    ///   - request: The request.
    ///   - deadline: When the answer must be complete (the invocation's deadline); `nil` for no limit of ours.
    ///   - logger: Carries the request id.
    /// - Returns: The reply; never throws (every failure is an error response).
    public func respond(to request: ChatHTTPRequest, deadline: ContinuousClock.Instant?, logger: Logger) async -> ChatReply {
        if let token = configuration.authToken, !Self.isAuthorized(request.headers["authorization"], token: token) {
            return failure(ChatError(status: 401, type: "authentication_error", code: "invalid_api_key",
                                     message: "Missing or invalid bearer token in the Authorization header."),
                           logger: logger, route: "http")
        }
        var path = request.path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/v1/chat/completions") || path == "/chat/completions" {
            guard request.method == "POST" else { return methodNotAllowed(request, allowed: "POST", logger: logger) }
            return await chat(body: request.body, streaming: true, deadline: deadline, logger: logger)
        }
        if path.hasSuffix("/v1/models") || path == "/models" {
            guard request.method == "GET" else { return methodNotAllowed(request, allowed: "GET", logger: logger) }
            logger.info("models listed", metadata: ["status": "200"])
            return .response(.json(200, modelList()))
        }
        if let range = path.range(of: "/v1/models/"), request.method == "GET" {
            let name = String(path[range.upperBound...]).removingPercentEncoding ?? ""
            guard configuration.models[name] != nil else { return failure(.unknownModel(name), logger: logger, route: "models") }
            return .response(.json(200, JSON.bytes(Self.modelObject(name))))
        }
        return failure(ChatError(status: 404, type: "invalid_request_error", code: "not_found",
                                 message: "No route for \(request.method) \(Self.printable(request.path)); this function serves POST /v1/chat/completions and GET /v1/models."),
                       logger: logger, route: "unknown")
    }

    /// Answers a chat completions body (a direct invoke's event, or an HTTP body).
    /// - Parameters:
    ///   - body: The JSON body.
    ///   - streaming: Whether `"stream": true` gets an event stream; if `false` it gets one `chat.completion`.
    ///   - deadline: When the answer must be complete; `nil` for no limit of ours.
    ///   - logger: Carries the request id.
    /// - Returns: A completion, an event stream, or an error response.
    public func chat(body: [UInt8], streaming: Bool, deadline: ContinuousClock.Instant?, logger: Logger) async -> ChatReply {
        let started = ContinuousClock.now
        guard body.count <= configuration.maxRequestBytes else {
            return failure(.requestTooLarge("The request is \(body.count) bytes; this function accepts at most \(configuration.maxRequestBytes)."),
                           logger: logger, route: "chat")
        }
        var request: ChatCompletionRequest
        do {
            request = try RequestValidation.decode(body)
        } catch {
            return failure(error, logger: logger, route: "chat")
        }
        guard let route = configuration.models[request.model] else {
            return failure(.unknownModel(request.model), logger: logger, route: "chat")
        }
        let wantsStream = streaming && request.stream == true
        request.model = route.litellmModel
        clampMaxTokens(&request)
        if !wantsStream {
            request.stream = nil
            request.streamOptions = nil
        }
        var logger = logger
        logger[metadataKey: "model"] = "\(route.name)"
        do {
            var settings = route.settings
            if let secret = route.apiKeySecret { settings.apiKey = try await credentials.key(secret, model: route.name, logger: logger) }
            let timeout = try timeLeft(before: deadline)
            if wantsStream {
                let stream = try await client.stream(request, settings: settings, timeout: timeout)
                return .eventStream(ChatEventStream(stream: stream, modelName: route.name, logger: logger, started: started))
            }
            var completion = try await client.complete(request, settings: settings, timeout: timeout)
            completion.model = route.name
            let body = try JSON.encode(completion)
            logger.info("completion answered", metadata: [
                "status": "200", "durationMs": "\((ContinuousClock.now - started).milliseconds)",
                "promptTokens": "\(completion.usage?.promptTokens ?? 0)",
                "completionTokens": "\(completion.usage?.completionTokens ?? 0)",
                "finishReason": "\(completion.choices.first?.finishReason ?? "-")",
            ])
            return .response(.json(200, body))
        } catch {
            return failure(ChatError.from(error), logger: logger, route: "chat")
        }
    }

    /// The `/v1/models` body.
    public func modelList() -> [UInt8] {
        JSON.bytes(["object": "list", "data": configuration.models.keys.sorted().map(Self.modelObject)])
    }

    // MARK: Policy

    /// The caller's `max_tokens`/`max_completion_tokens` clamped to `EMBEDCHAT_MAX_TOKENS`; without either, the cap
    /// is set as `max_tokens` so it always applies.
    func clampMaxTokens(_ request: inout ChatCompletionRequest) {
        guard let cap = configuration.maxTokens else { return }
        if request.maxTokens == nil, request.maxCompletionTokens == nil {
            request.maxTokens = cap
            return
        }
        if let value = request.maxTokens { request.maxTokens = min(value, cap) }
        if let value = request.maxCompletionTokens { request.maxCompletionTokens = min(value, cap) }
    }

    /// The time left for a model call: up to the deadline minus the margin kept to send a timeout error.
    func timeLeft(before deadline: ContinuousClock.Instant?) throws(ChatError) -> Duration? {
        guard let deadline else { return nil }
        let left = deadline - .now - configuration.deadlineMargin
        guard left > .milliseconds(50) else {
            throw .deadlineExceeded("The invocation's deadline leaves no time to call the model.")
        }
        return left
    }

    /// Compares in constant time, so the token cannot be guessed byte by byte.
    static func isAuthorized(_ header: String?, token: String) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        let given = Array(header.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8)
        let expected = Array(token.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in expected.indices { difference |= expected[index] ^ (index < given.count ? given[index] : 0) }
        return difference == 0
    }

    private static func modelObject(_ name: String) -> [String: Any] {
        ["id": name, "object": "model", "created": 0, "owned_by": "embedchat"]
    }

    private func methodNotAllowed(_ request: ChatHTTPRequest, allowed: String, logger: Logger) -> ChatReply {
        var error = ChatError(status: 405, type: "invalid_request_error", code: "method_not_allowed",
                              message: "\(Self.printable(request.method)) is not allowed here; use \(allowed).")
        error.headers = ["allow": allowed]
        return failure(error, logger: logger, route: "http")
    }

    private func failure(_ error: ChatError, logger: Logger, route: String) -> ChatReply {
        var metadata: Logger.Metadata = ["status": "\(error.status)", "code": "\(error.code)", "route": "\(route)"]
        if let detail = error.detail { metadata["detail"] = "\(Redactor.loggable(detail))" }
        if error.status >= 500 {
            logger.error("request failed: \(Redactor.loggable(error.message))", metadata: metadata)
        } else {
            logger.info("request refused", metadata: metadata)
        }
        return .failure(error)
    }

    /// At most 100 printable ASCII characters of caller-supplied text, for messages.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.prefix(100)))
    }
}

/// `api_key_secret` values, each read once per process (at init, ``ChatService/readSecrets(logger:)``, or on first
/// use) and kept; concurrent first uses share one read. A failed read is not kept here: the next request asks again,
/// and ``SecretsManager`` answers with the remembered failure until its back-off has passed.
actor CredentialStore {
    private let readSecret: ChatService.SecretReader
    private var values: [String: Task<String, any Error>] = [:]

    init(readSecret: @escaping ChatService.SecretReader) { self.readSecret = readSecret }

    /// The key in a secret string: the string itself, or from a JSON object its `api_key` field (else its only
    /// string field), the two shapes the console's "Other type of secret" produces.
    static func apiKey(fromSecret text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{"), let data = trimmed.data(using: .utf8),
              let object = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else { return trimmed }
        if let key = object["api_key"]?.stringValue { return key }
        let strings = object.values.compactMap(\.stringValue)
        return strings.count == 1 ? strings[0] : trimmed
    }

    /// Reads a secret now (at init) and keeps it, or throws the read's own error.
    func preload(_ secretID: String, logger: Logger) async throws {
        let task = values[secretID] ?? Task { [readSecret] in Self.apiKey(fromSecret: try await readSecret(secretID)) }
        values[secretID] = task
        logger.info("reading the model's key from Secrets Manager", metadata: ["secretId": "\(secretID)"])
        do {
            _ = try await task.value
        } catch {
            if values[secretID] == task { values[secretID] = nil }
            throw error
        }
    }

    func key(_ secretID: String, model: String, logger: Logger) async throws(ChatError) -> String {
        let task: Task<String, any Error>
        if let existing = values[secretID] {
            task = existing
        } else {
            let readSecret = readSecret
            task = Task { Self.apiKey(fromSecret: try await readSecret(secretID)) }
            values[secretID] = task
            logger.info("reading the model's key from Secrets Manager", metadata: ["secretId": "\(secretID)"])
        }
        do {
            return try await task.value
        } catch {
            if values[secretID] == task { values[secretID] = nil }
            logger.error("could not read the model's key from Secrets Manager", metadata: [
                "secretId": "\(secretID)", "error": "\(Redactor.redact(String(describing: error)))",
            ])
            throw ChatError(status: 500, type: "api_error", code: "credentials_unavailable",
                            message: "The server could not read the credentials of model '\(model)'.")
        }
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
