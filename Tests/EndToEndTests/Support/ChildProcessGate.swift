import Foundation
import TestSupport

/// How many child processes that import litellm may be starting at once, for the whole end-to-end test run.
///
/// Every end-to-end test starts processes that import litellm (about 1.5 s of CPU each on a quiet machine). Started
/// all at once on 2 cores, twenty such imports share the cores twenty ways, and on a machine that is also busy with
/// other work each one takes minutes: every budget a test gives its child runs out while the child is still
/// importing. The gate lets two start at a time (one per core); a test waits for a permit before it starts its child,
/// and its child's budgets count from then. A long-lived child gives its permit back once it is ready (it logged that
/// litellm is imported, or it exited), a short-lived one when it exits.
enum ChildProcessGate {
    /// The one gate of the test run: `EMBEDCHAT_TEST_CHILDREN` permits, 2 by default.
    static let shared = AsyncSemaphore(permits: max(1, Int(ProcessInfo.processInfo.environment["EMBEDCHAT_TEST_CHILDREN"] ?? "") ?? 2))
}
