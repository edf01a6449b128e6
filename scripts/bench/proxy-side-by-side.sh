#!/usr/bin/env bash
# Side by side with LiteLLM Proxy (issue #12): the same loopback upstream (`fake-provider`, model "echo"), LiteLLM
# Proxy 1.78.7 with one worker against our `bootstrap --local`, wrk at 1, 16 and 64 connections against each.
# Prints answered (2xx) requests/s, answered requests per CPU-second of the server process (per core), p50, p99, start time (process start
# to first answered completion) and the ratios ours/proxy. A benchmark, not a test: not run by scripts/test.sh.
#
#   scripts/bench/proxy-side-by-side.sh [--duration 10] [--connections "1 16 64"] [--baseline PATH] [--repeat N]
#
# --repeat N measures each connection count N times against every server, alternating which server goes first in
# each round (so drift in the machine's load falls on all alike), and prints every round's ratios and their median,
# minimum and maximum: on a shared machine one run's ratio moves by about ±20%.
# --baseline PATH also runs another bootstrap binary (e.g. one built from an earlier commit) as a third server,
# "base", in the same run, and prints ours/base beside ours/proxy: a before/after under the same load.
# Ours runs with local mode's defaults (its door cap raised); `EMBEDCHAT_MAX_IN_FLIGHT=N` in the environment reaches
# it, to measure the admission queue (off by default).
#
# Installs (once) litellm[proxy]==1.78.7 and its dependencies, pinned with hashes in
# scripts/bench/proxy-requirements.txt, into .build/litellm-proxy-bench/ (never .python/), and wrk from apt if missing.
# Builds the release bootstrap and fake-provider if they are not there.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
DURATION=10
CONNECTIONS="1 16 64"
BASELINE=
REPEAT=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --duration) DURATION=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --baseline) BASELINE=$2; shift 2 ;;
        --repeat) REPEAT=$2; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "proxy-side-by-side: unknown argument $1" >&2; exit 2 ;;
    esac
done

PY=${BENCH_PYTHON:-python3.11}
REQS=$ROOT/scripts/bench/proxy-requirements.txt
PROXY_DIR=$ROOT/.build/litellm-proxy-bench
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# litellm 1.82.7 and 1.82.8 were malicious: refuse a requirements file that names them.
if grep -Eiq '^litellm(\[[^]]*\])?==1\.82\.[78]\b' "$REQS"; then
    echo "proxy-side-by-side: $REQS names a forbidden litellm version" >&2; exit 1
fi
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "proxy-side-by-side: --repeat takes a positive count, not '$REPEAT'" >&2; exit 2; }
grep -Eq '^litellm==1\.78\.7 ' "$REQS" || { echo "proxy-side-by-side: $REQS must pin litellm==1.78.7" >&2; exit 1; }

if [[ ! -f $PROXY_DIR/.installed ]] || ! cmp -s "$REQS" "$PROXY_DIR/.installed"; then
    echo "installing litellm[proxy]==1.78.7 into $PROXY_DIR (hash-checked)"
    rm -rf "$PROXY_DIR"
    "$PY" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: \
        --target "$PROXY_DIR" -r "$REQS"
    cp "$REQS" "$PROXY_DIR/.installed"
fi
version=$(PYTHONPATH=$PROXY_DIR "$PY" -c 'import importlib.metadata as m; print(m.version("litellm"))')
[[ $version == 1.78.7 ]] || { echo "proxy-side-by-side: $PROXY_DIR holds litellm $version, not 1.78.7" >&2; exit 1; }

if ! command -v wrk >/dev/null; then
    echo "installing wrk from apt"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

for product in bootstrap fake-provider; do
    [[ -x .build/release/$product ]] || swift build -c release --product "$product"
done
export EMBEDCHAT_PYTHONPATH=${EMBEDCHAT_PYTHONPATH:-$ROOT/.python}

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
BODY='{"model":"bench","messages":[{"role":"user","content":"hello there"}]}'
# Waits until a chat completion is answered with 200 at $1; prints the seconds since $2.
wait_ready() {
    local url=$1 began=$2 pid=$3
    for _ in $(seq 1 1200); do
        kill -0 "$pid" 2>/dev/null || { echo "proxy-side-by-side: the server at $url exited" >&2; return 1; }
        if [[ $(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -H 'authorization: Bearer sk-bench' \
                 -d "$BODY" "$url/v1/chat/completions" 2>/dev/null) == 200 ]]; then
            "$PY" -c "print(f'{$(now) - $began:.2f}')"
            return 0
        fi
        sleep 0.05
    done
    echo "proxy-side-by-side: $url never answered" >&2; return 1
}
cpu_seconds() { awk '{ printf "%.2f", ($14 + $15 + $16 + $17) / '"$(getconf CLK_TCK)"' }' "/proc/$1/stat"; }

