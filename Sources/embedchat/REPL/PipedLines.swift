/// Lines piped into stdin, read on a thread of their own (``LineReader``).
final class PipedLines: LineSource, @unchecked Sendable {
    // Read by one task only, the REPL's loop, one line at a time.
    private var iterator = LineReader.lines().makeAsyncIterator()

    func next(prompt: String) async -> String? { await iterator.next() }

    func remember(_ line: String) {}
    func abandonLine() {}
}
