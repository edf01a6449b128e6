import Foundation
import TerminalMarkdown

/// Where streamed answer text goes: stdout as it arrives, ending with a newline. When stdout is a terminal (and not
/// --raw), each line is shown as it streams and redrawn rendered as Markdown once its newline arrives (a line's
/// markup is only known whole); piped output stays the model's own text.
final class AnswerSink: @unchecked Sendable {
    // Used from one task at a time (the one streaming the answer).
    private let json: Bool
    private var renderer: MarkdownRenderer?
    private var line = ""
    private var endsWithNewline = true
    private var wroteAnything = false

    init(json: Bool, raw: Bool) {
        self.json = json
        renderer = !json && !raw && Terminal.stdoutIsTTY ? MarkdownRenderer() : nil
    }

    func write(_ text: String) {
        wroteAnything = true
        endsWithNewline = text.hasSuffix("\n")
        guard renderer != nil else { return Terminal.out(text) }
        var rest = Substring(text)
        while let newline = rest.firstIndex(of: "\n") {
            let piece = rest[..<newline]
            line += piece
            Terminal.out(String(piece))
            redrawRendered()
            Terminal.out("\n")
            rest = rest[rest.index(after: newline)...]
        }
        line += rest
        if !rest.isEmpty { Terminal.out(String(rest)) }
    }

    /// The answer is complete: render its last line and end it.
    func finish() {
        if renderer != nil && !line.isEmpty { redrawRendered() }
        if !json && !endsWithNewline { Terminal.out("\n") }
    }

    /// The answer was cut: leave its last line as it came and keep the error line off the end of it.
    func interrupted() {
        if wroteAnything && !endsWithNewline { Terminal.out("\n") }
    }

    /// Replaces the line just shown raw with its rendering: back to its first row, clear, print.
    private func redrawRendered() {
        defer { line = "" }
        let rendered = renderer!.renderLine(line)
        guard rendered != line else { return }
        let columns = Terminal.columns
        let rows = max(1, (line.count + columns - 1) / columns)
        guard rows < Terminal.rows else { return }  // taller than the screen: its top has scrolled away
        Terminal.out("\r" + (rows > 1 ? "\u{1B}[\(rows - 1)A" : "") + "\u{1B}[J" + rendered)
    }
}
