import Foundation

/// The `bootstrap` a storm runs against: a child process with its log in a file, read through /proc.
final class StormProcess: @unchecked Sendable {
    let process = Process()
    let logPath = NSTemporaryDirectory() + "storm-bootstrap-\(UUID().uuidString).log"

    init(executable: String, arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Open file descriptors of the child (`/proc/PID/fd`).
    var openFileDescriptors: Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1 }

    /// A `/proc/PID/status` figure in KiB (`VmRSS`, `VmHWM`).
    func statusKiB(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
        }
        return -1
    }

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

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

/// Counts of a storm's outcomes, shared by its client threads.
final class StormTally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var answered = 0, refused = 0, closed = 0, hung = 0
    private(set) var wrong: [String] = []
    private(set) var inFlight = 0, mostInFlight = 0

    func began() {
        lock.withLock {
            inFlight += 1
            mostInFlight = max(mostInFlight, inFlight)
        }
    }

    func ended(_ outcome: StormOutcome) {
        lock.withLock {
            inFlight -= 1
            switch outcome {
            case .answered: answered += 1
            case .refused: refused += 1
            case .closed: closed += 1
            case .hung: hung += 1
            case .wrong(let why): wrong.append(why)
            }
        }
    }

    var total: Int { lock.withLock { answered + refused + closed + hung + wrong.count } }
}
