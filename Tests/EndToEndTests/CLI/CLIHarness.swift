import Foundation
import TestSupport
import Testing

/// Runs the built `embedchat` executable as a child process for the CLI end-to-end tests.
///
/// Child processes are started and awaited on threads of their own, never on Swift's cooperative pool (two threads
/// on a two-core machine), so the in-process fake provider and other tests keep running meanwhile.
enum CLIHarness {
    /// The repository root, from this file's path (Tests/EndToEndTests/CLI/CLIHarness.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The Python packages: EMBEDCHAT_PYTHONPATH when the test run sets it, else the setup script's `.python/`.
    static let packagePath = ProcessInfo.processInfo.environment["EMBEDCHAT_PYTHONPATH"] ?? "\(repositoryRoot)/.python"

    /// The built `embedchat`: found beside the test bundle by walking up from `CommandLine.arguments[0]`.
    static let executable: String? = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("embedchat").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
            url.deleteLastPathComponent()
        }
        return nil
    }()

    /// A fake API key: tests check that its value never appears in any output.
    static let fakeKey = "sk-cli-e2e-NEVERSHOWN-4f1c9a7e2b"
    static let fakeKeySecretPart = "NEVERSHOWN-4f1c9a7e2b"

    /// The environment every child gets: PATH, HOME, the package path, and `extra` (nothing else from the test
    /// runner, so no real provider key leaks in).
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ["EMBEDCHAT_PYTHONPATH": packagePath, "LANG": "C.UTF-8"]
        for key in ["PATH", "HOME", "ASAN_OPTIONS", "LSAN_OPTIONS", "PYTHONMALLOC"] {
            environment[key] = ProcessInfo.processInfo.environment[key]
        }
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Runs `embedchat` with `arguments` and collects its output.
    /// - Parameters:
    ///   - arguments: The command-line arguments.
    ///   - stdin: Text piped into stdin (then closed); `nil` connects stdin to `/dev/null`, as a terminal-less
    ///     run with nothing piped.
    ///   - environment: Variables added to ``environment(_:)``.
    ///   - timeout: The child is killed after this long (the result then says `timedOut`).
    static func run(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:],
                    timeout: Duration = .seconds(90)) async throws -> CLIRunResult {
        let executable = try #require(executable, "the embedchat executable was not found beside the test bundle; run swift build first")
        let environment = environment(extra)
        // One of the few children that may import litellm at once (ChildProcessGate); the timeout counts from its start.
        return try await ChildProcessGate.shared.withPermit { try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    try runBlocking(executable, arguments, stdin: stdin, environment: environment, timeout: timeout)
                })
            }
            thread.name = "cli-child"
            thread.start()
        } }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], stdin: String?,
                                    environment: [String: String], timeout: Duration) throws -> CLIRunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = stdin.map { _ in Pipe() }
        process.standardInput = input ?? FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        if let input, let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        let killer = DispatchWorkItem { [process] in if process.isRunning { process.terminate(); kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)), execute: killer)
        let group = DispatchGroup()
        nonisolated(unsafe) var stderrData = Data()
        group.enter()
        DispatchQueue.global().async {
            stderrData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        killer.cancel()
        let elapsed = ContinuousClock.now - started
        return CLIRunResult(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                            stderr: String(decoding: stderrData, as: UTF8.self), elapsed: elapsed,
                            timedOut: elapsed >= timeout)
    }

    /// A temporary file holding `text`.
    static func temporaryFile(_ text: String, suffix: String = ".jsonl") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("embedchat-cli-\(UUID().uuidString)\(suffix)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Decodes one JSON document.
    static func json(_ text: some StringProtocol) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }
}

/// What a child run of `embedchat` did.
struct CLIRunResult: Sendable, CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String
    let elapsed: Duration
    let timedOut: Bool

    /// Non-empty stderr lines.
    var stderrLines: [Substring] { stderr.split(separator: "\n") }
    /// Non-empty stdout lines.
    var stdoutLines: [Substring] { stdout.split(separator: "\n") }

    var description: String { "exit \(status) after \(elapsed)\(timedOut ? " (killed)" : "")\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// A tmux session on a private socket, for driving the REPL through a real terminal.
struct CLITmuxSession: Sendable {
    static let tmux: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    let socket = "embedchat-cli-\(UUID().uuidString.prefix(8))"
    let name = "repl"

    /// Starts `command` (a shell command line) in a detached 200×50 session whose pane stays readable after the
    /// command ends.
    func start(_ command: String) throws {
        try tmux(["new-session", "-d", "-s", name, "-x", "200", "-y", "50", command, ";",
                  "set-option", "-t", name, "remain-on-exit", "on"])
    }

    /// Types keys: text, or names such as `Enter`, `C-c`, `C-d`.
    func send(_ keys: String...) throws {
        try tmux(["send-keys", "-t", name] + keys)
    }

    /// Types `text` literally, then Return.
    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", name, "-l", text])
        try tmux(["send-keys", "-t", name, "Enter"])
    }

    /// The pane's text, history included, wrapped lines joined, trailing spaces and blank lines removed (so the
    /// REPL's idle prompt `> ` is a last line `>`).
    func screen() throws -> String {
        let text = try tmux(["capture-pane", "-p", "-J", "-t", name, "-S", "-1000"])
        var lines = text.components(separatedBy: "\n").map { line in
            String(line.reversed().drop { $0 == " " }.reversed())
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// Polls the screen until `condition` holds.
    /// - Returns: the screen that satisfied it.
    /// - Throws: when `timeout` passes first, with the last screen in the message.
    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(60), _ condition: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = (try? screen()) ?? last
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what); the screen was:\n\(last)")
        throw CancellationError()
    }

    /// Ends the tmux server of this session and removes its socket file.
    func kill() {
        _ = try? tmux(["kill-server"])
        let folder = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        try? FileManager.default.removeItem(atPath: "\(folder)/tmux-\(getuid())/\(socket)")
    }

    /// Runs a tmux client.
    ///
    /// Two things keep the forked tmux server (and the pane's processes) independent of the test process:
    /// - the client is spawned from a thread with no blocked signals, because children inherit the spawning
    ///   thread's mask and libdispatch's worker threads block SIGINT, SIGHUP and SIGTERM, which would make Ctrl-C and
    ///   `kill-server` do nothing in the pane;
    /// - bash closes every descriptor above 2 before running tmux, because the server would otherwise inherit them,
    ///   among them the socket Foundation's `Process` watches for the child's exit (so `waitUntilExit` would wait as
    ///   long as the server lives) and the write ends of other tests' output pipes.
    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let tmux = try #require(Self.tmux)
        let socket = socket
        nonisolated(unsafe) var result: Result<String, any Error> = .success("")
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var empty = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, nil)
            result = Result {
                let script = #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null; exec "$@""#
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/bash")
                process.arguments = ["-c", script, "bash", tmux, "-L", socket, "-f", "/dev/null"] + arguments
                let out = arguments.first == "capture-pane" ? Pipe() : nil
                process.standardOutput = out ?? FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                process.standardInput = FileHandle.nullDevice
                try process.run()
                let data = out?.fileHandleForReading.readDataToEndOfFile() ?? Data()
                process.waitUntilExit()
                return String(decoding: data, as: UTF8.self)
            }
            done.signal()
        }
        thread.start()
        done.wait()
        return try result.get()
    }
}
