import PythonEmbed

/// The Python side of ``LiteLLMRouter``: litellm's own `Router` (retries, fallbacks, cooldowns) behind the same
/// call shapes as the client's glue, compiled into the binary like it.
///
/// These things differ from a bare `litellm.Router`:
/// - its mid-stream fallback is off: litellm 1.78.7 answers a stream cut midway by asking a fallback model to go on
///   from the text so far, which would splice two models' answers into one reply. Here a stream falls back only
///   while it is being opened; once it has begun, a failure ends it.
/// - its success bookkeeping runs inline: a bare Router registers two process-wide success callbacks, which make litellm
///   build the standard logging payload and price every answer again on its logging worker, and hand a copy to a
///   thread, for every call of the process (plain calls included). What they feed that we use is the count of a
///   deployment's successes this minute (cooldown weighs failures against it); the glue counts that itself when the
///   Router returns an answer. (The tpm/rpm usage they also keep is read only by litellm's usage-based strategies and
///   pre-call checks, which we do not use.)
/// - per-call work for features the gateway does not use is skipped (measured with cProfile and per-call CPU on the loop
///   thread, a Router call cost ~300 µs more than a plain one with mock_response; these cuts took ~30 µs of it): the
///   per-deployment request count only pre-call checks read, the LiteLLM Proxy rate-limit headers added to every
///   reply (with a usage lookup), and the pydantic payload of the three service-logging tasks a call starts when no
///   service callback is configured.
/// - and (issue #12, second and third passes) the two service-logging tasks a call started for a hook that returns at
///   once (never started while no service callback is set), and the per-call lookup of a deployment's concurrency
///   semaphore when nothing could have made one (no `max_parallel_requests`, `rpm` or `tpm` on the deployment, no
///   Router default): litellm looked its cache up twice and recomputed the limit on every call to find there is none.
///   With LiteLLMClient's glue, litellm's prompt-parameter list is built once instead of once per keyword.
/// - its chat call path is litellm's own, method for method, less per-call work whose result nobody reads (debug lines
///   rendered with debug logging off, headers only LiteLLM Proxy sends, model-list walks): RouterCallPath.swift.
/// - its cooldown callbacks run whatever was configured first: litellm calls function callbacks only through a runner
///   it sets up once, and only if a function was among the first callbacks it saw; the glue sets it up when litellm
///   has not (a `CustomLogger` configured before the first Router call left every Router without cooldowns).
/// - every reply says which deployment answered: `model_info.id` of the deployment, which litellm puts in the
///   response's `_hidden_params["model_id"]` (a stream wrapper carries it too).
enum RouterGlue {
    /// The `model_info` key of a deployment's token cap (``RouterDeployment/maxTokens``).
    static let maxTokensKey = "embedchat_max_tokens"

    static let source = #"""
import asyncio
import types

import litellm
import litellm.litellm_core_utils.litellm_logging as _litellm_logging
import litellm.router as _router_module
from litellm import Router
from litellm.integrations.custom_logger import CustomLogger
from litellm._service_logger import ServiceLogging
from litellm.types.router import CustomPricingLiteLLMParams
from litellm.router_utils.router_callbacks.track_deployment_metrics import (
    increment_deployment_successes_for_current_minute,
)

import _embedchat_images
import _embedchat_litellm as base
import _embedchat_router_groups as _groups
import _embedchat_router_path
from _embedchat_router_path import LeanCallPath


class _Router(LeanCallPath, Router):
    # LeanCallPath (RouterCallPath.swift): litellm's call path, less work nobody reads. The overrides here are the
    # gateway's own choices, used by both paths.

    async def _acompletion_streaming_iterator(self, model_response, messages, initial_kwargs):
        # No mid-stream fallback: a stream that has begun ends with its error.
        return model_response

    _TRACKS_NO_DEPLOYMENT_METRICS = True  # the lean attempt skips the call below
    _SETS_NO_RESPONSE_HEADERS = True  # the lean first try skips awaiting set_response_headers below

