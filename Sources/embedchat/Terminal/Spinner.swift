/// A one-line spinner on stderr while something slow runs (only when stderr is a terminal).
final class Spinner: Sendable {
    private let task: Task<Void, Never>?

    /// Starts spinning with `message`, or does nothing when stderr is not a terminal.
    init(_ message: String) {
        guard Terminal.stderrIsTTY else { task = nil; return }
        task = Task {
            let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
            var index = 0
            while !Task.isCancelled {
                Terminal.err("\r\u{1B}[K\(frames[index % frames.count]) \(message)")
                index += 1
                try? await Task.sleep(for: .milliseconds(80))
            }
        }
    }

    /// Stops and erases the spinner line.
    func stop() async {
        guard let task else { return }
        task.cancel()
        await task.value
        Terminal.err("\r\u{1B}[K")
    }
}
