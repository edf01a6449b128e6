import ArgumentParser
import Foundation
import LiteLLM

/// `ask`'s options for typed answers, attachments and tools: one group, so `ask` needs one line to take them.
struct TypedOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("JSON Schema (inline or @FILE) or concise fields the answer must fit.",
                                            discussion: SchemaArgument.help, valueName: "schema"))
    var schema: String?

    @Option(name: [.customShort("a"), .customLong("attach")], help: ArgumentHelp(
        "A file, https URL or - (stdin) to send with the prompt (repeatable).",
        discussion: AttachmentArguments.help, valueName: "path|url|-"))
    var attachments: [String] = []

    @Option(name: .customLong("tool"), help: ArgumentHelp("A built-in tool the model may call (repeatable).",
                                                          discussion: BuiltinTools.help, valueName: "name"))
    var tools: [String] = []

    @Option(name: .long, help: ArgumentHelp("A stdio MCP server whose tools the model may call (repeatable).",
                                            discussion: ToolSession.help, valueName: "command args|name"))
    var mcp: [String] = []

    @Flag(name: .long, help: "Run the tool calls the model makes without asking.")
    var yes = false

    @Flag(name: .long, help: "Print each tool call and its result on stderr (and MCP servers' stderr).")
    var toolsDebug = false

    @Option(name: .long, help: ArgumentHelp("The most rounds of tool calls before giving up (exit 1).", valueName: "n"))
    var maxToolRounds = 8

    /// Whether any of these options was given (else `ask` answers as it always has).
    var isActive: Bool { schema != nil || !attachments.isEmpty || usesTools }

    var usesTools: Bool { !tools.isEmpty || !mcp.isEmpty }

    /// Whether `-a -` takes stdin, so the prompt comes only from the arguments.
    var attachesStandardInput: Bool { attachments.contains("-") }

    /// The prompt when stdin is an attachment: the arguments only.
    static func promptWithoutStandardInput(_ words: [String]) throws -> String {
        let prompt = words.joined(separator: " ")
        guard !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, words != ["-"] else {
            throw CLIFailure.usage("-a - reads stdin as an attachment, so the prompt must be given as arguments")
        }
        return prompt
    }

    func validate() throws {
        do {
            if let schema { _ = try SchemaArgument(schema) }
            if usesTools && !yes && !(Terminal.stdinIsTTY && Terminal.stderrIsTTY) {
                throw CLIFailure.usage("--tool and --mcp run tools the model picks; nobody is at a terminal to confirm each call",
                                       hint: "pass --yes to run them without asking")
            }
            if maxToolRounds < 1 { throw CLIFailure.usage("--max-tool-rounds must be at least 1") }
            for name in tools { _ = try BuiltinTools.tool(named: name) }
            if attachments.filter({ $0 == "-" }).count > 1 { throw CLIFailure.usage("-a - can be given once (stdin is read once)") }
        } catch let failure as CLIFailure {
            throw ValidationError(failure.line)
        }
    }
}
