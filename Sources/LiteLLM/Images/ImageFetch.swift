import PythonEmbed

/// Image URLs in a request, fetched by us before litellm sees them, so litellm never downloads one itself.
///
/// litellm downloads `image_url` URLs itself for the routes whose providers take only inline images (Anthropic,
/// Bedrock, Vertex AI/Gemini, and others): in asyncio's shared default thread pool, following redirects anywhere
/// (an `https` URL that redirects to `http://169.254.169.254/` passes), without a size cap, retrying three times, and
/// with the URL and status in its error. Instead, before each call the glue decides per route:
///
/// - **passed through**: `openai` routes to OpenAI's own API (no `api_base`, or `api.openai.com`) and `azure`:
///   the provider fetches the URL from its own network, and litellm leaves it alone;
/// - **fetched here**: every other route, including OpenAI-compatible servers at an `api_base` (which may sit in a
///   private network). Each URL is fetched on the loop (never in a thread pool; only name lookups run on two threads
///   of their own): `https` only; the host is resolved and *every* address it gives must be public (no loopback,
///   private, link-local (cloud metadata at 169.254.169.254 and `fd00:ec2::254`), shared, multicast, reserved or
///   unspecified address, IPv4-mapped forms included); the connection goes to the checked address (no second
///   lookup that could be rebound), with TLS verified against the host name; redirects are followed by hand, at
///   most three, each checked the same way; at most ``maximumBytes`` and ``timeout`` per image; the answer must be a
///   PNG, JPEG, GIF or WebP. litellm then gets a `data:` URL.
///
/// A failure is an `ImageFetchError` naming the part (`messages[0].content[1]`) and a reason, never the URL, its
/// host or the status the host answered: ``LiteLLMError/Kind/imageFetch``, a 400 for a server's caller.
package enum ImageFetch {
    /// The most bytes one image may have (5 MiB, Anthropic's limit).
    static let maximumBytes = 5 * 1024 * 1024
    /// The most time one image may take, redirects included (seconds).
    static let timeout = 10.0

    static let moduleName = "_embedchat_images"

    static let source = #"""
import asyncio
import base64
import concurrent.futures
import ipaddress
import socket
import urllib.parse

import httpx

MAX_BYTES = \#(maximumBytes)
TIMEOUT = \#(timeout)
MAX_REDIRECTS = 3
MAX_AT_ONCE = 4  # images of one request fetched at the same time
TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# Tests only (empty in production): plain-http fetches from 127.0.0.1 at these ports are allowed, so the caps can be
# exercised against a loopback fake. Set through the host's package-level test hook, never from configuration.
TEST_LOOPBACK_PORTS = set()

_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="embedchat-dns")
_client = None


class ImageFetchError(Exception):
    """An image URL that was refused or could not be fetched; the message names the part, never the URL."""

    def __init__(self, part, reason):
        super().__init__(f"The image at {part} could not be used: {reason}.")
        self.part = part
        self.reason = reason


class _Refused(Exception):
    pass


def _client_for_fetches():
    global _client
    if _client is None:
        # No keep-alive: a pooled connection to an address must never serve another host name's TLS.
        _client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(TIMEOUT),
            limits=httpx.Limits(max_keepalive_connections=0, max_connections=64),
            headers={
                "accept": "image/png, image/jpeg, image/gif, image/webp",
                "accept-encoding": "identity",
                "user-agent": "embedchat-image-fetch",
            },
        )
    return _client


def _passes_through(kwargs):
    """Whether the provider fetches image URLs itself, from its own network."""
    if "mock_response" in kwargs:
        return True  # offline: nothing is fetched by anyone
    import litellm

    try:
        _, provider, _, _ = litellm.get_llm_provider(
            model=kwargs.get("model", ""),
            custom_llm_provider=kwargs.get("custom_llm_provider"),
            api_base=kwargs.get("api_base"),
        )
    except Exception:
        return False
    if provider == "azure":
        return True
    if provider == "openai":
        base = kwargs.get("api_base") or kwargs.get("base_url")
        return not base or urllib.parse.urlsplit(base).hostname == "api.openai.com"
    return False


def _allowed(address, scheme, port):
    if address.version == 6:
        for embedded in (address.ipv4_mapped, address.sixtofour, address.teredo and address.teredo[1]):
            if embedded is not None:
                address = embedded
                break
    if scheme == "http":
        return str(address) == "127.0.0.1" and port in TEST_LOOPBACK_PORTS
    if address.version == 4 and address in ipaddress.ip_network("100.64.0.0/10"):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


