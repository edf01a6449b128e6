import Foundation
import PythonEmbed

/// The repository root, found from this file's path (Tests/PythonEmbedTests/Support.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The project's package folder made by scripts/setup.sh, or EMBEDCHAT_PYTHONPATH when the test run sets it.
let packagePath = ProcessInfo.processInfo.environment["EMBEDCHAT_PYTHONPATH"] ?? "\(repositoryRoot)/.python"

/// Starts this test process's interpreter once (every test may call it; start is idempotent).
func startPython() throws {
    try Interpreter.start(InterpreterConfiguration(packagePaths: packagePath.split(separator: ":").map(String.init)))
}

/// Runs Python statements on a worker thread and returns the `result` variable as a Swift value. Tests never take
/// the GIL on the cooperative pool: blocking its two threads on the GIL starves every other test's continuations.
func evaluate(_ code: String) async throws -> PythonValue {
    try startPython()
    return try await PythonWorkerPool.shared.run { gil in try Interpreter.run(code, gil).toValue(gil) }
}

/// Returns once the Python expression `condition` (e.g. `builtins.flag`) is true, checked every few milliseconds:
/// for effects the host starts without waiting for them (an async iterator's close runs later on the loop thread),
/// whose moment depends on the scheduler. No clock is read: an effect that never comes holds the test until its time
/// limit (`.timeLimit` on the suite) cancels the wait, which then throws `CancellationError`.
func untilPythonIsTrue(_ condition: String) async throws {
    while try await evaluate("import builtins\nresult = bool(\(condition))") != true {
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// Python source that leaves in `result` an endless async generator yielding 1 after each `asyncio.sleep(pause)`; it
/// sets `builtins.<closed>` when it is closed and, if given, `builtins.<started>` when it first runs. `setUp` lines
/// run first.
func endlessGenerator(pause: String, closed: String, started: String? = nil, setUp: [String] = []) -> String {
    var lines = ["import asyncio, builtins", "builtins.\(closed) = False"] + setUp
    lines += started.map { ["builtins.\($0) = False", "async def endless():", "    builtins.\($0) = True"] } ?? ["async def endless():"]
    lines += ["    try:", "        while True:", "            await asyncio.sleep(\(pause))", "            yield 1",
              "    finally:", "        builtins.\(closed) = True", "result = endless()"]
    return lines.joined(separator: "\n")
}

/// An async sequence over the async generator that the Python `code` leaves in `result`, its items as values.
func pythonAsyncSequence(_ code: String, readAhead: Int = 8) async throws -> PythonAsyncSequence<PythonValue> {
    let loop = try PythonEventLoop.shared()
    return try await withPython { gil in
        try PythonAsyncSequence(Interpreter.run(code, gil), loop: loop, readAhead: readAhead, gil) { item, gil in
            try item.toValue(gil)
        }
    }
}

/// The same, synchronously, with the GIL: for values that must be built and checked in one scope.
func withPython<R: Sendable>(_ body: @escaping @Sendable (borrowing GIL) throws -> R) async throws -> R {
    try startPython()
    return try await PythonWorkerPool.shared.run { gil in try body(gil) }
}

/// The folder holding the built executables (the test bundle sits beside them).
let buildFolder: String = {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while url.path != "/" {
        if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("embed-probe").path) { return url.path }
        url.deleteLastPathComponent()
    }
    return "\(repositoryRoot)/.build/debug"
}()

struct ChildResult {
    let status: Int32
    let stdout: String
    let stderr: String
    /// stdout read as a JSON object by Python's own `json.loads` (empty when it is not one).
    func json() async -> [String: PythonValue] {
        let text = stdout
        let value = try? await withPython { gil in
            try Interpreter.importModule("json", gil).callMethod("loads", arguments: [.string(text)], gil).toValue(gil)
        }
        return value?.objectValue ?? [:]
    }
}

/// Runs an executable with exactly the given environment (plus PATH) and collects its output.
func runChild(_ executable: String, _ arguments: [String] = [], environment: [String: String]) throws -> ChildResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = environment
    env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
    for key in ["ASAN_OPTIONS", "LSAN_OPTIONS"] { env[key] = ProcessInfo.processInfo.environment[key] }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Both pipes at once: read one after the other, a child that fills the stderr pipe (64 KiB: a compiler's
    // diagnostics, a sanitizer's report) before it closes stdout would wait on us while we wait on it.
    nonisolated(unsafe) var stderr = Data()
    let stderrRead = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        stderr = err.fileHandleForReading.readDataToEndOfFile()
        stderrRead.signal()
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    stderrRead.wait()
    process.waitUntilExit()
    return ChildResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
}

/// The number of threads in this process, from /proc.
func threadCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
}
