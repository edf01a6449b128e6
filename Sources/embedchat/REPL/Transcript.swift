import Foundation
import LiteLLM

/// `/save FILE` in the chat: the conversation written as Markdown (FILE.md) or as JSON messages (any other name).
enum Transcript {
    static func save(model: String, system: String?, history: [ChatMessage], to file: String) {
        let path = NSString(string: file).expandingTildeInPath
        var messages = history
        if let system { messages.insert(.system(system), at: 0) }
        let content: String
        if path.lowercased().hasSuffix(".md") {
            content = "# embedchat chat with \(model)\n\n" + messages.map { message in
                "**\(message.role.rawValue)**: \(message.text ?? "")\n"
            }.joined(separator: "\n")
        } else {
            struct Document: Encodable { var model: String; var messages: [ChatMessage] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            content = (try? encoder.encode(Document(model: model, messages: messages)))
                .map { String(decoding: $0, as: UTF8.self) + "\n" } ?? "{}\n"
        }
        do {
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            Terminal.err("saved \(messages.count) messages to \(path)\n")
        } catch {
            Terminal.error("cannot save to \(path): \(error.localizedDescription)")
        }
    }
}
