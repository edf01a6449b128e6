import Foundation

/// Lines typed (or piped) on stdin, read on a thread of their own so the REPL never blocks Swift's cooperative
/// pool. `read(2)` is retried on `EINTR`, so a Ctrl-C at the prompt is not mistaken for the end of input.
enum LineReader {
    /// The lines of stdin without their newlines; the sequence ends at end of input (Ctrl-D).
    static func lines() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let thread = Thread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    break
                }
                if count == 0 {
                    // End of input. A terminal's Ctrl-D after some typing returns that text first, then 0 on the
                    // next empty read; text without a newline is still a line.
                    if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)); pending.removeAll() }
                    break
                }
                pending.append(contentsOf: buffer[..<count])
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    var line = Array(pending[..<newline])
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    continuation.yield(String(decoding: line, as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
            }
            continuation.finish()
        }
        thread.name = "embedchat-stdin"
        thread.start()
        return stream
    }
}
