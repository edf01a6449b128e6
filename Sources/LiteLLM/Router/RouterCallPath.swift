import PythonEmbed

/// litellm's Router call path, method for method, less the per-call work the gateway does not use: the methods the
/// glue's `_Router` (RouterGlue.swift) takes from here instead of from `litellm.Router`.
///
/// A Router chat call runs through seven of litellm's methods before `litellm.acompletion` (`acompletion`,
/// `async_function_with_fallbacks`, `async_function_with_retries`, `make_call`, `_acompletion`, the deployment pick and
/// its healthy-deployment filter). Each method here is litellm 1.78.7's own, step for step, in the same order and with
/// the same retries, fallbacks, cooldown inputs, errors and failure logging, less work whose result nobody reads:
/// - debug lines whose f-strings render the whole answer, every deployment of the group or the bound method, even with
///   debug logging off;
/// - the service-logging hooks' coroutines (call duration, deployment pick) when no service callback is configured
///   (each would return at once; RouterGlue's `_RouterAsyncio` drops them in litellm's own methods);
/// - the `x-litellm-attempted-retries` / `-fallbacks` headers written into a successful answer's hidden params, which
///   only LiteLLM Proxy sends (the gateway sends headers of its own);
/// - `get_model_list` walked twice a call for the group's size and for a mock-testing flag no request carries: the size
///   is kept per group while the Router's model list is the same (the gateway never changes it), and the flag is
///   looked at only when the request has it;
/// - the prompt-management check of the model (a model-list walk) kept per model the same way;
/// - the copy of the call's keyword arguments litellm makes for every call and hands only to a stream's iterator: made
///   for streams only;
/// - the routing-strategy pre-call checks when `litellm.callbacks` is empty (they only ask each callback);
/// - the keywords the Router hands litellm that only say what litellm does without them (`stream`, `caching` while no
///   litellm cache is set, three deployment flags at False), each a few µs of litellm's parameter handling;
/// - the cooldown entries of every other group: litellm's pick read the entry of every deployment the Router serves,
///   through three awaits, to filter one group's; with no Redis the group's own entries are read at once;
/// - two coroutine frames of the first try: `acompletion` hands back its coroutine instead of awaiting it, runs
///   `async_function_with_fallbacks` inline, and `make_call` runs inline in the retry wrapper. A call's coroutine is
///   resumed through every frame of the chain each time its socket wakes it (about six times against a loopback
///   provider), so the first try now runs in three frames under the gateway's instead of five;
/// - the same questions asked again down the chain: whether the copies apply (asked once, in `acompletion`; the lean
///   chain then calls the copies' bodies, `_lean_*`, directly), the trace span (looked up only where it is read:
///   service logging, a Redis cooldown read, an error), the group's size and prompt-management flag (one lookup), the
///   team filter when no deployment of the group belongs to a team, and the calls of `_track_deployment_metrics` and
///   `set_response_headers` where RouterGlue's `_Router` makes them no-ops. About 290 fewer bytecodes a call (of
///   ~2,700 the Router added; docs/gateway.md, "Ninth look").
/// - what does not change between calls or is not there (docs/gateway.md, "Tenth look"): a group's deployments,
///   weights, semaphores and cooldown keys, kept in its facts (RouterGroupFacts.swift) until litellm changes the model
///   list; the pick's two coroutines for a plain group (`_quick_pick`); reads of litellm's in-memory cache for keys it
///   does not hold; the helpers of `_update_kwargs_with_deployment` and `_update_kwargs_before_fallbacks`, inline; and
///   `client=None` and the three deployment flags at False (taken out of the deployments once). ~2,450 → ~1,380
///   bytecodes over a plain `mock_response` call.
///
/// Measured with `embedchat-bench gateway` (docs/gateway.md, "Sixth pass"). With debug logging on for the Router
/// logger, a request with a `priority`, a prompt-managed model, or any litellm other than 1.78.7, every method runs
/// litellm's own instead; a test checks both paths answer alike.
enum RouterCallPath {
    static let source = #"""
import asyncio
import collections
import importlib.metadata
import inspect
import logging
import random
import threading
import time
import traceback
import types

import litellm
import litellm.router as _router_module
from litellm.litellm_core_utils.core_helpers import _get_parent_otel_span_from_kwargs
from litellm.litellm_core_utils.coroutine_checker import coroutine_checker
from litellm.router import CustomStreamWrapper, ModelResponse  # the classes litellm's methods test against
from litellm.router import uuid  # litellm's own (fastuuid), as its _update_kwargs_before_fallbacks uses
from litellm.router import verbose_router_logger
from litellm.router_strategy.simple_shuffle import simple_shuffle
from litellm.router_strategy.tag_based_routing import get_deployments_for_tag
from litellm.router_utils.common_utils import filter_team_based_models
from litellm.router_utils.cooldown_cache import CooldownCache
from litellm.router_utils.cooldown_handlers import _async_get_cooldown_deployments
from litellm.router_utils.handle_error import async_raise_no_deployment_exception
from litellm.types.services import ServiceTypes

import _embedchat_router_groups as _groups

# The version whose methods the copies below repeat (the pinned one).
COPIED_VERSION = "1.78.7"
_COPIES_MATCH = importlib.metadata.version("litellm") == COPIED_VERSION
_COROUTINE = types.CoroutineType  # what the first try's attempt hands back: asked before inspect.isawaitable
_MOCK_FALLBACK_KEYS = frozenset(("mock_testing_fallbacks", "mock_testing_context_fallbacks",
                                 "mock_testing_content_policy_fallbacks"))
# The keywords the fallback plan takes out of a call (or acts on) before its first try.
_PLANNED_KEYS = _MOCK_FALLBACK_KEYS | {"disable_fallbacks", "mock_timeout"}
LEAN_CALLS = 0  # calls that took the lean path (a test reads it)

# What async_function_with_fallbacks reads from the call's keywords before its try.
_FallbackPlan = collections.namedtuple("_FallbackPlan", (
    "model_group", "disable_fallbacks", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks",
    "mock_timeout",
))
_new_tuple = tuple.__new__
# A uniform pick as `random.choice` makes it (random's shared generator), without choice's two Python-level calls.
_random = random.random


# Keywords the Router hands litellm.acompletion on every call, from the deployment's settings or its own, whose False
# is what litellm does without them (it reads each as `kwargs.get(name, False)`, `None` or for truth). litellm spent a
# few µs on each in its parameter mapping and logging set-up: left out, a Router call costs ~15 µs less CPU
# (docs/gateway.md, "Eighth look"). They are `stream`, `use_in_pass_through`, `use_litellm_proxy` and
# `merge_reasoning_content_in_choices`, each asked by name below.
_DEPLOYMENT_FLAGS = frozenset(("use_in_pass_through", "use_litellm_proxy", "merge_reasoning_content_in_choices"))


# What litellm.completion waits for a call that names no timeout (`timeout or kwargs.get("request_timeout", 600) or 600`).
_LITELLM_DEFAULT_TIMEOUT = 600


def _drop_default_keywords(input_kwargs):
    """Leaves out the Router's keywords that say what litellm does anyway: the four above when False,
    `caching=False` while no litellm cache is configured (with one, False is an explicit "not this call"),
    `client=None` (no client of the Router's for the deployment: litellm makes or reuses its own, as without one), and
    a timeout of litellm's own 600 s when no `request_timeout` would stand in for it and no `mock_timeout` reads it (the
    gateway's Router sets 600 s, the wait of a plain call: ~35 bytecodes of litellm's parameter handling a call)."""
    if input_kwargs.get("stream") is False:
        del input_kwargs["stream"]
    if not _DEPLOYMENT_FLAGS.isdisjoint(input_kwargs):  # RouterGlue's Gateway takes them out of its deployments
        for name in _DEPLOYMENT_FLAGS:
            if input_kwargs.get(name) is False:
                del input_kwargs[name]
    if input_kwargs.get("caching") is False and litellm.cache is None:
        del input_kwargs["caching"]
    if "client" in input_kwargs and input_kwargs["client"] is None:  # litellm reads `kwargs.get("client")`
        del input_kwargs["client"]
    if (input_kwargs.get("timeout") == _LITELLM_DEFAULT_TIMEOUT and "request_timeout" not in input_kwargs
            and "mock_timeout" not in input_kwargs):
        del input_kwargs["timeout"]


def strip_false_deployment_flags(model_list):
    """Takes the three deployment flags out of each deployment's settings where they are False: litellm's Router
    writes them into every deployment, reads them only as settings objects when it adds a deployment, and hands them to
    every call, where `_drop_default_keywords` took them out again. Kept out once, a call need not."""
    for deployment in model_list:
        params = deployment.get("litellm_params")
        if isinstance(params, dict):
            for name in _DEPLOYMENT_FLAGS:
                if params.get(name) is False:
                    del params[name]


# The keywords that make a call's credentials its own (litellm's clientside_credential_keys): the deployment written
# into such a call is a new one litellm makes, so litellm's own _update_kwargs_with_deployment runs.
_CLIENTSIDE_KEYS = frozenset(("api_key", "api_base", "base_url"))

# The trace span a lean method was not handed: looked up from the call's keywords where it is used (litellm looked it up
# before every call it was handed to; it is only read by service logging, cooldown reads through Redis and errors).
_SPAN_FROM_KWARGS = object()


def _span(given, kwargs):
    return _get_parent_otel_span_from_kwargs(kwargs) if given is _SPAN_FROM_KWARGS else given


def copies_match():
    """Whether litellm is the version the copies (and RouterGroupFacts' cache reads) were made from."""
    return _COPIES_MATCH


def copies_apply():
    """Whether the copies run: the pinned litellm, and debug logging off (with it on, litellm's own methods log)."""
    return _COPIES_MATCH and not verbose_router_logger.isEnabledFor(logging.DEBUG)


# The Router logger's own cache of isEnabledFor's answers by level (logging clears it in place when a level changes).
# The lean chain reads a False from it (that level is off, whatever `disabled` says) instead of calling isEnabledFor,
# ~20 bytecodes a read; any other answer, or none yet, is asked of isEnabledFor as before.
_ROUTER_LOG_LEVELS = getattr(verbose_router_logger, "_cache", None)
if not isinstance(_ROUTER_LOG_LEVELS, dict):
    _ROUTER_LOG_LEVELS = {}
_DEBUG = logging.DEBUG
_INFO = logging.INFO


class LeanCallPath:
    """Mixed in before `litellm.Router`: its call path, less the work listed in RouterCallPath.swift."""

