import PythonEmbed
import Synchronization

/// A Secrets Manager read that failed: the secret is missing, access was denied, the endpoint is unreachable, or
/// Python is not running.
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
/// The endpoint is boto3's usual one unless `AWS_ENDPOINT_URL_SECRETS_MANAGER` or `AWS_ENDPOINT_URL` names
/// another (tests point it at moto's server on loopback); the region is `AWS_REGION`, `AWS_DEFAULT_REGION` or
/// `us-east-1`; credentials come from boto3's chain (in Lambda, the function role's variables).
public enum SecretsManager {
    static let source = #"""
import os

_clients = {}


def secret_string(secret_id, region):
    import boto3

    endpoint = os.environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER") or os.environ.get("AWS_ENDPOINT_URL") or None
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    key = (region, endpoint)
    client = _clients.get(key)
    if client is None:
        client = boto3.session.Session().client("secretsmanager", region_name=region, endpoint_url=endpoint)
        _clients[key] = client
    try:
        response = client.get_secret_value(SecretId=secret_id)
    except Exception as error:
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        raise RuntimeError(f"{code or type(error).__name__}: {error}") from None
    value = response.get("SecretString")
    if value is None:
        raise ValueError("the secret has no SecretString (binary secrets are not supported)")
    return value
"""#

    private static let function = Mutex<PythonHandle?>(nil)

    /// Fetches a secret's `SecretString` on a Python worker thread (boto3 blocks).
    /// - Parameters:
    ///   - id: The secret's name or ARN.
    ///   - region: The region; `nil` reads the environment.
    /// - Returns: The secret string.
    /// - Throws: ``SecretsManagerError``, or `CancellationError`.
    public static func secretString(id: String, region: String? = nil) async throws -> String {
        guard Interpreter.isRunning else {
            throw SecretsManagerError(secretID: id, code: nil, message: "the Python interpreter is not running")
        }
        do {
            let value = try await PythonWorkerPool.shared.run { gil in
                // Never hold the mutex while Python runs: Python gives up the GIL mid-import, and a second caller
                // holding the GIL while waiting on the mutex would deadlock. Two first callers may both load the
                // glue; the first to finish wins.
                let handle: PythonHandle
                if let cached = function.withLock({ $0 }) {
                    handle = cached
                } else {
                    let module = try Interpreter.loadModule(named: "_embedchat_secrets", source: source, gil)
                    let loaded = try module.attribute("secret_string", gil).handle(gil)
                    handle = function.withLock { cached in
                        if let cached { return cached }
                        cached = loaded
                        return loaded
                    }
                }
                return try handle.borrow(gil).call(arguments: [.string(id), region.map { .string($0) } ?? .none], gil)
                    .toValue(gil)
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
}
