import Foundation
import LiteLLM
import PythonEmbed
import ProviderFakes
import Testing

@Suite("A Router cools down whatever callbacks were configured before it")
struct RouterCooldownSetupTests {
    /// litellm runs the Router's cooldown callbacks (bound methods) only through a module global it sets once, at the
    /// first call that finds callbacks configured, and only if one of them is a function: a `CustomLogger` configured
    /// before the first Router left it unset for the process's life (a whole-suite run in one process got there
    /// when a test configured one before any Router call). Here that state is made by hand; a Router made in it
    /// still cools its failing deployment down.
    @Test func aFailingDeploymentCoolsDownEvenWhenLitellmsFunctionCallbackRunnerWasNeverSet() async throws {
        try await withProvider { client, server in try await ProcessWideCallbacks.exclusively {
            // As after a first call that found only a CustomLogger configured: litellm's list of the callbacks it has
            // set up is not empty (so it never sets them up again), and the function-callback runner is unset. The
            // values before are kept on litellm's utils module and put back after.
            _ = try RouterCallCutTests.python("""
                import litellm.litellm_core_utils.litellm_logging as logging_module
                import litellm.utils as utils_module
                from litellm.integrations.custom_logger import CustomLogger
                utils_module._embedchat_test_saved = (logging_module.customLogger, utils_module.callback_list)
                utils_module.callback_list = [CustomLogger()]
                logging_module.customLogger = None
                """)
            defer { _ = try? RouterCallCutTests.python("""
                import litellm.litellm_core_utils.litellm_logging as logging_module
                import litellm.utils as utils_module
                saved_runner, utils_module.callback_list = utils_module._embedchat_test_saved
                if logging_module.customLogger is None:
                    logging_module.customLogger = saved_runner
                """) }
            let group = "cooldown-setup-\(UUID().uuidString)"
            let router = try await client.makeRouter([
                RouterDeployment(group: group, id: "\(group)#0", litellmModel: "openai/status-500", settings: server.openAI,
                                 cooldownSeconds: 60),
                RouterDeployment(group: group, id: "\(group)#1", litellmModel: "openai/echo", settings: server.openAI,
                                 cooldownSeconds: 60),
            ])
            func failingTries() -> Int { server.recordedRequests.filter { $0.model == "status-500" }.count }
            // simple-shuffle picks at random: ask until the failing deployment has been tried (30 misses: p = 1e-9).
            for _ in 0..<30 where failingTries() == 0 {
                _ = try? await router.complete(ask(group, "until tried"), policy: RouterPolicy(retries: 1))
            }
            #expect(failingTries() == 1)
            // Cooled down for 60 s: every next call goes to the healthy deployment.
            for _ in 0..<6 {
                let reply = try await router.complete(ask(group, "after"), policy: RouterPolicy(retries: 1))
                #expect(reply.deployment == "\(group)#1")
            }
            #expect(failingTries() == 1, "the failing deployment was asked again: it never cooled down")
        } }
    }
}
