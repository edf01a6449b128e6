import Foundation
import LiteLLM

/// The exit codes embedchat documents.
enum CLIExit {
    static let success: Int32 = 0
    /// The provider or litellm failed the request (authentication, rate limit, timeout, ...); for `batch`, at least
    /// one line failed.
    static let provider: Int32 = 1
    /// Bad options or input: no prompt, unknown option, unreadable file.
    static let usage: Int32 = 2
    /// Python or litellm could not start.
    static let setup: Int32 = 3
    /// Ctrl-C (SIGINT) stopped the command.
    static let interrupted: Int32 = 130

    static let helpText = """
        Exit codes:
          0    success
          1    provider error: authentication, permission, not found, rate
               limit, timeout, server error, ...; batch: a line failed
          2    usage error: bad option or value, no prompt, unreadable input
          3    setup error: Python or litellm could not start (see doctor)
          130  interrupted by Ctrl-C
        """
}

/// A failure the CLI reports as one line on stderr and an exit code.
struct CLIFailure: Error, CustomStringConvertible {
    let message: String
    let hint: String?
    let exitCode: Int32

    init(_ message: String, hint: String? = nil, exitCode: Int32) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
    }

    /// The line printed on stderr (without the `embedchat: ` prefix).
    var line: String {
        var text = Self.oneLine(message)
        if let hint { text += " (hint: \(hint))" }
        return text
    }

    var description: String { line }

    static func usage(_ message: String, hint: String? = nil) -> CLIFailure {
        CLIFailure(message, hint: hint, exitCode: CLIExit.usage)
    }

    /// Collapses whitespace and newlines into single spaces and caps the length, so a provider's multi-line
    /// JSON error stays one readable line.
    static func oneLine(_ text: String, limit: Int = 400) -> String {
        let collapsed = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return collapsed.count > limit ? String(collapsed.prefix(limit)) + "…" : collapsed
    }
}

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

/// Which environment variables hold which provider's credentials (names only; values are never read for display).
enum ProviderKeys {
    /// Variables `doctor` reports on, in display order.
    static let known = ProviderVariables.all

    /// Known variables that are set, plus any other `*_API_KEY` variable.
    static func setNames(in environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let others = environment.keys.filter { $0.hasSuffix("_API_KEY") && !known.contains($0) }.sorted()
        return known.filter { environment[$0].map { !$0.isEmpty } ?? false } + others.filter { !(environment[$0] ?? "").isEmpty }
    }

    /// The provider litellm reported, else one guessed from the model name.
    static func provider(reported: String?, model: String) -> String? {
        if let reported, !reported.isEmpty, reported != "embedchat" { return reported.lowercased() }
        let lower = model.lowercased()
        if let slash = lower.firstIndex(of: "/") { return String(lower[..<slash]) }
        if lower.hasPrefix("gpt") || lower.hasPrefix("o1") || lower.hasPrefix("o3") || lower.hasPrefix("o4") { return "openai" }
        if lower.hasPrefix("claude") { return "anthropic" }
        if lower.hasPrefix("gemini") { return "gemini" }
        return nil
    }

    /// The variable(s) to set for `provider`'s key.
    static func keyVariables(for provider: String?) -> String { ProviderVariables.keyAdvice(for: provider) }
}
