/// How many worker processes serve an environment, and how many pollers each runs.
///
/// One process runs litellm's own per-request CPU on one core at a time (one interpreter, one GIL), so with several
/// invocations at once and several vCPUs, one process per vCPU serves more. The rule: with `concurrency` (N) above 1
/// and more than one processor, `min(processors, N)` workers, the N pollers shared as evenly as possible; otherwise
/// one process (no workers at all: today's behaviour). A requested count (`EMBEDCHAT_WORKERS` in `bootstrap`)
/// replaces the processor count: `1` keeps one process whatever the cores, more than N is cut to N.
public struct WorkerPlan: Sendable, Equatable, CustomStringConvertible {
    /// The pollers of each worker, one element per worker process; a single element means no workers.
    public let pollers: [Int]

    /// How many worker processes (1: the process serves alone, no workers are started).
    public var workers: Int { pollers.count }

    /// Whether worker processes are started (more than one).
    public var usesWorkers: Bool { pollers.count > 1 }

    /// `3 workers: 6+5+5 pollers`.
    public var description: String {
        usesWorkers ? "\(workers) workers: \(pollers.map(String.init).joined(separator: "+")) pollers"
            : "one process: \(pollers[0]) pollers"
    }

    /// Plans for `concurrency` pollers.
    /// - Parameters:
    ///   - concurrency: N, the invocations at once (``LambdaRuntime/maxConcurrency()``), at least 1.
    ///   - processors: The processors this process may run on.
    ///   - requested: An explicit worker count, or `nil` for one per processor.
    public init(concurrency: Int, processors: Int, requested: Int? = nil) {
        let concurrency = max(1, concurrency)
        let wanted = requested ?? processors
        let count = max(1, min(wanted, concurrency))
        pollers = (0..<count).map { concurrency / count + ($0 < concurrency % count ? 1 : 0) }
    }

    /// Reads a requested worker count: unset or empty is `nil` (one per processor).
    /// - Throws: ``LambdaRuntimeError`` with code `invalidConfiguration` unless it is a positive integer.
    public static func requestedWorkers(_ value: String?, variable: String) throws(LambdaRuntimeError) -> Int? {
        guard let value, !value.isEmpty else { return nil }
        guard let count = Int(value), count >= 1 else {
            throw LambdaRuntimeError(
                code: .invalidConfiguration, message: "\(variable) must be a positive integer, got '\(value.prefix(32))'")
        }
        return count
    }

    /// The processors this process may run on: its CPU affinity (`Cpus_allowed_list` in `/proc/self/status`, which
    /// containers and cpusets narrow), else the processors online.
    public static var availableProcessors: Int {
        if let allowed = procStatusField("Cpus_allowed_list"), let count = cpuListCount(allowed), count > 0 { return count }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// How many processors a list such as `0-3,8,10-11` names; `nil` if it is not one.
    static func cpuListCount(_ list: String) -> Int? {
        var count = 0
        for range in list.split(separator: ",") {
            let bounds = range.split(separator: "-")
            guard let low = Int(bounds[0]), let high = bounds.count == 2 ? Int(bounds[1]) : low, high >= low, bounds.count <= 2
            else { return nil }
            count += high - low + 1
        }
        return count
    }

    private static func procStatusField(_ name: String) -> String? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if line.hasPrefix(name + ":") {
                return String(line.dropFirst(name.count + 1).filter { !$0.isWhitespace })
            }
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
