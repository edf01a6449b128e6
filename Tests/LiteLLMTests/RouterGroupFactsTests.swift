import Foundation
import LiteLLM
import PythonEmbed
import ProviderFakes
import Testing

/// What the lean Router call path keeps per group, and its reads and writes of litellm's cache (RouterGroupFacts.swift,
/// docs/gateway.md "Tenth look"): each test fails if its cut is gone, or if the cut does other than litellm's own code.
/// Part of RouterCallCutTests' serialized suite: one of its tests runs litellm's own call path for a while, process-wide.
extension RouterCallCutTests {
    /// litellm listed the group's deployments (`_get_all_deployments`) on every pick; the facts list them once, and
    /// every call is still answered by a deployment of the group.
    @Test func aGroupsDeploymentsAreListedOnceNotOnEveryCall() async throws {
        try await withProvider { client, server in
            let group = "listed-\(UUID().uuidString)"
            let router = try await client.makeRouter((0..<2).map {
                RouterDeployment(group: group, id: "\(group)#\($0)", litellmModel: "openai/echo", settings: server.openAI)
            })
            _ = try Self.python("""
                import litellm
                original = litellm.Router._get_all_deployments
                def record(self, model_name, *args, **kwargs):
                    if model_name == "\(group)":
                        record.calls += 1
                    return original(self, model_name, *args, **kwargs)
                record.calls = 0
                record.original = original
                litellm.Router._get_all_deployments = record
                """)
            defer { _ = try? Self.python("import litellm\nlitellm.Router._get_all_deployments = litellm.Router._get_all_deployments.original") }
            var answered: Set<String> = []
            answered.insert(try await router.complete(ask(group), policy: RouterPolicy()).deployment ?? "none")
            let afterFirst = try Self.python("import litellm\nresult = litellm.Router._get_all_deployments.calls")
            for _ in 0..<5 { answered.insert(try await router.complete(ask(group), policy: RouterPolicy()).deployment ?? "none") }
            let afterSix = try Self.python("import litellm\nresult = litellm.Router._get_all_deployments.calls")
            #expect((afterFirst.intValue ?? 0) >= 1)  // the facts were worked out in the first call
            #expect(afterSix == afterFirst)  // and not again
            #expect(!answered.isEmpty && answered.isSubset(of: ["\(group)#0", "\(group)#1"]))
        }
    }

