import Foundation
import LambdaRuntime
import Logging

/// How the runtime serves the Runtime API: how many pollers, and how it shuts down.
///
/// `AWS_LAMBDA_MAX_CONCURRENCY` (Lambda Managed Instances) pollers, one when unset. SIGTERM drains: polling stops,
/// the invocations in flight are answered, then the process exits 0. A second SIGTERM, or
/// `EMBEDCHAT_SHUTDOWN_GRACE_SECONDS` (default 10) passing before the drain is done, exits 1 at once.
struct Serving {
    static let defaultGraceSeconds = 10.0

    let concurrency: Int
    let gracePeriod: Duration
    /// One process, or worker processes sharing the pollers (`Workers.swift`).
    let plan: WorkerPlan

    /// Reads the environment (nothing for `--local`, which does not use it).
    /// - Parameter worker: This process is a worker: it serves its share alone and starts no workers.
    static func fromEnvironment(local: Bool, worker: Bool = false) throws(InitError) -> Serving {
        guard !local else {
            return Serving(concurrency: 1, gracePeriod: .seconds(defaultGraceSeconds), plan: WorkerPlan(concurrency: 1, processors: 1))
        }
        let concurrency: Int
        do {
            concurrency = try LambdaRuntime.maxConcurrency()
        } catch {
            throw InitError(errorType: "Runtime.InvalidConfiguration", errorMessage: error.message)
        }
        var grace = defaultGraceSeconds
        if let text = ProcessInfo.processInfo.environment["EMBEDCHAT_SHUTDOWN_GRACE_SECONDS"], !text.isEmpty {
            guard let seconds = Double(text), seconds.isFinite, seconds >= 0 else {
                throw InitError(
                    errorType: "Runtime.InvalidConfiguration",
                    errorMessage: "EMBEDCHAT_SHUTDOWN_GRACE_SECONDS must be a number of seconds, got '\(text.prefix(32))'")
            }
            grace = seconds
        }
        let plan: WorkerPlan
        do {
            let requested = try WorkerPlan.requestedWorkers(
                ProcessInfo.processInfo.environment[Workers.variable], variable: Workers.variable)
            plan = worker ? WorkerPlan(concurrency: concurrency, processors: 1)
                : WorkerPlan(concurrency: concurrency, processors: WorkerPlan.availableProcessors, requested: requested)
        } catch {
            throw InitError(errorType: "Runtime.InvalidConfiguration", errorMessage: error.message)
        }
        return Serving(concurrency: concurrency, gracePeriod: .milliseconds(Int64(grace * 1000)), plan: plan)
    }

    /// Serves until SIGTERM has drained the pollers; a fatal Runtime API error throws.
    func serve(_ handler: some StreamingLambdaHandler & Sendable, logger: Logger) async throws {
        let shutdown = GracefulShutdown(gracePeriod: gracePeriod) { forced in
            logger.critical("shutdown forced; exiting", metadata: [
                "reason": "\(forced.reason.rawValue)", "invocationsInFlight": "\(forced.invocationsInFlight)",
            ])
            fflush(nil)
            exit(1)
        }
        TerminationSignals.forward([SIGTERM], to: shutdown) { _ in
            logger.info(shutdown.isDraining ? "SIGTERM again" : "SIGTERM: taking no new invocations, draining", metadata: [
                "invocationsInFlight": "\(shutdown.invocationsInFlight)", "gracePeriod": "\(gracePeriod)",
            ])
        }
        if concurrency > 1 { logger.info("serving invocations concurrently", metadata: ["pollers": "\(concurrency)"]) }
        try await LambdaRuntime.serve(handler: handler, concurrency: concurrency, shutdown: shutdown, logger: logger)
        fflush(nil)
    }
}
