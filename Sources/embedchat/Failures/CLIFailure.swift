/// A failure the CLI reports as one line on stderr and an exit code.
struct CLIFailure: Error, CustomStringConvertible {
    let message: String
    let hint: String?
    let exitCode: Int32

    init(_ message: String, hint: String? = nil, exitCode: Int32) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
    }

    /// The line printed on stderr (without the `embedchat: ` prefix).
    var line: String {
        var text = Self.oneLine(message)
        if let hint { text += " (hint: \(hint))" }
        return text
    }

    var description: String { line }

    static func usage(_ message: String, hint: String? = nil) -> CLIFailure {
        CLIFailure(message, hint: hint, exitCode: CLIExit.usage)
    }

    /// Collapses whitespace and newlines into single spaces and caps the length, so a provider's multi-line
    /// JSON error stays one readable line.
    static func oneLine(_ text: String, limit: Int = 400) -> String {
        let collapsed = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return collapsed.count > limit ? String(collapsed.prefix(limit)) + "…" : collapsed
    }
}