    def _track_deployment_metrics(self, deployment, parent_otel_span, response=None):
        # Counts each deployment's requests this minute in the Router's cache, read only by its pre-call checks
        # (`enable_pre_call_checks`, rpm limits), which the gateway does not turn on.
        return None

    async def set_response_headers(self, response, model_group=None):
        # Adds LiteLLM Proxy's x-litellm-model-group and rate-limit headers to the reply's hidden params, looking up
        # the group's tpm/rpm usage for it; the gateway sends headers of its own and reads none of these.
        return response

    def _update_kwargs_with_deployment(self, deployment, kwargs, function_name=None):
        # litellm writes the picked deployment into the call's keywords here, on every path (the lean one, litellm's
        # own, retries and fallbacks): the deployment's token cap is applied with it, so a call answered by a fallback
        # group asks for no more than that group allows.
        super()._update_kwargs_with_deployment(deployment, kwargs, function_name)
        info = deployment.get("model_info")
        cap = info.get("\#(maxTokensKey)") if info else None
        if cap is not None:  # the two names written out: a loop over them cost a third more
            value = kwargs.get("max_tokens")
            if isinstance(value, int) and value > cap:
                kwargs["max_tokens"] = cap
            value = kwargs.get("max_completion_tokens")
            if isinstance(value, int) and value > cap:
                kwargs["max_completion_tokens"] = cap

    def _create_deployment(self, deployment_info, _model_name, _litellm_params, _model_info):
        # litellm registers every deployment in its process-wide price table twice: under the deployment's id (where a
        # call through the Router finds the deployment's own price) and under its litellm model name ("kept to prevent
        # breaking changes"). For a model litellm has no price for, both entries hold no price, and litellm's cost
        # then finds the model and prices every answer at 0, routed and plain calls of that model alike, where the
        # gateway reports the cost unknown. A deployment's own price likewise became the price of every plain call of
        # its model. Here the name's entry is put back as it was, and the id's kept only when it holds a price.
        params = _litellm_params if isinstance(_litellm_params, dict) else {}
        model_id = _model_info.get("id") if isinstance(_model_info, dict) else None
        name, provider = params.get("model"), params.get("custom_llm_provider")
        if isinstance(name, str) and isinstance(provider, str):
            name = provider + "/" + name
        before = {key: _price_entry(key) for key in _price_keys(name)}
        deployment = super()._create_deployment(deployment_info, _model_name, _litellm_params, _model_info)
        for key, entry in before.items():
            _restore_price_entry(key, entry)
        if isinstance(model_id, str) and model_id not in before and not _priced(litellm.model_cost.get(model_id)):
            litellm.model_cost.pop(model_id, None)
        return deployment

    def _get_client(self, deployment, kwargs, client_type=None):
        # litellm holds a deployment's calls to a semaphore when it sets max_parallel_requests, rpm or tpm, or the
        # Router a default. Without any, it looked the cache up twice and worked out again that there is none on every
        # call; here that answer (None) comes at once. Any of them set: litellm's own lookup, as before.
        if client_type == "max_parallel_requests" and self.default_max_parallel_requests is None:
            params = deployment.get("litellm_params") or {}
            if params.get("max_parallel_requests") is None and params.get("rpm") is None and params.get("tpm") is None:
                return None
        return super()._get_client(deployment, kwargs, client_type)


_ABSENT = object()
_PRICE_FIELDS = tuple(CustomPricingLiteLLMParams.model_fields)


def _price_keys(name):
    # The price-table keys litellm's register_model writes for a deployment's model name: the name, or the key of the
    # entry litellm's get_model_info resolves it to.
    if not isinstance(name, str):
        return set()
    keys = {name}
    try:
        keys.add(litellm.get_model_info(model=name)["key"])
    except Exception:
        pass
    return keys


def _price_entry(key):
    entry = litellm.model_cost.get(key, _ABSENT)
    return dict(entry) if isinstance(entry, dict) else entry


def _restore_price_entry(key, entry):
    if entry is _ABSENT:
        litellm.model_cost.pop(key, None)
        return
    current = litellm.model_cost.get(key)
    if isinstance(current, dict) and isinstance(entry, dict):
        if current != entry:
            current.clear()  # in place: the table's entry is one dict, which litellm may hold elsewhere
            current.update(entry)
    else:
        litellm.model_cost[key] = entry


def _priced(entry):
    return isinstance(entry, dict) and any(entry.get(field) is not None for field in _PRICE_FIELDS)


class _QuietServiceLogging(ServiceLogging):
    """The Router's service logger. The Router starts a task a call for each duration it reports (with
    simple-shuffle: the call's and the deployment pick's), each of which built a pydantic payload for service
    callbacks (`litellm.service_callback`) even when there are none; with none they now return at once."""