    def _service_listeners(self):
        # Whether a service-logging hook would do anything (RouterGlue's logger knows; any other is asked as before).
        has_listeners = getattr(self.service_logger_obj, "has_listeners", None)
        return True if has_listeners is None else has_listeners()

    def _group_facts(self, group):
        # What the lean path knows of the group (RouterGroupFacts.swift): worked out on first use and kept until litellm
        # changes the model list (the methods below forget them) or a prompt-management callback becomes known.
        kept = self.__dict__.get("_embedchat_group_facts")
        known = len(litellm._known_custom_logger_compatible_callbacks)
        if kept is None or kept[0] != known:
            kept = (known, {})
            self.__dict__["_embedchat_group_facts"] = kept
        facts = kept[1].get(group)
        if facts is None:
            facts = kept[1][group] = _groups.group_facts(self, group)
        return facts

    def _forget_group_facts(self):
        self.__dict__.pop("_embedchat_group_facts", None)

    def _group_size(self, group, facts=None):
        return (facts if facts is not None and facts.group == group else self._group_facts(group)).size

    def acompletion(self, model, messages, stream=False, **kwargs):
        # A plain method handing back the call's coroutine (litellm's own, or the lean one), so that the lean call runs
        # in one coroutine frame less. Whether the copies apply is asked here, once a call: the lean chain below runs
        # the copies without asking again.
        if (not _COPIES_MATCH or (_ROUTER_LOG_LEVELS.get(_DEBUG) is not False and not copies_apply())
                or self.routing_strategy != "simple-shuffle" or kwargs.get("priority") is not None
                or self.default_priority is not None):
            return super().acompletion(model, messages, stream, **kwargs)
        facts = self._group_facts(model)
        if facts.prompt_managed:
            return super().acompletion(model, messages, stream, **kwargs)
        return self._lean_acompletion(model, messages, stream, kwargs, facts)

