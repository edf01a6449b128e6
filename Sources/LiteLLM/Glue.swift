/// The Python side of the LiteLLM client, compiled into the binary (never a file that could drift from it).
///
/// Requests arrive as a dict of keyword arguments the host builds through the C API, and replies leave as litellm's
/// own response objects (with their cost beside them), which the host reads in place: in a running process several
/// times cheaper than a dump or a JSON round trip (see RequestEncoding.swift and ReplyDecoding.swift).
enum Glue {
    static let source = #"""
import asyncio
import gc
import importlib.metadata
import json
import logging
import math
import os
import sys
import time

# Process hygiene before litellm is imported, unless the user chose otherwise: the bundled cost map instead of a
# GitHub fetch, no .env loading, no Hugging Face hub calls, and httpx as the async transport (it closes the
# upstream connection when a call is cancelled and raises on a stream cut mid-way; aiohttp here does neither).
for _name, _value in (
    ("LITELLM_LOCAL_MODEL_COST_MAP", "True"),
    ("LITELLM_MODE", "PRODUCTION"),
    ("HF_HUB_OFFLINE", "1"),
    ("DISABLE_AIOHTTP_TRANSPORT", "True"),
    ("TOKENIZERS_PARALLELISM", "false"),
):
    os.environ.setdefault(_name, _value)

# Whether litellm is first imported here, after the environment above: the modules loaded before the glue
# (LiteLLMClient) import nothing of litellm's, or litellm would read an unset environment and fetch its price table
# from GitHub at start-up. A test reads it.
IMPORTED_HERE = "litellm" not in sys.modules

# Importing litellm allocates millions of objects; with the collector off it takes about 10% less time (measured:
# 1.32 s → 1.18 s on the layer tree). Freezing moves what the import made out of later collections' way.
_started = time.perf_counter()
gc.disable()
try:
    import litellm  # noqa: E402
finally:
    gc.freeze()
    gc.enable()

IMPORT_SECONDS = time.perf_counter() - _started

import _embedchat_images  # noqa: E402  (ImageFetch.swift: image URLs are fetched by us, never by litellm)
VERSION = importlib.metadata.version("litellm")

litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banners on stdout
litellm.set_verbose = False
for _logger in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx"):
    logging.getLogger(_logger).setLevel(logging.ERROR)


# Success logging only when someone listens. After every call litellm queues `Logging.async_success_handler` on its
# logging worker (a task per call), and after every stream it also runs `Logging.success_handler` on a thread: both
# build the standard logging payload and price the answer again (~1 ms of CPU a call in a profile), for callbacks
# that nobody configured. With no success callback, budget or dynamic callback, both are skipped (never queued, no
# thread). Failure handlers are untouched: the Router's cooldowns rely on them. The cost we report is litellm's own
# `response_cost`, computed once per call before the answer is returned (`_reply` reads it). litellm's files are
# not changed: these are its class and module attributes, replaced at start-up.
from litellm.litellm_core_utils import litellm_logging as _litellm_logging  # noqa: E402
from litellm.litellm_core_utils import streaming_handler as _streaming_handler  # noqa: E402
from litellm.litellm_core_utils.logging_worker import GLOBAL_LOGGING_WORKER as _logging_worker  # noqa: E402


def _success_logging_wanted(logging_obj):
    return bool(
        litellm.success_callback or litellm._async_success_callback or litellm.callbacks or litellm.max_budget
        or getattr(logging_obj, "dynamic_success_callbacks", None)
        or getattr(logging_obj, "dynamic_async_success_callbacks", None)
    )


_original_async_success = _litellm_logging.Logging.async_success_handler
_original_success = _litellm_logging.Logging.success_handler


async def _async_success_handler(self, *args, **kwargs):
    if _success_logging_wanted(self):
        return await _original_async_success(self, *args, **kwargs)


def _success_handler(self, *args, **kwargs):
    if _success_logging_wanted(self):
        return _original_success(self, *args, **kwargs)


_litellm_logging.Logging.async_success_handler = _async_success_handler
_litellm_logging.Logging.success_handler = _success_handler
_enqueue_logging = _logging_worker.ensure_initialized_and_enqueue


def _enqueue_wanted_logging(async_coroutine):
    if getattr(async_coroutine, "cr_code", None) is _async_success_handler.__code__:
        frame = async_coroutine.cr_frame
        if frame is not None and not _success_logging_wanted(frame.f_locals.get("self")):
            async_coroutine.close()  # never started: no task, no "never awaited" warning
            return None
    return _enqueue_logging(async_coroutine)


_logging_worker.ensure_initialized_and_enqueue = _enqueue_wanted_logging


class _StreamLoggingExecutor:
    """The thread pool a finished stream hands `Logging.success_handler` to, minus the hand-off when it would do
    nothing."""

