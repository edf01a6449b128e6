import PythonEmbed

/// What the lean Router call path (RouterCallPath.swift) knows of a public model's group without asking litellm again
/// on every call, and the reads and writes of litellm's in-memory cache that call makes, without the calls that find
/// nothing to do.
///
/// - A group's facts are worked out once while the Router's model list is the same (the gateway never changes it):
///   its deployments (litellm's `_get_all_deployments`, which the pick ran through its index, a filter and a list on
///   every call), whether one asks simple-shuffle for a weighted pick (`weight`, `rpm` or `tpm`; without one,
///   litellm's shuffle is `random.choice`), whether one can have a concurrency semaphore, its size and its
///   prompt-management flag. The deployments are litellm's own dictionaries, so what is read from them is current.
/// - litellm's `InMemoryCache.get_cache` finds a key missing at once, but only after the Router's two or three calls
///   around it (the cooldown read of each deployment, the client lookup; with no cooldown and no cached client, every
///   call). The reads here look at the dictionary first and ask litellm's cache only for a key it holds.
/// - A deployment's success count this minute (which cooldown weighs failures against) was a read of the count that
///   raised and caught a `TypeError` (litellm's cache tries `json.loads` on every value) and a write through its size
///   and time-to-live checks; while the count's minute runs, it is now the same `+1` in place. A count that is new,
///   expired or not an int, or a full cache, goes through litellm's own increment.
///
/// Version-locked like the copies: they apply to litellm 1.78.7 only, whose cache layout these reads assume.
/// docs/gateway.md, "Tenth look".
enum RouterGroupFacts {
    static let source = #"""
import collections
import time

import litellm
from litellm.router_utils.cooldown_cache import CooldownCache

# What the lean path keeps per public model while the model list is the same.
#   group           the public model name
#   prompt_managed  litellm's prompt management claims it (then litellm's own path runs)
#   size            the group's size (failure logging), or None
#   deployments     the group's deployments as litellm's `_get_all_deployments` lists them, when the name is a group
#                   the pick reaches through that list (not a deployment id, a pattern or a default); else None
#   weighted        a deployment names `weight`, `rpm` or `tpm` (simple-shuffle's weighted pick then runs)
#   no_semaphores   no deployment can have a concurrency semaphore (no `max_parallel_requests`, `rpm`, `tpm`, and no
#                   Router default): the attempt does not look one up
#   cooldown_keys   each deployment's id and the key of its cooldown entry (CooldownCache's), in the deployments'
#                   order; None if a deployment has no id
#   memory          the in-memory half of the Router's cache when it has no Redis half and its cooldowns are kept in
#                   the same cache (litellm's default), else None: where the pick's and the client lookup's reads go
GroupFacts = collections.namedtuple("GroupFacts", (
    "group", "prompt_managed", "size", "deployments", "weighted", "no_semaphores", "cooldown_keys", "memory",
))

_WEIGHTS = ("weight", "rpm", "tpm")
_SEMAPHORE_SETTINGS = ("max_parallel_requests", "rpm", "tpm")


def group_facts(router, group):
    """The facts above, from the Router as it is now."""
    model_list = router.get_model_list(model_name=group)
    deployments = None
    if group in router.model_names and not router.has_model_id(group):
        found = router._get_all_deployments(model_name=group)
        if found:
            deployments = tuple(found)
    listed = deployments or ()
    ids = [(d.get("model_info") or {}).get("id") for d in listed]
    return GroupFacts(
        group=group,
        prompt_managed=router._is_prompt_management_model(group),
        size=None if model_list is None else len(model_list),
        deployments=deployments,
        weighted=any((d.get("litellm_params") or {}).get(w) is not None for d in listed for w in _WEIGHTS),
        no_semaphores=(router.default_max_parallel_requests is None and bool(listed) and not any(
            (d.get("litellm_params") or {}).get(s) is not None for d in listed for s in _SEMAPHORE_SETTINGS)),
        cooldown_keys=(None if None in ids else tuple((i, CooldownCache.get_cooldown_cache_key(i)) for i in ids)),
        memory=memory_of(router.cache) if router.cooldown_cache.cache is router.cache else None,
    )


def memory_of(dual_cache):
    """The in-memory half of one of litellm's DualCaches when it has no Redis half, else None (then reads and writes go
    through litellm's cache as before)."""
    try:
        return dual_cache.in_memory_cache if dual_cache.redis_cache is None else None
    except AttributeError:  # not a DualCache
        return None


def read(memory, key):
    """`memory.get_cache(key=key)`, answered at once for a key the cache does not hold (litellm's answer too: None)."""
    if key not in memory.cache_dict:
        return None
    return memory.get_cache(key=key)


def increment(memory, key, ttl):
    """`memory.increment_cache(key, 1, ttl=ttl)`, as an in-place `+1` while the count is an int whose time to live
    runs and the cache is not full: what litellm's read-then-write ends in then (its write keeps a running ttl)."""
    cache = memory.cache_dict
    value = cache.get(key)
    expires = memory.ttl_dict.get(key)
    if (type(value) is int and expires is not None and time.time() <= expires
            and len(cache) < memory.max_size_in_memory):
        cache[key] = value + 1
        return value + 1
    return memory.increment_cache(key, 1, ttl=ttl)
"""#

    /// Loaded once, before RouterCallPath's module (which imports it by name).
    static let module = EmbeddedModule(name: "_embedchat_router_groups", source: source) { _, _ throws(PythonError) in () }
}