    async def _lean_acompletion(self, model, messages, stream, kwargs, facts=None):
        # litellm's acompletion with its async_function_with_fallbacks inline (it was the next frame down).
        global LEAN_CALLS
        LEAN_CALLS += 1
        try:
            kwargs["model"] = model
            kwargs["messages"] = messages
            kwargs["stream"] = stream
            kwargs["original_function"] = self._lean_attempt
            # _update_kwargs_before_fallbacks, inline (with its metadata named "metadata", as acompletion calls it)
            kwargs["num_retries"] = kwargs.get("num_retries", self.num_retries)
            kwargs.setdefault("litellm_trace_id", str(uuid.uuid4()))
            kwargs.setdefault("metadata", {}).update({
                "model_group": model,
                "model_group_alias": model if model in self.model_group_alias and self._get_model_from_alias(model=model)
                else None,
            })
            listeners = self._service_listeners()
            start_time = time.perf_counter() if listeners else None  # read only by the service-logging hook
            # The fallback plan (async_function_with_fallbacks' first steps) is made before the try only when the call
            # holds a keyword it takes out or acts on; otherwise the first try gets a copy of the keywords as they are,
            # and the plan is made only if a failure reads it, from a copy made then (the try changed no keyword of
            # `kwargs`, only what they share).
            plan = None
            if _PLANNED_KEYS.isdisjoint(kwargs):
                first_try = dict(kwargs)
            else:
                fallback_kwargs = dict(kwargs)  # what async_function_with_fallbacks(**kwargs) held
                plan = self._fallback_plan(fallback_kwargs)
                first_try = self._retry_kwargs(fallback_kwargs, plan)
            try:
                # async_function_with_retries' first try, inline: one coroutine frame less on every resume of the call,
                # and the attempt handed its keywords as a dict rather than through `**`. Its retries: `_retry`.
                original_function = first_try.pop("original_function")
                fallbacks = first_try.pop("fallbacks", self.fallbacks)
                context_window_fallbacks = first_try.pop("context_window_fallbacks", self.context_window_fallbacks)
                content_policy_fallbacks = first_try.pop("content_policy_fallbacks", self.content_policy_fallbacks)
                num_retries = first_try.pop("num_retries")
                if "litellm_metadata" in first_try:
                    self._write_group_size(first_try, facts)
                elif facts.size is not None:  # the metadata names the group (a str) whose facts the chain holds
                    first_try["metadata"]["model_group_size"] = facts.size
                try:
                    if "mock_testing_rate_limit_error" in first_try:
                        self._handle_mock_testing_rate_limit_error(model_group=model, kwargs=first_try)
                    attempt = dict(first_try)  # what `_lean_attempt(**first_try)` held: all but model and messages
                    del attempt["model"], attempt["messages"]
                    response = await self._attempt(model, messages, attempt, facts, listeners)
                    if not self._SETS_NO_RESPONSE_HEADERS:
                        response = await self.set_response_headers(response=response, model_group=model)
                except Exception as e:
                    response = await self._retry(e, (), first_try, num_retries, original_function, fallbacks,
                                                 context_window_fallbacks, content_policy_fallbacks)
            except Exception as e:
                if plan is None:
                    fallback_kwargs = dict(kwargs)
                    plan = self._fallback_plan(fallback_kwargs)
                response = await self._fall_back(e, plan, (), fallback_kwargs)
            if listeners:
                end_time = time.perf_counter()
                asyncio.create_task(self.service_logger_obj.async_service_success_hook(
                    service=ServiceTypes.ROUTER, duration=end_time - start_time, call_type="acompletion",
                    start_time=start_time, end_time=end_time, parent_otel_span=_get_parent_otel_span_from_kwargs(kwargs),
                ))
            return response
        except Exception as e:
            asyncio.create_task(_router_module.send_llm_exception_alert(
                litellm_router_instance=self, request_kwargs=kwargs, error_traceback_str=traceback.format_exc(),
                original_exception=e,
            ))
            raise e

