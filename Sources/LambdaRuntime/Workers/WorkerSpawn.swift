#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A started worker process as its parent sees it.
struct WorkerProcess: Sendable {
    /// Its index, from 0.
    let index: Int
    let pid: pid_t
    /// The parent's end of the link socket.
    let link: Int32
    /// How many pollers it runs.
    let pollers: Int
}

/// Starts the running binary afresh as a worker (`posix_spawn` of `/proc/self/exe`, never a `fork` of a process
/// whose threads hold locks), with a socket on its descriptor 3, default signal handling and an empty signal mask.
enum WorkerSpawn {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// - Parameters:
    ///   - index: The worker's index (``WorkerLink/indexVariable``).
    ///   - pollers: Its share of the pollers, as its `AWS_LAMBDA_MAX_CONCURRENCY`.
    ///   - arguments: The command line (the parent's own).
    static func start(index: Int, pollers: Int, arguments: [String]) throws(Failure) -> WorkerProcess {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw Failure(description: "socketpair failed: \(String(cString: strerror(errno)))")
        }
        let (parentEnd, childEnd) = (pair[0], pair[1])
        defer { close(childEnd) }

        var overrides = [
            WorkerLink.indexVariable: String(index),
            "AWS_LAMBDA_MAX_CONCURRENCY": String(pollers),
        ]
        var environment: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            let name = String(text.prefix { $0 != "=" })
            if let value = overrides.removeValue(forKey: name) {
                environment.append("\(name)=\(value)")
            } else {
                environment.append(text)
            }
            cursor += 1
        }
        environment += overrides.map { "\($0.key)=\($0.value)" }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 3 clears close-on-exec there; every other descriptor of ours is close-on-exec.
        posix_spawn_file_actions_adddup2(&actions, childEnd, WorkerLink.descriptor)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let path = "/proc/self/exe"
        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in posix_spawn(&pid, path, &actions, &attributes, argv, envp) }
        }
        guard status == 0 else {
            close(parentEnd)
            throw Failure(description: "could not start worker \(index): \(String(cString: strerror(status)))")
        }
        return WorkerProcess(index: index, pid: pid, link: parentEnd, pollers: pollers)
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}

/// How a worker ended, from `waitpid`'s status.
struct WorkerExit: Sendable, CustomStringConvertible {
    let status: Int32

    var exitCode: Int32? { status & 0x7f == 0 ? (status >> 8) & 0xff : nil }
    var signal: Int32? { exitCode == nil ? status & 0x7f : nil }
    var isClean: Bool { exitCode == 0 }

    var description: String {
        if let exitCode { return "exit status \(exitCode)" }
        let number = signal ?? 0
        return "signal \(number) (\(String(cString: strsignal(number))))"
    }
}
