import CEditline
import Foundation
import Synchronization

/// Line editing on a terminal through libedit: arrow keys, Emacs-style keys, history recalled with ↑/↓ and kept in
/// a file, and tab completion.
///
/// libedit keeps one editor per process (its readline interface has global state), so this is a process-wide
/// facility: make one editor and read every line through it. ``readLine(prompt:)`` blocks a thread of its own, never
/// Swift's cooperative pool.
public final class LineEditor: Sendable {
    /// Completes a word: given the whole line so far and the word under the cursor, the candidates for that word.
    public typealias Completer = @Sendable (_ line: String, _ word: String) -> [String]

    private let historyFile: String?
    private let historyLimit: Int

    /// Prepares libedit: the prompt and editing on stderr (stdout carries only answers), no signal handlers of
    /// libedit's own (the program handles Ctrl-C), history loaded from `historyFile`.
    /// - Parameters:
    ///   - historyFile: Where history is read from and appended to (its folder is created); `nil` keeps none.
    ///   - historyLimit: The most lines kept.
    ///   - completer: Tab completion, or `nil` for none (libedit's file-name completion is never used).
    public init(historyFile: String?, historyLimit: Int = 1000, completer: Completer?) {
        self.historyFile = historyFile
        self.historyLimit = historyLimit
        Completion.completer.withLock { $0 = completer }
        // libedit edits wide characters after the C locale's encoding: without this, non-ASCII input is mangled.
        setlocale(LC_CTYPE, "")
        ceditline_set_output_stderr()
        ceditline_set_catch_signals(0)
        ceditline_set_completion(Completion.attempt)
        ceditline_set_getc(Input.getc)
        using_history()
        stifle_history(Int32(historyLimit))
        if let historyFile {
            try? FileManager.default.createDirectory(atPath: (historyFile as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: historyFile) { _ = read_history(historyFile) }
        }
    }

    /// Shows `prompt` and reads one edited line (without its newline), or `nil` at end of input (Ctrl-D on an
    /// empty line).
    public func readLine(prompt: String) async -> String? {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                guard let pointer = readline(prompt) else { return continuation.resume(returning: nil) }
                let line = String(cString: pointer)
                free(pointer)
                continuation.resume(returning: line)
            }
            thread.name = "embedchat-line-editor"
            thread.start()
        }
    }

    /// Abandons the line being edited, as Ctrl-C does in a shell: ``readLine(prompt:)`` returns an empty line.
    /// Safe to call from any thread (a signal handler's queue, say); does nothing when no line is being read.
    public func abandonLine() { Input.abandon() }

    /// Adds `line` to the history (↑ recalls it) and saves the history file.
    public func addToHistory(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        add_history(line)
        // The whole (stifled) history is rewritten: libedit's append_history crashed here on a file it had written.
        if let historyFile { _ = write_history(historyFile) }
    }
}

/// The C callbacks libedit calls for tab completion; they reach the Swift completer through process-wide state,
/// since a C function pointer carries no context.
enum Completion {
    static let completer = Mutex<LineEditor.Completer?>(nil)
    /// The candidates of the completion in progress, handed out one per call by ``generate``.
    private static let candidates = Mutex<[String]>([])

    static let attempt: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = {
        word, _, _ in
        ceditline_set_completion_over(1)  // never fall back to file names
        let text = word.map { String(cString: $0) } ?? ""
        let line = ceditline_line_buffer().map { String(cString: $0) } ?? text
        let found = completer.withLock { $0 }?(line, text) ?? []
        candidates.withLock { $0 = found }
        guard !found.isEmpty, let word else { return nil }
        return rl_completion_matches(word, generate)
    }

    /// readline's generator protocol: called with state 0, 1, 2, ... until it returns NULL; each string is malloc'd
    /// and freed by libedit.
    static let generate: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { _, state in
        let list = candidates.withLock { $0 }
        guard Int(state) < list.count else { return nil }
        return strdup(list[Int(state)])
    }
}

/// The characters libedit reads: stdin, decoded from UTF-8 here (libedit takes each as one wide character), and a
/// wake-up pipe through which ``LineEditor/abandonLine()`` clears the line and ends it.
enum Input {
    private static let wake: (read: Int32, write: Int32) = {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }()
    /// Characters handed to libedit before reading more: after Ctrl-A (sent at once), Ctrl-K and Return.
    private static let queued = Mutex<[Int32]>([])
    private static let reading = Atomic<Bool>(false)

    static func abandon() {
        guard reading.load(ordering: .acquiring) else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    static let getc: @convention(c) (UnsafeMutablePointer<FILE>?) -> Int32 = { _ in
        if let next = queued.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return next }
        reading.store(true, ordering: .releasing)
        defer { reading.store(false, ordering: .releasing) }
        while true {
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                return -1
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                var byte: UInt8 = 0
                _ = read(wake.read, &byte, 1)
                queued.withLock { $0 = [0x0B, 0x0A] }
                return 0x01
            }
            if fds[0].revents != 0 { return readCharacter() }
        }
    }

    /// One character from stdin: a UTF-8 sequence decoded to its code point; -1 at end of input.
    private static func readCharacter() -> Int32 {
        func byte() -> Int32? {
            var value: UInt8 = 0
            while true {
                let count = read(STDIN_FILENO, &value, 1)
                if count == 1 { return Int32(value) }
                if count < 0 && errno == EINTR { continue }
                return nil
            }
        }
        guard let first = byte() else { return -1 }
        let (length, initial): (Int, Int32) = switch first {
        case 0..<0x80: (0, first)
        case 0xC0..<0xE0: (1, first & 0x1F)
        case 0xE0..<0xF0: (2, first & 0x0F)
        case 0xF0..<0xF8: (3, first & 0x07)
        default: (0, 0xFFFD)
        }
        var scalar = initial
        for _ in 0..<length {
            guard let next = byte(), next & 0xC0 == 0x80 else { return 0xFFFD }
            scalar = scalar << 6 | (next & 0x3F)
        }
        return scalar
    }
}
