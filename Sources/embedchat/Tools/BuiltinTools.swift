import Foundation
import LiteLLM

/// The tools `--tool NAME` offers.
enum BuiltinTools {
    static let names = ["now", "read_file"]

    static let help = """
        Built-in tools: now (the current date, time and time zone), read_file (a UTF-8 text file under the current \
        folder, at most 256 KB; paths outside it are refused).
        """

    /// The tool named `name`.
    /// - Throws: ``CLIFailure`` (usage) for an unknown name.
    static func tool(named name: String) throws -> any ChatTool {
        switch name {
        case "now": return now
        case "read_file": return ReadFile(root: FileManager.default.currentDirectoryPath)
        default:
            throw CLIFailure.usage("--tool \(name): no such built-in tool (there are \(names.joined(separator: ", ")))",
                                   hint: "MCP servers' tools come with --mcp 'command args'")
        }
    }

    static let now = FunctionTool(name: "now", description: "The current date, time and time zone.") { _ in
        let date = Date()
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = .current
        return "\(formatter.string(from: date)) (\(TimeZone.current.identifier))"
    }

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
