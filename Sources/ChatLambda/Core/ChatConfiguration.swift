import Foundation
import LiteLLM
import Logging

/// How HTTP answers leave the function: one response object, or a stream behind the http-integration prelude.
/// The Runtime API never says which mode a Function URL uses, so `EMBEDCHAT_INVOKE_MODE` must match it.
public enum InvokeMode: String, Sendable, Equatable {
    /// `BUFFERED` (the default): every answer is one response.
    case buffered = "BUFFERED"
    /// `RESPONSE_STREAM`: HTTP answers stream with the prelude; direct `"stream": true` invokes stream SSE.
    case responseStream = "RESPONSE_STREAM"
}

/// One model the function serves: the public name callers send, and the server-side litellm call it stands for.
public struct ModelRoute: Sendable, Equatable {
    /// The name callers use (`"model"` of the request, `id` in `/v1/models`).
    public var name: String
    /// The litellm model, e.g. `openai/gpt-4o-mini` or `bedrock/converse/...`.
    public var litellmModel: String
    /// Endpoint, key and other litellm keywords, fixed by the server. The key is resolved from
    /// ``apiKeyEnvironment`` at load time and from ``apiKeySecret`` on first use.
    public var settings: ProviderSettings
    /// `api_key_env`: the environment variable that held the key (already read into ``settings``).
    public var apiKeyEnvironment: String?
    /// `api_key_secret`: the Secrets Manager id the key is read from, once per cold start.
    public var apiKeySecret: String?

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
/// | `EMBEDCHAT_MODELS` | JSON object: public name → `{"model": litellm model, "api_base"?, "api_key_env"?, "api_key_secret"?, other litellm keywords}` | the one `offline` model (litellm `mock_response`), with a warning |
/// | `EMBEDCHAT_INVOKE_MODE` | `BUFFERED` or `RESPONSE_STREAM` | `BUFFERED` |
/// | `EMBEDCHAT_AUTH_TOKEN` | bearer token HTTP requests must carry (401 otherwise) | none |
/// | `EMBEDCHAT_MAX_REQUEST_BYTES` | largest request body (the decoded HTTP body or the direct event); larger → 413 | 1 MiB |
/// | `EMBEDCHAT_MAX_TOKENS` | cap on `max_tokens`/`max_completion_tokens`: a larger ask is **clamped** to it, and a request without either gets `max_tokens` = the cap | no cap |
public struct ChatConfiguration: Sendable {
    /// The served models by public name.
    public var models: [String: ModelRoute]
    /// The invoke mode.
    public var invokeMode: InvokeMode
    /// The bearer token HTTP callers must present, if any.
    public var authToken: String?
    /// The request body cap in bytes.
    public var maxRequestBytes: Int
    /// The `max_tokens` cap, if any.
    public var maxTokens: Int?
    /// Time kept back from the invocation deadline to answer with a timeout error before Lambda kills the call.
    public var deadlineMargin: Duration
    /// True when `EMBEDCHAT_MODELS` was unset or empty and only the offline model is served.
    public var isOfflineOnly: Bool

    /// The default of ``maxRequestBytes``: 1 MiB.
    public static let defaultMaxRequestBytes = 1 << 20
    /// The default of ``deadlineMargin``.
    public static let defaultDeadlineMargin = Duration.milliseconds(500)
    /// The table used when `EMBEDCHAT_MODELS` is unset: `offline`, answered by litellm's `mock_response`.
    public static let offlineModels: [String: ModelRoute] = [
        OfflineMode.model: ModelRoute(name: OfflineMode.model, litellmModel: OfflineMode.litellmModel, settings: .offline()),
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
            configuration.models = try parseModels(modelsText, environment: environment)
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
        return configuration
    }

    /// Keywords a model entry may not carry: the request's own fields, which the caller sends.
    private static let reservedKeywords: Set<String> = ["messages", "stream", "stream_options", "n"]

    static func parseModels(_ text: String, environment: [String: String]) throws(ChatConfigurationError) -> [String: ModelRoute] {
        guard let data = text.data(using: .utf8),
              let table = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else {
            throw ChatConfigurationError(message: "EMBEDCHAT_MODELS is not a JSON object of model entries")
        }
        guard !table.isEmpty else { throw ChatConfigurationError(message: "EMBEDCHAT_MODELS names no model") }
        var routes: [String: ModelRoute] = [:]
        for (name, entry) in table {
            guard !name.isEmpty else { throw ChatConfigurationError(message: "EMBEDCHAT_MODELS has an empty model name") }
            guard var fields = entry.objectValue else {
                throw ChatConfigurationError(message: "EMBEDCHAT_MODELS['\(name)'] is not an object")
            }
            guard let model = fields.removeValue(forKey: "model")?.stringValue, !model.isEmpty else {
                throw ChatConfigurationError(message: "EMBEDCHAT_MODELS['\(name)'] has no \"model\" string")
            }
            if let reserved = fields.keys.first(where: reservedKeywords.contains) {
                throw ChatConfigurationError(message: "EMBEDCHAT_MODELS['\(name)'] sets '\(reserved)', which belongs to the request")
            }
            var route = ModelRoute(name: name, litellmModel: model)
            if let value = fields.removeValue(forKey: "api_base") {
                guard let base = value.stringValue else {
                    throw ChatConfigurationError(message: "EMBEDCHAT_MODELS['\(name)'].api_base is not a string")
                }
                route.settings.apiBase = base
            }
            if let value = fields.removeValue(forKey: "api_key_env") {
                guard let variable = value.stringValue else {
                    throw ChatConfigurationError(message: "EMBEDCHAT_MODELS['\(name)'].api_key_env is not a string")
                }
                guard let key = nonEmpty(environment[variable]) else {
                    throw ChatConfigurationError(message: "EMBEDCHAT_MODELS['\(name)'].api_key_env names \(variable), which is not set")
                }
                route.apiKeyEnvironment = variable
                route.settings.apiKey = key
            }
            if let value = fields.removeValue(forKey: "api_key_secret") {
                guard let secret = value.stringValue, !secret.isEmpty else {
                    throw ChatConfigurationError(message: "EMBEDCHAT_MODELS['\(name)'].api_key_secret is not a secret id")
                }
                guard route.apiKeyEnvironment == nil else {
                    throw ChatConfigurationError(message: "EMBEDCHAT_MODELS['\(name)'] sets both api_key_env and api_key_secret")
                }
                route.apiKeySecret = secret
            }
            if let value = fields.removeValue(forKey: "api_key") {
                guard route.apiKeyEnvironment == nil, route.apiKeySecret == nil, let key = value.stringValue else {
                    throw ChatConfigurationError(message: "EMBEDCHAT_MODELS['\(name)'].api_key conflicts with api_key_env/api_key_secret or is not a string")
                }
                route.settings.apiKey = key
            }
            route.settings.extra = fields
            routes[name] = route
        }
        return routes
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
