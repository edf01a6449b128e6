import CPythonShim

/// The host's Python glue, compiled into the binary so it can never meet a glue file of another version.
enum HostModule {
    static let name = "_embedchat_host"

    static let source = #"""
"""Glue between the Swift host and the interpreter it embeds. Versioned with the binary."""
import asyncio
import inspect
import sys
import threading


def configure_stdio(redirect_stdout):
    # stdout belongs to the host (a CLI's answer, nothing else); Python's prints go to stderr.
    if redirect_stdout:
        sys.stdout = sys.stderr


class HostEscape(Exception):
    """Carries SystemExit / KeyboardInterrupt out of a task without stopping the event loop."""

    def __init__(self, original):
        super().__init__(repr(original))
        self.original = original


class HostCancelled(BaseException):
    """Raised asynchronously in a worker thread whose Swift task was cancelled."""


async def _guarded(awaitable):
    try:
        return await awaitable
    except (SystemExit, KeyboardInterrupt) as exc:
        # asyncio re-raises these out of run_forever(); the host must keep its loop.
        raise HostEscape(exc) from exc


class EventLoop:
    """One asyncio loop on a thread the host owns; Swift submits awaitables and is called back when they finish."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()

    def run(self):
        asyncio.set_event_loop(self.loop)
        while True:
            try:
                self.loop.run_forever()
            except BaseException as exc:  # never let the loop thread die
                print("embedchat: event loop error:", repr(exc), file=sys.stderr)

    def submit(self, awaitable, done):
        """Schedules `awaitable` from any thread; `done(future)` runs on the loop when it ends. Returns a handle."""
        handle = {"task": None, "cancelled": False}

        def start():
            if handle["cancelled"]:
                close = getattr(awaitable, "close", None)
                if close is not None:
                    close()
                future = self.loop.create_future()
                future.cancel()
                done(future)
                return
            task = self.loop.create_task(_guarded(awaitable))
            handle["task"] = task
            task.add_done_callback(done)

        self.loop.call_soon_threadsafe(start)
        return handle

    def cancel(self, handle):
        def cancel_now():
            handle["cancelled"] = True
            task = handle["task"]
            if task is not None:
                task.cancel()

        self.loop.call_soon_threadsafe(cancel_now)

    def spawn(self, awaitable):
        """Fire and forget (closing a stream); errors are swallowed."""

        async def quietly():
            try:
                await awaitable
            except BaseException:
                pass

        self.loop.call_soon_threadsafe(lambda: self.loop.create_task(quietly()))


def future_outcome(future):
    """(kind, value) for a finished future: ("cancelled", None), ("error", exc) or ("ok", result)."""
    if future.cancelled():
        return ("cancelled", None)
    exc = future.exception()
    if exc is not None:
        if isinstance(exc, HostEscape):
            exc = exc.original
        return ("error", exc)
    return ("ok", future.result())


END = object()


async def anext_or_end(iterator):
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return END


def next_or_end(iterator):
    try:
        return next(iterator)
    except StopIteration:
        return END


async def aclose_quietly(iterator):
    for name in ("aclose", "close"):
        method = getattr(iterator, name, None)
        if method is not None:
            result = method()
            if inspect.isawaitable(result):
                await result
            return


def close_quietly(iterator):
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


def start_thread(target, name):
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
"""#

    /// Compiles the glue into a module registered in `sys.modules`.
    static func load(_ gil: borrowing GIL) throws(PythonError) -> PyRef {
        try Interpreter.loadModule(named: name, source: source, gil)
    }
}
