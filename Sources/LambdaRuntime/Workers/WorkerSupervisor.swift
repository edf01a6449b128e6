import Dispatch
public import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The parent of an environment served by worker processes (``WorkerPlan``). It never starts Python: it starts
/// the workers, waits for their init, reports the first init failure once, lets them poll, forwards SIGTERM, and
/// ends the environment when a worker dies.
///
/// - Init: every worker inits at once (each imports litellm on its own core). When all say `ready`, each is told
///   `go` and starts polling. The first init failure (or a worker ending before it is ready) is posted to
///   `/runtime/init/error` once; the other workers are stopped and the parent exits 1.
/// - SIGTERM: forwarded to every worker, which drains its invocations in flight; the parent exits 0 once all have
///   exited 0. A second SIGTERM is forwarded too (the workers then stop at once and exit 1). If the workers are not
///   gone `gracePeriod` plus 5 s after the first signal, they are killed and the parent exits 1.
/// - A worker that dies while serving is named in the log (index, pid, exit status or signal); the others are
///   drained as for SIGTERM, and the parent exits 1, ending the environment. It is not restarted: Lambda is the
///   supervisor of the environment, a runtime exit is the signal it acts on (it starts a fresh environment and
///   reports `Runtime.ExitError`), and a crash can leave what the workers share (`/tmp`, a secret's rotation, a
///   defect that fires again) in a state a silent restart would repeat and hide.
public enum WorkerSupervisor {
    /// Starts the workers and serves until they are all gone.
    /// - Parameters:
    ///   - plan: The workers and their pollers (``WorkerPlan/usesWorkers`` should be true).
    ///   - gracePeriod: The workers' own drain budget (`EMBEDCHAT_SHUTDOWN_GRACE_SECONDS`).
    ///   - endpoint: The Runtime API for the init error; `nil` reads `AWS_LAMBDA_RUNTIME_API`.
    ///   - logger: The parent's logger.
    /// - Returns: The exit status for the parent: 0 after a clean drain, 1 otherwise.
    public static func run(plan: WorkerPlan, gracePeriod: Duration, endpoint: String? = nil, logger: Logger) async -> Int32 {
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        // SIGTERM first, so none is lost between starting the workers and listening.
        let signals = DispatchSource.makeSignalSource(signal: SIGTERM, queue: DispatchQueue(label: "WorkerSupervisor.signals"))
        signal(SIGTERM, SIG_IGN)
        signals.setEventHandler { sink.yield(.terminate) }
        signals.resume()
        defer { signals.cancel() }

        var workers: [WorkerProcess] = []
        for (index, pollers) in plan.pollers.enumerated() {
            do {
                let worker = try WorkerSpawn.start(index: index, pollers: pollers, arguments: CommandLine.arguments)
                workers.append(worker)
                watch(worker, sink: sink)
            } catch {
                logger.critical("could not start a worker", metadata: ["worker": "\(index)", "error": "\(error)"])
                sink.yield(.initFailed(index, errorType: "Runtime.WorkerStartFailed", message: error.description))
                break
            }
        }
        logger.info("starting worker processes", metadata: [
            "workers": "\(workers.count)", "pids": "\(workers.map(\.pid))", "pollers": "\(plan.pollers)",
        ])
        var supervisor = Supervision(workers: workers, expected: plan.workers, gracePeriod: gracePeriod,
                                     endpoint: endpoint, logger: logger, sink: sink)
        for await event in events {
            if let status = await supervisor.handle(event) { return status }
        }
        return 1
    }

    enum Event: Sendable {
        case ready(Int)
        case initFailed(Int, errorType: String, message: String)
        case exited(Int, WorkerExit)
        case terminate
        case graceOver
    }

    /// One reader of the worker's link and one `waitpid`, each on a thread of its own (both block).
    ///
    /// A worker that fails its init writes `init-error` and exits at once, so both threads wake together. Its exit
    /// is yielded only after its link's first line (or end of file) has been, so the supervisor always sees the
    /// worker's own error before its exit and reports that, not `Runtime.ExitError`. The wait for the line is
    /// bounded by `linkGrace`, in case something the worker started still holds its end of the link open.
    static func watch(_ worker: WorkerProcess, sink: AsyncStream<Event>.Continuation, linkGrace: Duration = .seconds(5)) {
        let firstLineHandled = DispatchSemaphore(value: 0)
        DispatchQueue(label: "WorkerSupervisor.link.\(worker.index)").async {
            defer { firstLineHandled.signal() }
            guard let line = WorkerWire.readLine(worker.link) else { return }
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.first == "ready" {
                sink.yield(.ready(worker.index))
            } else if fields.first == "init-error", fields.count == 3 {
                sink.yield(.initFailed(worker.index, errorType: WorkerWire.unescape(fields[1]),
                                       message: WorkerWire.unescape(fields[2])))
            } else {
                sink.yield(.initFailed(worker.index, errorType: "Runtime.WorkerProtocolError",
                                       message: "worker \(worker.index) sent '\(line.prefix(80))' instead of ready"))
            }
        }
        DispatchQueue(label: "WorkerSupervisor.wait.\(worker.index)").async {
            var status: Int32 = 0
            while waitpid(worker.pid, &status, 0) < 0 && errno == EINTR {}
            let (seconds, attoseconds) = linkGrace.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            _ = firstLineHandled.wait(timeout: .now() + .nanoseconds(nanoseconds))
            sink.yield(.exited(worker.index, WorkerExit(status: status)))
        }
    }
}

