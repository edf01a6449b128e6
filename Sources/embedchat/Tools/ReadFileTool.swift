import Foundation
import LiteLLM

extension BuiltinTools {
    /// Reads a text file under `root`.
    struct ReadFile: ChatTool {
        let root: String
        static let limit = 256_000

        var definition: Tool {
            Tool(function: .init(name: "read_file", description: "Reads a UTF-8 text file under the current folder.",
                                 parameters: JSONSchema.object(["path": .string(description: "a path relative to the current folder")]).json))
        }

        struct Refusal: Error, CustomStringConvertible { let description: String }

        func call(arguments: JSONValue) async throws -> String {
            guard let path = arguments["path"]?.stringValue, !path.isEmpty else { throw Refusal(description: "give a path") }
            let base = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
            let full = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: base + "/")).standardizedFileURL
                .resolvingSymlinksInPath().path
            guard full == base || full.hasPrefix(base + "/") else {
                throw Refusal(description: "\(path) is outside the current folder; only files under it can be read")
            }
            guard let data = FileManager.default.contents(atPath: full) else { throw Refusal(description: "cannot read \(path)") }
            guard data.count <= Self.limit else { throw Refusal(description: "\(path) is over \(Self.limit / 1000) KB") }
            guard let text = String(data: data, encoding: .utf8) else { throw Refusal(description: "\(path) is not UTF-8 text") }
            return text
        }
    }
}
