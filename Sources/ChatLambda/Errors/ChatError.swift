import Foundation
public import LambdaRuntime
public import LiteLLM

/// An answer that is not a completion: an OpenAI error body `{"error": {"message", "type", "code"}}` with its HTTP
/// status.
///
/// Every failure the chat function can meet becomes one of these, so each entry point only decides how to send it:
/// an HTTP response with ``status``, an SSE error event after the first streamed byte, or (direct invoke, where there
/// is no HTTP status) the Runtime API's `/error` with ``errorType`` and the error body as ``errorMessage``.
public struct ChatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public var status: Int
    /// OpenAI's `type`: `invalid_request_error`, `authentication_error`, `permission_error`, `rate_limit_error`,
    /// `timeout_error`, `api_error`.
    public var type: String
    /// OpenAI's `code`: a stable, machine-readable reason, e.g. `unknown_field`, `model_not_found`.
    public var code: String
    /// A readable message, never holding a key (litellm's messages arrive redacted).
    public var message: String
    /// The request field at fault, where there is one (OpenAI's `param`).
    public var param: String?
    /// HTTP headers that go with the error over HTTP (`allow` on a 405).
    public var headers: [String: String] = [:]
    /// For the log only, never the caller: the provider's own words, redacted (``LiteLLMError/message``).
    public var detail: String?

    /// Creates an error.
    /// - Parameters:
    ///   - status: The HTTP status.
    ///   - type: OpenAI's error type.
    ///   - code: A machine-readable reason.
    ///   - message: The message.
    ///   - param: The field at fault.
    public init(status: Int, type: String, code: String, message: String, param: String? = nil) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
    }

    /// `status type/code: message`.
    public var description: String { "\(status) \(type)/\(code): \(message)" }

    /// 400 `invalid_request_error`.
    public static func invalidRequest(_ message: String, code: String = "invalid_request", param: String? = nil) -> ChatError {
        ChatError(status: 400, type: "invalid_request_error", code: code, message: message, param: param)
    }

    /// 404 for a model the function does not serve.
    public static func unknownModel(_ name: String) -> ChatError {
        ChatError(status: 404, type: "invalid_request_error", code: "model_not_found",
                  message: "The model '\(name)' does not exist or is not served here; GET /v1/models lists the models.",
                  param: "model")
    }

    /// 413 for a body over the function's limit; `message` says the sizes.
    public static func requestTooLarge(_ message: String) -> ChatError {
        ChatError(status: 413, type: "invalid_request_error", code: "request_too_large", message: message)
    }

    /// 504 for a call that ran out of the invocation's time.
    public static func deadlineExceeded(_ detail: String) -> ChatError {
        ChatError(status: 504, type: "timeout_error", code: "timeout", message: detail)
    }

    /// The error for a failed litellm call, with the status docs/design/contracts.md gives its class
    /// (``LiteLLMError/Kind/gatewayAnswer``: a timeout is 504, the function is a gateway to the provider).
    /// The message is generic (``LiteLLMError/callerMessage``: the kind, the provider's status and type); the
    /// provider's own words, redacted, go to ``detail`` for the log.
    /// - Parameter error: litellm's error, already redacted.
    public init(_ error: LiteLLMError) {
        let answer = error.kind.gatewayAnswer
        self.init(status: answer.status, type: answer.type, code: answer.code, message: error.callerMessage)
        detail = error.message
        if let seconds = error.retryAfterSeconds { headers["retry-after"] = "\(seconds)" }
    }

    /// The error for anything thrown by a chat call.
    /// - Parameter error: A ``ChatError``, a `LiteLLMError`, or anything else (a 500 whose message names only its
    ///   type, since arbitrary descriptions may hold request data).
    public static func from(_ error: any Error) -> ChatError {
        switch error {
        case let error as ChatError: error
        case let error as LiteLLMError: ChatError(error)
        case is CancellationError: ChatError(status: 500, type: "api_error", code: "cancelled", message: "The call was cancelled.")
        default: ChatError(status: 500, type: "api_error", code: "internal_error",
                           message: "Internal error (\(String(describing: Swift.type(of: error)))).")
        }
    }

    /// `{"error":{"message":..,"type":..,"param":..,"code":..}}`.
    public var body: [UInt8] { JSON.bytes(["error": errorObject]) }

    /// The SSE event that reports this error to a client after the stream began: `data: {"error": ...}\n\n`.
    public var event: [UInt8] { JSON.sseEvent(body) }

    /// The OpenAI error object: message, type, param, code.
    fileprivate var errorObject: [String: Any] {
        ["message": message, "type": type, "code": code, "param": param ?? NSNull()]
    }
}

extension ChatError: LambdaFunctionError {
    /// `Chat.<Reason>`, e.g. `Chat.ModelNotFound` from the code `model_not_found`: the `Category.Reason` form the
    /// Runtime API records.
    public var errorType: String {
        "Chat." + code.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The OpenAI error body as text, with the HTTP status the same error has over HTTP:
    /// `{"error": {...}, "status": 404}`. A direct invoker parses it like an HTTP client's error body.
    public var errorMessage: String {
        String(decoding: JSON.bytes(["error": errorObject, "status": status]), as: UTF8.self)
    }
}