    def __init__(self, pool):
        self._pool = pool

    def submit(self, fn, *args, **kwargs):
        if getattr(fn, "__func__", None) is _success_handler and not _success_logging_wanted(getattr(fn, "__self__", None)):
            return None  # litellm never reads what submit returns here
        return self._pool.submit(fn, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._pool, name)


_streaming_handler.executor = _StreamLoggingExecutor(_streaming_handler.executor)


# litellm's prompt-management check (`Logging._should_run_prompt_management_hooks_without_prompt_id`, every
# acompletion) asks `param in DynamicPromptManagementParamLiteral.list_all_params()` for each keyword of the call, and
# that classmethod walks the enum into a new list each time (~2 µs). A Router call carries about ten more keywords
# (metadata, model_info, client, timeout, ...), so it paid ~20 µs more than a plain one. The enum's members are fixed:
# the same values, listed once, answer every `in` alike (its only caller in litellm 1.78.7).
from litellm.types.utils import DynamicPromptManagementParamLiteral as _PromptParams  # noqa: E402

_PROMPT_PARAMS = tuple(_param.value for _param in _PromptParams)
_PromptParams.list_all_params = classmethod(lambda cls: _PROMPT_PARAMS)

# Per-request work below litellm that grows with load: httpcore's pool scans (ConnectionPoolCut.swift) and the thread
# hop of acompletion's synchronous half on OpenAI-compatible routes (InlineCompletionCut.swift). Both measured there.
import _embedchat_pool  # noqa: E402
import _embedchat_inline  # noqa: E402
import _embedchat_write  # noqa: E402  (RequestWriteCut.swift: headers and a fixed body in one socket write)
import _embedchat_client_key  # noqa: E402  (ClientKeyCut.swift: OpenAI's constructor parameters read once)
import _embedchat_param_split  # noqa: E402  (ParameterSplitCut.swift: litellm's own keywords told apart by a set)

_embedchat_pool.install()
_embedchat_inline.install()
_embedchat_write.install()
_embedchat_client_key.install()
_embedchat_param_split.install()


def _hidden_params(response):
    # Read from pydantic's private store: `response._hidden_params` goes through BaseModel.__getattr__, which
    # costs ~1.8 µs a call against ~0.1 µs this way.
    private = getattr(response, "__pydantic_private__", None)
    if isinstance(private, dict) and "_hidden_params" in private:
        return private["_hidden_params"] or {}
    return getattr(response, "_hidden_params", None) or {}


_UNPRICED = set()  # models litellm has no price for: asking again costs ~150 µs and an exception each call


def _reply(response):
    """litellm's response as it is, which the host reads in place (a dump first cost ~10 µs a call in a running
    process), and what it cost in USD, or None."""
    hidden = _hidden_params(response)
    cost = hidden.get("response_cost")
    model = hidden.get("litellm_model_name") or getattr(response, "model", None)
    if cost is None and model not in _UNPRICED:
        try:
            cost = litellm.completion_cost(completion_response=response)
        except Exception:
            cost = None
        if cost is None and len(_UNPRICED) < 10_000:
            _UNPRICED.add(model)
    if isinstance(cost, (int, float)) and math.isfinite(cost):
        return (response, float(cost))
    return (response, None)


def _deadline_error(seconds, kwargs):
    return litellm.Timeout(
        message=f"no answer within the deadline ({seconds:.2f} s)",
        model=kwargs.get("model", ""),
        llm_provider="embedchat",
    )


async def _within(awaitable, seconds, kwargs):
    if seconds is None:
        return await awaitable
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + max(seconds, 0.001)
    try:
        result = await asyncio.wait_for(awaitable, max(seconds, 0.001))
    except asyncio.TimeoutError:
        raise _deadline_error(seconds, kwargs) from None
    if loop.time() > ends_at:
        # 3.11's wait_for returns the result of an awaitable that swallowed its cancellation and finished anyway
        # (seen once in a test: a 3 s answer came back through a 0.4 s deadline). Past the deadline is a timeout.
        close = getattr(result, "aclose", None)
        if close is not None:
            try:
                await close()
            except Exception:
                pass
        raise _deadline_error(seconds, kwargs)
    return result


def _raise_if_callers_parameter(error, kwargs):
    """A reasoning_effort the provider's mapping has no value for ("Unmapped reasoning effort: none" for Anthropic and
    Bedrock, "Invalid reasoning effort" for Gemini) is raised before any request, wrapped as a connection error: it is
    the caller's parameter, a 400, raised here in its place. Returns when `error` is something else."""
    effort = kwargs.get("reasoning_effort")
    if effort is not None and "reasoning effort" in str(error).lower():
        raise litellm.UnsupportedParamsError(
            message=f"reasoning_effort '{effort}' is not supported by this model",
            llm_provider=getattr(error, "llm_provider", None),
            model=kwargs.get("model"),
        ) from None


async def _acompletion(kwargs):
    if _embedchat_images.has_image_urls(kwargs):  # a plain check first: most calls carry no image URL
        await _embedchat_images.inline(kwargs)
    try:
        return await litellm.acompletion(**kwargs)
    except litellm.APIConnectionError as error:
        _raise_if_callers_parameter(error, kwargs)
        raise


async def complete(kwargs):
    deadline = kwargs.pop("_deadline", None)
    kwargs.pop("stream", None)
    response = await _within(_acompletion(kwargs), deadline, kwargs)
    return _reply(response)


class Stream:
    """litellm's stream wrapper as an async iterator of its chunks, with a deadline and a close that ends the upstream
    response."""