    async def async_function_with_fallbacks(self, *args, **kwargs):
        if not copies_apply():
            return await super().async_function_with_fallbacks(*args, **kwargs)
        plan = self._fallback_plan(kwargs)
        try:
            return await self._with_retries(args, self._retry_kwargs(kwargs, plan))
        except Exception as e:
            return await self._fall_back(e, plan, args, kwargs)

    def _fallback_plan(self, kwargs):
        # async_function_with_fallbacks' first steps: the group, whether to fall back, and to what. Made with
        # `tuple.__new__` (the namedtuple's own `__new__` is Python, run on every call).
        return _new_tuple(_FallbackPlan, (
            kwargs.get("model"),
            kwargs.pop("disable_fallbacks", False),
            kwargs.get("fallbacks", self.fallbacks),
            kwargs.get("context_window_fallbacks", self.context_window_fallbacks),
            kwargs.get("content_policy_fallbacks", self.content_policy_fallbacks),
            kwargs.pop("mock_timeout", None),
        ))

    def _retry_kwargs(self, kwargs, plan):
        # Inside its try: the mock-testing hook (it only pops three `mock_testing_*` keywords and raises on one; without
        # them, a no-op), then the keywords async_function_with_retries gets.
        if not _MOCK_FALLBACK_KEYS.isdisjoint(kwargs):
            self._handle_mock_testing_fallbacks(
                kwargs=kwargs, model_group=plan.model_group, fallbacks=plan.fallbacks,
                context_window_fallbacks=plan.context_window_fallbacks,
                content_policy_fallbacks=plan.content_policy_fallbacks,
            )
        retry_kwargs = dict(kwargs)
        if plan.mock_timeout is not None:
            retry_kwargs["mock_timeout"] = plan.mock_timeout
        return retry_kwargs

    def _fall_back(self, error, plan, args, kwargs):
        return self.async_function_with_fallbacks_common_utils(
            error, plan.disable_fallbacks, plan.fallbacks, plan.context_window_fallbacks, plan.content_policy_fallbacks,
            plan.model_group, args, kwargs,
        )

    def async_function_with_retries(self, *args, **kwargs):
        if not copies_apply():
            return super().async_function_with_retries(*args, **kwargs)
        return self._with_retries(args, kwargs)

    async def _with_retries(self, args, kwargs):
        # litellm's async_function_with_retries on a dict of its own (the caller made it), with make_call inline for
        # the first try: a fallback's call (the lean chain's own first try is inline in `_lean_acompletion`). The trace
        # span is looked up only when an error needs it. Less its first line,
        # `verbose_router_logger.debug("Inside async function with retries.")`: the copies run only while debug logging
        # is off.
        original_function = kwargs.pop("original_function")
        fallbacks = kwargs.pop("fallbacks", self.fallbacks)
        context_window_fallbacks = kwargs.pop("context_window_fallbacks", self.context_window_fallbacks)
        content_policy_fallbacks = kwargs.pop("content_policy_fallbacks", self.content_policy_fallbacks)
        model_group = kwargs.get("model")
        num_retries = kwargs.pop("num_retries")
        self._write_group_size(kwargs, None)
        try:
            if "mock_testing_rate_limit_error" in kwargs:
                self._handle_mock_testing_rate_limit_error(model_group=model_group, kwargs=kwargs)
            response = original_function(*args, **kwargs)  # make_call, inline: one coroutine frame less
            if (type(response) is _COROUTINE or inspect.isawaitable(response)
                    or coroutine_checker.is_async_callable(response)):
                response = await response
            if self._SETS_NO_RESPONSE_HEADERS:
                return response
            return await self.set_response_headers(response=response, model_group=kwargs.get("model"))
        except Exception as e:
            return await self._retry(e, args, kwargs, num_retries, original_function, fallbacks,
                                     context_window_fallbacks, content_policy_fallbacks)

    def _write_group_size(self, kwargs, facts):
        # The group's size into the call's metadata, as async_function_with_retries writes it.
        _metadata = kwargs.get("litellm_metadata", kwargs.get("metadata")) or {}
        if "model_group" in _metadata and isinstance(_metadata["model_group"], str):
            size = self._group_size(_metadata["model_group"], facts)
            if size is not None:
                _metadata["model_group_size"] = size

