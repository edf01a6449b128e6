@testable import LambdaRuntime
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension LambdaRuntimeTests {
    /// The parent's watch over one worker: its link's first line and its exit, read on two threads.
    @Suite("Worker processes: a worker's own word comes before its exit")
    struct WorkerWatchTests {
        /// A worker that wrote `line` (if any) and has already exited, with its link's far end closed unless
        /// `keepLinkOpen`. The exit is awaited without reaping (`WNOWAIT`), so the watch's two threads find
        /// everything ready at once: the race the CI run lost, in every round.
        private func exitedWorker(wrote line: String?, keepLinkOpen: Bool = false) throws -> (WorkerProcess, heldEnd: Int32?) {
            var pair: [Int32] = [-1, -1]
            try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
            if let line { _ = (line + "\n").withCString { write(pair[1], $0, strlen($0)) } }
            var held: Int32? = pair[1]
            if !keepLinkOpen { close(pair[1]); held = nil }
            var pid: pid_t = 0
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
            defer { free(argv[0]) }
            try #require(posix_spawn(&pid, "/bin/true", nil, nil, argv, environ) == 0)
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            return (WorkerProcess(index: 0, pid: pid, link: pair[0], pollers: 1), held)
        }

        private func events(of worker: WorkerProcess, linkGrace: Duration = .seconds(5)) async -> [WorkerSupervisor.Event] {
            let (stream, sink) = AsyncStream.makeStream(of: WorkerSupervisor.Event.self)
            WorkerSupervisor.watch(worker, sink: sink, linkGrace: linkGrace)
            var seen: [WorkerSupervisor.Event] = []
            for await event in stream {
                seen.append(event)
                if case .exited = event { break }
            }
            close(worker.link)
            return seen
        }

        @Test func anInitErrorWrittenJustBeforeExitingIsSeenBeforeTheExit() async throws {
            for round in 0..<40 {
                let (worker, _) = try exitedWorker(wrote: "init-error\tRuntime.PythonInitFailed\tno encodings")
                let seen = await events(of: worker)
                try #require(seen.count == 2, "round \(round): \(seen)")
                guard case .initFailed(0, let errorType, let message) = seen[0] else {
                    Issue.record("round \(round): the exit came first: \(seen)")
                    return
                }
                #expect(errorType == "Runtime.PythonInitFailed")
                #expect(message == "no encodings")
            }
        }

        @Test func aWorkerThatDiesWithoutAWordStillReportsItsExit() async throws {
            let (worker, _) = try exitedWorker(wrote: nil)
            let seen = await events(of: worker)
            #expect(seen.count == 1)
            guard case .exited(0, let exit) = seen.first else {
                Issue.record("expected only the exit: \(seen)")
                return
            }
            #expect(exit.isClean)
        }

        @Test func aLinkHeldOpenByAnotherProcessDelaysTheExitOnlyByTheGrace() async throws {
            let (worker, held) = try exitedWorker(wrote: nil, keepLinkOpen: true)
            defer { if let held { close(held) } }
            // The link never ends while `held` is open; the exit is still reported once the grace is over.
            let seen = await events(of: worker, linkGrace: .milliseconds(50))
            #expect(seen.count == 1)
            guard case .exited = seen.first else {
                Issue.record("expected the exit: \(seen)")
                return
            }
        }
    }
}
