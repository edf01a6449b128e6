import Foundation
import LiteLLM
import PythonEmbed
import ProviderFakes
import Testing

/// The per-call work the Router glue skips (RouterGlue.swift, issue #12): each test fails if its cut is gone, and the
/// call still answers through litellm's Router.
@Suite("A Router call skips per-call work nobody reads", .serialized)  // two tests swap the Router logger's `debug`
struct RouterCallCutTests {
    /// litellm's `async_function_with_fallbacks` logs `f"Async Response: {response}"`, rendering the whole answer even
    /// with debug logging off; the glue's copy of the method leaves that line out (and runs litellm's own when debug
    /// logging is on).
    @Test func aRouterCallNeverRendersItsAnswerForADebugLineThatIsOff() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server)
            let lines = try await Self.debugLines { _ = try await router.complete(ask(group), policy: RouterPolicy()) }
            #expect(!lines.contains { $0.hasPrefix("Async Response:") })
        }
    }

    /// litellm's Router starts a service-logging task for the call's duration and one for the deployment pick. With no
    /// service callback the lean call path never makes their coroutines, and litellm's own path (another litellm
    /// version) has them dropped before they start (the hook would return at once).
    @Test func withNoServiceCallbackTheRouterStartsNoServiceLoggingTasks() async throws {
        try await withProvider { client, server in try await ProcessWideCallbacks.exclusively {
            let (router, group) = try await Self.router(client, server)
            _ = try Self.python("""
                import _embedchat_router as g
                original = g._QuietServiceLogging.async_service_success_hook
                def hook(self, *args, **kwargs):
                    hook.calls += 1
                    return original(self, *args, **kwargs)
                hook.calls = 0
                hook.original = original
                g._QuietServiceLogging.async_service_success_hook = hook
                """)
            let before = try Self.pathCounts()
            _ = try await router.complete(ask(group), policy: RouterPolicy())
            let hooks = try Self.python("""
                import _embedchat_router as g
                result = g._QuietServiceLogging.async_service_success_hook.calls
                g._QuietServiceLogging.async_service_success_hook = g._QuietServiceLogging.async_service_success_hook.original
                """)
            // No hook made; the lean path ran (other suites' Router calls may add to the process-wide count).
            #expect(hooks == .int(0))
            #expect(try Self.pathCounts().lean >= before.lean + 1)

            let beforeOwn = try Self.pathCounts()
            try await Self.withLitellmsOwnCallPath { _ = try await router.complete(ask(group), policy: RouterPolicy()) }
            #expect(try Self.pathCounts().dropped >= beforeOwn.dropped + 2)
        } }
    }

    /// The lean call path and litellm's own retry and fall back alike: a group whose one deployment answers 500 is
    /// tried, retried once, and then the fallback group answers.
    @Test(arguments: [true, false])
    func theLeanCallPathRetriesAndFallsBackAsLitellmsOwnDoes(lean: Bool) async throws {
        try await withProvider { client, server in try await ProcessWideCallbacks.exclusively {
            let (failing, healthy) = ("failing-\(UUID().uuidString)", "healthy-\(UUID().uuidString)")
            // Without `maxRetries` (num_retries 0 on a deployment tells litellm's Router not to retry its failures).
            let settings = ProviderSettings(apiBase: server.openAIBase, apiKey: "sk-test-0123456789abcdef")
            let router = try await client.makeRouter([
                RouterDeployment(group: failing, id: "\(failing)#0", litellmModel: "openai/status-500", settings: settings),
                RouterDeployment(group: healthy, id: "\(healthy)#0", litellmModel: "openai/echo", settings: settings),
            ])
            let before = try Self.pathCounts()
            func call() async throws {
                let reply = try await router.complete(ask(failing, "fall over"), policy: RouterPolicy(retries: 1, fallbacks: [healthy]))
                #expect(reply.deployment == "\(healthy)#0")
                #expect(reply.value.text == "echo: fall over")
            }
            if lean { try await call() } else { try await Self.withLitellmsOwnCallPath(call) }
            let after = try Self.pathCounts()
            #expect(server.recordedRequests.filter { $0.model == "status-500" }.count == 2)  // the try and its retry
            if lean {
                #expect(after.lean - before.lean >= 1)
            } else {
                #expect(after.dropped - before.dropped >= 2)
            }
        } }
    }

    /// litellm's deployment pick logs `f"initial list of deployments: {healthy_deployments}"`, rendering every
    /// deployment of the group even with debug logging off; the glue's copy of the method leaves that line out, and a
    /// model with no deployment is still refused with litellm's own message.
    @Test func aRouterCallNeverRendersItsDeploymentListForADebugLineThatIsOff() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server)
            let lines = try await Self.debugLines { _ = try await router.complete(ask(group), policy: RouterPolicy()) }
            #expect(!lines.contains { $0.hasPrefix("initial list of deployments") })
            do {
                _ = try await router.complete(ask("no-such-\(group)"), policy: RouterPolicy())
                Issue.record("a model with no deployment was answered")
            } catch {
                #expect(String(describing: error).contains("You passed in model=no-such-\(group). There are no healthy deployments for this model"))
            }
        }
    }

    /// litellm looks up a deployment's concurrency semaphore on every call, and with no limit set it worked out anew
    /// that there is none (`set_max_parallel_requests_client`); the glue answers "none" at once, and still gives the
    /// semaphore of a deployment that sets `rpm`.
    @Test func aDeploymentWithNoConcurrencyLimitIsNotAskedForOneOnEveryCall() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server)
            _ = try Self.python("""
                from litellm.router_utils.client_initalization_utils import InitalizeCachedClient as C
                original = C.__dict__["set_max_parallel_requests_client"]
                def record(litellm_router_instance, model):
                    record.calls += 1
                    return original.__func__(litellm_router_instance, model)
                record.calls = 0
                record.original = original
                C.set_max_parallel_requests_client = staticmethod(record)
                """)
            defer {
                _ = try? Self.python("""
                    from litellm.router_utils.client_initalization_utils import InitalizeCachedClient as C
                    C.set_max_parallel_requests_client = C.set_max_parallel_requests_client.original
                    """)
            }
            let reply = try await router.complete(ask(group), policy: RouterPolicy())
            #expect(reply.deployment == "\(group)#0")
            let seen = try Self.python("""
                from litellm.router_utils.client_initalization_utils import InitalizeCachedClient as C
                import asyncio, _embedchat_router as g
                from litellm.caching.dual_cache import DualCache
                router = object.__new__(g._Router)  # only what _get_client reads
                router.default_max_parallel_requests = None
                router.cache = DualCache()
                free = {"model_info": {"id": "free"}, "litellm_params": {"model": "openai/echo"}}
                limited = {"model_info": {"id": "limited"}, "litellm_params": {"model": "openai/echo", "rpm": 5}}
                calls_in_the_call = C.set_max_parallel_requests_client.calls
                result = [calls_in_the_call, router._get_client(free, {}, "max_parallel_requests") is None,
                          isinstance(router._get_client(limited, {}, "max_parallel_requests"), asyncio.Semaphore),
                          C.set_max_parallel_requests_client.calls]
                """)
            // None asked in the call or for the free deployment; the limited one got its semaphore from litellm (one ask).
            #expect(seen == .array([.int(0), .bool(true), .bool(true), .int(1)]))
        }
    }

    /// The Router hands litellm `stream=False`, `caching=False`, three deployment flags at False and `client=None` on
    /// every call, each of which litellm reads so when it is missing; the glue leaves them out (litellm spent a few µs on each),
    /// and hands on what the Router's own work needs (the deployment's `model_info` and the group in `metadata`).
    @Test func aRouterCallHandsLitellmNoKeywordThatOnlySaysWhatItDoesAnyway() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server)
            // A pass-through recorder of this group's calls (other suites' calls go by untouched).
            _ = try Self.python("""
                import litellm
                original = litellm.acompletion
                def record(**kwargs):
                    if str((kwargs.get("model_info") or {}).get("id", "")).startswith("\(group)#"):
                        record.seen.append(sorted(kwargs))
                    return original(**kwargs)
                record.seen = []
                record.original = original
                litellm.acompletion = record
                """)
            defer { _ = try? Self.python("import litellm\nlitellm.acompletion = litellm.acompletion.original") }
            let reply = try await router.complete(ask(group, "which keywords"), policy: RouterPolicy())
            #expect(reply.value.text == "echo: which keywords")
            let seen = try Self.python("import litellm\nresult = litellm.acompletion.seen")
            guard case .array(let calls) = seen, calls.count == 1, case .array(let names) = calls[0] else {
                Issue.record("expected one recorded call, saw \(seen)")
                return
            }
            let keywords = Set(names.compactMap(\.stringValue))
            #expect(keywords.isDisjoint(with: ["stream", "caching", "use_in_pass_through", "use_litellm_proxy",
                                               "merge_reasoning_content_in_choices", "client", "timeout"]))
            #expect(keywords.isSuperset(of: ["model", "messages", "metadata", "model_info", "max_retries"]))
        }
    }

    /// Only values that are litellm's own default are left out: `True` stays, `caching=False` stays while a litellm
    /// cache is configured (there it says "not this call"), and a 600 s timeout stays where a `request_timeout` would
    /// stand in for it or a `mock_timeout` reads it.
    @Test func onlyKeywordsThatSayWhatLitellmDoesAnywayAreLeftOut() async throws {
        let kept = try await withProvider { client, server in
            _ = try await Self.router(client, server)  // loads the call path's module
            return try Self.python("""
                import litellm, _embedchat_router_path as p
                def after(**kwargs):
                    p._drop_default_keywords(kwargs)
                    return sorted(kwargs)
                plain = after(stream=False, caching=False, use_in_pass_through=False, use_litellm_proxy=False,
                              merge_reasoning_content_in_choices=False, client=None, model="m")
                chosen = after(stream=True, caching=True, use_litellm_proxy=True, merge_reasoning_content_in_choices=None,
                               client=object(), model="m")
                saved = litellm.cache
                litellm.cache = object()  # any configured cache; restored before the GIL is let go
                try:
                    cached = after(caching=False, model="m")
                finally:
                    litellm.cache = saved
                default_wait = after(timeout=600.0, model="m")
                other_waits = [after(timeout=30.0, model="m"), after(timeout=600, request_timeout=30, model="m"),
                               after(timeout=600.0, mock_timeout=True, model="m")]
                result = [plain, chosen, cached, default_wait, other_waits]
                """)
        }
        #expect(kept == .array([.array([.string("model")]),
                                .array(["caching", "client", "merge_reasoning_content_in_choices", "model", "stream", "use_litellm_proxy"].map(PythonValue.string)),
                                .array([.string("caching"), .string("model")]),
                                .array([.string("model")]),
                                .array([.array(["model", "timeout"].map(PythonValue.string)),
                                        .array(["model", "request_timeout", "timeout"].map(PythonValue.string)),
                                        .array(["mock_timeout", "model", "timeout"].map(PythonValue.string))])]))
    }

    /// litellm's pick read the cooldown entry of every deployment of every group in the Router to filter one group's,
    /// a cost that grew with the routed models; the glue reads the asked group's entries only, and a deployment of the
    /// group that is cooling down is still passed over.
    @Test func theDeploymentPickReadsOnlyItsOwnGroupsCooldownsAndStillSkipsACooledOne() async throws {
        try await withProvider { client, server in
            let (asked, other) = ("asked-\(UUID().uuidString)", "other-\(UUID().uuidString)")
            let router = try await client.makeRouter([asked, other].flatMap { group in
                (0..<2).map { RouterDeployment(group: group, id: "\(group)#\($0)", litellmModel: "openai/echo", settings: server.openAI) }
            })
            // An entry that is not a cooldown (litellm counts only a dict) under every deployment's cooldown key of both
            // groups: the pick asks RouterGroupFacts' `read` only for a key the cache holds, so each key is there to be
            // read, and only the asked group's may be.
            let seeded = try Self.python("""
                import litellm
                from litellm.router_utils.cooldown_cache import CooldownCache
                routers = {c.__self__ for c in litellm.failure_callback
                           if any(d["model_name"] == "\(asked)" for d in getattr(getattr(c, "__self__", None), "model_list", []) or [])}
                for router in routers:
                    for group in ("\(asked)", "\(other)"):
                        for index in range(2):
                            router.cooldown_cache.cache.in_memory_cache.set_cache(
                                key=CooldownCache.get_cooldown_cache_key(f"{group}#{index}"), value="not a cooldown", ttl=600)
                result = len(routers)
                """)
            #expect(seeded == .int(1))
            // A pass-through recorder of the cooldown entries read for these two groups (other suites' reads go by). The
            // pick reads them through RouterGroupFacts' `read`.
            _ = try Self.python("""
                import _embedchat_router_groups as groups
                original = groups.read
                def record(memory, key):
                    if isinstance(key, str) and key.endswith(":cooldown") and ("\(asked)" in key or "\(other)" in key):
                        record.keys.append(key)
                    return original(memory, key)
                record.keys = []
                record.original = original
                groups.read = record
                """)
            defer { _ = try? Self.python("import _embedchat_router_groups as groups\ngroups.read = groups.read.original") }
            _ = try await router.complete(ask(asked), policy: RouterPolicy())
            let read = try Self.python("import _embedchat_router_groups as groups\nresult = sorted(groups.read.keys)")
            #expect(read == .array(["deployment:\(asked)#0:cooldown", "deployment:\(asked)#1:cooldown"].map(PythonValue.string)))

            // Deployment 0 cooling down (as litellm's failure handling puts it there): every pick is deployment 1.
            let cooled = try Self.python("""
                import litellm
                routers = {c.__self__ for c in litellm.failure_callback
                           if any(d["model_name"] == "\(asked)" for d in getattr(getattr(c, "__self__", None), "model_list", []) or [])}
                for router in routers:
                    router.cooldown_cache.add_deployment_to_cooldown(
                        model_id="\(asked)#0", original_exception=Exception("test"), exception_status=500, cooldown_time=600)
                result = len(routers)
                """)
            #expect(cooled == .int(1))
            var answered: Set<String> = []
            for _ in 0..<8 { answered.insert(try await router.complete(ask(asked), policy: RouterPolicy()).deployment ?? "none") }
            #expect(answered == ["\(asked)#1"])
        }
    }

    /// litellm's team filter ran on every pick and handed back a copy of the list when no deployment belongs to a team;
    /// it now runs only when one does, and then still passes a team's deployment over for a request of no team.
    @Test func theTeamFilterRunsOnlyForAGroupWithATeamsDeploymentAndStillPassesItOver() async throws {
        try await withProvider { client, server in
            let group = "team-\(UUID().uuidString)"
            let router = try await client.makeRouter((0..<2).map {
                RouterDeployment(group: group, id: "\(group)#\($0)", litellmModel: "openai/echo", settings: server.openAI)
            })
            _ = try Self.python("""
                import _embedchat_router_path as p
                original = p.filter_team_based_models
                def record(**kwargs):
                    record.calls += 1
                    return original(**kwargs)
                record.calls = 0
                record.original = original
                p.filter_team_based_models = record
                """)
            defer { _ = try? Self.python("import _embedchat_router_path as p\np.filter_team_based_models = p.filter_team_based_models.original") }
            for _ in 0..<4 { _ = try await router.complete(ask(group), policy: RouterPolicy()) }
            #expect(try Self.python("import _embedchat_router_path as p\nresult = p.filter_team_based_models.calls") == .int(0))

            // Deployment 0 now belongs to a team: a request of no team never gets it.
            let marked = try Self.python("""
                import litellm
                marked = 0
                for router in {c.__self__ for c in litellm.failure_callback if hasattr(getattr(c, "__self__", None), "model_list")}:
                    for deployment in router.model_list:
                        if deployment["model_info"].get("id") == "\(group)#0":
                            deployment["model_info"]["team_id"] = "a-team"
                            marked += 1
                result = marked
                """)
            #expect(marked == .int(1))
            var answered: Set<String> = []
            for _ in 0..<8 { answered.insert(try await router.complete(ask(group), policy: RouterPolicy()).deployment ?? "none") }
            #expect(answered == ["\(group)#1"])
            #expect(try Self.python("import _embedchat_router_path as p\nresult = p.filter_team_based_models.calls") == .int(8))
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

    /// The first 40 characters of each line the Router logger's `debug` was handed during `call` (a recorder in its
    /// place on the instance; the logger filters by level inside), after checking that the recorder hears what the
    /// call path hands the logger (a probe line through the call path's module) and that the call ran a Router's lean
    /// call path (its count moved).
    static func debugLines(during call: () async throws -> Void) async throws -> [String] {
        _ = try python("""
            import litellm.router as r, _embedchat_router_path as p
            def record(message, *args, **kwargs):
                record.seen.append(str(message)[:40])
            record.seen = []
            r.verbose_router_logger.debug = record
            p.verbose_router_logger.debug("recorder in place")
            """)
        defer { _ = try? python("import litellm.router as r\ndel r.verbose_router_logger.debug") }
        let before = try pathCounts()
        try await call()
        guard case .array(let messages) = try python("import litellm.router as r\nresult = list(r.verbose_router_logger.debug.seen)") else {
            Issue.record("no recorder")
            return []
        }
        let lines = messages.compactMap(\.stringValue)
        #expect(lines.first == "recorder in place")
        #expect(try pathCounts().lean > before.lean)  // the call went through a Router's call path
        return Array(lines.dropFirst())
    }

    /// Which path Router calls took, as process-wide counts (other tests' calls may add to either): the lean one counts
    /// its calls; litellm's own drops two service-logging tasks a call.
    static func pathCounts() throws -> (lean: Int, dropped: Int) {
        let value = try python("import _embedchat_router as g, _embedchat_router_path as p\nresult = [p.LEAN_CALLS, g.DROPPED_SERVICE_TASKS]")
        guard case .array(let pair) = value, pair.count == 2 else { return (-1, -1) }
        return (pair[0].intValue ?? -1, pair[1].intValue ?? -1)
    }

    /// Runs `body` with litellm's own Router methods in place of the lean copies, as with another litellm version.
    static func withLitellmsOwnCallPath(_ body: () async throws -> Void) async throws {
        _ = try python("import _embedchat_router_path as p\np._COPIES_MATCH = False")
        defer { _ = try? python("import _embedchat_router_path as p\np._COPIES_MATCH = p.COPIED_VERSION == p.importlib.metadata.version('litellm')") }
        try await body()
    }

    /// Runs `code` and returns its `result`.
    static func python(_ code: String) throws -> PythonValue {
        try Interpreter.withGIL { gil in try Interpreter.run(code, gil).toValue(gil) }
    }
}