    async def _retry(self, e, args, kwargs, num_retries, original_function, fallbacks, context_window_fallbacks,
                     content_policy_fallbacks):
        # async_function_with_retries' except block: whether and how often the failed first try `e` is tried again.
        parent_otel_span = _get_parent_otel_span_from_kwargs(kwargs)
        current_attempt = None
        original_exception = e
        deployment_num_retries = getattr(e, "num_retries", None)
        if deployment_num_retries is not None and isinstance(deployment_num_retries, int):
            num_retries = deployment_num_retries
        _healthy_deployments, _all_deployments = await self._async_get_healthy_deployments(
            model=kwargs.get("model") or "", parent_otel_span=parent_otel_span,
        )
        self.should_retry_this_error(  # raises if this error is not retried
            error=e, healthy_deployments=_healthy_deployments, all_deployments=_all_deployments,
            context_window_fallbacks=context_window_fallbacks, regular_fallbacks=fallbacks,
            content_policy_fallbacks=content_policy_fallbacks,
        )
        if self.retry_policy is not None or self.model_group_retry_policy is not None:
            _retry_policy_retries = self.get_num_retries_from_retry_policy(
                exception=original_exception, model_group=kwargs.get("model"),
            )
            if _retry_policy_retries is not None:
                num_retries = _retry_policy_retries
        if num_retries > 0:
            kwargs = self.log_retry(kwargs=kwargs, e=original_exception)
        else:
            raise e
        retry_after = self._time_to_sleep_before_retry(
            e=original_exception, remaining_retries=num_retries, num_retries=num_retries,
            healthy_deployments=_healthy_deployments, all_deployments=_all_deployments,
        )
        await asyncio.sleep(retry_after)
        for current_attempt in range(num_retries):
            try:
                response = await self.make_call(original_function, *args, **kwargs)
                if coroutine_checker.is_async_callable(response):  # async errors are often returned as coroutines
                    response = await response
                return response
            except Exception as e:
                kwargs = self.log_retry(kwargs=kwargs, e=e)
                remaining_retries = num_retries - current_attempt
                _model = kwargs.get("model")
                if _model is not None:
                    _healthy_deployments, _ = await self._async_get_healthy_deployments(
                        model=_model, parent_otel_span=parent_otel_span,
                    )
                else:
                    _healthy_deployments = []
                _timeout = self._time_to_sleep_before_retry(
                    e=original_exception, remaining_retries=remaining_retries, num_retries=num_retries,
                    healthy_deployments=_healthy_deployments, all_deployments=_all_deployments,
                )
                await asyncio.sleep(_timeout)
        if type(original_exception) in litellm.LITELLM_EXCEPTION_TYPES:
            setattr(original_exception, "max_retries", num_retries)
            setattr(original_exception, "num_retries", current_attempt)
        raise original_exception

    # True where a subclass's set_response_headers hands the response back as it is (the first try then skips its
    # await), and where its _track_deployment_metrics does nothing (the lean attempt then skips the call).
    _SETS_NO_RESPONSE_HEADERS = False
    _TRACKS_NO_DEPLOYMENT_METRICS = False

    async def make_call(self, original_function, *args, **kwargs):
        if not copies_apply():
            return await super().make_call(original_function, *args, **kwargs)
        response = original_function(*args, **kwargs)
        # litellm asks is_async_callable first, which misses its cache for every new coroutine; the same two
        # questions, the cheap one first.
        if inspect.isawaitable(response) or coroutine_checker.is_async_callable(response):
            response = await response
        return await self.set_response_headers(response=response, model_group=kwargs.get("model"))

    async def _acompletion(self, model, messages, **kwargs):
        if not copies_apply() or self.routing_strategy != "simple-shuffle":
            return await super()._acompletion(model, messages, **kwargs)
        return await self._attempt(model, messages, kwargs)

    async def _lean_attempt(self, model, messages, **kwargs):
        # The lean chain's `original_function`, for its retries and fallbacks (its first try runs `_attempt` inline).
        return await self._attempt(model, messages, kwargs)

    async def _attempt(self, model, messages, kwargs, facts=None, listeners=None):
        # litellm's _acompletion, run by the lean chain (which asked whether the copies apply once, in acompletion), on
        # a dict of keywords of its own. `_track_deployment_metrics` is not called: RouterGlue's `_Router` makes it a
        # no-op, and the trace span it was handed is looked up only where it is used. `facts`, `listeners`: the group's
        # facts and whether service logging listens, when the caller holds them.
        model_name = None
        _timeout_debug_deployment_dict = {}
        try:
            if facts is None or facts.group != model:
                facts = self._group_facts(model)
            if listeners is None:
                listeners = self._service_listeners()
            start_time = time.perf_counter() if listeners else None
            specific_deployment = kwargs.pop("specific_deployment", None)
            deployment = None if specific_deployment else self._quick_pick(model, messages, facts)
            if deployment is None:
                deployment = await self._lean_pick(model, messages, specific_deployment, kwargs, facts=facts)
            _timeout_debug_deployment_dict = deployment
            if listeners:
                end_time = time.perf_counter()
                asyncio.create_task(self.service_logger_obj.async_service_success_hook(
                    service=ServiceTypes.ROUTER, duration=end_time - start_time,
                    call_type="async_get_available_deployment", start_time=start_time, end_time=end_time,
                    parent_otel_span=_get_parent_otel_span_from_kwargs(kwargs),
                ))
            if not self._TRACKS_NO_DEPLOYMENT_METRICS:
                self._track_deployment_metrics(deployment=deployment,
                                               parent_otel_span=_get_parent_otel_span_from_kwargs(kwargs))
            self._update_kwargs_with_deployment(deployment=deployment, kwargs=kwargs)
            data = deployment["litellm_params"]
            model_name = data["model"]
            model_client = self._lean_model_client(deployment, kwargs, facts.memory)
            self.total_calls[model_name] += 1
            input_kwargs = {**data, "messages": messages, "caching": self.cache_responses, "client": model_client,
                            **kwargs}
            _drop_default_keywords(input_kwargs)
            _response = litellm.acompletion(**input_kwargs)
            logging_obj = kwargs.get("litellm_logging_obj", None)
            if facts.no_semaphores and deployment in facts.deployments:  # nothing could have made one
                rpm_semaphore = None
            else:
                rpm_semaphore = self._get_client(deployment=deployment, kwargs=kwargs,
                                                 client_type="max_parallel_requests")
            if rpm_semaphore is not None and isinstance(rpm_semaphore, asyncio.Semaphore):
                async with rpm_semaphore:
                    await self.async_routing_strategy_pre_call_checks(
                        deployment=deployment, logging_obj=logging_obj,
                        parent_otel_span=_get_parent_otel_span_from_kwargs(kwargs),
                    )
                    response = await _response
            else:
                if litellm.callbacks:  # the checks ask each of litellm.callbacks in turn; with none, nothing
                    await self.async_routing_strategy_pre_call_checks(
                        deployment=deployment, logging_obj=logging_obj,
                        parent_otel_span=_get_parent_otel_span_from_kwargs(kwargs),
                    )
                response = await _response
            # litellm's check answers False at once when the first choice did not end for its content filter.
            if isinstance(response, ModelResponse) and (not response.choices
                                                        or response.choices[0].finish_reason == "content_filter"):
                if self._should_raise_content_policy_error(model=model, response=response, kwargs=kwargs):
                    raise litellm.ContentPolicyViolationError(
                        message="Response output was blocked.", model=model, llm_provider="",
                    )
            self.success_calls[model_name] += 1
            if _ROUTER_LOG_LEVELS.get(_INFO) is not False and verbose_router_logger.isEnabledFor(_INFO):
                verbose_router_logger.info(f"litellm.acompletion(model={model_name})\033[32m 200 OK\033[0m")
            if not self._TRACKS_NO_DEPLOYMENT_METRICS:
                self._track_deployment_metrics(deployment=deployment, response=response,
                                               parent_otel_span=_get_parent_otel_span_from_kwargs(kwargs))
            if isinstance(response, CustomStreamWrapper):
                input_kwargs_for_streaming_fallback = kwargs.copy()  # what litellm hands its streaming iterator
                input_kwargs_for_streaming_fallback["model"] = model
                return await self._acompletion_streaming_iterator(
                    model_response=response, messages=messages, initial_kwargs=input_kwargs_for_streaming_fallback,
                )
            return response
        except litellm.Timeout as e:
            deployment_request_timeout_param = _timeout_debug_deployment_dict.get("litellm_params", {}).get(
                "request_timeout", None)
            deployment_timeout_param = _timeout_debug_deployment_dict.get("litellm_params", {}).get("timeout", None)
            e.message += (f"\n\nDeployment Info: request_timeout: {deployment_request_timeout_param}"
                          f"\ntimeout: {deployment_timeout_param}")
            raise e
        except Exception as e:
            verbose_router_logger.info(f"litellm.acompletion(model={model_name})\033[31m Exception {str(e)}\033[0m")
            if model_name is not None:
                self.fail_calls[model_name] += 1
            raise e

