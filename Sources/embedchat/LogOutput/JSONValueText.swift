import Foundation
import LiteLLM

/// A JSON text stored in the log (tool calls), written into the output as JSON rather than as a string.
struct JSONValueText: Encodable {
    let text: String
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) {
            try container.encode(value)
        } else {
            try container.encode(text)
        }
    }
}
