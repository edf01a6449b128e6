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
    """One asyncio loop on a thread the host owns. The host wakes it through `wakeup_fd` (an eventfd) and `drain`
    then runs on the loop thread, where it starts the coroutines Swift queued: Swift threads never take the GIL
    to submit work or to cancel it."""

    def __init__(self, wakeup_fd, drain):
        self.loop = asyncio.new_event_loop()
        self.loop.add_reader(wakeup_fd, drain, None)

    def run(self):
        asyncio.set_event_loop(self.loop)
        while True:
            try:
                self.loop.run_forever()
            except BaseException as exc:  # never let the loop thread die
                print("embedchat: event loop error:", repr(exc), file=sys.stderr)

    def start(self, awaitable, done):
        """On the loop thread: runs `awaitable` as a task; `done(task)` runs when it ends."""
        task = self.loop.create_task(_guarded(awaitable))
        task.add_done_callback(done)
        return task

    def spawn(self, awaitable):
        """On the loop thread: runs `awaitable` to its end and drops its outcome (closing a stream)."""

        async def quietly():
            try:
                await awaitable
            except BaseException:
                pass

        self.loop.create_task(quietly())


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


async def aclose_quietly(iterator):
    for name in ("aclose", "close"):
        method = getattr(iterator, name, None)
        if method is not None:
            result = method()
            if inspect.isawaitable(result):
                await result
            return


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
