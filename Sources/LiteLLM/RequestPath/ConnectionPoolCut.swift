import PythonEmbed

/// httpcore's connection pool, minus the work that grows with the number of connections it holds.
///
/// Every async call litellm makes to an OpenAI-compatible provider goes through httpx to httpcore 1.0.9's
/// `AsyncConnectionPool`, which calls `_assign_requests_to_connections` about six times per request (when a request
/// joins, when a response closes, ...). Each time, that method
///
/// - counts the pool with `len([connection.is_idle() for connection in self._connections])` once per idle
///   connection: quadratic in the pool's size (the list has one entry per connection, idle or not, so the count is
///   simply `len(self._connections)`);
/// - asks each idle connection whether the server closed it, through anyio's `extra()`, which rebuilds a dict of the
///   socket's attributes and calls `getpeername()` on every query, just to hand back the raw socket for a `poll`;
/// - builds the lists of available and idle connections for each queued request, to use only the first of one.
///
/// Profiled in a plain Python 3.11 process making litellm calls to the loopback `fake-provider` at 64 at a time
/// (cProfile, 1,000 calls): 608,000 `is_idle` calls, 34,700 `getpeername` and 34,700 `extra_attributes` dicts, with
/// the method taking about a quarter of all CPU; CPU per call went from 4.4 ms to 3.3 ms with this cut. That cost is
/// what made 64 connections dearer per request than 16 in `scripts/bench/proxy-side-by-side.sh`.
///
/// The replacement decides what httpcore's does, in the same order: the same connections are removed, closed, reused
/// or created, and each idle connection is still polled for a server-side close (only the raw socket is remembered
/// per stream, which is fixed for the stream's life). Three decisions are corrected:
///
/// - An idle connection is surplus when the pool holds more *idle* connections than `max_keepalive_connections`
///   (httpx's default 20), as httpx documents the limit. httpcore 1.0.9 counts every connection there
///   (encode/httpcore#1000, open upstream), so with more than 20 calls in flight every connection that fell idle was
///   closed and the next call connected anew: at 64 connections the gateway opened 2,739 upstream connections for
///   2,733 calls.
/// - An HTTP/1.1 connection handed to a request is handed to no other one. httpcore hands an idle connection to
///   every request queued before the first of them starts on it (it turns busy only then); all but one fail with
///   `ConnectionNotAvailable` and queue again, and under load some lose that race again and again: with reuse
///   alone, p99 at 64 connections tripled (`scripts/bench/proxy-side-by-side.sh`, ~850 ms against ~300 ms).
///   20 calls started together over 20 idle connections were queued again 53 times; with the fix, none.
///
/// - A connection made for a request that was cancelled before it sent anything (the host cancels a call whose client
///   went away) leaves the pool, closed. httpcore kept it for good: not yet connected, or connected but still NEW, it
///   is neither idle, closed nor available, and each one held a place under `max_connections` and maybe an open socket
///   (encode/httpcore#1093, open upstream).
///
/// It is installed only over httpcore 1.0.9,
/// the version pinned in python/requirements.txt; any other version is left alone. httpcore's files are not changed.
enum ConnectionPoolCut {
    static let moduleName = "_embedchat_pool"

