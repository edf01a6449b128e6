import Foundation
import Synchronization

/// Writing to the standard streams. Stdout carries only answers (and JSON); everything else goes to stderr.
enum Terminal {
    /// Whether stdin, stdout or stderr is a terminal.
    static var stdinIsTTY: Bool { isatty(STDIN_FILENO) == 1 }
    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    /// The terminal's width and height in characters (80×24 when stdout is not a terminal).
    static var columns: Int { size.columns }
    static var rows: Int { size.rows }

    private static var size: (columns: Int, rows: Int) {
        var window = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else { return (80, 24) }
        return (Int(window.ws_col), Int(window.ws_row))
    }

    /// Writes `text` to stdout at once (no buffering, so streamed answers appear as they arrive).
    /// A closed pipe (`embedchat ... | head -1`) ends the program quietly, as `cat` does.
    static func out(_ text: String) {
        guard write(text, to: STDOUT_FILENO) else { Foundation.exit(CLIExit.success) }
    }

    /// Writes `text` to stderr as is.
    static func err(_ text: String) {
        stderrLock.withLock { _ in _ = write(text, to: STDERR_FILENO) }
    }

    /// Writes one `embedchat: ...` line to stderr.
    static func error(_ line: String) {
        let prefix = line.hasPrefix("embedchat") || line.hasPrefix("Error:") || line.hasPrefix("Usage:") ? "" : "embedchat: "
        err(prefix + line + (line.hasSuffix("\n") ? "" : "\n"))
    }

    private static let stderrLock = Mutex(())

    private static func write(_ text: String, to descriptor: Int32) -> Bool {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return false
            }
            offset += written
        }
        bytes.removeAll()
        return true
    }

    /// Reads all of stdin as UTF-8 text.
    static func readStandardInput() -> String {
        String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Whether stdin has data piped or redirected into it (a pipe, a file or a socket, not a terminal), so
    /// `cat notes.md | embedchat "summarise"` reads it while a plain `embedchat "hi"` from a shell or a script with
    /// an inherited terminal or `/dev/null` never waits on it.
    static var stdinHasPipedInput: Bool {
        var status = stat()
        guard fstat(STDIN_FILENO, &status) == 0 else { return false }
        let type = status.st_mode & S_IFMT
        return type == S_IFIFO || type == S_IFREG || type == S_IFSOCK
    }
}