    async def async_get_available_deployment(self, model, request_kwargs, messages=None, input=None,
                                             specific_deployment=False):
        if not copies_apply() or self.routing_strategy != "simple-shuffle":
            return await super().async_get_available_deployment(
                model=model, request_kwargs=request_kwargs, messages=messages, input=input,
                specific_deployment=specific_deployment,
            )
        return await self._lean_pick(model, messages, specific_deployment, request_kwargs, input)

    def _update_kwargs_with_deployment(self, deployment, kwargs, function_name=None):
        # litellm's, for a chat call (no function name: the metadata is "metadata"), with its helpers' steps inline: the
        # clientside-credential test, the metadata name, the timeout and the Router's default params (without the copy
        # of the defaults it made to pop their metadata). Any other call, or one naming credentials of its own, runs
        # litellm's.
        if not _COPIES_MATCH or function_name is not None or not _CLIENTSIDE_KEYS.isdisjoint(kwargs):
            return super()._update_kwargs_with_deployment(deployment=deployment, kwargs=kwargs,
                                                          function_name=function_name)
        data = deployment["litellm_params"]
        model_info = deployment.get("model_info", {}).copy()
        metadata = kwargs.setdefault("metadata", {})
        metadata.update({
            "deployment": data["model"], "model_info": model_info, "api_base": data.get("api_base"),
            "deployment_model_name": deployment["model_name"],
        })
        kwargs["model_info"] = model_info
        defaults = self.default_litellm_params
        timeout = self._get_stream_timeout(kwargs=kwargs, data=data) if kwargs.get("stream", False) else None
        if timeout is None:  # _get_non_stream_timeout
            timeout = (kwargs.get("timeout", None) or kwargs.get("request_timeout", None) or data.get("timeout", None)
                       or data.get("request_timeout", None) or self.timeout or defaults.get("timeout", None))
        kwargs["timeout"] = timeout
        # _update_kwargs_with_default_litellm_params: each default the call does not name (the timeout is named now),
        # then the defaults' metadata.
        for key in defaults.keys() - kwargs.keys():
            value = defaults[key]
            if key != "metadata" and value is not None:
                kwargs[key] = value
        metadata.update(defaults.get("metadata", {}) or {})

    def _quick_pick(self, model, messages, facts):
        # `_lean_pick` without its awaits (two coroutines a call), for the common case: a group name whose deployments
        # the facts list, none of them of a team or weighted, no auto-router, alias, callbacks, pre-call checks or tag
        # routing, cooldowns in this process's memory, and a deployment not cooling down. The same steps then (the
        # cooldown filter, a uniform pick as simple-shuffle's `random.choice`); anything else is None, and `_lean_pick` runs.
        deployments = facts.deployments
        if (deployments is None or facts.weighted or model in self.auto_routers or model in self.model_group_alias
                or litellm.callbacks or (self.enable_pre_call_checks and messages is not None)
                or self.enable_tag_filtering is True):
            return None
        memory = facts.memory
        if memory is None:
            return None
        cooldown_keys = facts.cooldown_keys
        if cooldown_keys is None:
            return None
        for deployment in deployments:  # asked on every pick: a team is set on a deployment in place
            if (deployment.get("model_info") or {}).get("team_id") is not None:
                return None
        cooling = None
        held = memory.cache_dict
        for model_id, key in cooldown_keys:
            if key in held:  # `_groups.read`'s first question, asked here: most picks find no entry
                value = _groups.read(memory, key)
                if value and isinstance(value, dict):  # what litellm's read counts as cooling down
                    cooling = (cooling or set()) | {model_id}
        if cooling is None:
            return deployments[int(_random() * len(deployments))]
        healthy = [deployment for deployment in deployments if deployment["model_info"]["id"] not in cooling]
        return healthy[int(_random() * len(healthy))] if healthy else None

