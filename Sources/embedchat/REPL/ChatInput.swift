import CLIConfig
import Foundation
import LineEditor
import Synchronization

/// What the user typed: a message (possibly of many lines) or nothing more.
enum ChatInput {
    /// The next message: one line, or the lines between a line `"""` and the next (a block), joined with newlines.
    /// Every line goes into the history. `nil` at end of input.
    static func next(_ source: any LineSource, prompt: String, continuation: String) async -> String? {
        guard let line = await source.next(prompt: prompt) else { return nil }
        source.remember(line)
        guard line.trimmingCharacters(in: .whitespaces) == "\"\"\"" else { return line }
        var lines: [String] = []
        while let more = await source.next(prompt: continuation) {
            source.remember(more)
            if more.trimmingCharacters(in: .whitespaces) == "\"\"\"" { break }
            lines.append(more)
        }
        return lines.joined(separator: "\n")
    }

    /// Tab completion: slash commands at the start of a line, model names and aliases after `/model `.
    static func completer(models: ModelNames) -> LineEditor.Completer {
        { line, word in
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("/model ") {
                return models.all.filter { $0.hasPrefix(word) }
            }
            guard word.hasPrefix("/"), trimmed.hasPrefix(word) else { return [] }
            return ChatCommand.names.filter { $0.hasPrefix(word) }
        }
    }
}