    /// litellm's Router writes three flags at False into every deployment's settings and handed them to every call,
    /// where they were taken out again; the gateway's Router keeps them out of its deployments once (a bare Router of
    /// the same deployment still has them).
    @Test func theDeploymentFlagsAtFalseAreKeptOutOfTheRoutersDeploymentsOnce() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server)
            _ = try await router.complete(ask(group), policy: RouterPolicy())
            let flags = try Self.python("""
                \(Self.liveRouter(serving: group))
                import _embedchat_router_path as p
                names = p._DEPLOYMENT_FLAGS
                bare = litellm.Router(model_list=[{"model_name": "bare", "litellm_params": {"model": "openai/echo"}}])
                result = [sorted(names & set(router.model_list[0]["litellm_params"])),
                          sorted(n for n in names if bare.model_list[0]["litellm_params"].get(n) is False)]
                for name in ("success_callback", "_async_success_callback", "failure_callback", "_async_failure_callback",
                             "callbacks", "input_callback", "service_callback"):  # the bare Router leaves none behind
                    callbacks = getattr(litellm, name, None)
                    if isinstance(callbacks, list):
                        callbacks[:] = [c for c in callbacks if getattr(c, "__self__", None) is not bare]
                """)
            #expect(flags == .array([.array([]), .array(["merge_reasoning_content_in_choices", "use_in_pass_through", "use_litellm_proxy"].map(PythonValue.string))]))
        }
    }

    /// The facts go when litellm changes the model list: a deployment added to the group answers, and a deleted one
    /// never again (kept facts would still list it).
    @Test func aGroupsFactsFollowTheDeploymentsLitellmAddsAndDeletes() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server)
            #expect(try await router.complete(ask(group), policy: RouterPolicy()).deployment == "\(group)#0")
            let changed = try Self.python("""
                \(Self.liveRouter(serving: group))
                from litellm.types.router import Deployment, LiteLLM_Params
                params = router.model_list[0]["litellm_params"]
                router.add_deployment(Deployment(
                    model_name="\(group)", model_info={"id": "\(group)#9"},
                    litellm_params=LiteLLM_Params(model=params["model"], api_base=params["api_base"], api_key=params["api_key"])))
                deleted = router.delete_deployment(id="\(group)#0")
                result = [d["model_info"]["id"] for d in router.model_list if d["model_name"] == "\(group)"]
                """)
            #expect(changed == .array([.string("\(group)#9")]))
            var answered: Set<String> = []
            for _ in 0..<4 { answered.insert(try await router.complete(ask(group), policy: RouterPolicy()).deployment ?? "none") }
            #expect(answered == ["\(group)#9"])
        }
    }

    /// A group none of whose deployments names `weight`, `rpm` or `tpm` is picked by `random.choice` (what
    /// simple-shuffle runs then), without the pick's two coroutines; a weighted group still goes through the async pick
    /// and simple-shuffle's weighted pick, so a deployment of weight 0 never answers. Every answer is counted as
    /// litellm's success count reads it.
    @Test func aWeightedGroupIsStillPickedByItsWeightsAndEveryAnswerIsCounted() async throws {
        try await withProvider { client, server in
            let (weighted, plain) = ("weighted-\(UUID().uuidString)", "unweighted-\(UUID().uuidString)")
            var deployments: [RouterDeployment] = []
            for (index, weight) in [0, 1].enumerated() {
                var settings = server.openAI
                settings.extra["weight"] = .int(weight)
                deployments.append(RouterDeployment(group: weighted, id: "\(weighted)#\(index)", litellmModel: "openai/echo", settings: settings))
            }
            deployments += (0..<2).map { RouterDeployment(group: plain, id: "\(plain)#\($0)", litellmModel: "openai/echo", settings: server.openAI) }
            let router = try await client.makeRouter(deployments)
            _ = try Self.python("""
                import _embedchat_router_path as p
                original = p.simple_shuffle
                def record(llm_router_instance, healthy_deployments, model):
                    record.groups.append(model)
                    return original(llm_router_instance=llm_router_instance, healthy_deployments=healthy_deployments, model=model)
                record.groups = []
                record.original = original
                p.simple_shuffle = record
                own_pick = p.LeanCallPath._lean_pick
                async def pick(self, model, *args, **kwargs):
                    pick.groups.append(model)
                    return await own_pick(self, model, *args, **kwargs)
                pick.groups = []
                pick.original = own_pick
                p.LeanCallPath._lean_pick = pick
                """)
            defer {
                _ = try? Self.python("""
                    import _embedchat_router_path as p
                    p.simple_shuffle = p.simple_shuffle.original
                    p.LeanCallPath._lean_pick = p.LeanCallPath._lean_pick.original
                    """)
            }
            var answered: [String] = []
            for _ in 0..<32 { answered.append(try await router.complete(ask(weighted), policy: RouterPolicy()).deployment ?? "none") }
            var plainAnswered: Set<String> = []
            for _ in 0..<4 { plainAnswered.insert(try await router.complete(ask(plain), policy: RouterPolicy()).deployment ?? "none") }
            #expect(Set(answered) == ["\(weighted)#1"])
            #expect(!plainAnswered.isEmpty && plainAnswered.isSubset(of: ["\(plain)#0", "\(plain)#1"]))
            let shuffled = try Self.python("""
                import _embedchat_router_path as p
                result = [p.simple_shuffle.groups.count("\(weighted)"), p.simple_shuffle.groups.count("\(plain)"),
                          p.LeanCallPath._lean_pick.groups.count("\(weighted)"), p.LeanCallPath._lean_pick.groups.count("\(plain)")]
                """)
            #expect(shuffled == .array([.int(32), .int(0), .int(32), .int(0)]))
            let counted = try Self.python("""
                import litellm
                from litellm.router_utils.router_callbacks.track_deployment_metrics import get_deployment_successes_for_current_minute
                \(Self.liveRouter(serving: weighted))
                result = get_deployment_successes_for_current_minute(router, "\(weighted)#1")
                """)
            #expect(counted == .int(32))
        }
    }

    /// The success count's `+1` in place writes what litellm's `increment_cache` writes: a new count, a running one,
    /// one whose minute is over, one stored as text, and a full cache, each done both ways on two caches.
    @Test func theSuccessCountIsWrittenAsLitellmsIncrementWritesIt() async throws {
        let steps = try await withProvider { client, server in
            _ = try await Self.router(client, server)  // loads the modules
            return try Self.python("""
                import time, _embedchat_router_groups as groups
                from litellm.caching.in_memory_cache import InMemoryCache
                theirs, ours = InMemoryCache(max_size_in_memory=4), InMemoryCache(max_size_in_memory=4)
                delegated = []
                own_increment = ours.increment_cache
                def count(key, value, **kwargs):
                    delegated.append(key)
                    return own_increment(key, value, **kwargs)
                ours.increment_cache = count
                def same():
                    return (theirs.cache_dict == ours.cache_dict and set(theirs.ttl_dict) == set(ours.ttl_dict)
                            and all(abs(theirs.ttl_dict[k] - ours.ttl_dict[k]) < 5 for k in theirs.ttl_dict))
                def both(key):
                    a = theirs.increment_cache(key, 1, ttl=60)
                    b = groups.increment(ours, key, ttl=60)
                    return a == b and same()
                result = []
                result.append(both("a:successes"))         # new: litellm's
                result.append(both("a:successes"))         # running: in place
                result.append(both("a:successes"))
                for cache in (theirs, ours):               # its minute over
                    cache.ttl_dict["a:successes"] = time.time() - 1
                result.append(both("a:successes"))         # litellm's (a new minute)
                for cache in (theirs, ours):
                    cache.set_cache("t:successes", "7", ttl=60)
                result.append(both("t:successes"))         # stored as text: litellm's
                for key in ("b", "c"):
                    result.append(both(key))
                result.append(both("a:successes"))         # a full cache: litellm's (it evicts first)
                result.append(delegated)
                """)
        }
        // Eight steps alike; litellm's own increment ran for all but the two running counts.
        #expect(steps == .array(Array(repeating: .bool(true), count: 8) + [
            .array(["a:successes", "a:successes", "t:successes", "b", "c", "a:successes"].map(PythonValue.string)),
        ]))
    }

    /// The client lookup answers at once when the Router's cache holds no client for the deployment (the gateway's
    /// Routers cache none); a client the cache does hold is handed on, as litellm's lookup would, streamed or not.
    @Test func theClientLookupAnswersAsLitellmsOwnForEveryCacheState() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server)
            _ = try await router.complete(ask(group), policy: RouterPolicy())
            let answers = try Self.python("""
                \(Self.liveRouter(serving: group))
                deployment = router.model_list[0]
                sentinel = object()
                result = [router._group_facts("\(group)").memory is router.cache.in_memory_cache]
                for cached in (None, "\(group)#0_async_client", "\(group)#0_stream_async_client"):
                    if cached is not None:
                        router.cache.set_cache(cached, sentinel, local_only=True)
                    for kwargs in ({}, {"stream": True}):
                        lean = router._lean_model_client(deployment, dict(kwargs), router._group_facts("\(group)").memory)
                        own = router._get_async_openai_model_client(deployment=deployment, kwargs=dict(kwargs))
                        result.append([lean is own, lean is sentinel])
                    if cached is not None:
                        router.cache.in_memory_cache._remove_key(cached)
                """)
            let pair = { (same: Bool, handed: Bool) in PythonValue.array([.bool(same), .bool(handed)]) }
            #expect(answers == .array([.bool(true),                             // the facts hold the cache's memory
                                       pair(true, false), pair(true, false),   // nothing cached
                                       pair(true, true), pair(true, false),    // a client for calls
                                       pair(true, false), pair(true, true)]))  // a client for streams
        }
    }

    /// The deployment written into a chat call's keywords (its metadata, `model_info`, timeout and the Router's
    /// defaults) is what litellm's own `_update_kwargs_with_deployment` writes, streamed or not, with a timeout of the
    /// caller's or without.
    @Test func theDeploymentIsWrittenIntoTheCallAsLitellmWritesIt() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server)
            _ = try await router.complete(ask(group), policy: RouterPolicy())
            let written = try Self.python("""
                import litellm, _embedchat_router_path as p
                \(Self.liveRouter(serving: group))
                deployment = router.model_list[0]
                result = []
                for kwargs in ({}, {"stream": True}, {"timeout": 5}, {"stream": True, "stream_timeout": 3},
                               {"metadata": {"model_group": "\(group)"}, "max_retries": 2}):
                    lean, own = {**kwargs}, {**kwargs}
                    if "metadata" in kwargs:
                        lean["metadata"], own["metadata"] = dict(kwargs["metadata"]), dict(kwargs["metadata"])
                    p.LeanCallPath._update_kwargs_with_deployment(router, deployment, lean)
                    litellm.Router._update_kwargs_with_deployment(router, deployment=deployment, kwargs=own)
                    result.append([lean == own, sorted(lean)])
                """)
            guard case .array(let cases) = written, cases.count == 5 else {
                Issue.record("expected five cases, saw \(written)")
                return
            }
            for (index, entry) in cases.enumerated() {
                guard case .array(let pair) = entry, pair.count == 2 else { Issue.record("case \(index): \(entry)"); continue }
                #expect(pair[0] == .bool(true), "case \(index) differs from litellm's")
                // Something was written: the deployment's model_info and a timeout.
                #expect(pair[1].arrayValue?.contains(.string("model_info")) == true && pair[1].arrayValue?.contains(.string("timeout")) == true)
            }
        }
    }
}

extension RouterCallCutTests {
    /// Python that binds `router` to the live `_Router` serving `group` (found through the cooldown callbacks every
    /// Router adds to litellm's process-wide list) and `litellm` to the module.
    static func liveRouter(serving group: String) -> String {
        """
        import litellm
        router = next(c.__self__ for c in litellm.failure_callback
                      if any(d["model_name"] == "\(group)" for d in getattr(getattr(c, "__self__", None), "model_list", []) or []))
        """
    }
}
