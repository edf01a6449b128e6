import Foundation
import LiteLLM

/// One caller of the gateway: who it is, what it may use and how much.
public struct Caller: Sendable, Equatable {
    /// The caller's name (the table's key; the `caller` dimension of the metrics). Never the key.
    public var name: String
    /// SHA-256 of the caller's key (32 bytes); empty for callers that present no key (direct invokes, no auth).
    var keyHash: [UInt8]
    /// The public models it may use; `nil` for all.
    public var models: Set<String>?
    /// Requests per minute, if limited.
    public var rpm: Int?
    /// Tokens (prompt + completion) per minute, if limited.
    public var tpm: Int?

    /// Creates a caller.
    /// - Parameters:
    ///   - name: Its name.
    ///   - keySHA256: The SHA-256 of its key, as 64 hex digits.
    ///   - models: The models it may use; `nil` for all.
    ///   - rpm: Requests per minute.
    ///   - tpm: Tokens per minute.
    public init?(name: String, keySHA256: String, models: Set<String>? = nil, rpm: Int? = nil, tpm: Int? = nil) {
        guard let hash = Self.bytes(hex: keySHA256) else { return nil }
        self.init(name: name, keyHash: hash, models: models, rpm: rpm, tpm: tpm)
    }

    init(name: String, keyHash: [UInt8], models: Set<String>? = nil, rpm: Int? = nil, tpm: Int? = nil) {
        self.name = name
        self.keyHash = keyHash
        self.models = models
        self.rpm = rpm
        self.tpm = tpm
    }

    /// Whether it may use `model`.
    public func mayUse(_ model: String) -> Bool { models?.contains(model) ?? true }

    /// Direct invokes: Lambda's IAM has already decided who may invoke.
    static let direct = Caller(name: "direct", keyHash: [])
    /// HTTP callers when neither callers nor a token are configured.
    static let anonymous = Caller(name: "anonymous", keyHash: [])
    /// The holder of `EMBEDCHAT_AUTH_TOKEN`: allowed everything, no limits.
    static func tokenHolder(_ token: String) -> Caller { Caller(name: "token", keyHash: SHA256.hash(Array(token.utf8))) }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.lowercased().utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes

        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            default: nil
            }
        }
    }
}

/// The callers of `EMBEDCHAT_CALLERS` (or the secret of `EMBEDCHAT_CALLERS_SECRET`):
/// `{"<name>": {"key_sha256": "<64 hex digits>", "models": ["<public name>", ...], "rpm": n, "tpm": n}}`.
/// `models` defaults to all; `rpm` and `tpm` to no limit. Keys are stored only as their SHA-256
/// (`printf %s "$KEY" | sha256sum`).
public struct CallerTable: Sendable, Equatable {
    /// The callers.
    public var callers: [Caller]

    /// The keys a caller entry may hold.
    public static let keys: Set<String> = ["key_sha256", "models", "rpm", "tpm"]

    /// Creates a table.
    public init(callers: [Caller]) { self.callers = callers }

    /// Parses the JSON.
    /// - Parameters:
    ///   - text: The JSON.
    ///   - source: The variable (or secret) it came from, for messages.
    ///   - models: The served models: a caller may list only these.
    /// - Returns: The table.
    /// - Throws: ``ChatConfigurationError`` naming the caller and the key at fault (never a key's value).
    public static func parse(_ text: String, source: String, models: [String: ModelRoute]) throws(ChatConfigurationError) -> CallerTable {
        guard let data = text.data(using: .utf8), let table = try? JSONDecoder().decode([String: JSONValue].self, from: data) else {
            throw ChatConfigurationError(message: "\(source) is not a JSON object of callers")
        }
        guard !table.isEmpty else { throw ChatConfigurationError(message: "\(source) names no caller") }
        var callers: [Caller] = []
        var hashes = Set<[UInt8]>()
        for (name, entry) in table.sorted(by: { $0.key < $1.key }) {
            let path = "\(source)['\(ChatService.printable(name))']"
            guard !name.isEmpty, name.utf8.count <= 128 else { throw ChatConfigurationError(message: "\(source) has an empty or over-long caller name") }
            guard let fields = entry.objectValue else { throw ChatConfigurationError(message: "\(path) is not an object") }
            if let unknown = fields.keys.sorted().first(where: { !keys.contains($0) }) {
                throw ChatConfigurationError(message: "\(path) has unsupported key '\(ChatService.printable(unknown))'; supported: \(keys.sorted().joined(separator: ", "))")
            }
            guard let hex = fields["key_sha256"]?.stringValue, let hash = Caller.bytes(hex: hex) else {
                throw ChatConfigurationError(message: "\(path).key_sha256 is not 64 hex digits (the SHA-256 of the caller's key)")
            }
            guard hashes.insert(hash).inserted else { throw ChatConfigurationError(message: "\(path).key_sha256 is another caller's too") }
            var caller = Caller(name: name, keyHash: hash)
            if let value = fields["models"] {
                guard let list = value.arrayValue, let names = Optional(list.compactMap(\.stringValue)), names.count == list.count else {
                    throw ChatConfigurationError(message: "\(path).models is not an array of public model names")
                }
                if let unknown = names.first(where: { models[$0] == nil }) {
                    throw ChatConfigurationError(message: "\(path).models names '\(ChatService.printable(unknown))', which EMBEDCHAT_MODELS does not serve")
                }
                caller.models = Set(names)
            }
            for (key, apply) in [("rpm", { (c: inout Caller, n: Int) in c.rpm = n }), ("tpm", { (c: inout Caller, n: Int) in c.tpm = n })] {
                guard let value = fields[key] else { continue }
                guard let limit = value.intValue, limit > 0 else { throw ChatConfigurationError(message: "\(path).\(key) is not a positive integer") }
                apply(&caller, limit)
            }
            callers.append(caller)
        }
        return CallerTable(callers: callers)
    }

    /// The caller whose key hashes to `hash`, comparing with every caller in constant time (no early exit).
    func caller(withKeyHash hash: [UInt8]) -> Caller? {
        var found: Caller?
        for caller in callers where constantTimeEqual(caller.keyHash, hash) && found == nil { found = caller }
        return found
    }
}
