"""Smoke test of a built layer tree, run by Tests/layer/test-layer.sh with the interpreter whose libpython the
layer ships (Debian's /usr/bin/python3.11 here), under `env -i`, PYTHONHOME=TREE, no site, no LD_LIBRARY_PATH:

    env -i PYTHONHOME=OUT/python /usr/bin/python3.11 -S -B Tests/layer/smoke.py OUT/python

It adds TREE with site.addsitedir (as the Swift host does: .pth files honoured), blocks every network connection
that is not to loopback (audit hook), and checks, failing loudly on the first broken one:
  where everything comes from (stdlib, lib-dynload, packages, shared libraries: all inside TREE; .pyc used),
  import litellm, a mock completion and a mock stream (sync and async), token counting with the bundled tiktoken
  encodings, completion_cost, an OpenAI-compatible call and stream against a loopback fake (sync: httpx; async:
  aiohttp), Bedrock Converse through litellm against a loopback fake that requires a SigV4 signature, botocore
  clients for every kept service, and a SigV4-signed request.
Prints one line per check and "smoke: N passed, 0 failed" at the end; exits 1 on the first failure.
"""
from __future__ import annotations

import asyncio
import json
import os
import site
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TREE = Path(sys.argv[1]).resolve()
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]  # the script's own folder; nothing is imported from it
PASSED: list[str] = []


def fail(msg: str) -> None:
    print(f"smoke: FAIL: {msg}", flush=True)
    print(f"smoke: {len(PASSED)} passed, 1 failed", flush=True)
    sys.exit(1)


def check(name: str):
    def deco(fn):
        t0 = time.monotonic()
        try:
            detail = fn()
        except SystemExit:
            raise
        except BaseException as e:  # noqa: BLE001 - report everything, then stop
            traceback.print_exc()
            fail(f"{name}: {type(e).__name__}: {e}")
        PASSED.append(name)
        print(f"smoke: ok   {name} ({(time.monotonic() - t0) * 1000:.0f} ms){': ' + str(detail) if detail else ''}",
              flush=True)
        return fn
    return deco


def expect(cond: bool, msg: str) -> None:
    if not cond:
        raise AssertionError(msg)


# --- no network but loopback ------------------------------------------------------------------------------------
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect":
        addr = args[1]
        if isinstance(addr, tuple) and addr and str(addr[0]) not in LOOPBACK:
            raise PermissionError(f"smoke: network access to {addr!r} is not allowed")
    elif event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode()
        if host not in LOOPBACK and host is not None:
            raise PermissionError(f"smoke: name lookup of {host!r} is not allowed")


sys.addaudithook(_audit)

os.environ.update({
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_MODE": "PRODUCTION",
    "HF_HUB_OFFLINE": "1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_ACCESS_KEY_ID": "AKIDSMOKETEST",
    "AWS_SECRET_ACCESS_KEY": "smoke-secret",
    "AWS_REGION": "us-east-1",
    "NO_PROXY": "*",
})
site.addsitedir(str(TREE))
MANIFEST = json.loads((TREE / "MANIFEST.json").read_text())


def under_tree(path: str | None) -> bool:
    return bool(path) and Path(path).resolve().is_relative_to(TREE)


@check("interpreter runs from the tree")
def _():
    expect(Path(sys.prefix).resolve() == TREE, f"sys.prefix is {sys.prefix}, not {TREE}")
    import os as _os, encodings, _ssl, _ctypes, _hashlib, _lzma, _bz2, _uuid, _decimal, pyexpat, zlib  # noqa: F401
    for m in (_os, encodings, _ssl, _ctypes, _hashlib, _lzma, _bz2, _uuid, _decimal):
        expect(under_tree(getattr(m, "__file__", None)), f"{m.__name__} loaded from {getattr(m, '__file__', None)}")
    bad = [p for p in sys.path if p and not under_tree(p)]
    expect(not bad and not [p for p in sys.path if "dist-packages" in p], f"sys.path leaves the tree: {bad}")
    return f"python {sys.version.split()[0]}, prefix {sys.prefix}"


import litellm  # noqa: E402  (after the checks above, so a broken stdlib fails first)

litellm.suppress_debug_info = True
MSG = [{"role": "user", "content": "hello"}]


@check("import litellm (the pinned version)")
def _():
    from importlib.metadata import version
    v = version("litellm")
    expect(v == MANIFEST["distributions"]["litellm"], f"litellm {v}, manifest says {MANIFEST['distributions']['litellm']}")
    expect(under_tree(litellm.__file__), f"litellm from {litellm.__file__}")
    return f"litellm {v}"