async def _resolve(host, port, scheme, remaining):
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        loop = asyncio.get_running_loop()
        lookup = loop.run_in_executor(_resolver, socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        try:
            infos = await asyncio.wait_for(lookup, max(remaining, 0.001))
        except asyncio.TimeoutError:
            raise _Refused("its host name did not resolve in time") from None
        except OSError:
            raise _Refused("its host name does not resolve") from None
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise _Refused("its host name does not resolve")
    # Every address must be public: a name that also points inside is refused, whichever address a connect would pick.
    if not all(_allowed(address, scheme, port) for address in addresses):
        raise _Refused("its address is not a public one")
    return addresses[0]


async def _fetch(url, ends_at):
    loop = asyncio.get_running_loop()
    client = _client_for_fetches()
    for _ in range(MAX_REDIRECTS + 1):
        try:
            parts = urllib.parse.urlsplit(url)
            scheme = parts.scheme.lower()
            host = parts.hostname
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise _Refused("its URL is malformed") from None
        if scheme not in ("https", "http") or not host or (scheme == "http" and not TEST_LOOPBACK_PORTS):
            raise _Refused("only https URLs are fetched")
        if parts.username is not None or parts.password is not None:
            raise _Refused("URLs with credentials are not fetched")
        address = await _resolve(host, port, scheme, ends_at - loop.time())
        literal = f"[{address}]" if address.version == 6 else str(address)
        target = urllib.parse.urlunsplit((scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
        name = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets in Host
        host_header = name if parts.port is None else f"{name}:{parts.port}"
        extensions = {"sni_hostname": host} if scheme == "https" else {}
        # No httpx timeout of its own: `_fetch_part`'s wait_for(TIMEOUT) bounds the whole fetch. An httpx timeout of
        # the same length raced it and usually won, so a tarpit host was reported as unreachable, not as too slow.
        request = client.build_request("GET", target, headers={"host": host_header}, extensions=extensions, timeout=None)
        response = await client.send(request, stream=True)
        try:
            if response.status_code in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise _Refused("the image host answered with an error")
                url = urllib.parse.urljoin(url, location)
                continue
            if response.status_code != 200:
                raise _Refused("the image host answered with an error")
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind not in TYPES:
                raise _Refused("it is not a PNG, JPEG, GIF or WebP image")
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > MAX_BYTES:
                raise _Refused(f"it is larger than {MAX_BYTES} bytes")
            body = bytearray()
            async for chunk in response.aiter_bytes():  # decoded: the cap is on what is held, not what was sent
                body += chunk
                if len(body) > MAX_BYTES:
                    raise _Refused(f"it is larger than {MAX_BYTES} bytes")
            return f"data:{kind};base64,{base64.b64encode(bytes(body)).decode('ascii')}"
        finally:
            await response.aclose()
    raise _Refused(f"it redirects more than {MAX_REDIRECTS} times")


async def _fetch_part(path, url, limit):
    async with limit:
        loop = asyncio.get_running_loop()
        ends_at = loop.time() + TIMEOUT
        try:
            return await asyncio.wait_for(_fetch(url, ends_at), TIMEOUT)
        except _Refused as refused:
            raise ImageFetchError(path, str(refused)) from None
        except asyncio.TimeoutError:
            raise ImageFetchError(path, f"it did not arrive within {TIMEOUT:g} s") from None
        except (httpx.HTTPError, OSError, ValueError):
            raise ImageFetchError(path, "the image host could not be reached") from None


def _image_parts(messages):
    for index, message in enumerate(messages or []):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for part_index, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") != "image_url":
                continue
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if isinstance(url, str) and not url[:5].lower() == "data:":
                yield f"messages[{index}].content[{part_index}]", part, url


def has_image_urls(kwargs):
    for _ in _image_parts(kwargs.get("messages")):
        return True
    return False


def passes_through_all(routes):
    """Whether every route (a dict of `model`, `api_base`, ...) has its provider fetch image URLs itself."""
    return all(_passes_through(route) for route in routes)


async def inline(kwargs, passes_through=None):
    """Replaces each image URL of the call's messages by a data URL fetched here, unless the route passes URLs on
    (`passes_through`: worked out from the call's own keywords unless given)."""
    parts = list(_image_parts(kwargs.get("messages")))
    if not parts or (_passes_through(kwargs) if passes_through is None else passes_through):
        return
    limit = asyncio.Semaphore(MAX_AT_ONCE)
    tasks = [asyncio.ensure_future(_fetch_part(path, url, limit)) for path, _, url in parts]
    try:
        urls = await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
    for (_, part, _), data in zip(parts, urls):
        image = part.get("image_url")
        if isinstance(image, dict):
            part["image_url"] = {**image, "url": data}
        else:
            part["image_url"] = {"url": data}
"""#


    /// Tests only: lets plain-http image fetches reach 127.0.0.1 at `ports` and sets the caps (`nil` restores the
    /// defaults; an empty set allows nothing). Never called by the programs, and there is no setting for it.
    package static func configureForTesting(loopbackPorts: Set<Int>, maximumBytes: Int? = nil, timeout: Double? = nil) throws {
        try Interpreter.withGIL { gil in
            let module = try Interpreter.importModule(moduleName, gil)
            try module.setAttribute("TEST_LOOPBACK_PORTS", to: .array(loopbackPorts.sorted().map { .int($0) }), gil)
            try module.setAttribute("MAX_BYTES", to: .int(maximumBytes ?? Self.maximumBytes), gil)
            try module.setAttribute("TIMEOUT", to: .double(timeout ?? Self.timeout), gil)
        }
    }
}