# The upstream.
.build/release/fake-provider --port 0 --ignore-stdin > "$WORK/fake.log" 2>&1 < /dev/null &
PIDS+=($!)
for _ in $(seq 1 200); do grep -q 'listening on' "$WORK/fake.log" && break; sleep 0.05; done
UPSTREAM=$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/fake.log" | head -1)
[[ -n $UPSTREAM ]] || { echo "proxy-side-by-side: fake-provider did not start" >&2; exit 1; }

# LiteLLM Proxy: one worker, no database, the same model.
PROXY_PORT=$(free_port)
cat > "$WORK/proxy.yaml" <<YAML
model_list:
  - model_name: bench
    litellm_params: {model: openai/echo, api_base: "$UPSTREAM/v1", api_key: sk-fake, num_retries: 0}
litellm_settings: {num_retries: 0, suppress_debug_info: true}
general_settings: {master_key: sk-bench}
YAML
began=$(now)
PYTHONPATH=$PROXY_DIR LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOG=ERROR \
    "$PY" -c 'import sys; from litellm.proxy.proxy_cli import run_server; sys.exit(run_server())' \
    --config "$WORK/proxy.yaml" --host 127.0.0.1 --port "$PROXY_PORT" --num_workers 1 > "$WORK/proxy.log" 2>&1 < /dev/null &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
PROXY_START=$(wait_ready "http://127.0.0.1:$PROXY_PORT" "$began" "$PROXY_PID") || { tail -20 "$WORK/proxy.log" >&2; exit 1; }

# Ours: bootstrap --local, the same model, a caller token like the proxy's master key; local mode's cap of 64
# requests in flight (503 beyond) raised, since the proxy has none. The baseline, if asked for, the same way.
start_bootstrap() {
    local binary=$1 port=$2 log=$3
    EMBEDCHAT_MODELS="{\"bench\": {\"model\": \"openai/echo\", \"api_base\": \"$UPSTREAM/v1\", \"api_key\": \"sk-fake\", \"num_retries\": 0}}" \
    EMBEDCHAT_AUTH_TOKEN=sk-bench EMBEDCHAT_METRICS=0 EMBEDCHAT_LOCAL_MAX_REQUESTS=512 EMBEDCHAT_LOCAL_MAX_CONNECTIONS=512 \
        "$binary" --local --port "$port" > "$log" 2>&1 < /dev/null &
}
OUR_PORT=$(free_port)
began=$(now)
start_bootstrap .build/release/bootstrap "$OUR_PORT" "$WORK/ours.log"
OUR_PID=$!
PIDS+=("$OUR_PID")
OUR_START=$(wait_ready "http://127.0.0.1:$OUR_PORT" "$began" "$OUR_PID") || { tail -20 "$WORK/ours.log" >&2; exit 1; }
SIDES="proxy ours"
if [[ -n $BASELINE ]]; then
    [[ -x $BASELINE ]] || { echo "proxy-side-by-side: --baseline $BASELINE is not an executable" >&2; exit 2; }
    BASE_PORT=$(free_port)
    began=$(now)
    start_bootstrap "$BASELINE" "$BASE_PORT" "$WORK/base.log"
    BASE_PID=$!
    PIDS+=("$BASE_PID")
    BASE_START=$(wait_ready "http://127.0.0.1:$BASE_PORT" "$began" "$BASE_PID") || { tail -20 "$WORK/base.log" >&2; exit 1; }
    SIDES="proxy base ours"
fi

cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
LUA

