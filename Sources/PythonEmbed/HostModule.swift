import CPythonShim

/// The host's Python glue, compiled into the binary so it can never meet a glue file of another version.
enum HostModule {
    static let name = "_embedchat_host"

    static let source = #"""
"""Glue between the Swift host and the interpreter it embeds. Versioned with the binary."""
import asyncio
import contextvars
import functools
import inspect
import sys
import threading


def configure_stdio(redirect_stdout):
    # stdout belongs to the host (a CLI's answer, nothing else); Python's prints go to stderr.
    if redirect_stdout:
        sys.stdout = sys.stderr


class HostCancelled(BaseException):
    """Raised asynchronously in a worker thread whose Swift task was cancelled."""


# The outcome codes, written in from the host's GlueOutcome.Code.
\#(GlueOutcome.Code.pythonDefinition)


async def _deliver(awaitable, done):
    """Runs `awaitable` and hands `done` its outcome, `(kind, value)`, the moment it ends.

    Calling `done` from inside the task, rather than from a done-callback, gives the host its result before whatever
    the call left queued on the loop (litellm queues logging tasks at the end of every call) and saves a loop turn.
    """
    try:
        result = await awaitable
    except asyncio.CancelledError:
        done((CANCELLED, None))
        raise
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: they must not stop the loop
        done((ERROR, exc))
        return
    done((OK, result))


def _deliver_if_never_started(done, task):
    # A task cancelled before its first step never runs `_deliver`'s body; the host ignores a second delivery.
    if task.cancelled():
        done((CANCELLED, None))


class EventLoop:
    """One asyncio loop on a thread the host owns. The host wakes it through `wakeup_fd` (the read end of a pipe) and `drain`
    then runs on the loop thread, where it starts the coroutines Swift queued: Swift threads never take the GIL
    to submit work or to cancel it."""

    def __init__(self, wakeup_fd, drain):
        self.loop = asyncio.new_event_loop()
        self.loop.add_reader(wakeup_fd, drain, None)
        # Each call and pump starts from this context, never from the task that happened to be running when the
        # host started it (a caller on the loop's executor starts its next call inside the last one's step).
        self.context = contextvars.copy_context()

    def run(self):
        asyncio.set_event_loop(self.loop)
        while True:
            try:
                self.loop.run_forever()
            except BaseException as exc:  # never let the loop thread die
                print("embedchat: event loop error:", repr(exc), file=sys.stderr)

    def start(self, awaitable, done):
        """On the loop thread: runs `awaitable` as a task; `done((kind, value))` runs once when it ends."""
        return self.loop.create_task(_deliver(awaitable, done), context=self.context.copy())

    @staticmethod
    def cancel(task, done):
        """On the loop thread: cancels a call's task. A task cancelled before its first step never runs
        `_deliver`'s body, so `done` is then called from a done-callback (the host ignores a second delivery)."""
        task.cancel()
        task.add_done_callback(functools.partial(_deliver_if_never_started, done))

    def pump(self, iterator, push, window):
        """On the loop thread: starts a `Pump` over `iterator`."""
        return Pump(self.loop, iterator, push, window, self.context.copy())

    def close_later(self, iterator):
        """On the loop thread: closes an async iterator in a task of its own, without waiting for it."""
        _close_later(self.loop, iterator, self.context.copy())


class Pump:
    """Pulls an async iterator on the loop ahead of the host, at most `window` items beyond what the host has taken
    (`grant` hands room back), and pushes each outcome to `push((kind, value))`: (OK, item) for each item, then
    (END, None), (ERROR, exc) or (CANCELLED, None). One task for the whole iteration rather than one per item, and
    the next item is on its way while the host handles this one."""

    def __init__(self, loop, iterator, push, window, context):
        self.loop = loop
        self.iterator = iterator
        self.push = push
        self.room = window
        self.waiter = None
        self.closing = False
        self.context = context
        self.task = loop.create_task(self._run(), context=context)

    async def _run(self):
        pull = self.iterator.__anext__
        push = self.push
        try:
            while not self.closing:
                if self.room <= 0:
                    self.waiter = self.loop.create_future()
                    try:
                        await self.waiter
                    finally:
                        self.waiter = None
                    continue
                item = await pull()
                if self.closing:  # the pull absorbed the close's cancellation (3.11's wait_for can)
                    break
                self.room -= 1
                push((OK, item))
        except StopAsyncIteration:
            push((END, None))
        except asyncio.CancelledError:
            push((CANCELLED, None))  # ignored after a close; otherwise the host must not wait for ever
            raise
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: they must not stop the loop
            push((ERROR, exc))
        finally:
            if self.closing:
                # In a task of its own: inside this one a cancellation is still pending (3.11 counts it until the
                # task ends), and httpx's close would be cancelled at its first await, leaving the upstream open.
                _close_later(self.loop, self.iterator, self.context)

    def grant(self, count):
        """The host took `count` more items."""
        self.room += count
        self._wake()

    def close(self):
        """Stops pulling, then closes the iterator. A pull in progress is cancelled: that is how a running async
        generator is stopped (Python refuses to `aclose` one while its `__anext__` is in progress)."""
        if self.closing:
            return
        self.closing = True
        if self.task.done():
            _close_later(self.loop, self.iterator, self.context)
        else:
            self._wake()
            self.task.cancel()

    def _wake(self):
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


# Tasks nobody awaits, kept until they end: the loop holds only weak references to tasks.
_DETACHED = set()


def _close_later(loop, iterator, context):
    task = loop.create_task(_aclose_quietly(iterator), context=context)
    _DETACHED.add(task)
    task.add_done_callback(_DETACHED.discard)


async def _aclose_quietly(iterator):
    try:
        for name in ("aclose", "close"):
            method = getattr(iterator, name, None)
            if method is not None:
                result = method()
                if inspect.isawaitable(result):
                    await result
                return
    except BaseException:
        pass


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
