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
}