# One wrk run: prints "2xx/s 2xx-per-cpu-s p50_ms p99_ms non2xx [socket errors]".
run_wrk() {
    local port=$1 pid=$2 connections=$3 cpu_before cpu_after
    wrk -t1 -c"$connections" -d2s -s "$WORK/post.lua" "http://127.0.0.1:$port/v1/chat/completions" > /dev/null  # warm
    cpu_before=$(cpu_seconds "$pid")
    wrk -t1 -c"$connections" -d"${DURATION}s" --latency -s "$WORK/post.lua" "http://127.0.0.1:$port/v1/chat/completions" > "$WORK/wrk.out"
    cpu_after=$(cpu_seconds "$pid")
    "$PY" - "$WORK/wrk.out" "$cpu_before" "$cpu_after" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\b", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
total = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = re.search(r"Socket errors: (.*)", text)
seconds = float(re.search(r"requests in ([\d.]+)s", text).group(1))
good = total - (int(bad.group(1)) if bad else 0)  # only answered requests count
rps = good / seconds
cpu = float(sys.argv[3]) - float(sys.argv[2])
print(f"{rps:.1f} {good / cpu if cpu > 0 else 0:.1f} {ms(50):.2f} {ms(99):.2f} {int(bad.group(1)) if bad else 0}{' ' + errors.group(1).replace(' ', '') if errors else ''}")
PY
}

echo
echo "upstream: fake-provider (release) at $UPSTREAM; wrk -t1, ${DURATION} s per run, $REPEAT round(s); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-5s %-9s %10s %12s %9s %9s %s\n' conns round server "req/s" "req/cpu-s" "p50 ms" "p99 ms" "non-2xx"
declare -A R
read -r -a SIDE_LIST <<< "$SIDES"
for c in $CONNECTIONS; do
    for ((round = 1; round <= REPEAT; round++)); do
        # Each round starts with a different server: proxy first, then base/ours first, ...
        order=()
        for ((i = 0; i < ${#SIDE_LIST[@]}; i++)); do order+=("${SIDE_LIST[(i + round - 1) % ${#SIDE_LIST[@]}]}"); done
        for side in "${order[@]}"; do
            case $side in
                proxy) read -r rps per p50 p99 bad < <(run_wrk "$PROXY_PORT" "$PROXY_PID" "$c") ;;
                base) read -r rps per p50 p99 bad < <(run_wrk "$BASE_PORT" "$BASE_PID" "$c") ;;
                ours) read -r rps per p50 p99 bad < <(run_wrk "$OUR_PORT" "$OUR_PID" "$c") ;;
            esac
            R[$side,$c,$round]="$rps $per $p50 $p99"
            printf '%-6s %-5s %-9s %10s %12s %9s %9s %s\n' "$c" "$round" "$side" "$rps" "$per" "$p50" "$p99" "$bad"
        done
    done
done
echo
printf 'start (process start to first answer): ours %s s, proxy %s s, ratio %s\n' "$OUR_START" "$PROXY_START" \
    "$("$PY" -c "print(f'{$OUR_START / $PROXY_START:.2f}x')")"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
# Ratios per round, then (with --repeat) their median and range.
RATIOS=$WORK/ratios
: > "$RATIOS"
for c in $CONNECTIONS; do
    for ((round = 1; round <= REPEAT; round++)); do
        for side in $SIDES; do echo "$c $round $side ${R[$side,$c,$round]}" >> "$RATIOS"; done
    done
done
"$PY" - "$RATIOS" "$REPEAT" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    c, r, side, rps, per, p50, p99 = line.split()
    rows[(int(c), int(r), side)] = tuple(map(float, (rps, per, p50, p99)))
repeat = int(sys.argv[2])
counts = sorted({c for c, _, _ in rows})
has_base = any(side == "base" for _, _, side in rows)

def ratio(a, b, i):
    return a[i] / b[i] if b[i] else float("nan")

def spread(values):
    if len(values) == 1:
        return f"{values[0]:.2f}x"
    return f"median {statistics.median(values):.2f}x (min {min(values):.2f}x, max {max(values):.2f}x)"

for c in counts:
    pairs = [("ours", "proxy")] + ([("base", "proxy"), ("ours", "base")] if has_base else [])
    for mine, theirs in pairs:
        rounds = [(rows[(c, r, mine)], rows[(c, r, theirs)]) for r in range(1, repeat + 1)]
        names = (("req/s", 0), ("req per CPU-second", 1), ("p50", 2), ("p99", 3))
        parts = [f"{name} {spread([ratio(a, b, i) for a, b in rounds])}" for name, i in names]
        print(f"c={c}: {mine}/{theirs} " + ", ".join(parts))
        if repeat > 1:
            per_round = " ".join(f"{ratio(a, b, 1):.2f}" for a, b in rounds)
            p99_round = " ".join(f"{ratio(a, b, 3):.2f}" for a, b in rounds)
            print(f"       per CPU-second by round: {per_round}; p99 by round: {p99_round}")
PY