    async def async_service_success_hook(self, *args, **kwargs):
        if self.has_listeners():
            return await super().async_service_success_hook(*args, **kwargs)

    def has_listeners(self):
        return bool(litellm.service_callback or self.mock_testing)


_QUIET_HOOK = _QuietServiceLogging.async_service_success_hook.__code__
DROPPED_SERVICE_TASKS = 0  # how many service-logging tasks were never started (a test reads it)


class _RouterAsyncio(types.ModuleType):
    """`asyncio` as `litellm.router` sees it: asyncio itself, except that `create_task` is not given the service
    hook's coroutine when that hook would return at once (no service callback). The Router starts two such tasks a
    call (the call's duration, the deployment pick's); each cost a task, a loop turn and a coroutine frame for
    nothing. Every other task, and the hook whenever a service callback is configured, start as before."""

    def __init__(self):
        super().__init__("asyncio")

    def __getattr__(self, name):
        return getattr(asyncio, name)

    @staticmethod
    def create_task(coro, **kwargs):
        if getattr(coro, "cr_code", None) is _QUIET_HOOK:
            frame = coro.cr_frame
            logger = frame.f_locals.get("self") if frame is not None else None
            if isinstance(logger, _QuietServiceLogging) and not logger.has_listeners():
                global DROPPED_SERVICE_TASKS
                DROPPED_SERVICE_TASKS += 1
                coro.close()  # never started: no task, no "never awaited" warning
                return None  # the Router discards what create_task returns here
        return asyncio.create_task(coro, **kwargs)


_router_module.asyncio = _RouterAsyncio()


_PLAIN_CALL_TIMEOUT = 600.0  # seconds: what litellm.completion waits when a call names no timeout (main.py)


def _deployment(response):
    return base._hidden_params(response).get("model_id")


class Reply:
    __slots__ = ("reply", "deployment")

    def __init__(self, reply, deployment):
        self.reply = reply
        self.deployment = deployment


class Gateway:
    """One Router for the process: every public model that has deployments, and the models they fall back to."""

    def __init__(self, model_list):
        # A deployment without a timeout waits as long as a plain call without one: litellm.completion's 600 s, not the
        # Router's own default (litellm.request_timeout, 6000 s), which a server with no deadline of its own (local
        # mode) would otherwise wait for a silent provider.
        self.router = _Router(model_list=model_list, num_retries=0, timeout=_PLAIN_CALL_TIMEOUT)
        # With the pinned litellm (whose reads of the deployment flags and whose cache layout are known): the flags at
        # False out of the deployments, and where `_succeeded` counts (the Router's cache is made once, with it).
        self._success_counts = None
        if _embedchat_router_path.copies_match():
            _embedchat_router_path.strip_false_deployment_flags(self.router.model_list)
            self._success_counts = _groups.memory_of(self.router.cache)
        if _litellm_logging.customLogger is None:
            # litellm's failure handlers call function callbacks (the Router's cooldown bookkeeping is two bound
            # methods) only through this module global, which litellm sets once: at the first call that finds any
            # callback configured, and only if one of them is a function. A CustomLogger configured before the first
            # Router leaves it unset for good, and then no Router of the process ever cooled a deployment down. The
            # value litellm would have set (its async success path sets it the same way when it finds it unset).
            _litellm_logging.customLogger = CustomLogger()
        self.router.service_logger_obj = _QuietServiceLogging()
        for name, callback in (("success_callback", self.router.sync_deployment_callback_on_success),
                               ("_async_success_callback", self.router.deployment_callback_on_success)):
            callbacks = getattr(litellm, name)
            while callback in callbacks:
                callbacks.remove(callback)

