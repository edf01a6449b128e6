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
    /// What went wrong, with API keys and tokens redacted.
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
        case .badRequest, .contextWindowExceeded, .contentPolicyViolation, .unsupportedParams: 400
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

/// Removes API keys, tokens and the values of secret environment variables from text before it is shown or logged.
public enum Redactor {
    /// Environment variables whose values are credentials.
    static let secretEnvironmentNames = [
        "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "MISTRAL_API_KEY",
        "COHERE_API_KEY", "GROQ_API_KEY", "TOGETHERAI_API_KEY", "HUGGINGFACE_API_KEY", "DEEPSEEK_API_KEY",
        "OPENROUTER_API_KEY", "XAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID",
        "EMBEDCHAT_AUTH_TOKEN",
    ]

    static func isSecretName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["key", "secret", "token", "password", "credential"].contains { lower.contains($0) }
    }

    /// `text` with every given secret, every secret environment variable's value and anything shaped like a key
    /// (`sk-…`, `Bearer …`, AWS access key ids) replaced by `[REDACTED]`.
    public static func redact(_ text: String, secrets: [String] = []) -> String {
        var result = text
        let environment = secretEnvironmentNames.compactMap { name -> String? in
            guard let value = getenv(name) else { return nil }
            return String(cString: value)
        }
        for secret in (secrets + environment) where secret.count >= 6 {
            result = result.replacingOccurrences(of: secret, with: "[REDACTED]")
        }
        return redactPatterns(result)
    }

    private static func redactPatterns(_ text: String) -> String {
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let rest = text[index...]
            if let length = keyLength(rest) {
                output += "[REDACTED]"
                index = text.index(index, offsetBy: length)
            } else {
                output.append(text[index])
                index = text.index(after: index)
            }
        }
        return output
    }

    /// The length of a key-shaped token at the start of `text`, if there is one.
    private static func keyLength(_ text: Substring) -> Int? {
        func run(after prefix: Int, minimum: Int, allowed: (Character) -> Bool) -> Int? {
            let body = text.dropFirst(prefix).prefix { allowed($0) }.count
            return body >= minimum ? prefix + body : nil
        }
        let keyCharacter: (Character) -> Bool = { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        if text.hasPrefix("sk-") || text.hasPrefix("sk_") { return run(after: 3, minimum: 8, allowed: keyCharacter) }
        if text.hasPrefix("Bearer ") { return run(after: 7, minimum: 8, allowed: { keyCharacter($0) || $0 == "." }) }
        if text.hasPrefix("AKIA") || text.hasPrefix("ASIA") {
            return run(after: 4, minimum: 12, allowed: { $0.isUppercase || $0.isNumber })
        }
        return nil
    }
}
