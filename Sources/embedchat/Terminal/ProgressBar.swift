/// A progress bar on stderr for batch runs (only when stderr is a terminal).
struct ProgressBar {
    let total: Int
    let enabled = Terminal.stderrIsTTY

    /// Redraws the bar.
    func update(done: Int, failed: Int) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let failures = failed > 0 ? ", \(failed) failed" : ""
        Terminal.err("\r\u{1B}[K\(bar) \(done)/\(total)\(failures)")
    }

    /// Erases the bar.
    func finish() {
        guard enabled else { return }
        Terminal.err("\r\u{1B}[K")
    }
}
