import Foundation
import LiteLLM
import PythonEmbed
import ProviderFakes
import Testing

/// The per-call work the Router glue skips (RouterGlue.swift, issue #12): each test fails if its cut is gone, and the
/// call still answers through litellm's Router.
@Suite("A Router call skips per-call work nobody reads")
struct RouterCallCutTests {
    /// litellm's `async_function_with_fallbacks` logs `f"Async Response: {response}"`, rendering the whole answer even
    /// with debug logging off; the glue's copy of the method leaves that line out (and runs litellm's own when debug
    /// logging is on).
    @Test func aRouterCallNeverRendersItsAnswerForADebugLineThatIsOff() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server)
            // A recorder in place of the Router logger's `debug` (on the instance; the logger filters by level inside).
            _ = try Self.python("""
                import litellm.router as r
                def record(message, *args, **kwargs):
                    record.seen.append(str(message)[:40])
                record.seen = []
                r.verbose_router_logger.debug = record
                """)
            defer { _ = try? Self.python("import litellm.router as r\ndel r.verbose_router_logger.debug") }
            let reply = try await router.complete(ask(group), policy: RouterPolicy())
            #expect(reply.deployment == "\(group)#0")
            guard case .array(let messages) = try Self.python("import litellm.router as r\nresult = list(r.verbose_router_logger.debug.seen)") else {
                Issue.record("no recorder"); return
            }
            let lines = messages.compactMap(\.stringValue)
            #expect(lines.contains { $0.hasPrefix("Inside async function with retries") })  // the recorder heard the call
            #expect(!lines.contains { $0.hasPrefix("Async Response:") })
        }
    }

    /// The Router starts a service-logging task for the call's duration and one for the deployment pick; with no
    /// service callback the glue never starts them (the hook would return at once).
    @Test func withNoServiceCallbackTheRouterStartsNoServiceLoggingTasks() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server)
            func dropped() throws -> Int { try Self.python("import _embedchat_router as g\nresult = g.DROPPED_SERVICE_TASKS").intValue ?? -1 }
            let before = try dropped()
            _ = try await router.complete(ask(group), policy: RouterPolicy())
            #expect(try dropped() >= before + 2)
        }
    }

    /// litellm asks for every keyword of a call whether it is a prompt-management parameter, and the enum's list was
    /// built anew for each ask; now it is built once, with the same values.
    @Test func thePromptManagementParameterListIsBuiltOnceWithTheSameValues() async throws {
        _ = try await startClient()  // the glue makes the list at start-up
        let same = try Self.python("""
            from litellm.types.utils import DynamicPromptManagementParamLiteral as P
            result = [P.list_all_params() is P.list_all_params(), list(P.list_all_params()) == [p.value for p in P],
                      'knowledge_bases' in P.list_all_params(), 'metadata' in P.list_all_params()]
            """)
        #expect(same == .array([.bool(true), .bool(true), .bool(true), .bool(false)]))
    }
}

extension RouterCallCutTests {
    /// A Router of one group with one deployment at `server`, and the group's name.
    static func router(_ client: LiteLLMClient, _ server: FakeProviderServer) async throws -> (LiteLLMRouter, String) {
        let group = "cut-\(UUID().uuidString)"
        let router = try await client.makeRouter([
            RouterDeployment(group: group, id: "\(group)#0", litellmModel: "openai/echo", settings: server.openAI),
        ])
        return (router, group)
    }

    /// Runs `code` and returns its `result`.
    static func python(_ code: String) throws -> PythonValue {
        try Interpreter.withGIL { gil in try Interpreter.run(code, gil).toValue(gil) }
    }
}
