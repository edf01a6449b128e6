import Foundation
import LambdaRuntime
import Logging

/// Worker processes for Lambda Managed Instances with several vCPUs: the parent (which never starts Python)
/// supervises them through ``WorkerSupervisor``; each worker inits on its own, then waits for the parent's word
/// before it polls. `EMBEDCHAT_WORKERS` overrides the count (default: one per vCPU, at most one per poller; `1`
/// serves from one process).
enum Workers {
    static let variable = "EMBEDCHAT_WORKERS"

    /// In the parent: starts the workers and serves until they are gone, then exits with their verdict.
    static func supervise(_ serving: Serving, logger: Logger) async -> Never {
        let status = await WorkerSupervisor.run(plan: serving.plan, gracePeriod: serving.gracePeriod, logger: logger)
        fflush(nil)
        exit(status)
    }

    /// In a worker whose init is done: tells the parent, waits for its word, and from then on ends with it.
    static func readyToServe(_ link: WorkerLink, logger: Logger) async {
        link.reportReady()
        guard await link.waitForStart() else {
            logger.info("the parent ended the environment before serving; exiting")
            exit(1)
        }
        link.watchParent {
            logger.critical("the parent process is gone; exiting")
            fflush(nil)
            exit(1)
        }
    }
}
