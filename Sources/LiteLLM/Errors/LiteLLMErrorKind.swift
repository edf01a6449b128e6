extension LiteLLMError {
    /// The class of failure. A struct, not an enum, so kinds can be added without breaking callers.
    ///
    /// Each kind is declared once, with everything that depends on it: its HTTP status, how a server answers its
    /// own caller for it (status, OpenAI error type and code), the words for a caller who is not the key's owner and
    /// the short words of a one-line report. ChatLambda's error bodies and the CLI's error lines read them here, so
    /// the mapping lives in one place.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        /// The stable name, e.g. `rate_limit`.
        public let name: String
        /// The HTTP status that belongs to the kind (a timeout is 408 here; a gateway answers it with
        /// ``gatewayAnswer``'s 504).
        public let defaultStatus: Int?
        /// How a server that calls the provider for its own callers answers them for this kind.
        public let gatewayAnswer: GatewayAnswer
        /// What went wrong in words that quote nothing of the provider's (``LiteLLMError/callerMessage``); `nil`
        /// when the error's own message is ours and safe (``imageFetch``).
        let callerText: String?
        /// A few words for a one-line report, e.g. `rate limited`.
        public let summary: String

        private init(_ name: String, status: Int, answer: GatewayAnswer, caller: String?, summary: String) {
            self.name = name
            self.defaultStatus = status
            self.gatewayAnswer = answer
            self.callerText = caller
            self.summary = summary
        }

        public var description: String { name }
        public static func == (lhs: Kind, rhs: Kind) -> Bool { lhs.name == rhs.name }
        public func hash(into hasher: inout Hasher) { hasher.combine(name) }

        public static let badRequest = Kind(
            "bad_request", status: 400, answer: .invalidRequest("bad_request"),
            caller: "The model provider refused the request as invalid.", summary: "bad request")
        public static let contextWindowExceeded = Kind(
            "context_window_exceeded", status: 400, answer: .invalidRequest("context_length_exceeded"),
            caller: "The messages exceed the model's context window.",
            summary: "prompt too long for the model's context window")
        public static let contentPolicyViolation = Kind(
            "content_policy_violation", status: 400, answer: .invalidRequest("content_policy_violation"),
            caller: "The model provider refused the request under its content policy.",
            summary: "refused by the provider's content policy")
        public static let unsupportedParams = Kind(
            "unsupported_params", status: 400, answer: .invalidRequest("unsupported_parameter"),
            caller: "The model does not support a parameter of this request.", summary: "unsupported parameter")
        public static let authentication = Kind(
            "authentication", status: 401,
            answer: GatewayAnswer(status: 401, type: "authentication_error", code: "provider_authentication_failed"),
            caller: "The model provider did not accept the server's credentials.", summary: "authentication failed")
        public static let permissionDenied = Kind(
            "permission_denied", status: 403,
            answer: GatewayAnswer(status: 403, type: "permission_error", code: "permission_denied"),
            caller: "The model provider denied access to the model.", summary: "permission denied")
        public static let notFound = Kind(
            "not_found", status: 404, answer: GatewayAnswer(status: 404, type: "invalid_request_error", code: "not_found"),
            caller: "The model provider does not know the model or route.", summary: "not found")
        /// A gateway answers 504: it is a gateway to the provider.
        public static let timeout = Kind(
            "timeout", status: 408, answer: GatewayAnswer(status: 504, type: "timeout_error", code: "timeout"),
            caller: "The model did not answer in time.", summary: "timed out")
        public static let unprocessableEntity = Kind(
            "unprocessable_entity", status: 422,
            answer: GatewayAnswer(status: 422, type: "invalid_request_error", code: "unprocessable_entity"),
            caller: "The model provider could not process the request.", summary: "request not processable")
        public static let rateLimit = Kind(
            "rate_limit", status: 429, answer: GatewayAnswer(status: 429, type: "rate_limit_error", code: "rate_limit_exceeded"),
            caller: "The model provider's rate limit was reached; retry later.", summary: "rate limited")
        /// litellm's Router has no deployment of the model to try: every one is cooling down after failures
        /// (`RouterRateLimitError`). A 429, with `retry-after` when litellm says how long the cooldown lasts.
        public static let deploymentsCoolingDown = Kind(
            "deployments_cooling_down", status: 429,
            answer: GatewayAnswer(status: 429, type: "rate_limit_error", code: "deployments_cooling_down"),
            caller: "Every deployment of the model is cooling down after failures; retry later.",
            summary: "every deployment cooling down")
        public static let apiConnection = Kind(
            "api_connection", status: 500, answer: .apiError(500, "provider_connection_failed"),
            caller: "The model provider could not be reached.", summary: "cannot reach the provider")
        public static let internalServer = Kind(
            "internal_server", status: 500, answer: .internalError,
            caller: "The model provider failed to answer.", summary: "provider error")
        public static let serviceUnavailable = Kind(
            "service_unavailable", status: 503, answer: .apiError(503, "service_unavailable"),
            caller: "The model provider is unavailable; retry later.", summary: "provider unavailable")
        /// The reply could not be read (an unexpected shape from litellm).
        public static let invalidResponse = Kind(
            "invalid_response", status: 500, answer: .internalError,
            caller: "The model provider's reply could not be read.", summary: "unreadable answer")
        /// An image URL of the request was refused or could not be fetched (ImageFetch.swift); the message names
        /// the part and the reason, never the URL.
        public static let imageFetch = Kind(
            "image_fetch", status: 400, answer: .invalidRequest("image_fetch_failed"),
            caller: nil, summary: "request failed")
        /// The call's settings are wrong whatever the request (``ProviderSettings/checkExtra()``): the server's
        /// configuration, not the caller, is at fault.
        public static let invalidSettings = Kind(
            "invalid_settings", status: 500, answer: .internalError, caller: "The model call failed.",
            summary: "invalid settings")
        /// Python or litellm could not start.
        public static let setup = Kind(
            "setup", status: 500, answer: .internalError, caller: "The model call failed.", summary: "setup failed")
        public static let other = Kind(
            "other", status: 500, answer: .internalError, caller: "The model call failed.", summary: "request failed")
    }

    /// How a server answers its own caller for a kind of failure: the HTTP status, OpenAI's error `type` and `code`.
    public struct GatewayAnswer: Sendable, Equatable {
        /// The HTTP status.
        public let status: Int
        /// OpenAI's error type, e.g. `rate_limit_error`.
        public let type: String
        /// A stable, machine-readable reason, e.g. `rate_limit_exceeded`.
        public let code: String

        static func invalidRequest(_ code: String) -> GatewayAnswer {
            GatewayAnswer(status: 400, type: "invalid_request_error", code: code)
        }

        static func apiError(_ status: Int, _ code: String) -> GatewayAnswer {
            GatewayAnswer(status: status, type: "api_error", code: code)
        }

        static let internalError = apiError(500, "internal_error")
    }
}
