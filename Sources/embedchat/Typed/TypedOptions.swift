import ArgumentParser
import Foundation
import LiteLLM

/// `ask`'s options for typed answers, attachments and tools: one group, so `ask` needs one line to take them.
struct TypedOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("JSON Schema (inline or @FILE) or concise fields the answer must fit.",
                                            discussion: SchemaArgument.help, valueName: "schema"))
    var schema: String?

    /// Whether any of these options was given (else `ask` answers as it always has).
    var isActive: Bool { schema != nil }

    func validate() throws {
        do {
            if let schema { _ = try SchemaArgument(schema) }
        } catch let failure as CLIFailure {
            throw ValidationError(failure.line)
        }
    }
}