    static let source = #"""
import asyncio
import importlib.metadata

import anyio
import sniffio
from httpcore._async import connection_pool as _connection_pool
from httpcore._async.connection import AsyncHTTPConnection as _AsyncHTTPConnection
from httpcore._async.http11 import AsyncHTTP11Connection as _AsyncHTTP11Connection
from httpcore._async.http11 import HTTPConnectionState as _HTTPConnectionState
from httpcore._backends import anyio as _anyio_backend

_RAW_SOCKET = anyio.abc.SocketAttribute.raw_socket
_original_get_extra_info = _anyio_backend.AnyIOStream.get_extra_info
ORIGINAL_ASSIGN = _connection_pool.AsyncConnectionPool._assign_requests_to_connections  # kept: a test compares the two


def _get_extra_info(self, info):
    if info == "is_readable":
        try:
            sock = self._embedchat_raw_socket
        except AttributeError:
            sock = self._embedchat_raw_socket = self._stream.extra(_RAW_SOCKET, None)
        return _anyio_backend.is_socket_readable(sock)
    return _original_get_extra_info(self, info)


def _orphaned(connection):
    # Whether a connection no request holds was never used: not yet connected (a request that starts connecting it
    # either connects or marks the attempt failed, which httpcore reaps), or connected for a request that was cancelled
    # before it sent (an HTTP/1.1 connection still NEW; once used it turns ACTIVE, then IDLE or CLOSED).
    if not isinstance(connection, _AsyncHTTPConnection):
        return False
    inner = connection._connection
    if inner is None:
        return not connection._connect_failed
    return isinstance(inner, _AsyncHTTP11Connection) and inner._state == _HTTPConnectionState.NEW


def _assign_requests_to_connections(self):
    closing = []
    connections = self._connections
    # Closed, expired and surplus idle connections leave the pool. Surplus means more *idle* connections than the
    # keep-alive limit: httpcore 1.0.9 compares the limit with every connection, busy ones included (its
    # encode/httpcore#1000), so with more calls in flight than the limit each connection that falls idle was closed
    # and the next call opened a new one.
    # The oldest idle connections go first; `has_expired` (a poll of the socket) is still asked once per connection.
    #
    # An HTTP/1.1 connection handed to a request stays idle until that request's task runs and starts it, a loop
    # turn later or more; httpcore would hand the same connection to every request queued meanwhile, and all but one
    # of them then fail with ConnectionNotAvailable and queue again. So a connection some request holds is taken
    # by no other one, nor closed as idle (HTTP/2 connections, which serve many requests, are shared as before).
    claimed = set() if self._http2 else {id(request.connection) for request in self._requests if request.connection is not None}
    idle = []
    for connection in list(connections):
        if connection.is_closed():
            connections.remove(connection)
        elif not self._http2 and id(connection) not in claimed and _orphaned(connection):
            # Made for a request that was cancelled before it sent anything (encode/httpcore#1093, open upstream):
            # no other request will ever be given it. httpcore kept it for good, neither idle, closed nor available,
            # each one a place under max_connections (and maybe an open socket), until a pool full of them refused
            # every call.
            connections.remove(connection)
            closing.append(connection)
        elif connection.has_expired():
            connections.remove(connection)
            closing.append(connection)
        elif connection.is_idle() and id(connection) not in claimed:
            idle.append(connection)
    surplus = len(idle) - self._max_keepalive_connections
    if surplus > 0:
        for connection in idle[:surplus]:
            connections.remove(connection)
            closing.append(connection)
    # Each queued request: the first available connection for its origin, else a new one if there is room, else
    # the first idle connection is closed to make room.
    for pool_request in [request for request in self._requests if request.is_queued()]:
        origin = pool_request.request.url.origin
        chosen = None
        for connection in connections:
            if id(connection) not in claimed and connection.can_handle_request(origin) and connection.is_available():
                chosen = connection
                break
        if chosen is None:
            if len(connections) < self._max_connections:
                chosen = self.create_connection(origin)
                connections.append(chosen)
            else:
                spare = next((connection for connection in connections
                              if connection.is_idle() and id(connection) not in claimed), None)
                if spare is None:
                    continue
                connections.remove(spare)
                closing.append(spare)
                chosen = self.create_connection(origin)
                connections.append(chosen)
        pool_request.assign_to_connection(chosen)
        if not self._http2:
            claimed.add(id(chosen))
    return closing


# httpcore shields its clean-up (closing a response, closing connections taken out of the pool) with an anyio cancel
# scope, which a plain asyncio `task.cancel()` goes through: the host cancels a call's task when its client goes
# away, and a cancel landing inside that clean-up (anyio's lock yields once even when free) left the request in the
# pool holding a busy connection for good, or a removed connection open. Under asyncio the clean-up now runs in a
# task of its own, shielded: the cancelled caller still gets its CancelledError, and the clean-up finishes.
_CLEANUPS = set()
_original_response_aclose = _connection_pool.PoolByteStream.aclose
_original_close_connections = _connection_pool.AsyncConnectionPool._close_connections


async def _to_the_end(cleanup):
    if sniffio.current_async_library() != "asyncio":  # trio's cancel scopes do shield: httpcore's own path
        return await cleanup
    task = asyncio.get_running_loop().create_task(cleanup)
    _CLEANUPS.add(task)
    task.add_done_callback(_cleanup_done)
    await asyncio.shield(task)


def _cleanup_done(task):
    _CLEANUPS.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: a caller cancelled meanwhile never awaits it


async def _response_aclose(self):
    if not self._closed:
        await _to_the_end(_original_response_aclose(self))


async def _close_connections(self, closing):
    if closing:
        await _to_the_end(_original_close_connections(self, closing))


INSTALLED = False


def install():
    global INSTALLED
    if INSTALLED or importlib.metadata.version("httpcore") != "1.0.9":
        return INSTALLED
    _anyio_backend.AnyIOStream.get_extra_info = _get_extra_info
    _connection_pool.AsyncConnectionPool._assign_requests_to_connections = _assign_requests_to_connections
    _connection_pool.PoolByteStream.aclose = _response_aclose
    _connection_pool.AsyncConnectionPool._close_connections = _close_connections
    INSTALLED = True
    return INSTALLED
"""#
}
