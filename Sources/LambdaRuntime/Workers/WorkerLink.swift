import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A worker's line to its parent: a socket on file descriptor 3 that the parent opened before starting it.
///
/// The conversation is one line each way. The worker says `ready` once its init is done (or the init error, which
/// the parent reports to `/runtime/init/error` once for the whole environment); the parent says `go` once every
/// worker is ready, and only then do the workers poll `/next` (the first `/next` ends Lambda's init phase). The
/// parent never writes again: end of file means it is gone, and the worker ends too (Lambda treats the parent as
/// the runtime; a worker left behind would poll for an environment that is being torn down).
public final class WorkerLink: Sendable {
    /// The variable the parent sets in each worker's environment: the worker's index, from 0.
    public static let indexVariable = "EMBEDCHAT_WORKER_INDEX"
    /// The link's file descriptor in the worker.
    static let descriptor: Int32 = 3

    /// This worker's index among its parent's workers.
    public let index: Int
    private let queue = DispatchQueue(label: "LambdaRuntime.WorkerLink")

    /// The link when this process is a worker (the variable is set and descriptor 3 is a socket); `nil` otherwise.
    public static func fromEnvironment() -> WorkerLink? {
        guard let text = Environment.get(indexVariable), let index = Int(text), index >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK else { return nil }
        // Nothing this process starts (a Python subprocess, say) inherits the link.
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        return WorkerLink(index: index)
    }

    private init(index: Int) { self.index = index }

    /// Tells the parent that init is done.
    public func reportReady() {
        WorkerWire.send("ready", on: Self.descriptor)
    }

    /// Hands an init failure to the parent, which reports the environment's first one to the Runtime API.
    /// The worker should exit non-zero afterwards.
    public func reportInitError(_ error: any Error) {
        let payload = FunctionErrorPayload(error)
        WorkerWire.send("init-error\t\(WorkerWire.escape(payload.errorType))\t\(WorkerWire.escape(payload.errorMessage))",
                        on: Self.descriptor)
    }

    /// Waits for the parent's `go`.
    /// - Returns: `true` on `go`; `false` when the parent closed the link instead (it is ending the environment).
    public func waitForStart() async -> Bool {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: WorkerWire.readLine(Self.descriptor) == "go") }
        }
    }

    /// From now on, calls `parentGone` (which should end the process) when the parent closes the link.
    public func watchParent(_ parentGone: @escaping @Sendable () -> Void) {
        queue.async {
            var byte: UInt8 = 0
            while true {
                let count = read(Self.descriptor, &byte, 1)
                if count == 0 || (count < 0 && errno != EINTR) { break }
            }
            parentGone()
        }
    }
}

/// The line format both ends speak: tab-separated fields, tabs, newlines and backslashes escaped.
enum WorkerWire {
    static func send(_ line: String, on descriptor: Int32) {
        var bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// Reads up to a newline; `nil` at end of file before one.
    static func readLine(_ descriptor: Int32) -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(descriptor, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.append(character)
            }
        }
        return out
    }

    static func unescape(_ text: Substring) -> String {
        var out = ""
        var escaped = false
        for character in text {
            if escaped {
                switch character {
                case "t": out += "\t"
                case "n": out += "\n"
                case "r": out += "\r"
                default: out.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}
