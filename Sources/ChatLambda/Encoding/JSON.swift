import Foundation

/// JSON writing shared by the chat function: compact, keys sorted (stable bytes for tests), slashes unescaped.
enum JSON {
    static func bytes(_ object: Any) -> [UInt8] {
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
        return (try? Array(JSONSerialization.data(withJSONObject: object, options: options))) ?? Array("{}".utf8)
    }

    // One for the process (it holds no per-call state): this runs for every streamed chunk.
    private static let encoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func encode(_ value: some Encodable) throws -> [UInt8] { Array(try encoder.encode(value)) }

    private static let eventPrefix = Array("data: ".utf8), eventSuffix = Array("\n\n".utf8)

    /// `data: <json>\n\n`: one server-sent event.
    static func sseEvent(_ json: [UInt8]) -> [UInt8] { eventPrefix + json + eventSuffix }
}