    def _lean_model_client(self, deployment, kwargs, memory):
        # litellm's _get_async_openai_model_client: the client the Router cached for the deployment, unless the call
        # names an api_key of its own. The gateway's Router caches none (litellm keeps its clients elsewhere), so with no
        # Redis the lookup's answer is None at once; a client the cache holds is read through litellm's lookup.
        # `memory`: the in-memory half of the Router's cache (the group's facts hold it), or None.
        if memory is None:
            return self._get_async_openai_model_client(deployment=deployment, kwargs=kwargs)
        model_id = deployment["model_info"]["id"]
        key = f"{model_id}_stream_async_client" if kwargs.get("stream") is True else f"{model_id}_async_client"
        if key in memory.cache_dict:
            return self._get_async_openai_model_client(deployment=deployment, kwargs=kwargs)
        return None

    async def _lean_pick(self, model, messages, specific_deployment, request_kwargs, input=None, facts=None):
        # litellm's async_get_available_deployment for its default strategy (simple-shuffle), less the await of a
        # pre-routing hook that only auto-routers have (asked only when the model is one). For a group none of whose
        # deployments names a weight, simple-shuffle's pick is `random.choice` (what it runs then).
        try:
            if model in self.auto_routers:
                pre_routing_hook_response = await self.async_pre_routing_hook(
                    model=model, request_kwargs=request_kwargs, messages=messages, input=input,
                    specific_deployment=specific_deployment,
                )
                if pre_routing_hook_response is not None:
                    model = pre_routing_hook_response.model
                    messages = pre_routing_hook_response.messages
            if facts is None or facts.group != model:
                facts = self._group_facts(model)
            healthy_deployments = await self._lean_healthy(model, request_kwargs, messages, input, specific_deployment,
                                                           facts=facts)
            if isinstance(healthy_deployments, dict):
                return healthy_deployments
            if not facts.weighted and facts.deployments is not None:
                return random.choice(healthy_deployments)
            return simple_shuffle(llm_router_instance=self, healthy_deployments=healthy_deployments, model=model)
        except Exception as e:
            traceback_exception = traceback.format_exc()
            if request_kwargs is not None:
                logging_obj = request_kwargs.get("litellm_logging_obj", None)
                if logging_obj is not None:
                    threading.Thread(target=logging_obj.failure_handler, args=(e, traceback_exception)).start()
                    asyncio.create_task(logging_obj.async_failure_handler(e, traceback_exception))
            raise e

    async def async_get_healthy_deployments(self, model, request_kwargs, messages=None, input=None,
                                            specific_deployment=False, parent_otel_span=None):
        if not copies_apply():
            return await super().async_get_healthy_deployments(
                model=model, request_kwargs=request_kwargs, messages=messages, input=input,
                specific_deployment=specific_deployment, parent_otel_span=parent_otel_span,
            )
        return await self._lean_healthy(model, request_kwargs, messages, input, specific_deployment, parent_otel_span)

    async def _lean_healthy(self, model, request_kwargs, messages=None, input=None, specific_deployment=False,
                            parent_otel_span=_SPAN_FROM_KWARGS, facts=None):
        # litellm's async_get_healthy_deployments less two debug lines rendering the cooldown list, and the work of
        # filters that have nothing to do: the team filter when no deployment of the group belongs to a team (it would
        # hand back a copy of the list), the callback filter with no litellm.callbacks, tag routing while it is off,
        # the cooldown filter when nothing cools down. For a group name (not an alias, a deployment id or a specific
        # deployment) the group's deployments come from its facts, as `_lean_common_checks` would list them.
        # The trace span, when not given, is looked up only where it is used.
        if facts is None or facts.group != model:
            facts = self._group_facts(model)
        if facts.deployments is not None and specific_deployment is not True and model not in self.model_group_alias:
            healthy_deployments = list(facts.deployments)
            if litellm.model_alias_map and model in litellm.model_alias_map:
                model = litellm.model_alias_map[model]
        else:
            model, healthy_deployments = self._lean_common_checks(model, specific_deployment, request_kwargs)
            if isinstance(healthy_deployments, dict):
                return healthy_deployments
        for deployment in healthy_deployments:
            if (deployment.get("model_info") or {}).get("team_id") is not None:
                healthy_deployments = filter_team_based_models(
                    healthy_deployments=healthy_deployments, request_kwargs=request_kwargs,
                )
                break
        cooldown_deployments = self._group_cooldowns(healthy_deployments)
        if cooldown_deployments is None:
            cooldown_deployments = await _async_get_cooldown_deployments(
                litellm_router_instance=self, parent_otel_span=_span(parent_otel_span, request_kwargs),
            )
        if cooldown_deployments:  # litellm's filter hands back a copy of the list when nothing cools down
            healthy_deployments = self._filter_cooldown_deployments(
                healthy_deployments=healthy_deployments, cooldown_deployments=cooldown_deployments,
            )
        if litellm.callbacks:  # the filter asks each of litellm.callbacks in turn
            healthy_deployments = await self.async_callback_filter_deployments(
                model=model, healthy_deployments=healthy_deployments, messages=messages,
                request_kwargs=request_kwargs, parent_otel_span=_span(parent_otel_span, request_kwargs),
            )
        if self.enable_pre_call_checks and messages is not None:
            healthy_deployments = self._pre_call_checks(
                model=model, healthy_deployments=healthy_deployments, messages=messages, request_kwargs=request_kwargs,
            )
        if self.enable_tag_filtering is True:  # get_deployments_for_tag returns the list as it is otherwise
            healthy_deployments = await get_deployments_for_tag(
                llm_router_instance=self, model=model, request_kwargs=request_kwargs,
                healthy_deployments=healthy_deployments,
                metadata_variable_name=self._get_metadata_variable_name_from_kwargs(request_kwargs),
            )
        if len(healthy_deployments) == 0:
            raise await async_raise_no_deployment_exception(
                litellm_router_instance=self, model=model, parent_otel_span=_span(parent_otel_span, request_kwargs),
            )
        return healthy_deployments

