import Foundation
import TerminalMarkdown

/// Where streamed answer text goes: stdout as it arrives, rendered as Markdown when stdout is a terminal (unless
/// --raw), raw otherwise (piped output stays the model's own text); the answer ends with a newline.
final class AnswerSink: @unchecked Sendable {
    // Used from one task at a time (the one streaming the answer).
    private let json: Bool
    private var renderer: MarkdownRenderer?
    private var endsWithNewline = true
    private var wroteAnything = false

    init(json: Bool, raw: Bool) {
        self.json = json
        renderer = !json && !raw && Terminal.stdoutIsTTY ? MarkdownRenderer() : nil
    }

    func write(_ text: String) {
        wroteAnything = true
        endsWithNewline = text.hasSuffix("\n")
        if renderer != nil {
            let rendered = renderer!.feed(text)
            if !rendered.isEmpty { Terminal.out(rendered) }
        } else {
            Terminal.out(text)
        }
    }

    /// The answer is complete: render what is left and end its last line.
    func finish() {
        if renderer != nil {
            let rest = renderer!.finish()
            if !rest.isEmpty { Terminal.out(rest) }
        }
        if !json && !endsWithNewline { Terminal.out("\n") }
    }

    /// The answer was cut: show what arrived of its last line and keep the error line off the end of it.
    func interrupted() {
        if renderer != nil {
            let rest = renderer!.flushRaw()
            if !rest.isEmpty { Terminal.out(rest) }
        }
        if wroteAnything && !endsWithNewline { Terminal.out("\n") }
    }
}
