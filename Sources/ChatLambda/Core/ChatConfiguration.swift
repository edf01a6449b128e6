public import Foundation
public import LiteLLM
public import Logging

/// How HTTP answers leave the function: one response object, or a stream behind the http-integration prelude.
/// The Runtime API never says which mode a Function URL uses, so `EMBEDCHAT_INVOKE_MODE` must match it.
public enum InvokeMode: String, Sendable, Equatable {
    /// `BUFFERED` (the default): every answer is one response.
    case buffered = "BUFFERED"
    /// `RESPONSE_STREAM`: HTTP answers stream with the prelude; direct `"stream": true` invokes stream SSE.
    case responseStream = "RESPONSE_STREAM"
}

/// One model the function serves: the public name callers send, and the server-side litellm call(s) it stands for.
///
/// A plain entry is one deployment called directly with `litellm.acompletion`. An entry with `deployments` (or with
/// `retries`, `fallbacks` or `cooldown_seconds`) goes through litellm's Router: see ``usesRouter``.
public struct ModelRoute: Sendable, Equatable {
    /// The name callers use (`"model"` of the request, `id` in `/v1/models`).
    public var name: String
    /// The litellm model, e.g. `openai/gpt-4o-mini` or `bedrock/converse/...` (of a plain entry; the first
    /// deployment's for an entry with deployments).
    public var litellmModel: String
    /// Endpoint, key and other litellm keywords, fixed by the server. The key is resolved from
    /// ``apiKeyEnvironment`` at load time and from ``apiKeySecret`` on first use.
    public var settings: ProviderSettings
    /// `api_key_env`: the environment variable that held the key (already read into ``settings``).
    public var apiKeyEnvironment: String?
    /// `api_key_secret`: the Secrets Manager id the key is read from, once per cold start.
    public var apiKeySecret: String?
    /// `deployments`: the deployments behind the name, in the entry's order (their index is what
    /// `x-embedchat-deployment` reports); empty for a plain entry.
    public var deployments: [Deployment] = []
    /// `retries`: retries within the deployments before the fallbacks (default: one per other deployment).
    public var retries: Int?
    /// `fallbacks`: other public names tried in order once the retries are spent.
    public var fallbacks: [String] = []
    /// `cooldown_seconds`: how long a failing deployment stays out of rotation (litellm's default, 5 s, if unset).
    public var cooldownSeconds: Double?
    /// `max_tokens`: this model's cap on `max_tokens`/`max_completion_tokens` (else `EMBEDCHAT_MAX_TOKENS`, else
    /// ``ChatConfiguration/defaultMaxTokens``).
    public var maxTokens: Int?

    /// Creates a route.
    /// - Parameters:
    ///   - name: The public name.
    ///   - litellmModel: The litellm model string.
    ///   - settings: Provider settings.
    ///   - apiKeyEnvironment: The variable the key came from.
    ///   - apiKeySecret: The Secrets Manager id of the key.
    public init(name: String, litellmModel: String, settings: ProviderSettings = ProviderSettings(),
                apiKeyEnvironment: String? = nil, apiKeySecret: String? = nil) {
        self.name = name
        self.litellmModel = litellmModel
        self.settings = settings
        self.apiKeyEnvironment = apiKeyEnvironment
        self.apiKeySecret = apiKeySecret
    }

    /// Whether calls go through litellm's Router (deployments, retries, fallbacks or a cooldown were configured).
    public var usesRouter: Bool { !deployments.isEmpty || retries != nil || !fallbacks.isEmpty || cooldownSeconds != nil }

    /// The deployments the Router gets for this name: the listed ones, or the plain entry as the only one.
    public var routerDeployments: [Deployment] {
        deployments.isEmpty
            ? [Deployment(litellmModel: litellmModel, settings: settings, apiKeyEnvironment: apiKeyEnvironment, apiKeySecret: apiKeySecret)]
            : deployments
    }
}

/// One deployment of a public model: the keys of a plain entry.
public struct Deployment: Sendable, Equatable {
    /// The litellm model.
    public var litellmModel: String
    /// Its settings (routing keys such as `order` and `weight` included).
    public var settings: ProviderSettings
    /// `api_key_env`, already read into ``settings``.
    public var apiKeyEnvironment: String?
    /// `api_key_secret`, read on first use.
    public var apiKeySecret: String?

