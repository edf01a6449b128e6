import Foundation

extension ProviderSettings {
    /// Values that must never appear in an error message or log: the key; the password, user token and query values
    /// inside `api_base`; every value of `extra_headers`/`headers`; and any string keyword, at any depth, whose name
    /// is secret-like (``Redactor/isSecretName(_:)``: `aws_secret_access_key`, `vertex_credentials`, ...).
    var secrets: [String] {
        var secrets: [String] = []
        if let apiKey { secrets.append(apiKey) }
        if let apiBase { secrets += Self.urlSecrets(apiBase) }
        for (name, value) in extra { Self.collect(name: name, value: value, into: &secrets) }
        return secrets.filter { $0.count >= Redactor.minimumSecretLength }
    }

    /// Makes ``Redactor`` remove these settings' secrets from every later text, Python's log lines included. Cheap
    /// when the key is already known.
    func rememberSecrets() {
        let more = (apiBase.map { $0.contains("@") || $0.contains("?") } ?? false)
            || extra.keys.contains { Redactor.isSecretName($0) || $0.lowercased().hasSuffix("headers") }
        if more {
            Redactor.remember(secrets)
        } else if let apiKey, !Redactor.isRemembered(apiKey) {
            Redactor.remember([apiKey])
        }
    }

    private static func collect(name: String, value: JSONValue, into secrets: inout [String]) {
        let lower = name.lowercased()
        if lower == "extra_headers" || lower == "headers", let headers = value.objectValue {
            secrets += headers.values.compactMap(\.stringValue)
            return
        }
        switch value {
        case .string(let text):
            if Redactor.isSecretName(name) { secrets.append(text) }
            if lower.hasSuffix("api_base") || lower.hasSuffix("endpoint") || lower.hasSuffix("base_url") {
                secrets += urlSecrets(text)
            }
        case .object(let members):
            for (member, inner) in members { collect(name: member, value: inner, into: &secrets) }
        case .array(let items):
            for item in items { collect(name: name, value: item, into: &secrets) }
        default:
            break
        }
    }

    /// The user and password of a URL's userinfo and its query values: `https://u:p@host/v1?key=k` gives `u`, `p`
    /// and `k`.
    static func urlSecrets(_ text: String) -> [String] {
        guard let components = URLComponents(string: text) else { return [] }
        var secrets: [String] = []
        if let password = components.password { secrets.append(password) }
        if let user = components.user { secrets.append(user) }
        for item in components.queryItems ?? [] {
            if let value = item.value { secrets.append(value) }
        }
        return secrets
    }
}
