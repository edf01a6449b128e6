import Foundation
import PythonEmbed

/// A failed litellm call, typed from `litellm.exceptions`, with secrets removed from every text.
public struct LiteLLMError: Error, Sendable, CustomStringConvertible {
    /// The class of failure. A struct, not an enum, so kinds can be added without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let badRequest = Kind("bad_request")
        public static let contextWindowExceeded = Kind("context_window_exceeded")
        public static let contentPolicyViolation = Kind("content_policy_violation")
        public static let unsupportedParams = Kind("unsupported_params")
        public static let authentication = Kind("authentication")
        public static let permissionDenied = Kind("permission_denied")
        public static let notFound = Kind("not_found")
        public static let timeout = Kind("timeout")
        public static let unprocessableEntity = Kind("unprocessable_entity")
        public static let rateLimit = Kind("rate_limit")
        public static let apiConnection = Kind("api_connection")
        public static let internalServer = Kind("internal_server")
        public static let serviceUnavailable = Kind("service_unavailable")
        /// The reply could not be read (an unexpected shape from litellm).
        public static let invalidResponse = Kind("invalid_response")
        /// An image URL of the request was refused or could not be fetched (ImageFetch.swift); the message names
        /// the part and the reason, never the URL.
        public static let imageFetch = Kind("image_fetch")
        /// Python or litellm could not start.
        public static let setup = Kind("setup")
        public static let other = Kind("other")
    }

    public let kind: Kind
    /// The HTTP status litellm reported (or the one that belongs to the kind).
    public let statusCode: Int?
    /// litellm's provider name, e.g. `openai`, `anthropic`, `bedrock`.
    public let provider: String?
    public let model: String?
    /// What went wrong, in litellm's and the provider's words, with every secret redacted (``Redactor``). For the
    /// key's owner and the log; a server answers its callers with ``callerMessage``.
    public let message: String
    /// The Python exception's qualified type, e.g. `litellm.exceptions.RateLimitError`.
    public let pythonType: String?

    public init(kind: Kind, message: String, statusCode: Int? = nil, provider: String? = nil, model: String? = nil,
                pythonType: String? = nil) {
        self.kind = kind
        self.message = message
        self.statusCode = statusCode ?? kind.defaultStatus
        self.provider = provider
        self.model = model
        self.pythonType = pythonType
    }

    /// What went wrong without the provider's or litellm's words (which may quote the request, the endpoint or a
    /// credential): the kind of failure, the provider's status and the error's type, for a caller who is not the
    /// key's owner.
    public var callerMessage: String {
        let what: String = switch kind {
        case .badRequest: "The model provider refused the request as invalid."
        case .contextWindowExceeded: "The messages exceed the model's context window."
        case .contentPolicyViolation: "The model provider refused the request under its content policy."
        case .unsupportedParams: "The model does not support a parameter of this request."
        case .authentication: "The model provider did not accept the server's credentials."
        case .permissionDenied: "The model provider denied access to the model."
        case .notFound: "The model provider does not know the model or route."
        case .timeout: "The model did not answer in time."
        case .unprocessableEntity: "The model provider could not process the request."
        case .rateLimit: "The model provider's rate limit was reached; retry later."
        case .apiConnection: "The model provider could not be reached."
        case .serviceUnavailable: "The model provider is unavailable; retry later."
        case .internalServer: "The model provider failed to answer."
        case .invalidResponse: "The model provider's reply could not be read."
        case .imageFetch: message  // our own words: the part and the reason, never the URL
        default: "The model call failed."
        }
        var facts = ["type \(kind)"]
        // A timeout's 408 is ours (a gateway answers it as 504), not the provider's.
        if let statusCode, kind != .timeout { facts.insert("status \(statusCode)", at: 0) }
        if let provider, !provider.isEmpty, provider != "embedchat" { facts.insert(provider, at: 0) }
        return "\(what) (\(facts.joined(separator: ", ")))"
    }

    public var description: String {
        var text = "\(kind)"
        if let statusCode { text += " (\(statusCode))" }
        return text + ": " + message
    }

    /// Classifies a Python exception by its type hierarchy (most specific first) and redacts its message.
    init(_ error: PythonError, secrets: [String]) {
        let kind = Self.classify(error)
        let status = error.attributes["status_code"]?.intValue
        self.init(kind: kind, message: Redactor.redact(error.message, secrets: secrets),
                  statusCode: status ?? kind.defaultStatus,
                  provider: error.attributes["llm_provider"]?.stringValue, model: error.attributes["model"]?.stringValue,
                  pythonType: error.typeName)
    }

    private static let classes: [(String, Kind)] = [
        ("ContextWindowExceededError", .contextWindowExceeded),
        ("ContentPolicyViolationError", .contentPolicyViolation),
        ("UnsupportedParamsError", .unsupportedParams),
        ("BadRequestError", .badRequest),
        ("AuthenticationError", .authentication),
        ("PermissionDeniedError", .permissionDenied),
        ("NotFoundError", .notFound),
        ("Timeout", .timeout),
        ("UnprocessableEntityError", .unprocessableEntity),
        ("RateLimitError", .rateLimit),
        ("ServiceUnavailableError", .serviceUnavailable),
        ("InternalServerError", .internalServer),
        ("APIResponseValidationError", .invalidResponse),
        ("APIConnectionError", .apiConnection),
    ]

    private static func classify(_ error: PythonError) -> Kind {
        if error.isInstance(of: "_embedchat_images.ImageFetchError") { return .imageFetch }
        for (name, kind) in classes where error.isInstance(of: "litellm.exceptions.\(name)") { return kind }
        if error.isInstance(of: "litellm.exceptions.APIError"), let status = error.attributes["status_code"]?.intValue {
            return kindForStatus(status)
        }
        // Not mapped by litellm: transport timeouts and our own deadline.
        if error.typeHierarchy.contains(where: { $0.hasSuffix("TimeoutException") || $0 == "TimeoutError" }) { return .timeout }
        if error.typeHierarchy.contains(where: { $0.hasPrefix("httpx.") || $0.hasPrefix("aiohttp.") }) { return .apiConnection }
        if error.isInstance(of: "litellm.exceptions.APIError") { return .internalServer }
        return .other
    }

    static func kindForStatus(_ status: Int) -> Kind {
        switch status {
        case 400: .badRequest
        case 401: .authentication
        case 403: .permissionDenied
        case 404: .notFound
        case 408, 504: .timeout
        case 422: .unprocessableEntity
        case 429: .rateLimit
        case 503: .serviceUnavailable
        case 500..<600: .internalServer
        default: .other
        }
    }
}

extension LiteLLMError.Kind {
    /// The HTTP status a server answers with for this kind (a timeout is 408 here; a gateway maps it to 504).
    public var defaultStatus: Int? {
        switch self {
        case .badRequest, .contextWindowExceeded, .contentPolicyViolation, .unsupportedParams, .imageFetch: 400
        case .authentication: 401
        case .permissionDenied: 403
        case .notFound: 404
        case .timeout: 408
        case .unprocessableEntity: 422
        case .rateLimit: 429
        case .serviceUnavailable: 503
        case .internalServer, .apiConnection, .invalidResponse, .setup, .other: 500
        default: nil
        }
    }
}