    /// Creates a deployment.
    public init(litellmModel: String, settings: ProviderSettings = ProviderSettings(), apiKeyEnvironment: String? = nil,
                apiKeySecret: String? = nil) {
        self.litellmModel = litellmModel
        self.settings = settings
        self.apiKeyEnvironment = apiKeyEnvironment
        self.apiKeySecret = apiKeySecret
    }
}

/// A configuration the function cannot run with; reported to `/runtime/init/error`.
public struct ChatConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the variable.
    public let message: String
    /// The message.
    public var description: String { message }
}

/// The chat function's server-side policy, read from the environment (docs/design/contracts.md, "Lambda configuration").
///
/// | variable | meaning | default |
/// |---|---|---|
/// | `EMBEDCHAT_MODELS` | JSON object: public name → `{"model": litellm model, "api_base"?, "api_key_env"?, "api_key_secret"?, "max_tokens"?, supported litellm settings}`, or `{"deployments": [...], "retries"?, "fallbacks"?, "cooldown_seconds"?, "max_tokens"?}` (see ``ModelTable``) | the one `offline` model (litellm `mock_response`), with a warning |
/// | `EMBEDCHAT_INVOKE_MODE` | `BUFFERED` or `RESPONSE_STREAM` | `BUFFERED` |
/// | `EMBEDCHAT_AUTH_TOKEN` | bearer token HTTP requests must carry (401 otherwise) | none |
/// | `EMBEDCHAT_MAX_REQUEST_BYTES` | largest request body (the decoded HTTP body or the direct event); larger → 413 | 1 MiB |
/// | `EMBEDCHAT_MAX_TOKENS` | default cap on `max_tokens`/`max_completion_tokens` for models without their own `max_tokens`: a larger ask is **clamped** to it, and a request without either gets `max_tokens` = the cap | 4096 (``defaultMaxTokens``) |
/// | `EMBEDCHAT_CALLERS` | JSON object: caller name → `{"key_sha256", "models"?, "rpm"?, "tpm"?}` (see ``CallerTable``) | none |
/// | `EMBEDCHAT_CALLERS_SECRET` | a Secrets Manager id holding that JSON, read once at start | none |
/// | `EMBEDCHAT_METRICS` | `0` turns the per-request CloudWatch EMF line off | on |
public struct ChatConfiguration: Sendable {
    /// The served models by public name.
    public var models: [String: ModelRoute]

    /// The `max_tokens` cap that applies to `route`: its own, else `EMBEDCHAT_MAX_TOKENS`, else ``defaultMaxTokens``.
    public func maxTokensCap(for route: ModelRoute) -> Int { route.maxTokens ?? maxTokens ?? Self.defaultMaxTokens }
    /// The invoke mode.
    public var invokeMode: InvokeMode
    /// The bearer token HTTP callers must present, if any.
    public var authToken: String?
    /// The request body cap in bytes.
    public var maxRequestBytes: Int
    /// `EMBEDCHAT_MAX_TOKENS`: the cap for models without their own (``defaultMaxTokens`` if unset).
    public var maxTokens: Int?
    /// `EMBEDCHAT_CALLERS`, parsed; `nil` when unset.
    public var callers: CallerTable?
    /// `EMBEDCHAT_CALLERS_SECRET`: the Secrets Manager id of the callers table.
    public var callersSecret: String?
    /// Whether one EMF metrics line is written per request (`EMBEDCHAT_METRICS`, default on).
    public var metricsEnabled = true
    /// Time kept back from the invocation deadline to answer with a timeout error before Lambda kills the call.
    public var deadlineMargin: Duration
    /// True when `EMBEDCHAT_MODELS` was unset or empty and only the offline model is served.
    public var isOfflineOnly: Bool

