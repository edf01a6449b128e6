import Foundation
public import LiteLLM
public import Logging

/// The chat function itself, independent of transport: an OpenAI request in, a response or an event stream out.
/// ``ChatLambdaHandler`` (Lambda events) and ``LocalServer`` (HTTP on 127.0.0.1) both call it.
///
/// Every request is checked against the callers (``CallerGate``), answered through litellm (directly, or through
/// its Router for models with deployments), and ends with one metrics line (``RequestMetrics``).
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
    let client: LiteLLMClient
    let credentials: CredentialStore
    let gate: CallerGate
    let routers: RouterHolder
    private let metrics: MetricsSink?

    /// Creates the service.
    /// - Parameters:
    ///   - client: The started litellm client.
    ///   - configuration: The policy.
    ///   - readSecret: How `api_key_secret` values and `EMBEDCHAT_CALLERS_SECRET` are read (once each per
    ///     process); Secrets Manager through boto3 by default.
    ///   - metrics: Where the per-request EMF lines go (stdout by default; none when
    ///     ``ChatConfiguration/metricsEnabled`` is off).
    public init(client: LiteLLMClient, configuration: ChatConfiguration,
                readSecret: @escaping SecretReader = { try await SecretsManager.secretString(id: $0) },
                metrics: MetricsSink = .standardOutput) {
        self.client = client
        self.configuration = configuration
        self.credentials = CredentialStore(readSecret: readSecret)
        self.gate = CallerGate(configuration: configuration, readSecret: readSecret)
        self.routers = RouterHolder(client: client, models: configuration.models, credentials: credentials,
                                    maxTokens: configuration.models.mapValues(configuration.maxTokensCap))
        self.metrics = configuration.metricsEnabled ? metrics : nil
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

    /// Answers an HTTP request: `POST /v1/chat/completions`, `POST /v1/embeddings`, `GET /v1/models`,
    /// `GET /v1/models/{id}`.
    /// - Parameters:
    ///   - request: The request.
    ///   - deadline: When the answer must be complete (the invocation's deadline); `nil` for no limit of ours.
    ///   - logger: Carries the request id.
    /// - Returns: The reply; never throws (every failure is an error response).
    public func respond(to request: ChatHTTPRequest, deadline: ContinuousClock.Instant?, logger: Logger) async -> ChatReply {
        var record = RequestMetrics(route: "http")
        let caller: Caller
        switch await gate.authenticate(request.headers["authorization"], logger: logger) {
        case .success(let found): caller = found
        case .failure(let error): return finish(failure(error, logger: logger, route: "http"), record)
        }
        record.caller = caller.name
        var path = request.path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/v1/chat/completions") || path == "/chat/completions" {
            guard request.method == "POST" else { return finish(methodNotAllowed(request, allowed: "POST", logger: logger), record) }
            return await chat(body: request.body, streaming: true, caller: caller, record: record, deadline: deadline, logger: logger)
        }
        if path.hasSuffix("/v1/embeddings") || path == "/embeddings" {
            guard request.method == "POST" else { return finish(methodNotAllowed(request, allowed: "POST", logger: logger), record) }
            return await embeddings(body: request.body, caller: caller, record: record, deadline: deadline, logger: logger)
        }
        record.route = "models"
        if path.hasSuffix("/v1/models") || path == "/models" {
            guard request.method == "GET" else { return finish(methodNotAllowed(request, allowed: "GET", logger: logger), record) }
            logger.info("models listed", metadata: ["status": "200", "caller": "\(caller.name)"])
            return finish(.response(.json(200, modelList(for: caller))), record)
        }
        if let range = path.range(of: "/v1/models/"), request.method == "GET" {
            let name = String(path[range.upperBound...]).removingPercentEncoding ?? ""
            guard configuration.models[name] != nil, caller.mayUse(name) else {
                return finish(failure(.unknownModel(name), logger: logger, route: "models"), record)
            }
            return finish(.response(.json(200, JSON.bytes(Self.modelObject(name)))), record)
        }
        record.route = "http"
        return finish(failure(ChatError(status: 404, type: "invalid_request_error", code: "not_found",
                                        message: "No route for \(request.method) \(Self.printable(request.path)); this function serves POST /v1/chat/completions, POST /v1/embeddings and GET /v1/models."),
                              logger: logger, route: "unknown"), record)
    }

    /// Answers a direct invoke's event: an embeddings request (an `"input"` and no `"messages"`) or a chat
    /// completions request.
    /// - Parameters:
    ///   - body: The event.
    ///   - streaming: Whether `"stream": true` chat requests get an event stream.
    ///   - deadline: When the answer must be complete.
    ///   - logger: Carries the request id.
    /// - Returns: The answer, an event stream, or an error.
    public func invoke(body: [UInt8], streaming: Bool, deadline: ContinuousClock.Instant?, logger: Logger) async -> ChatReply {
        var record = RequestMetrics(route: "chat")
        record.caller = Caller.direct.name
        if EmbeddingValidation.isEmbeddingsBody(body) {
            return await embeddings(body: body, caller: .direct, record: record, deadline: deadline, logger: logger)
        }
        return await chat(body: body, streaming: streaming, caller: .direct, record: record, deadline: deadline, logger: logger)
    }

    /// Answers a chat completions body as a direct invoke (no caller checks).
    /// - Parameters:
    ///   - body: The JSON body.
    ///   - streaming: Whether `"stream": true` gets an event stream; if `false` it gets one `chat.completion`.
    ///   - deadline: When the answer must be complete; `nil` for no limit of ours.
    ///   - logger: Carries the request id.
    /// - Returns: A completion, an event stream, or an error response.
    public func chat(body: [UInt8], streaming: Bool, deadline: ContinuousClock.Instant?, logger: Logger) async -> ChatReply {
        var record = RequestMetrics(route: "chat")
        record.caller = Caller.direct.name
        return await chat(body: body, streaming: streaming, caller: .direct, record: record, deadline: deadline, logger: logger)
    }

    /// The `/v1/models` body: every served model.
    public func modelList() -> [UInt8] { modelList(for: .anonymous) }

    func modelList(for caller: Caller) -> [UInt8] {
        JSON.bytes(["object": "list", "data": configuration.models.keys.sorted().filter(caller.mayUse).map(Self.modelObject)])
    }

    // MARK: Shared steps

    /// Ends a request that answered at once: its metrics line, with the reply's status.
    func finish(_ reply: ChatReply, _ record: RequestMetrics) -> ChatReply {
        var record = record
        switch reply {
        case .failure(let error): record.status = error.status
        case .response(let response): record.status = response.status
        case .eventStream: return reply  // its line is written when it ends
        }
        emit(record)
        return reply
    }

    func emit(_ record: RequestMetrics) { metrics?.emit(record) }

    /// The gateway's own response headers: the time outside the provider call so far, and for a routed model the
    /// deployment that answered (its index, or `<fallback model>#<index>` when a fallback model answered).
    func gatewayHeaders(_ record: RequestMetrics) -> [String: String] {
        var headers = ["x-embedchat-overhead-ms": String(format: "%.3f", RequestMetrics.milliseconds(record.overhead()))]
        if let deployment = record.deployment { headers["x-embedchat-deployment"] = deployment }
        return headers
    }

    /// `record.deployment` from the Router's answer: the index, prefixed with the model's name when a fallback
    /// model answered.
    static func deploymentLabel(_ id: String?, route: ModelRoute) -> String? {
        guard let parsed = DeploymentID.parse(id) else { return nil }
        return parsed.model == route.name ? "\(parsed.index)" : "\(parsed.model)#\(parsed.index)"
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

    /// The settings of a plain entry, its `api_key_secret` key read (once per process).
    func settings(of route: ModelRoute, logger: Logger) async throws -> ProviderSettings {
        var settings = route.settings
        if let secret = route.apiKeySecret { settings.apiKey = try await credentials.key(secret, model: route.name, logger: logger) }
        return settings
    }

    static func modelObject(_ name: String) -> [String: Any] {
        ["id": name, "object": "model", "created": 0, "owned_by": "embedchat"]
    }

    private func methodNotAllowed(_ request: ChatHTTPRequest, allowed: String, logger: Logger) -> ChatReply {
        var error = ChatError(status: 405, type: "invalid_request_error", code: "method_not_allowed",
                              message: "\(Self.printable(request.method)) is not allowed here; use \(allowed).")
        error.headers = ["allow": allowed]
        return failure(error, logger: logger, route: "http")
    }

    func failure(_ error: ChatError, logger: Logger, route: String) -> ChatReply {
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
