import PythonEmbed

/// The synchronous half of `litellm.acompletion`, run on the loop for the routes where it does no I/O.
///
/// `litellm.acompletion` runs `litellm.completion(..., acompletion=True)` in asyncio's default thread pool
/// (`loop.run_in_executor(None, ...)`) and then awaits the coroutine that returns. For a route whose sync half may
/// touch the network (Bedrock refreshing AWS credentials, Azure fetching an AD token, a secret manager) the thread
/// keeps the loop free. For an `openai` route (OpenAI and every OpenAI-compatible `api_base`) that half only maps
/// parameters, builds the logging object and returns `OpenAIChatCompletion.acompletion(...)` or `async_streaming(...)`:
/// no I/O, and the hop costs more than the work. Each call then costs a thread wake-up, GIL hand-offs between the loop
/// and a pool thread (which fight the loop for the GIL while 16 or 64 calls are in flight) and a
/// `call_soon_threadsafe` back. Measured in a plain Python 3.11 process making litellm calls to the loopback
/// `fake-provider` (1,500 calls, other cuts in place): CPU per call 3.5 → 2.9 ms at 16 in flight, 3.6 → 3.4 ms at 64.
///
/// So `run_in_executor(None, f)` runs `f` at once and returns a finished future when `f` is exactly litellm's
/// `partial(context.run, partial(litellm.completion, **kwargs))` and nothing could make that half do I/O:
/// - the route is `openai` (`custom_llm_provider="openai"`, an `openai/` model, or a bare name in litellm's OpenAI
///   chat list) and no `mock_response`;
/// - no input callback, no `callbacks` (process-wide or in the call), no secret manager or key management system;
/// - failure callbacks, if any, are only those of litellm Routers without a Redis cache (their cooldown
///   bookkeeping works in memory).
/// Anything else (embeddings, other providers, name lookups) goes to the thread pool as before. Results and
/// exceptions are those `f` gives (a `StopIteration`, which an asyncio future refuses, arrives as `RuntimeError`);
/// cancellation lands at the call's next `await`, as a thread's result did. litellm's files are not changed: this is
/// asyncio's `BaseEventLoop.run_in_executor`, wrapped at start-up.
enum InlineCompletionCut {
    static let moduleName = "_embedchat_inline"

    static let source = #"""
import asyncio
import contextvars
import functools

litellm = None  # set by install(), after the glue has imported litellm with its environment
_CALLBACK_KEYWORDS = ("callbacks", "input_callback", "success_callback", "failure_callback")


def _in_memory_router_callback(callback):
    owner = getattr(callback, "__self__", None)
    if not isinstance(owner, litellm.Router):
        return False
    cache = getattr(owner, "cache", None)
    return cache is not None and getattr(cache, "redis_cache", None) is None


def _openai_route(keywords):
    provider = keywords.get("custom_llm_provider")
    if provider is not None:
        return provider == "openai"
    model = keywords.get("model")
    return isinstance(model, str) and (model.startswith("openai/") or model in litellm.open_ai_chat_completion_models)


def runs_without_io(function):
    """Whether `function` is litellm's sync half of an acompletion that does no I/O (see InlineCompletionCut.swift)."""
    if not isinstance(function, functools.partial) or len(function.args) != 1 or function.keywords:
        return False
    run = function.func
    if getattr(run, "__name__", None) != "run" or not isinstance(getattr(run, "__self__", None), contextvars.Context):
        return False
    call = function.args[0]
    if not isinstance(call, functools.partial) or call.func is not litellm.completion or call.args:
        return False
    keywords = call.keywords
    if keywords.get("acompletion") is not True or keywords.get("mock_response") is not None:
        return False
    if any(keywords.get(name) for name in _CALLBACK_KEYWORDS):
        return False
    if not _openai_route(keywords):
        return False
    if litellm.input_callback or litellm._async_input_callback or litellm.callbacks:
        return False
    if litellm.secret_manager_client is not None or litellm._key_management_system is not None:
        return False
    return all(_in_memory_router_callback(callback) for callback in litellm.failure_callback)


_original_run_in_executor = asyncio.BaseEventLoop.run_in_executor


RECORD = None  # a test sets a set here to see which models' sync halves ran on the loop


def _run_in_executor(self, executor, func, *args):
    if executor is None and not args and runs_without_io(func):
        if RECORD is not None:
            RECORD.add(func.args[0].keywords.get("model"))
        future = self.create_future()
        try:
            result = func()
        except StopIteration as error:  # an asyncio future refuses StopIteration
            future.set_exception(RuntimeError(f"litellm.completion raised StopIteration: {error!r}"))
        except BaseException as error:  # as the thread pool's work item does
            future.set_exception(error)
        else:
            future.set_result(result)
        return future
    return _original_run_in_executor(self, executor, func, *args)


INSTALLED = False


def install():
    global INSTALLED, litellm
    if not INSTALLED:
        import litellm as imported

        litellm = imported
        asyncio.BaseEventLoop.run_in_executor = _run_in_executor
        INSTALLED = True
    return INSTALLED
"""#
}