    def __init__(self, wrapper, deadline, kwargs):
        self.wrapper = wrapper
        self.iterator = wrapper.__aiter__()
        self.kwargs = kwargs
        self.deadline = deadline
        loop = asyncio.get_running_loop()
        self.ends_at = None if deadline is None else loop.time() + deadline

    def __aiter__(self):
        return self

    async def __anext__(self):
        remaining = None
        if self.ends_at is not None:
            remaining = self.ends_at - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise _deadline_error(self.deadline, self.kwargs)
        try:
            chunk = await _within(self.iterator.__anext__(), remaining, self.kwargs)
        except litellm.Timeout:
            await self.aclose()
            raise
        return chunk  # read in place by the host

    async def aclose(self):
        upstream = getattr(self.wrapper, "completion_stream", None)
        for name in ("aclose", "close"):
            method = getattr(upstream, name, None)
            if method is not None:
                try:
                    result = method()
                    if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                        await result
                except Exception:
                    pass
                return


async def start_stream(kwargs):
    deadline = kwargs.pop("_deadline", None)
    kwargs["stream"] = True
    # A settings' `stream_timeout` is the Router's word (it hands a stream that as its `timeout`); litellm.acompletion
    # ignores it. The plain path does what the Router does.
    stream_timeout = kwargs.pop("stream_timeout", None)
    if stream_timeout:
        kwargs["timeout"] = stream_timeout
    started = asyncio.get_running_loop().time()
    wrapper = await _within(_acompletion(kwargs), deadline, kwargs)
    if deadline is not None:
        deadline = max(deadline - (asyncio.get_running_loop().time() - started), 0.001)
    return Stream(wrapper, deadline, kwargs)


def _embedding_reply(response):
    """An embedding response as (JSON bytes, cost in USD or None): JSON carries the long float lists compactly."""
    try:
        text = response.model_dump_json(exclude_none=True, warnings=False).encode()
    except Exception:  # something pydantic cannot serialise in a provider's extra field: JSON gets it as a string
        plain = response.model_dump(exclude_none=True, warnings=False)
        text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    cost = _hidden_params(response).get("response_cost")
    return (text, float(cost) if isinstance(cost, (int, float)) and math.isfinite(cost) else None)


async def embed(kwargs):
    deadline = kwargs.pop("_deadline", None)
    response = await _within(litellm.aembedding(**kwargs), deadline, kwargs)
    text, cost = _embedding_reply(response)
    # litellm prices a chat call with the call's own `input_cost_per_token`, but an embedding call with its price
    # table only (none for an unknown model, the table's for a known one). The entry's price wins, as it does for
    # chat and for a deployment (whose price the Router registers).
    price = kwargs.get("input_cost_per_token")
    if isinstance(price, (int, float)) and not isinstance(price, bool) and math.isfinite(price):
        tokens = getattr(getattr(response, "usage", None), "prompt_tokens", None)
        if isinstance(tokens, int):
            cost = tokens * float(price)
    return (text, cost)


def count_tokens(kwargs):
    return litellm.token_counter(**kwargs)
"""#
}
