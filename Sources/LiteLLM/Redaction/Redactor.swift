import Foundation
import JSONText
import Synchronization

/// Removes credentials from text before it is shown or logged: every configured secret in every encoding it may take
/// on its way into a message, and anything shaped like a credential.
///
/// What counts as a secret:
/// - the values given to a call (``ProviderSettings``: its key, secret-named keywords, `extra_headers`, a password or
///   query value inside `api_base`) and values handed to ``remember(_:)`` (keys read from Secrets Manager);
/// - the value of every environment variable whose name says it holds one (``isSecretName(_:)``: `*_API_KEY`,
///   `*_SECRET*`, `*_TOKEN`, `*PASSWORD*`, ...), read once, on first use (``rescanEnvironment()`` reads it again).
///
/// Each secret is replaced raw, percent-encoded (either hex case), JSON-escaped, Python-`repr`-escaped and base64'd.
/// Shapes are replaced whatever their value: `Bearer …` and `Basic …` in any case, `name: value` and `name=value`
/// pairs whose name is secret-like (`x-api-key:`, `api_key=`, `?key=`, `"authorization": "…"`, `X-Amz-Signature=`),
/// the password of a URL (`https://user:…@host`), and key formats (`sk-…`, AWS access key ids, Google `AIza…`).
public enum Redactor {
    /// What a secret is replaced with.
    public static let mark = "[REDACTED]"

    /// Values shorter than this are never treated as secrets (a stray `"true"` must not blank every message).
    static let minimumSecretLength = 6

    private static let remembered = Mutex<Set<String>>([])
    private static let environment = Mutex<[String]?>(nil)

    /// Adds secrets that every later redaction removes, wherever the text comes from (Python's own log lines
    /// included).
    /// - Parameter secrets: The values; shorter than six characters are ignored.
    public static func remember(_ secrets: some Sequence<String>) {
        let values = secrets.filter { $0.count >= minimumSecretLength }
        guard !values.isEmpty else { return }
        remembered.withLock { known in
            // A server's secrets are few and fixed; a bound keeps a caller-varied value from growing the set forever.
            guard known.count < 10_000 else { return }
            known.formUnion(values)
        }
    }

    /// Whether `secret` was handed to ``remember(_:)``.
    static func isRemembered(_ secret: String) -> Bool { remembered.withLock { $0.contains(secret) } }

    /// Reads the secret-named environment variables again (they are read once, on first use; the environment of a
    /// running process is not expected to gain keys, and walking it while another thread sets a variable is unsafe).
    /// - Parameter variables: The environment to read; the process's by default.
    package static func rescanEnvironment(_ variables: [String: String] = ProcessInfo.processInfo.environment) {
        environment.withLock { $0 = scanEnvironment(variables) }
    }

    /// Whether an environment variable or keyword of this name holds a credential: its name contains `SECRET`,
    /// `PASSWORD`, `PASSWD`, `CREDENTIAL`, `SIGNATURE` or `COOKIE`, or has a word `KEY`, `TOKEN`, `AUTH` or
    /// `AUTHORIZATION` (`API_KEY`, `ACCESS_KEY_ID`, `x-api-key`, `apikey`, `SESSION_TOKEN`; not `KEYBOARD`, `TOKENS`,
    /// `TOKENIZERS` or `AuthenticationError`), in any case.
    package static func isSecretName(_ name: String) -> Bool {
        let lower = name.lowercased()
        if ["secret", "password", "passwd", "credential", "signature", "cookie"].contains(where: lower.contains) {
            return true
        }
        let words = lower.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        return words.contains { word in
            word == "key" || word == "token" || word == "auth" || word.hasSuffix("authorization")
                || (word.hasSuffix("apikey") || word.hasSuffix("accesskey") || word.hasSuffix("secretkey"))
                || (word.hasSuffix("token") && word.count > 5 && !word.hasPrefix("max"))
        }
    }

    /// `text` with every secret (given, remembered, from the environment) in each of its encodings, and every
    /// credential shape, replaced by ``mark``.
    /// - Parameters:
    ///   - text: The text, e.g. a provider's error message.
    ///   - secrets: Values to remove besides the remembered and environment ones.
    /// - Returns: The redacted text.
    public static func redact(_ text: String, secrets: [String] = []) -> String {
        var result = text
        var all = Set(secrets.filter { $0.count >= minimumSecretLength })
        all.formUnion(remembered.withLock { $0 })
        all.formUnion(environmentSecrets())
        // Longest first, so a secret that contains another is replaced whole.
        for secret in all.sorted(by: { $0.count > $1.count }) {
            for form in encodings(of: secret) where result.contains(form) {
                result = result.replacingOccurrences(of: form, with: mark)
            }
        }
        return CredentialShapes.redact(result)
    }

    /// ``redact(_:secrets:)``, then control characters escaped (`\n`, `\r`, `\t`, `\u{…}`), so text from outside
    /// cannot start a log line of its own.
    /// - Parameters:
    ///   - text: The text.
    ///   - secrets: Values to remove besides the remembered and environment ones.
    /// - Returns: One line.
    public static func loggable(_ text: String, secrets: [String] = []) -> String {
        escapingControlCharacters(redact(text, secrets: secrets))
    }

    /// `text` with every control character written as an escape: `\n`, `\r`, `\t`, else `\u{XX}`.
    public static func escapingControlCharacters(_ text: String) -> String {
        ScalarEscaping.escaping(text) { scalar in
            ScalarEscaping.lineBreakOrTab(scalar) ?? (isControl(scalar) ? "\\u{\(String(scalar.value, radix: 16))}" : nil)
        }
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
            || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    private static func environmentSecrets() -> [String] {
        environment.withLock { cached in
            if let cached { return cached }
            let values = scanEnvironment(ProcessInfo.processInfo.environment)
            cached = values
            return values
        }
    }

    private static func scanEnvironment(_ variables: [String: String]) -> [String] {
        variables.compactMap { name, value in
            isSecretName(name) && value.count >= 8 ? value : nil
        }
    }

    /// The forms a secret takes in messages: as it is; percent-encoded (upper and lower hex, and with `+` for a
    /// space); JSON-escaped; as Python's `repr` writes it inside quotes; base64 (Basic auth of `:secret`, `secret`).
    static func encodings(of secret: String) -> [String] {
        var forms: [String] = [secret]
        func add(_ form: String?) { if let form, form != secret, !forms.contains(form) { forms.append(form) } }
        let percent = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
        add(percent)
        add(percent.map(lowercasingPercentEscapes))
        add(secret.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed))
        add(percent?.replacingOccurrences(of: "%20", with: "+"))
        let json = JSONString.escaped(secret, nonASCII: .escaped)  // as Python's json.dumps writes it
        add(json)
        add(json.replacingOccurrences(of: "/", with: "\\/"))
        add(secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'"))
        add(Data(secret.utf8).base64EncodedString())
        return forms
    }

    private static func lowercasingPercentEscapes(_ text: String) -> String {
        var output = ""
        var pending = 0
        for character in text {
            if character == "%" { pending = 2; output.append(character); continue }
            if pending > 0 { pending -= 1; output += character.lowercased(); continue }
            output.append(character)
        }
        return output
    }
}