@check("mock completion")
def _():
    r = litellm.completion(model="gpt-4o-mini", messages=MSG, mock_response="offline reply, no provider was called")
    expect(r.id.startswith("chatcmpl-"), f"id {r.id}")
    expect(r.choices[0].message.content == "offline reply, no provider was called", "content")
    expect((r.usage.prompt_tokens, r.usage.completion_tokens) == (10, 20), f"usage {r.usage}")
    cost = litellm.completion_cost(completion_response=r)
    expect(cost > 0, f"completion_cost {cost}")
    return f"cost ${cost:.8f}"


@check("mock stream (sync)")
def _():
    text = "offline reply, no provider was called"
    deltas = [c.choices[0].delta.content or "" for c in
              litellm.completion(model="gpt-4o-mini", messages=MSG, mock_response=text, stream=True)]
    expect("".join(deltas) == text, f"stream text {''.join(deltas)!r}")
    expect(len([d for d in deltas if d]) > 3 and max(map(len, deltas)) <= 3, f"deltas {deltas}")
    return f"{len(deltas)} chunks"


@check("mock stream (async)")
def _():
    async def run():
        s = await litellm.acompletion(model="gpt-4o-mini", messages=MSG, mock_response="async offline", stream=True)
        return "".join([c.choices[0].delta.content or "" async for c in s])
    got = asyncio.run(run())
    expect(got == "async offline", got)


@check("token counting with bundled tiktoken encodings (network blocked)")
def _():
    n1 = litellm.token_counter(model="gpt-4o", messages=MSG)  # o200k_base
    n2 = litellm.token_counter(model="gpt-3.5-turbo", messages=MSG)  # cl100k_base
    expect(n1 > 0 and n2 > 0, f"{n1}, {n2}")
    cache = os.environ.get("TIKTOKEN_CACHE_DIR", "")
    expect(under_tree(cache), f"TIKTOKEN_CACHE_DIR {cache!r}")
    return f"gpt-4o {n1}, gpt-3.5-turbo {n2} tokens"


# --- loopback fakes: OpenAI-compatible and Bedrock Converse ------------------------------------------------------
SEEN: list[dict] = []


