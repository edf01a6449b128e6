import Foundation

/// JSON for stdout: compact, one document per line, keys sorted so output is stable.
enum JSONLines {
    // One for the process (it holds no per-call state): this runs for every streamed chunk with --json.
    private static let encoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encode<T: Encodable>(_ value: T) -> String {
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
