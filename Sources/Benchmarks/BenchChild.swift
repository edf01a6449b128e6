import ArgumentParser
import Foundation

/// A `bootstrap` (or other) child process of a benchmark, with its output in a file (or discarded), measured through
/// `/proc` over its whole process tree: with worker processes, the parent and every worker.
final class BenchChild: @unchecked Sendable {
    let process = Process()
    /// Where its standard output and error go; `nil` when discarded.
    let logPath: String?

    init(executable: String, arguments: [String] = [], environment: [String: String], keepLog: Bool = true) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        if keepLog {
            let path = NSTemporaryDirectory() + "bench-bootstrap-\(UUID().uuidString).log"
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            process.standardOutput = log
            process.standardError = log
            logPath = path
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            logPath = nil
        }
        try process.run()
    }

    /// The `bootstrap` to run: `given` (`--bootstrap`), else the one beside this benchmark.
    /// - Throws: `ValidationError` naming the path when it is not an executable.
    static func bootstrapExecutable(_ given: String?) throws -> String {
        let executable = given ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("bootstrap").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ValidationError("no bootstrap at \(executable); build it (swift build --product bootstrap) or pass --bootstrap")
        }
        return executable
    }

    var pid: Int32 { process.processIdentifier }
    var log: String { logPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "" }

    /// The child and its descendants (`/proc/PID/task/*/children`).
    var processTree: [Int32] {
        var found: [Int32] = []
        var pending = [pid]
        while let next = pending.popLast() {
            found.append(next)
            for task in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(next)/task")) ?? [] {
                let children = (try? String(contentsOfFile: "/proc/\(next)/task/\(task)/children", encoding: .utf8)) ?? ""
                pending += children.split(separator: " ").compactMap { Int32($0) }
            }
        }
        return found
    }

    /// How many processes the tree holds (1, or 1 + the workers).
    var processCount: Int { processTree.count }

    /// Open file descriptors over the tree (`/proc/PID/fd`).
    var openFileDescriptors: Int {
        processTree.reduce(0) { $0 + ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\($1)/fd").count) ?? 0) }
    }

    /// A `/proc/PID/status` figure in KiB (`VmRSS`, `VmHWM`), summed over the tree; -1 when unreadable.
    func statusKiB(_ field: String) -> Int {
        let figures = processTree.compactMap { ProcessMemory.statusKiB($0, field) }
        return figures.isEmpty ? -1 : figures.reduce(0, +)
    }

    /// User plus system CPU seconds used by the tree's processes (those alive now).
    var cpuSeconds: Double { processTree.reduce(0) { $0 + ((try? ProcessMemory.cpuSeconds($1)) ?? 0) } }

    /// Waits until the log holds `text` (`false`: the child exited first, or `seconds` passed).
    func waitForLog(_ text: String, seconds: Int) async -> Bool {
        for _ in 0..<(seconds * 10) {
            if log.contains(text) { return true }
            if !process.isRunning { return false }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Log lines holding any of `secrets`.
    func linesHolding(_ secrets: [String]) -> [String] {
        log.split(separator: "\n").filter { line in secrets.contains { line.contains($0) } }.map(String.init)
    }

    /// SIGTERM (a drain), then waits; the log file is removed.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        if let logPath { try? FileManager.default.removeItem(atPath: logPath) }
    }
}

/// Reads one process's memory and CPU time from `/proc`.
enum ProcessMemory {
    static func statusKiB(_ pid: Int32, _ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    static func residentKiB(_ pid: Int32) throws -> Int {
        guard let kib = statusKiB(pid, "VmRSS") else { throw BenchmarkFailure("no VmRSS for process \(pid)") }
        return kib
    }

    /// User plus system CPU seconds the process has used.
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (which may hold spaces) start after the last ')'.
        guard let close = stat.lastIndex(of: ")") else { throw BenchmarkFailure("unreadable /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchmarkFailure("unreadable /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
