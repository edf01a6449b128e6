import Foundation
import LiteLLM
import PythonEmbed
import ProviderFakes
import Testing

/// The success-logging cut (Glue.swift): litellm's success handlers run only when someone listens. A configured
/// callback must still hear every kind of call, and with none configured the handlers must not run at all.
///
/// A callback configured by one test is process-wide and would make the others' calls wanted, and would also turn
/// off the inline-completion cut another suite checks: the recorders and the callback are in place only inside
/// `ProcessWideCallbacks.exclusively`.
@Suite("litellm's success handlers run exactly when a success callback is configured", .serialized)
struct SuccessLoggingTests {
    @Test func aConfiguredCallbackHearsABufferedCall() async throws {
        try await withProvider { client, server in
            try await Self.expectTheLoggerHears("the buffered call") { marker in
                _ = try await client.complete(ask("openai/echo", marker), settings: server.openAI)
            }
        }
    }

    @Test func aConfiguredCallbackHearsAFinishedStream() async throws {
        try await withProvider { client, server in
            try await Self.expectTheLoggerHears("the stream") { marker in
                let (chunks, error) = await collect(try await client.stream(ask("openai/echo", marker), settings: server.openAI))
                #expect(error == nil && !chunks.isEmpty)
                // The stream's sync success handler goes to litellm's thread pool, through the glue's gate.
                #expect(await eventually { try SuccessProbe.saw("submitted", marker) },
                        "the stream's sync success handler was never handed to litellm's thread pool")
            }
        }
    }

    @Test func aConfiguredCallbackHearsARouterCall() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server, name: "success")
            try await Self.expectTheLoggerHears("the Router call") { marker in
                let reply = try await router.complete(ask(group, marker), policy: RouterPolicy())
                #expect(reply.deployment == "\(group)#0")
            }
        }
    }

    /// Nothing reaches litellm's logging worker queue, its thread pool or the start of its success handlers for a
    /// buffered call, a stream or a Router call. Each is followed by a plain call (the barrier): the logging of a
    /// call is decided in tasks and hand-offs it leaves ready on the loop, which run before a later call completes.
    @Test func withNoCallbackConfiguredTheSuccessHandlersAreSkipped() async throws {
        try await withProvider { client, server in
            let (router, group) = try await Self.router(client, server, name: "quiet")
            try await SuccessProbe.withRecorders {
                #expect(try SuccessProbe.python("result = probe.configured()") == .bool(false),
                        "a success callback is configured in this process, so the cut is not in force")
                let markers = (buffered: SuccessProbe.marker(), stream: SuccessProbe.marker(), routed: SuccessProbe.marker())
                _ = try await client.complete(ask("openai/echo", markers.buffered), settings: server.openAI)
                let (chunks, error) = await collect(try await client.stream(ask("openai/echo", markers.stream), settings: server.openAI))
                #expect(error == nil && !chunks.isEmpty)
                _ = try await router.complete(ask(group, markers.routed), policy: RouterPolicy())
                _ = try await client.complete(ask("openai/echo", "barrier"), settings: server.openAI)
                let barrier = SuccessProbe.marker()  // a stream's async handler is a task of its own: one more barrier
                _ = try await client.complete(ask("openai/echo", barrier), settings: server.openAI)
                for marker in [markers.buffered, markers.stream, markers.routed] {
                    for kind in ["enqueued", "submitted", "handler"] {
                        #expect(try !SuccessProbe.saw(kind, marker), "\(kind): \(marker)")
                    }
                }
            }
        }
    }
}

extension SuccessLoggingTests {
    /// With a `CustomLogger` configured, makes `call` with a marked prompt and expects the logger to hear its success.
    static func expectTheLoggerHears(_ what: String, _ call: (String) async throws -> Void) async throws {
        try await SuccessProbe.withCallback {
            let marker = SuccessProbe.marker()
            try await call(marker)
            #expect(await eventually { try SuccessProbe.saw("logger", marker) },
                    "the configured CustomLogger never got \(what)'s success event")
        }
    }

    /// A Router of one group with one deployment at `server`, and the group's name.
    static func router(_ client: LiteLLMClient, _ server: FakeProviderServer, name: String) async throws -> (LiteLLMRouter, String) {
        let group = "\(name)-\(UUID().uuidString)"
        let router = try await client.makeRouter([
            RouterDeployment(group: group, id: "\(group)#0", litellmModel: "openai/echo", settings: server.openAI),
        ])
        return (router, group)
    }
}

