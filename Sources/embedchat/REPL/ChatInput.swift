import CLIConfig
import Foundation
import LineEditor
import Synchronization

/// Where the REPL's lines come from: libedit on a terminal (editing, history, completion), plain lines from a pipe.
protocol LineSource: Sendable {
    /// The next line, or `nil` at end of input.
    func next(prompt: String) async -> String?
    /// Keeps `line` in the history, where there is one.
    func remember(_ line: String)
    /// Ctrl-C at the prompt: drops the line being typed, where lines are edited.
    func abandonLine()
}

/// Lines edited on a terminal with libedit; history in `$XDG_STATE_HOME/embedchat/history`.
struct EditedLines: LineSource {
    let editor: LineEditor

    init(historyFile: String, completer: @escaping LineEditor.Completer) {
        editor = LineEditor(historyFile: historyFile, completer: completer)
    }

    func next(prompt: String) async -> String? { await editor.readLine(prompt: prompt) }
    func remember(_ line: String) { editor.addToHistory(line) }
    func abandonLine() { editor.abandonLine() }
}

/// Lines piped into stdin, read on a thread of their own (``LineReader``).
final class PipedLines: LineSource, @unchecked Sendable {
    // Read by one task only, the REPL's loop, one line at a time.
    private var iterator = LineReader.lines().makeAsyncIterator()

    func next(prompt: String) async -> String? { await iterator.next() }

    func remember(_ line: String) {}
    func abandonLine() {}
}

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

/// The model names `/model` completes: aliases at once, litellm's chat models when they have been read.
final class ModelNames: Sendable {
    private let names: Mutex<[String]>
    init(_ names: [String]) { self.names = Mutex(names) }
    var all: [String] { names.withLock { $0 } }
    func add(_ more: [String]) { names.withLock { $0.append(contentsOf: more) } }
}

/// `/edit`: writes a message in `$VISUAL` or `$EDITOR` (else `vi`).
enum ExternalEditor {
    /// Opens the editor on a temporary file holding `initial`, waits for it, and returns what was saved (trimmed);
    /// `nil` when the editor failed or the text is empty.
    static func compose(_ initial: String, environment: [String: String] = ProcessInfo.processInfo.environment) async -> String? {
        let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("embedchat-message-\(UUID().uuidString).md").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard (try? initial.write(toFile: path, atomically: true, encoding: .utf8)) != nil else { return nil }
        let status: Int32 = await withCheckedContinuation { continuation in
            let thread = Thread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                // The editor may carry arguments (EDITOR="code --wait"), so the shell splits it.
                process.arguments = ["-c", "\(editor) \"$1\"", "sh", path]
                do {
                    try process.run()
                    process.waitUntilExit()
                    continuation.resume(returning: process.terminationStatus)
                } catch {
                    continuation.resume(returning: -1)
                }
            }
            thread.name = "embedchat-editor"
            thread.start()
        }
        guard status == 0 else {
            Terminal.error("the editor (\(editor)) exited with status \(status); nothing sent")
            return nil
        }
        let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return text.isEmpty ? nil : text
    }
}
