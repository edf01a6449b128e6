import Foundation

/// Where streamed answer text goes: stdout as it arrives, ending with a newline.
final class AnswerSink: @unchecked Sendable {
    // Used from one task at a time (the one streaming the answer).
    private let json: Bool
    private let raw: Bool
    private var endsWithNewline = true
    private var wroteAnything = false

    init(json: Bool, raw: Bool) {
        self.json = json
        self.raw = raw
    }

    func write(_ text: String) {
        Terminal.out(text)
        wroteAnything = true
        endsWithNewline = text.hasSuffix("\n")
    }

    /// The answer is complete: end its last line.
    func finish() {
        if !json && !endsWithNewline { Terminal.out("\n") }
    }

    /// The answer was cut: keep the error line off the end of a partial answer.
    func interrupted() {
        if wroteAnything && !endsWithNewline { Terminal.out("\n") }
    }
}
