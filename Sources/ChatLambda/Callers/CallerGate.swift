import Foundation
import LiteLLM
import Logging

/// Who may call the gateway over HTTP, which models each may use and how often: `EMBEDCHAT_CALLERS` (or its
/// Secrets Manager form), `EMBEDCHAT_AUTH_TOKEN` (one caller, `token`, allowed everything), or neither (everyone is
/// `anonymous`). Direct invokes are not checked here: Lambda's IAM decides who may invoke.
final class CallerGate: Sendable {
    private let table: CallerDirectory?
    private let tokenHolder: Caller?
    private let limiter: RateLimiter

    init(configuration: ChatConfiguration, readSecret: @escaping ChatService.SecretReader, limiter: RateLimiter = RateLimiter()) {
        tokenHolder = configuration.authToken.map(Caller.tokenHolder)
        self.limiter = limiter
        if let callers = configuration.callers {
            table = CallerDirectory(loaded: callers)
        } else if let secret = configuration.callersSecret {
            table = CallerDirectory(secret: secret, models: configuration.models, readSecret: readSecret)
        } else {
            table = nil
        }
    }

    /// Whether HTTP requests must carry a key.
    var requiresKey: Bool { table != nil || tokenHolder != nil }

    /// The caller an `Authorization` header names.
    /// - Returns: The caller; 401 for a missing or unknown key; 500 when the callers secret cannot be read.
    func authenticate(_ authorization: String?, logger: Logger) async -> Result<Caller, ChatError> {
        guard requiresKey else { return .success(.anonymous) }
        guard let key = Self.bearer(authorization) else { return .failure(Self.unauthorized) }
        let hash = SHA256.hash(key)
        var found: Caller?
        if let tokenHolder, constantTimeEqual(tokenHolder.keyHash, hash) { found = tokenHolder }
        if let table {
            switch await table.callers(logger: logger) {
            case .success(let callers):
                if let caller = callers.caller(withKeyHash: hash), found == nil { found = caller }
            case .failure(let error):
                if found == nil { return .failure(error) }
            }
        }
        return found.map { .success($0) } ?? .failure(Self.unauthorized)
    }

    /// Checks that `caller` may use `model` now, counting the request.
    /// - Returns: `nil` when admitted; 403 for a model the caller may not use; 429 with `retry-after` over a limit.
    func admit(_ caller: Caller, model: String) -> ChatError? {
        guard caller.mayUse(model) else {
            return ChatError(status: 403, type: "permission_error", code: "model_not_allowed",
                             message: "This key may not use the model '\(ChatService.printable(model))'; GET /v1/models lists the models it may use.",
                             param: "model")
        }
        if let seconds = limiter.admit(caller) {
            var error = ChatError(status: 429, type: "rate_limit_error", code: "rate_limit_exceeded",
                                  message: "This key is over its requests or tokens per minute; retry after \(seconds) s.")
            error.headers = ["retry-after": "\(seconds)"]
            return error
        }
        return nil
    }

    /// Counts an answer's tokens against the caller's tokens per minute.
    func record(_ caller: Caller, tokens: Int) { limiter.record(caller, tokens: tokens) }

    static let unauthorized = ChatError(status: 401, type: "authentication_error", code: "invalid_api_key",
                                        message: "Missing or invalid bearer token in the Authorization header.")

    /// The key of `Authorization: Bearer <key>` (the scheme in any case).
    static func bearer(_ header: String?) -> [UInt8]? {
        guard let header, header.utf8.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let key = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return key.isEmpty ? nil : Array(key.utf8)
    }
}

/// The callers table: given, or read once from Secrets Manager (started at once, so it is usually there before the
/// first request). A failed read is kept for ``retryInterval`` before the next try, so a missing secret does not
/// turn every request into a Secrets Manager call.
actor CallerDirectory {
    private enum State { case loaded(CallerTable), loading(Task<CallerTable, any Error>), failed(at: ContinuousClock.Instant) }
    private var state: State
    private let secret: String?
    private let models: [String: ModelRoute]
    private let readSecret: ChatService.SecretReader?
    static let retryInterval = Duration.seconds(10)

    init(loaded: CallerTable) {
        state = .loaded(loaded)
        secret = nil
        models = [:]
        readSecret = nil
    }

    init(secret: String, models: [String: ModelRoute], readSecret: @escaping ChatService.SecretReader) {
        self.secret = secret
        self.models = models
        self.readSecret = readSecret
        state = .loading(Self.read(secret, models: models, readSecret))
    }

    private static func read(_ secret: String, models: [String: ModelRoute], _ readSecret: @escaping ChatService.SecretReader) -> Task<CallerTable, any Error> {
        Task { try CallerTable.parse(try await readSecret(secret), source: "EMBEDCHAT_CALLERS_SECRET", models: models) }
    }

    func callers(logger: Logger) async -> Result<CallerTable, ChatError> {
        switch state {
        case .loaded(let table):
            return .success(table)
        case .failed(let at) where ContinuousClock.now - at < Self.retryInterval:
            return .failure(Self.unavailable)
        case .failed:
            guard let secret, let readSecret else { return .failure(Self.unavailable) }
            state = .loading(Self.read(secret, models: models, readSecret))
            return await callers(logger: logger)
        case .loading(let task):
            do {
                let table = try await task.value
                state = .loaded(table)
                return .success(table)
            } catch {
                if case .loading = state { state = .failed(at: .now) }
                let detail = (error as? ChatConfigurationError)?.message ?? Redactor.redact(String(describing: error))
                logger.error("could not read the callers table", metadata: ["secretId": "\(secret ?? "")", "error": "\(detail)"])
                return .failure(Self.unavailable)
            }
        }
    }

    static let unavailable = ChatError(status: 500, type: "api_error", code: "callers_unavailable",
                                       message: "The server could not read its callers table; try again later.")
}
