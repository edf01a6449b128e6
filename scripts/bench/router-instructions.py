#!/usr/bin/env python3
"""Instructions per request of the Router path against a plain entry, counted by valgrind (issue #12's 5% goal).

The wall clock of a shared machine cannot settle a 1% question: on 2026-12-06 runs of `embedchat-bench gateway` put
the mock_response pair's median per-round ratio anywhere from 1.042 to 1.072, and a plain request's time moved from
1.5 ms to 2.9 ms with the host's load. The instructions a request executes do not move with the host. This script
counts them with valgrind's cachegrind (`--cache-sim=no`: instruction counts only) for the two sides of
`embedchat-bench gateway`'s mock_response pair, run through the Python the binary runs (written out by
`embedchat-bench glue-modules`; valgrind cannot run the Swift binary itself) over the real litellm in .python:

  plain   the glue's `complete`, as a plain entry with mock_response calls it;
  routed  the Router gateway's `complete` over a model of two mock_response deployments (retries 1, no fallbacks).

The keywords are those the host hands each side (their keys interned, as the host's are). Each side runs in processes of
its own, once with --low and once with --high requests after the same warm-up, and a request's count is the difference
over the difference in requests: start-up and warm-up cancel. Not counted: the Swift side of a request (the same for
both sides but for the Router's keywords, deployment id and header) and the time cache misses take.

  scripts/bench/router-instructions.py [--low 100] [--high 600] [--bench .build/release/embedchat-bench]
                                       [--repeats N] [--modules FOLDER] [--uninterned-keys]

Needs valgrind (apt-get install valgrind) and the Python the binary links (python3.11). A benchmark, not a test.
"""
import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import tempfile

GOAL = 1.05
WARM_UP = 50
MESSAGES = [{"role": "user", "content": "hello there"}]
# The bench's models ("mock" and "mock-routed"): what ChatService hands each side for the same request.
PLAIN_KEYWORDS = {"model": "openai/echo", "messages": MESSAGES, "max_tokens": 4096, "mock_response": "hello world"}
ROUTED_KEYWORDS = {"model": "mock-routed", "messages": MESSAGES, "max_tokens": 4096, "num_retries": 1, "fallbacks": []}
MODEL_LIST = [
    {"model_name": "mock-routed", "litellm_params": {"model": "openai/echo", "mock_response": "hello world"},
     "model_info": {"id": f"1:mock-routed#{index}", "embedchat_max_tokens": 4096}}
    for index in range(2)
]


def made_at_run_time(value):
    """`value` with every dict key a string made at run time (not interned), as the host made them before 9264424."""
    if isinstance(value, dict):
        return {"".join(list(key)): made_at_run_time(member) for key, member in value.items()}
    if isinstance(value, list):
        return [made_at_run_time(member) for member in value]
    return value


def child(side, requests, modules, uninterned):
    sys.path[:0] = [modules]
    import _embedchat_litellm as glue  # imports the cuts and litellm, as the client's start does
    import _embedchat_router as router_glue

    async def main():
        gateway = await router_glue.make_gateway(MODEL_LIST)
        keywords = PLAIN_KEYWORDS if side == "plain" else ROUTED_KEYWORDS
        fresh = (lambda: made_at_run_time(keywords)) if uninterned else (lambda: dict(keywords))
        call = (lambda: glue.complete(fresh())) if side == "plain" else (lambda: gateway.complete(fresh()))
        for _ in range(WARM_UP):
            await call()
        before = [generation["collections"] for generation in gc.get_stats()]
        for _ in range(requests):
            response, _cost = (await call()) if side == "plain" else (await call()).reply
            assert response.choices[0].message.content == "hello world"
        after = [generation["collections"] for generation in gc.get_stats()]
        print("collections", *(b - a for a, b in zip(before, after)))

    asyncio.run(main())


def counted(side, requests, modules, folder, uninterned):
    out = os.path.join(folder, f"cachegrind.{side}.{requests}")
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}",
               sys.executable, os.path.abspath(__file__), "--child", side, "--requests", str(requests),
               "--modules", modules] + (["--uninterned-keys"] if uninterned else [])
    return out, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def summary(out):
    with open(out) as handle:
        for line in handle:
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise SystemExit(f"no summary line in {out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--low", type=int, default=100, help="requests in the shorter run of each side (default 100)")
    parser.add_argument("--high", type=int, default=600, help="requests in the longer run of each side (default 600)")
    parser.add_argument("--bench", default=".build/release/embedchat-bench",
                        help="the embedchat-bench whose glue-modules to count (default .build/release/embedchat-bench)")
    parser.add_argument("--repeats", type=int, default=1, help="count each side this many times (medians are used)")
    parser.add_argument("--modules", help="a folder of the glue's modules to count instead of --bench's (before/after)")
    parser.add_argument("--uninterned-keys", action="store_true",
                        help="hand the calls keys made at run time, as the host did before it interned them")
    parser.add_argument("--child", choices=("plain", "routed"), help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        return child(arguments.child, arguments.requests, arguments.modules, arguments.uninterned_keys)
    if arguments.high <= arguments.low:
        raise SystemExit("--high must be more than --low")
    with tempfile.TemporaryDirectory() as folder:
        modules = arguments.modules or os.path.join(folder, "modules")
        if not arguments.modules:
            subprocess.run([arguments.bench, "glue-modules", "--out", modules], check=True, stdout=subprocess.DEVNULL)
        counts, collections = {}, {}
        for repeat in range(arguments.repeats):
            for side in ("plain", "routed"):  # two processes at a time: the counts do not depend on it
                runs = [(requests, *counted(side, requests, modules, folder, arguments.uninterned_keys))
                        for requests in (arguments.low, arguments.high)]
                for requests, out, process in runs:
                    output, errors = process.communicate()
                    if process.returncode != 0:
                        raise SystemExit(f"the {side} run of {requests} requests failed:\n{errors[-3000:]}")
                    counts.setdefault((side, requests), []).append(summary(out))
                    collections.setdefault((side, requests), []).append(
                        " ".join(line.split(maxsplit=1)[1] for line in output.splitlines() if line.startswith("collections")))
    span = arguments.high - arguments.low
    # Each (side, requests) count is the median of its repeats: a garbage collection of the older generations, which
    # allocations elsewhere in the process can bring forward or put off, falls into one run and not another.
    per_request = {side: (statistics.median(counts[side, arguments.high]) - statistics.median(counts[side, arguments.low])) / span
                   for side in ("plain", "routed")}
    plain, routed = per_request["plain"], per_request["routed"]
    ratio = routed / plain
    print(f"Instructions per request (valgrind cachegrind; {arguments.low} and {arguments.high} requests after "
          f"{WARM_UP} of warm-up, each side in processes of its own, {arguments.repeats} time(s), medians; keys "
          f"{'made at run time' if arguments.uninterned_keys else 'interned'})")
    print(f"  plain entry, mock_response                        {plain:12,.0f}")
    print(f"  model with 2 deployments (Router), mock_response  {routed:12,.0f}")
    print(f"  ratio                                             {ratio:12.4f} x")
    print(f"  difference per request                            {routed - plain:12,.0f}")
    print(f"  within {round((GOAL - 1) * 100)}%? {'yes' if ratio <= GOAL else 'no'}")
    for (side, requests), values in sorted(counts.items()):
        print(f"  {side} x {requests}: {', '.join(f'{value:,}' for value in values)} instructions; "
              f"collections by generation {'; '.join(collections[side, requests])}")


if __name__ == "__main__":
    main()
