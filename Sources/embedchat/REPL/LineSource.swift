/// Where the REPL's lines come from: libedit on a terminal (editing, history, completion), plain lines from a pipe.
protocol LineSource: Sendable {
    /// The next line, or `nil` at end of input.
    func next(prompt: String) async -> String?
    /// Keeps `line` in the history, where there is one.
    func remember(_ line: String)
    /// Ctrl-C at the prompt: drops the line being typed, where lines are edited.
    func abandonLine()
}
