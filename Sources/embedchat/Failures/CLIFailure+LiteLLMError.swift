import Foundation
import LiteLLM

/// A litellm error as the CLI reports it: what went wrong in words, the status, a hint for what to do, and exit code 1
/// (3 for a setup error).
extension CLIFailure {
    /// The one-line report of a litellm error, with a hint for what to do about it.
    /// - Parameters:
    ///   - error: The error (its message is already redacted).
    ///   - model: The model the request named, to guess the provider when litellm did not say.
    ///   - apiKeyEnvironment: The variable `--api-key-env` named, if any.
    init(_ error: LiteLLMError, model: String, apiKeyEnvironment: String?) {
        let provider = ProviderKeys.provider(reported: error.provider, model: model)
        let status = error.statusCode.map { " (\($0))" } ?? ""
        let what = error.kind.summary
        let message = "\(what)\(status) for model \(model): \(Self.stripPrefixes(error.message))"
        self.init(message, hint: Self.hint(for: error.kind, provider: provider, apiKeyEnvironment: apiKeyEnvironment),
                  exitCode: error.kind == .setup ? CLIExit.setup : CLIExit.provider)
    }

    /// litellm prefixes messages with its class names (`litellm.AuthenticationError: AuthenticationError:
    /// OpenAIException - ...`); the kind already says that.
    static func stripPrefixes(_ message: String) -> String {
        var text = Substring(message)
        while let colon = text.range(of: ": "),
              text[..<colon.lowerBound].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }),
              text[..<colon.lowerBound].contains(where: { $0.isUppercase }) {
            text = text[colon.upperBound...]
        }
        if let dash = text.range(of: "Exception - "), text[..<dash.lowerBound].allSatisfy({ $0.isLetter }) {
            text = text[dash.upperBound...]
        }
        return String(text)
    }

    static func hint(for kind: LiteLLMError.Kind, provider: String?, apiKeyEnvironment: String?) -> String? {
        switch kind {
        case .authentication:
            if let apiKeyEnvironment { return "check the key in \(apiKeyEnvironment) (from --api-key-env)" }
            return "set \(ProviderKeys.keyVariables(for: provider)) to a valid key, or name another variable with --api-key-env"
        case .permissionDenied: return "the key has no access to this model or resource; check the key's project and permissions"
        case .notFound: return "check the model name (--model, with its provider prefix such as openai/ or anthropic/) and --api-base"
        case .rateLimit: return "wait and retry, lower batch --concurrency, or check your plan's quota"
        case .timeout: return "the provider did not answer in time; raise --timeout or retry"
        case .internalServer, .serviceUnavailable: return "the provider failed; retry later"
        case .apiConnection: return "check --api-base, the network and any proxy"
        case .contextWindowExceeded: return "shorten the prompt or the piped input, or pick a model with a larger context"
        case .unsupportedParams: return "drop the option the model does not support (e.g. --temperature)"
        case .setup: return CLIFailure.setupHint
        default: return nil
        }
    }

    static let setupHint = "point --python-path or EMBEDCHAT_PYTHONPATH at the folder holding litellm "
        + "(scripts/setup.sh installs it into .python/), and run `embedchat doctor`"
}