    async def close(self):
        # Takes the Router's callbacks back out of litellm's process-wide lists. litellm never does: each Router adds its
        # failure (cooldown) callbacks for good, and litellm's callback manager refuses any beyond 30 a list, so in a
        # process that had made 30 Routers the next one's deployments were never cooled down.
        for name in ("success_callback", "_async_success_callback", "failure_callback", "_async_failure_callback",
                     "callbacks", "input_callback", "service_callback"):
            callbacks = getattr(litellm, name, None)
            if isinstance(callbacks, list):
                callbacks[:] = [c for c in callbacks if getattr(c, "__self__", None) is not self.router]

    def _succeeded(self, deployment):
        # What the Router's own success callback did: the count its cooldown decision weighs failures against. With the
        # pinned litellm and no Redis, the count is written as litellm's increment writes it (its key, its minute) at
        # less cost (RouterGroupFacts.swift).
        if deployment is None:
            return
        memory = self._success_counts
        if memory is None:
            increment_deployment_successes_for_current_minute(litellm_router_instance=self.router, deployment_id=deployment)
        else:
            _groups.increment(memory, f"{deployment}:successes", ttl=60)

    def _acompletion(self, kwargs):
        # The Router's call, after the image URLs the plain path would fetch (ImageFetch.swift) are fetched: the Router
        # picks a deployment later, so they are passed on only when every deployment it serves has its provider fetch
        # them itself. A plain check first, as on the plain path: most calls carry no image URL.
        if _embedchat_images.has_image_urls(kwargs):
            return self._acompletion_with_images(kwargs)
        return self.router.acompletion(**kwargs)

    async def _acompletion_with_images(self, kwargs):
        routes = [deployment.get("litellm_params") or {} for deployment in self.router.model_list]
        await _embedchat_images.inline(kwargs, passes_through=_embedchat_images.passes_through_all(routes))
        return await self.router.acompletion(**kwargs)

    async def complete(self, kwargs):
        deadline = kwargs.pop("_deadline", None)
        kwargs.pop("stream", None)
        try:
            response = await base._within(self._acompletion(kwargs), deadline, kwargs)
        except litellm.APIConnectionError as error:  # the plain path's mapping of a caller's parameter
            base._raise_if_callers_parameter(error, kwargs)
            raise
        deployment = _deployment(response)
        self._succeeded(deployment)
        return Reply(base._reply(response), deployment)

    async def start_stream(self, kwargs):
        deadline = kwargs.pop("_deadline", None)
        kwargs["stream"] = True
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            wrapper = await base._within(self._acompletion(kwargs), deadline, kwargs)
        except litellm.APIConnectionError as error:
            base._raise_if_callers_parameter(error, kwargs)
            raise
        if deadline is not None:
            deadline = max(deadline - (loop.time() - started), 0.001)
        stream = base.Stream(wrapper, deadline, kwargs)
        stream.deployment = _deployment(wrapper)
        self._succeeded(stream.deployment)  # opened: a failure after this never falls back or cools it
        return stream

    async def embed(self, kwargs):
        deadline = kwargs.pop("_deadline", None)
        response = await base._within(self.router.aembedding(**kwargs), deadline, kwargs)
        deployment = _deployment(response)
        self._succeeded(deployment)
        return Reply(base._embedding_reply(response), deployment)


async def make_gateway(model_list):
    # Built on the loop thread: the Router may look for the running loop.
    return Gateway(model_list)
"""#

    /// The module's `make_gateway`, the module loaded once per process (every router made after the first reuses it).
    static let module = EmbeddedModule(name: "_embedchat_router", source: source) { module, gil throws(PythonError) in
        try module.attribute("make_gateway", gil).handle(gil)
    }
}