/// The parent's state machine over the workers' events.
private struct Supervision {
    enum Phase { case initializing, serving, draining, failing }

    let workers: [WorkerProcess]
    let expected: Int
    let gracePeriod: Duration
    let endpoint: String?
    let logger: Logger
    let sink: AsyncStream<WorkerSupervisor.Event>.Continuation
    var phase = Phase.initializing
    var ready: Set<Int> = []
    var alive: Set<Int>
    var status: Int32 = 0
    var terminations = 0

    init(workers: [WorkerProcess], expected: Int, gracePeriod: Duration, endpoint: String?, logger: Logger,
         sink: AsyncStream<WorkerSupervisor.Event>.Continuation) {
        self.workers = workers
        self.expected = expected
        self.gracePeriod = gracePeriod
        self.endpoint = endpoint
        self.logger = logger
        self.sink = sink
        alive = Set(workers.map(\.index))
    }

    /// Acts on one event; returns the parent's exit status once every worker is gone.
    mutating func handle(_ event: WorkerSupervisor.Event) async -> Int32? {
        switch event {
        case .ready(let index):
            ready.insert(index)
            logger.info("worker ready", metadata: ["worker": "\(index)", "pid": "\(workers[index].pid)"])
            if phase == .initializing && ready.count == expected {
                phase = .serving
                for worker in workers { WorkerWire.send("go", on: worker.link) }
                logger.info("every worker is ready; polling", metadata: ["workers": "\(expected)"])
            }
        case .initFailed(let index, let errorType, let message):
            await initFailed(errorType: errorType, message: message, by: index)
        case .exited(let index, let exit):
            alive.remove(index)
            let pid = index < workers.count ? workers[index].pid : 0
            switch phase {
            case .initializing:
                logger.critical("worker ended during init", metadata: ["worker": "\(index)", "pid": "\(pid)", "how": "\(exit)"])
                await initFailed(errorType: "Runtime.ExitError", message: "worker \(index) ended during init: \(exit)", by: index)
            case .serving:
                logger.critical("worker died; draining the others and ending the environment", metadata: [
                    "worker": "\(index)", "pid": "\(pid)", "how": "\(exit)", "workersLeft": "\(alive.count)",
                ])
                status = 1
                beginDrain()
            case .draining, .failing:
                logger.info("worker exited", metadata: ["worker": "\(index)", "pid": "\(pid)", "how": "\(exit)"])
                if !exit.isClean { status = 1 }
            }
            if alive.isEmpty && phase == .draining && status == 0 { logger.info("every worker drained; exiting") }
        case .terminate:
            terminations += 1
            if terminations == 1 {
                logger.info("SIGTERM: draining every worker", metadata: ["workers": "\(alive.count)", "gracePeriod": "\(gracePeriod)"])
                if phase != .failing { beginDrain() }
            } else {
                logger.info("SIGTERM again: the workers stop now")
                status = 1
                signalAlive(SIGTERM)
            }
        case .graceOver:
            logger.critical("workers still running after the grace period; killing them", metadata: ["workers": "\(alive.sorted())"])
            status = 1
            signalAlive(SIGKILL)
        }
        // Done once no worker is left, unless the environment is still starting or serving.
        return alive.isEmpty && (phase == .draining || phase == .failing) ? status : nil
    }

    private mutating func beginDrain() {
        guard phase != .draining else { return }
        phase = .draining
        signalAlive(SIGTERM)
        let sink = self.sink, budget = gracePeriod + .seconds(5)
        Task {
            try? await Task.sleep(for: budget)
            sink.yield(.graceOver)
        }
    }

    /// Reports the environment's first init failure, once, and stops the other workers.
    private mutating func initFailed(errorType: String, message: String, by index: Int) async {
        guard phase == .initializing else { return }
        phase = .failing
        status = 1
        logger.critical("init failed in a worker; stopping the others", metadata: [
            "worker": "\(index)", "errorType": "\(errorType)", "error": "\(message)",
        ])
        do {
            try await LambdaRuntime.reportInitError(
                FunctionErrorPayload(errorType: errorType, errorMessage: message), endpoint: endpoint, logger: logger)
        } catch {
            logger.critical("could not report the init error", metadata: ["error": "\(error)"])
        }
        signalAlive(SIGKILL)
    }

    private func signalAlive(_ number: Int32) {
        for index in alive.sorted() { kill(workers[index].pid, number) }
    }
}

extension FunctionErrorPayload: LambdaFunctionError {}