    /// The default of ``maxRequestBytes``: 1 MiB.
    public static let defaultMaxRequestBytes = 1 << 20
    /// The `max_tokens` cap of a model without its own `max_tokens` when `EMBEDCHAT_MAX_TOKENS` is unset, so a
    /// request (say `n` = 8 with high reasoning effort) cannot run unbounded.
    public static let defaultMaxTokens = 4096
    /// The default of ``deadlineMargin``.
    public static let defaultDeadlineMargin = Duration.milliseconds(500)
    /// The table used when `EMBEDCHAT_MODELS` is unset: `offline`, answered by litellm's `mock_response`.
    public static let offlineModels: [String: ModelRoute] = [
        OfflineMode.model: ModelRoute(name: OfflineMode.model, litellmModel: OfflineMode.model, settings: .offline()),
    ]

    /// Creates a configuration.
    /// - Parameters:
    ///   - models: The served models.
    ///   - invokeMode: The invoke mode.
    ///   - authToken: The bearer token, if any.
    ///   - maxRequestBytes: The body cap.
    ///   - maxTokens: The `max_tokens` cap.
    ///   - deadlineMargin: Time kept back from the deadline.
    public init(models: [ModelRoute] = Array(offlineModels.values), invokeMode: InvokeMode = .buffered,
                authToken: String? = nil, maxRequestBytes: Int = defaultMaxRequestBytes, maxTokens: Int? = nil,
                deadlineMargin: Duration = defaultDeadlineMargin) {
        self.models = Dictionary(models.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.invokeMode = invokeMode
        self.authToken = authToken
        self.maxRequestBytes = maxRequestBytes
        self.maxTokens = maxTokens
        self.deadlineMargin = deadlineMargin
        self.isOfflineOnly = false
    }

    /// Reads the configuration from the environment.
    /// - Parameters:
    ///   - environment: The variables; the process environment by default.
    ///   - logger: Where the offline-mode warning goes.
    /// - Returns: The configuration; `api_key_env` keys are read now, `api_key_secret` ones on first use.
    /// - Throws: ``ChatConfigurationError`` naming the variable that is wrong.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "ChatLambda")
    ) throws(ChatConfigurationError) -> ChatConfiguration {
        var configuration = ChatConfiguration()
        let modelsText = environment["EMBEDCHAT_MODELS"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if modelsText.isEmpty {
            configuration.models = offlineModels
            configuration.isOfflineOnly = true
            logger.warning("EMBEDCHAT_MODELS is not set: no real model is configured; serving only the 'offline' model, which answers through litellm's mock_response and calls no provider")
        } else {
            configuration.models = try ModelTable.parse(modelsText, environment: environment)
        }
        if let mode = nonEmpty(environment["EMBEDCHAT_INVOKE_MODE"]) {
            guard let parsed = InvokeMode(rawValue: mode.uppercased()) else {
                throw ChatConfigurationError(message: "EMBEDCHAT_INVOKE_MODE must be BUFFERED or RESPONSE_STREAM, not '\(mode)'")
            }
            configuration.invokeMode = parsed
        }
        configuration.authToken = nonEmpty(environment["EMBEDCHAT_AUTH_TOKEN"])
        if let text = nonEmpty(environment["EMBEDCHAT_MAX_REQUEST_BYTES"]) {
            guard let value = Int(text), value > 0 else {
                throw ChatConfigurationError(message: "EMBEDCHAT_MAX_REQUEST_BYTES must be a positive integer, not '\(text)'")
            }
            configuration.maxRequestBytes = value
        }
        if let text = nonEmpty(environment["EMBEDCHAT_MAX_TOKENS"]) {
            guard let value = Int(text), value > 0 else {
                throw ChatConfigurationError(message: "EMBEDCHAT_MAX_TOKENS must be a positive integer, not '\(text)'")
            }
            configuration.maxTokens = value
        }
        if let text = nonEmpty(environment["EMBEDCHAT_CALLERS"]) {
            configuration.callers = try CallerTable.parse(text, source: "EMBEDCHAT_CALLERS", models: configuration.models)
        }
        configuration.callersSecret = nonEmpty(environment["EMBEDCHAT_CALLERS_SECRET"])
        if configuration.callers != nil, configuration.callersSecret != nil {
            throw ChatConfigurationError(message: "EMBEDCHAT_CALLERS and EMBEDCHAT_CALLERS_SECRET are both set; set one")
        }
        configuration.metricsEnabled = environment["EMBEDCHAT_METRICS"] != "0"
        return configuration
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
