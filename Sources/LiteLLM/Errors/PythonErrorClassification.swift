import PythonEmbed

/// How a Python exception becomes a ``LiteLLMError``: by the exception's type hierarchy, most specific first.
extension LiteLLMError {
    /// Classifies a Python exception by its type hierarchy (most specific first) and redacts its message.
    init(_ error: PythonError, secrets: [String]) {
        let kind = Self.classify(error)
        let status = error.attributes["status_code"]?.intValue
        self.init(kind: kind, message: Redactor.redact(error.message, secrets: secrets),
                  statusCode: status ?? kind.defaultStatus,
                  provider: error.attributes["llm_provider"]?.stringValue, model: error.attributes["model"]?.stringValue,
                  pythonType: error.typeName)
        if kind == .deploymentsCoolingDown, let seconds = error.attributes["cooldown_time"]?.doubleValue,
           seconds.isFinite, seconds > 0 {
            retryAfterSeconds = Int(min(seconds.rounded(.up), 86_400))
        }
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
        // litellm's Router with no deployment left to try (a ValueError, not one of litellm's exceptions).
        if error.isInstance(of: "litellm.types.router.RouterRateLimitError")
            || error.isInstance(of: "litellm.types.router.RouterRateLimitErrorBasic") { return .deploymentsCoolingDown }
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
