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

    /// Whether any of these options was given (else `ask` answers as it always has).
    var isActive: Bool { schema != nil || !attachments.isEmpty }

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
            if attachments.filter({ $0 == "-" }).count > 1 { throw CLIFailure.usage("-a - can be given once (stdin is read once)") }
        } catch let failure as CLIFailure {
            throw ValidationError(failure.line)
        }
    }
}
