import Foundation
import LiteLLM
import Logging

/// `api_key_secret` values, each read once per process (at init, ``ChatService/readSecrets(logger:)``, or on first
/// use) and kept; concurrent first uses share one read. A failed read is not kept here: the next request asks again,
/// and ``SecretsManager`` answers with the remembered failure until its back-off has passed.
actor CredentialStore {
    private let readSecret: ChatService.SecretReader
    private var values: [String: Task<String, any Error>] = [:]

    init(readSecret: @escaping ChatService.SecretReader) { self.readSecret = readSecret }

    /// The key in a secret string: the string itself, or from a JSON object its `api_key` field (else its only
    /// string field), the two shapes the console's "Other type of secret" produces.
    static func apiKey(fromSecret text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{"), let data = trimmed.data(using: .utf8),
              let object = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else { return trimmed }
        if let key = object["api_key"]?.stringValue { return key }
        let strings = object.values.compactMap(\.stringValue)
        return strings.count == 1 ? strings[0] : trimmed
    }

    /// Reads a secret now (at init) and keeps it, or throws the read's own error.
    func preload(_ secretID: String, logger: Logger) async throws {
        let task = values[secretID] ?? Task { [readSecret] in Self.apiKey(fromSecret: try await readSecret(secretID)) }
        values[secretID] = task
        logger.info("reading the model's key from Secrets Manager", metadata: ["secretId": "\(secretID)"])
        do {
            _ = try await task.value
        } catch {
            if values[secretID] == task { values[secretID] = nil }
            throw error
        }
    }

    func key(_ secretID: String, model: String, logger: Logger) async throws(ChatError) -> String {
        let task: Task<String, any Error>
        if let existing = values[secretID] {
            task = existing
        } else {
            let readSecret = readSecret
            task = Task { Self.apiKey(fromSecret: try await readSecret(secretID)) }
            values[secretID] = task
            logger.info("reading the model's key from Secrets Manager", metadata: ["secretId": "\(secretID)"])
        }
        do {
            return try await task.value
        } catch {
            if values[secretID] == task { values[secretID] = nil }
            logger.error("could not read the model's key from Secrets Manager", metadata: [
                "secretId": "\(secretID)", "error": "\(Redactor.redact(String(describing: error)))",
            ])
            throw ChatError(status: 500, type: "api_error", code: "credentials_unavailable",
                            message: "The server could not read the credentials of model '\(model)'.")
        }
    }
}
