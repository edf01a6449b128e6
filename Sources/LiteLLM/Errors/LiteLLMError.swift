import Foundation
import PythonEmbed

/// A failed litellm call, typed from `litellm.exceptions`, with secrets removed from every text.
public struct LiteLLMError: Error, Sendable, CustomStringConvertible {
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
    /// How long to wait before asking again, when it is known (the cooldown of ``Kind/deploymentsCoolingDown``).
    public var retryAfterSeconds: Int?

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
        let what = kind.callerText ?? message  // nil: our own words (the part and the reason, never the URL)
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
}