/// Python-side recorders of litellm's success logging (loaded once per process), watched per marker.
enum SuccessProbe {
    static func marker() -> String { "probe-\(UUID().uuidString)" }

    /// Runs `code` with `probe` bound to the probe module and returns its `result`.
    static func python(_ code: String) throws -> PythonValue {
        try Interpreter.withGIL { gil in
            if try Interpreter.run("import sys\nresult = '_embedchat_success_probe' in sys.modules", gil).toValue(gil) != .bool(true) {
                _ = try Interpreter.loadModule(named: "_embedchat_success_probe", source: source, gil)
            }
            return try Interpreter.run("import _embedchat_success_probe as probe\n" + code, gil).toValue(gil)
        }
    }

    /// Whether the recorder `kind` saw a call whose messages hold `marker` (`logger`: the configured CustomLogger's
    /// async success event; `enqueued`: litellm's logging worker queue; `submitted`: a success handler handed to
    /// litellm's thread pool; `handler`: the start of litellm's own success handler).
    static func saw(_ kind: String, _ marker: String) throws -> Bool {
        try python("result = probe.saw('\(kind)', '\(marker)')") == .bool(true)
    }

    /// Runs `body` with the recorders in place, then takes them out.
    static func withRecorders(_ body: () async throws -> Void) async throws {
        try await ProcessWideCallbacks.exclusively {
            try await with("probe.install_recorders()", undo: "probe.remove_recorders()", body)
        }
    }

    /// Runs `body` with the recorders in place and a `CustomLogger` in `litellm.callbacks`, then takes both out.
    static func withCallback(_ body: () async throws -> Void) async throws {
        try await withRecorders { try await with("probe.configure()", undo: "probe.unconfigure()", body) }
    }

    private static func with(_ setUp: String, undo: String, _ body: () async throws -> Void) async throws {
        _ = try python(setUp)
        do {
            try await body()
        } catch {
            _ = try? python(undo)
            throw error
        }
        _ = try python(undo)
    }

    static let source = #"""
import re
import threading

import litellm
from litellm.integrations.custom_logger import CustomLogger
from litellm.litellm_core_utils.litellm_logging import Logging
from litellm.litellm_core_utils.logging_worker import GLOBAL_LOGGING_WORKER
from litellm.litellm_core_utils.thread_pool_executor import executor as _pool

_lock = threading.Lock()
_marker = re.compile(r"probe-[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
seen = {"logger": set(), "handler": set(), "enqueued": set(), "submitted": set()}


def _note(kind, messages):
    found = _marker.findall(repr(messages))
    with _lock:
        seen[kind].update(found)


class Probe(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        _note("logger", kwargs.get("messages"))


_probe = Probe()
_original_helper = Logging._success_handler_helper_fn  # the first step of both success handlers


def _helper(self, *args, **kwargs):
    _note("handler", getattr(self, "messages", None))
    return _original_helper(self, *args, **kwargs)


def _enqueue(coroutine):
    frame = getattr(coroutine, "cr_frame", None)
    owner = frame.f_locals.get("self") if frame is not None else None
    _note("enqueued", getattr(owner, "messages", None))
    return type(GLOBAL_LOGGING_WORKER).enqueue(GLOBAL_LOGGING_WORKER, coroutine)


def _submit(fn, *args, **kwargs):
    if getattr(getattr(fn, "__func__", None), "__name__", "").endswith("success_handler"):
        _note("submitted", getattr(getattr(fn, "__self__", None), "messages", None))
    return type(_pool).submit(_pool, fn, *args, **kwargs)


def saw(kind, marker):
    with _lock:
        return marker in seen[kind]


def install_recorders():
    Logging._success_handler_helper_fn = _helper
    GLOBAL_LOGGING_WORKER.enqueue = _enqueue
    _pool.submit = _submit


def remove_recorders():
    Logging._success_handler_helper_fn = _original_helper
    GLOBAL_LOGGING_WORKER.__dict__.pop("enqueue", None)
    _pool.__dict__.pop("submit", None)


def configure():
    litellm.callbacks.append(_probe)


def unconfigure():
    for name in dir(litellm):
        value = getattr(litellm, name, None)
        if isinstance(value, list):
            while _probe in value:
                value.remove(_probe)


def configured():
    return bool(litellm.success_callback or litellm._async_success_callback or litellm.callbacks)
"""#
}
