import Foundation
import PythonEmbed
import Synchronization

/// A Secrets Manager read that failed: the secret is missing, access was denied, the endpoint is unreachable or did
/// not answer in time, or Python is not running.
public struct SecretsManagerError: Error, Sendable, CustomStringConvertible {
    /// The secret id asked for.
    public let secretID: String
    /// The AWS error code (e.g. `ResourceNotFoundException`), when AWS answered with one.
    public let code: String?
    /// What went wrong (never the secret's value).
    public let message: String

    /// `secret 'id': message`.
    public var description: String { "Secrets Manager secret '\(secretID)': \(message)" }
}

/// Reads AWS Secrets Manager secrets through boto3 inside the embedded interpreter (the layer ships boto3 for
/// litellm's Bedrock support, so no AWS SDK for Swift is needed).
///
/// Bounded: one attempt per read (botocore retries nothing), a 2 s connect and 3 s read timeout, so a read takes at
/// most ~5 s; a failed read is remembered for ``failureBackoff`` and a read of the same id meanwhile throws the same
/// error without asking AWS again (no retry storm from a burst of requests). Every value read is handed to
/// ``Redactor/remember(_:)``. The endpoint is boto3's usual one unless `AWS_ENDPOINT_URL_SECRETS_MANAGER` or
/// `AWS_ENDPOINT_URL` names another; the region is `AWS_REGION`, `AWS_DEFAULT_REGION` or `us-east-1`; credentials
/// come from boto3's chain (in Lambda, the function role's variables).
public enum SecretsManager {
    /// How long a failed read is remembered before the same id is read again: 30 s.
    public static let failureBackoff = Duration.seconds(30)

    static let source = #"""
import os

_clients = {}


def secret_string(secret_id, region, endpoint=None, credentials=None):
    import boto3
    from botocore.config import Config

    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER") or os.environ.get("AWS_ENDPOINT_URL") or None
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    key = (region, endpoint, tuple(credentials or ()))
    client = _clients.get(key)
    if client is None:
        # One attempt, short timeouts: botocore's defaults (60 s each, retried) could hold a cold start for minutes.
        config = Config(connect_timeout=2, read_timeout=3, retries={"total_max_attempts": 1, "mode": "standard"})
        session = boto3.session.Session(*(credentials or ()))
        client = session.client("secretsmanager", region_name=region, endpoint_url=endpoint, config=config)
        _clients[key] = client
    try:
        response = client.get_secret_value(SecretId=secret_id)
    except Exception as error:
        code = ((getattr(error, "response", None) or {}).get("Error") or {}).get("Code")
        raise RuntimeError(f"{code or type(error).__name__}: {error}") from None
    value = response.get("SecretString")
    if value is None:
        raise ValueError("the secret has no SecretString (binary secrets are not supported)")
    return value
"""#

    private static let module = EmbeddedModule(name: "_embedchat_secrets", source: source) { module, gil throws(PythonError) in
        try module.attribute("secret_string", gil).handle(gil)
    }
    private static let failures = Mutex<[String: (until: ContinuousClock.Instant, error: SecretsManagerError)]>([:])

    /// Fetches a secret's `SecretString` on a Python worker thread (boto3 blocks).
    /// - Parameters:
    ///   - id: The secret's name or ARN.
    ///   - region: The region; `nil` reads the environment.
    /// - Returns: The secret string.
    /// - Throws: ``SecretsManagerError`` (the remembered one within ``failureBackoff`` of a failed read of `id`), or
    ///   `CancellationError`.
    public static func secretString(id: String, region: String? = nil) async throws -> String {
        try await read(id: id, region: region, endpoint: nil, credentials: nil, backoff: failureBackoff)
    }

    /// ``secretString(id:region:)`` against a given endpoint with given credentials and back-off: for tests against
    /// a loopback fake.
    package static func read(id: String, region: String?, endpoint: String?, credentials: (String, String)?,
                             backoff: Duration) async throws -> String {
        let now = ContinuousClock.now
        if let remembered = failures.withLock({ $0[id] }), remembered.until > now { throw remembered.error }
        do {
            let value = try await fetch(id: id, region: region, endpoint: endpoint, credentials: credentials)
            failures.withLock { _ = $0.removeValue(forKey: id) }
            rememberForRedaction(value)
            return value
        } catch let error as SecretsManagerError {
            failures.withLock { $0[id] = (ContinuousClock.now + backoff, error) }
            throw error
        }
    }

    private static func fetch(id: String, region: String?, endpoint: String?, credentials: (String, String)?) async throws -> String {
        guard Interpreter.isRunning else {
            throw SecretsManagerError(secretID: id, code: nil, message: "the Python interpreter is not running")
        }
        do {
            let arguments: [PythonValue] = [
                .string(id), region.map { .string($0) } ?? .none, endpoint.map { .string($0) } ?? .none,
                credentials.map { .array([.string($0.0), .string($0.1)]) } ?? .none,
            ]
            let value = try await PythonWorkerPool.shared.run { gil in
                try module.functions(gil).borrow(gil).call(arguments: arguments, gil).toValue(gil)
            }
            guard let text = value.stringValue else {
                throw SecretsManagerError(secretID: id, code: nil, message: "the secret is not a string")
            }
            return text
        } catch let error as PythonError {
            let message = Redactor.redact(error.message)
            let code = message.split(separator: ":", maxSplits: 1).first.map(String.init)
            throw SecretsManagerError(secretID: id, code: code?.contains(" ") == false ? code : nil, message: message)
        }
    }

    /// The value, and each string of it when it is a JSON object (`{"api_key": "..."}`), are redacted from then on.
    private static func rememberForRedaction(_ value: String) {
        var secrets = [value]
        if let data = value.data(using: .utf8),
           let object = try? JSONDecoder().decode([String: JSONValue].self, from: data) {
            secrets += object.values.compactMap(\.stringValue)
        }
        Redactor.remember(secrets)
    }
}