    def _group_cooldowns(self, healthy_deployments):
        # litellm reads the cooldown entry of every deployment of every group the Router serves (`get_model_ids`), through
        # three awaits, to filter one group's: a cost that grows with the gateway's routed models. Only the group's own
        # entries can change the filter, and with no Redis they live in this process's memory: read those, at once.
        # None (litellm's own read) with Redis, or a deployment without an id.
        memory = _groups.memory_of(self.cooldown_cache.cache)
        if memory is None:
            return None
        cooling = []
        for deployment in healthy_deployments:
            model_id = (deployment.get("model_info") or {}).get("id") if isinstance(deployment, dict) else None
            if model_id is None:
                return None
            value = _groups.read(memory, CooldownCache.get_cooldown_cache_key(model_id))
            if value and isinstance(value, dict):  # what litellm's read counts as cooling down
                cooling.append(model_id)
        return cooling

    def _common_checks_available_deployment(self, model, messages=None, input=None, specific_deployment=False,
                                            request_kwargs=None):
        # Less its `verbose_router_logger.debug(f"initial list of deployments: {healthy_deployments}")`, which renders
        # every deployment of the group (~6 µs a call for two).
        if not copies_apply():
            return super()._common_checks_available_deployment(
                model=model, messages=messages, input=input, specific_deployment=specific_deployment,
                request_kwargs=request_kwargs,
            )
        return self._lean_common_checks(model, specific_deployment, request_kwargs)

    def _lean_common_checks(self, model, specific_deployment, request_kwargs):
        request_team_id = None
        if request_kwargs is not None:
            metadata = request_kwargs.get("metadata") or {}
            litellm_metadata = request_kwargs.get("litellm_metadata") or {}
            request_team_id = metadata.get("user_api_key_team_id") or litellm_metadata.get("user_api_key_team_id")
        if specific_deployment is True:
            return model, self._get_deployment_by_litellm_model(model=model)
        elif self.has_model_id(model):
            deployment = self.get_deployment(model_id=model)
            if deployment is not None:
                return deployment.litellm_params.model, deployment.model_dump(exclude_none=True)
            raise ValueError(
                f"LiteLLM Router: Trying to call specific deployment, but Model ID :{model} does not exist in Model ID map"
            )
        _model_from_alias = self._get_model_from_alias(model=model)
        if _model_from_alias is not None:
            model = _model_from_alias
        if model not in self.model_names:
            pattern_deployments = self.pattern_router.get_deployments_by_pattern(model=model)
            if pattern_deployments:
                return model, pattern_deployments
            if request_team_id is not None and request_team_id in self.team_pattern_routers:
                pattern_deployments = self.team_pattern_routers[request_team_id].get_deployments_by_pattern(model=model)
                if pattern_deployments:
                    return model, pattern_deployments
            if self.default_deployment is not None:
                updated_deployment = self.default_deployment.copy()
                updated_deployment["litellm_params"] = self.default_deployment["litellm_params"].copy()
                updated_deployment["litellm_params"]["model"] = model
                return model, updated_deployment
        healthy_deployments = self._get_all_deployments(model_name=model)
        if len(healthy_deployments) == 0:
            healthy_deployments = self._get_deployment_by_litellm_model(model=model)
        if len(healthy_deployments) == 0:
            if self.get_model_list(model_name=model) is None:
                message = f"You passed in model={model}. There is no 'model_name' with this string"
            else:
                message = f"You passed in model={model}. There are no healthy deployments for this model"
            raise litellm.BadRequestError(message=message, model=model, llm_provider="")
        if litellm.model_alias_map and model in litellm.model_alias_map:
            model = litellm.model_alias_map[model]
        return model, healthy_deployments


def _forgetting_group_facts(name):
    def method(self, *args, **kwargs):
        self._forget_group_facts()
        return getattr(super(LeanCallPath, self), name)(*args, **kwargs)
    method.__name__ = name
    return method


# Every change litellm makes to the model list (set, add, upsert, delete) goes through one of these, each of which keeps
# litellm's own model-name index up to date: the kept group facts are forgotten with it.
for _name in ("set_model_list", "_add_model_to_list_and_index_map", "_update_deployment_indices_after_removal",
              "_build_model_name_index", "_build_model_id_to_deployment_index_map"):
    setattr(LeanCallPath, _name, _forgetting_group_facts(_name))
"""#

    /// Loaded once, before RouterGlue's module (which imports it by name).
    static let module = EmbeddedModule(name: "_embedchat_router_path", source: source) { _, _ throws(PythonError) in () }
}
