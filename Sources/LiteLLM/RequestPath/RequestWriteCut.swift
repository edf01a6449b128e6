import PythonEmbed

/// An upstream request with a body known in full goes out in one socket write, not two.
///
/// httpcore 1.0.9's `AsyncHTTP11Connection` sends a request as h11 events: the request line and headers
/// (`_send_request_headers`), then each body chunk and the end of the message (`_send_request_body`), each through its
/// own `write`. Every call litellm makes to an OpenAI-compatible provider has a body of fixed bytes (the OpenAI SDK
/// hands httpx the JSON), so it cost two `send` calls, two TCP segments and two wake-ups of the provider's reader.
/// Profiled in `bootstrap --local` at 64 connections against the loopback `fake-provider` (py-spy on the embedded
/// interpreter), the socket writes were about 16% of the loop thread's samples, half of them the headers'.
///
/// With this cut, when the request's stream is httpx's or httpcore's `ByteStream` (bytes known in full), the headers
/// step asks h11 for the header bytes as before but keeps them, and the body step writes them with the body and the end
/// of the message in one `write`: the same bytes, in the same order, through the same h11 state changes, with the same
/// write timeout; a `WriteError` lands where httpcore already handles one (it then reads whatever the server
/// answered). Any other body (a generator, an upload streamed from a file) goes the original way, headers first, so a
/// slow body never holds the headers back. What differs: httpcore's trace hook reports `send_request_headers` complete
/// before those bytes reach the socket, and when h11 refuses the body (a length that disagrees with
/// `Content-Length`) nothing has been written yet, where httpcore had written the headers. Installed only over
/// httpcore 1.0.9 and h11 0.16.0, the versions pinned in python/requirements.txt; any other version is left alone.
/// httpcore's files are not changed.
enum RequestWriteCut {
    static let moduleName = "_embedchat_write"

    static let source = #"""
import importlib.metadata

import h11
import httpx
from httpcore import _models as _httpcore_models
from httpcore._async import http11 as _http11
from httpcore._exceptions import LocalProtocolError, map_exceptions

_Connection = _http11.AsyncHTTP11Connection
ORIGINAL_SEND_HEADERS = _Connection._send_request_headers  # kept: a test compares the two ways
ORIGINAL_SEND_BODY = _Connection._send_request_body
_HTTPX_BYTES = httpx.ByteStream
_HTTPCORE_BYTES = _httpcore_models.ByteStream


def fixed_body(stream):
    """The body's bytes when the stream holds them in full (httpx's or httpcore's ByteStream), else None."""
    kind = type(stream)
    if kind is _HTTPX_BYTES:
        return stream._stream
    if kind is _HTTPCORE_BYTES:
        return stream._content
    return None


async def _send_request_headers(self, request):
    self._embedchat_pending_headers = None
    if fixed_body(request.stream) is None:
        return await ORIGINAL_SEND_HEADERS(self, request)
    with map_exceptions({h11.LocalProtocolError: LocalProtocolError}):
        event = h11.Request(method=request.method, target=request.url.target, headers=request.headers)
    self._embedchat_pending_headers = self._h11_state.send(event) or b""  # written with the body


async def _send_request_body(self, request):
    pending = getattr(self, "_embedchat_pending_headers", None)
    if pending is None:
        return await ORIGINAL_SEND_BODY(self, request)
    self._embedchat_pending_headers = None
    timeout = request.extensions.get("timeout", {}).get("write", None)
    body = self._h11_state.send(h11.Data(data=fixed_body(request.stream)))
    end = self._h11_state.send(h11.EndOfMessage())
    data = b"".join(part for part in (pending, body, end) if part)
    if data:
        await self._network_stream.write(data, timeout=timeout)


INSTALLED = False


def install():
    global INSTALLED
    if INSTALLED or importlib.metadata.version("httpcore") != "1.0.9" or importlib.metadata.version("h11") != "0.16.0":
        return INSTALLED
    _Connection._send_request_headers = _send_request_headers
    _Connection._send_request_body = _send_request_body
    INSTALLED = True
    return INSTALLED
"""#
}