class Fake(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):  # quiet
        pass

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        SEEN.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.path.endswith("/chat/completions"):
            text = "fake reply"
            if body.get("stream"):
                chunks = [{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1, "model": body["model"],
                           "choices": [{"index": 0, "delta": {"content": part}, "finish_reason": None}]}
                          for part in ("fake", " reply")]
                chunks.append({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1,
                               "model": body["model"], "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
                return self._send(200, sse.encode(), "text/event-stream")
            return self._send(200, json.dumps({
                "id": "chatcmpl-fake", "object": "chat.completion", "created": 1, "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}).encode())
        if "/converse" in self.path:
            auth = self.headers.get("Authorization", "")
            if not (auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDSMOKETEST/") and "/us-east-1/bedrock/aws4_request"
                    in auth and "Signature=" in auth and self.headers.get("X-Amz-Date")):
                return self._send(403, b'{"message": "missing or bad SigV4 signature"}')
            return self._send(200, json.dumps({
                "output": {"message": {"role": "assistant", "content": [{"text": "bedrock fake reply"}]}},
                "stopReason": "end_turn", "usage": {"inputTokens": 3, "outputTokens": 3, "totalTokens": 6},
                "metrics": {"latencyMs": 1}}).encode())
        return self._send(404, b'{"error": "not found"}')


server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
threading.Thread(target=server.serve_forever, daemon=True).start()
BASE = f"http://127.0.0.1:{server.server_address[1]}"


@check("OpenAI-compatible call and stream (sync, httpx)")
def _():
    kw = dict(model="openai/fake-model", messages=MSG, api_base=BASE + "/v1", api_key="sk-smoke", timeout=20)
    r = litellm.completion(**kw)
    expect(r.choices[0].message.content == "fake reply", f"content {r.choices[0].message.content!r}")
    text = "".join(c.choices[0].delta.content or "" for c in litellm.completion(stream=True, **kw))
    expect(text == "fake reply", f"stream {text!r}")
    expect(SEEN[-1]["headers"].get("Authorization") == "Bearer sk-smoke", "api key not sent")


@check("OpenAI-compatible call and stream (async, aiohttp)")
def _():
    kw = dict(model="openai/fake-model", messages=MSG, api_base=BASE + "/v1", api_key="sk-smoke", timeout=20)

    async def run():
        r = await litellm.acompletion(**kw)
        s = await litellm.acompletion(stream=True, **kw)
        return r.choices[0].message.content, "".join([c.choices[0].delta.content or "" async for c in s])
    got = asyncio.run(run())
    expect(got == ("fake reply", "fake reply"), f"{got}")


@check("Bedrock Converse through litellm, SigV4-signed by botocore")
def _():
    r = litellm.completion(model="bedrock/converse/anthropic.claude-3-haiku-20240307-v1:0", messages=MSG,
                           aws_bedrock_runtime_endpoint=BASE, aws_region_name="us-east-1",
                           aws_access_key_id="AKIDSMOKETEST", aws_secret_access_key="smoke-secret", timeout=20)
    expect(r.choices[0].message.content == "bedrock fake reply", f"content {r.choices[0].message.content!r}")
    expect("/converse" in SEEN[-1]["path"], SEEN[-1]["path"])
    return SEEN[-1]["headers"]["Authorization"][:60] + "..."


@check("botocore clients for the kept services and a signed request")
def _():
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.exceptions import UnknownServiceError
    s = botocore.session.get_session()
    kept = MANIFEST.get("botocore_services") or []
    for svc in kept:
        s.create_client(svc, region_name="us-east-1", aws_access_key_id="AKIDSMOKETEST",
                        aws_secret_access_key="smoke-secret")
    req = AWSRequest(method="POST", url="https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse",
                     data=b"{}", headers={"Content-Type": "application/json"})
    SigV4Auth(s.get_credentials(), "bedrock", "us-east-1").add_auth(req)
    expect(req.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDSMOKETEST/"), "signature")
    if "s3" not in kept:
        try:
            s.create_client("s3", region_name="us-east-1")
            raise AssertionError("s3 service data should have been pruned")
        except UnknownServiceError:
            pass
    import boto3
    boto3.client("sts", region_name="us-east-1")
    return f"{len(kept)} services: {', '.join(kept)}"


@check("TLS, hashing, compression, ctypes, uuid from the tree's libraries")
def _():
    import bz2, ctypes, hashlib, lzma, ssl, uuid, zlib
    import certifi
    ctx = ssl.create_default_context(cafile=certifi.where())
    expect(ctx.cert_store_stats()["x509_ca"] > 50, "CA bundle")
    expect(hashlib.sha256(b"x").hexdigest().startswith("2d711642"), "sha256")
    for mod in (bz2, lzma, zlib):
        expect(mod.decompress(mod.compress(b"layer")) == b"layer", mod.__name__)
    expect(ctypes.CDLL(None) is not None and uuid.uuid4().version == 4, "ctypes/uuid")
    return ssl.OPENSSL_VERSION


@check("every shared library mapped comes from the tree or the base system (glibc)")
def _():
    base = ("libc.so", "libm.so", "ld-linux", "libpthread", "libdl.so", "librt.so", "libutil.so", "libresolv",
            "libgcc_s.so", "libnss_", "libmvec")
    import subprocess
    # Libraries the interpreter executable itself links (Debian's python3.11 links libexpat and libz directly,
    # its libpython being static) are the host program's business, not the tree's.
    ldd = subprocess.run(["ldd", sys.executable], capture_output=True, text=True).stdout
    own = {str(Path(w.split()[2]).resolve()) for w in ldd.splitlines() if "=>" in w and len(w.split()) > 2}
    outside = set()
    inside = set()
    for line in open("/proc/self/maps"):
        parts = line.split()
        if len(parts) < 6 or ".so" not in parts[5]:
            continue
        p = parts[5]
        if under_tree(p):
            inside.add(Path(p).name)
        elif not Path(p).name.startswith(base) and str(Path(p).resolve()) not in own:
            outside.add(p)
    expect(not outside, f"mapped from outside the tree: {sorted(outside)}")
    for want in ("libssl.so.3", "libcrypto.so.3", "libffi.so.8"):
        expect(any(n.startswith(want.split(".so")[0]) for n in inside), f"{want} not mapped from the tree")
    return f"{len(inside)} from the tree"


@check("every module comes from the tree, through its unchecked-hash .pyc")
def _():
    outside, no_pyc = [], []
    n = 0
    for name, m in list(sys.modules.items()):
        f = getattr(m, "__file__", None)
        if not f:
            continue
        n += 1
        if not under_tree(f):
            if f != __file__:
                outside.append(f"{name}: {f}")
            continue
        spec = getattr(m, "__spec__", None)
        if spec is not None and spec.origin == "frozen":
            continue  # 3.11 freezes its start-up modules into the interpreter
        if f.endswith(".py"):
            cached = getattr(m, "__cached__", None)
            if not cached or not Path(cached).exists():
                no_pyc.append(name)
    expect(not outside, f"modules from outside the tree: {outside[:10]}")
    expect(not no_pyc, f"modules without .pyc: {no_pyc[:10]}")
    return f"{n} modules"


server.shutdown()
print(f"smoke: {len(PASSED)} passed, 0 failed", flush=True)
