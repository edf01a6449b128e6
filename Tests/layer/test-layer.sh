#!/usr/bin/env bash
# Tests a built layer (scripts/build-layer.sh OUT): CI calls it after the build.
#   Tests/layer/test-layer.sh OUT
# 1. scripts/layer/check-layer.py: layout, .pth files, litellm version, pins, .pyc, manifest, sizes.
# 2. Tests/layer/smoke.py with the interpreter whose libpython is shipped (LAYER_PYTHON, default
#    /usr/bin/python3.11) under `env -i`, PYTHONHOME=OUT/python and NO LD_LIBRARY_PATH (the tree must resolve its own
#    libraries through RUNPATH, as on Lambda where /opt/python/lib is not on the default path); then checks that
#    nothing was written into the tree.
# 3. When EMBEDCHAT_BIN names a folder holding the built binaries: `embedchat --offline "hello"` with
#    EMBEDCHAT_PYTHONHOME/EMBEDCHAT_PYTHONPATH=OUT/python and LD_LIBRARY_PATH=OUT/python/lib, checking the reply and
#    that libpython was loaded from OUT/python/lib (ldd, and the dynamic loader's own log of what it initialised).
#    With EMBEDCHAT_TEST_BOOTSTRAP=1 also `bootstrap --local`, a request to it, and /proc/PID/maps.
# Prints "layer-test: N passed, 0 failed" at the end; exits non-zero on any failure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:?usage: Tests/layer/test-layer.sh OUT}
OUT=$(cd "$OUT" && pwd)
T=$OUT/python
PY=${LAYER_PYTHON:-/usr/bin/python3.11}
[[ -d $T ]] || { echo "layer-test: FAIL: $T does not exist (scripts/build-layer.sh $OUT)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0
ok() { passed=$((passed + 1)); echo "layer-test: ok   $*"; }
die() { echo "layer-test: FAIL: $*" >&2; echo "layer-test: $passed passed, 1 failed"; exit 1; }

# 1. Static checks.
args=(--requirements "$ROOT/python/requirements.txt")
[[ -f $OUT/layer.zip ]] && args+=(--zip "$OUT/layer.zip")
"$PY" "$ROOT/scripts/layer/check-layer.py" "$T" "${args[@]}" || die "check-layer"
ok "check-layer"

# 2. Smoke test with the shipped Python build, isolated from the host's Python.
stamp=$tmp/stamp; touch "$stamp"; sleep 1
env -i HOME="$tmp" PATH=/usr/bin:/bin PYTHONHOME="$T" "$PY" -S -B "$ROOT/Tests/layer/smoke.py" "$T" \
    || die "smoke test (Tests/layer/smoke.py)"
ok "smoke test"
written=$(find "$T" -newer "$stamp" -print | head -5)
[[ -z $written ]] || die "the smoke test wrote into the tree: $written"
ok "tree unchanged by the smoke test"

# 3. The Swift binaries on the relocated tree.
if [[ -n ${EMBEDCHAT_BIN:-} ]]; then
    bin=$EMBEDCHAT_BIN/embedchat
    [[ -x $bin ]] || die "EMBEDCHAT_BIN=$EMBEDCHAT_BIN has no executable embedchat"
    linked=$(env LD_LIBRARY_PATH="$T/lib" ldd "$bin" | awk '/libpython3\.11/ {print $3}')
    [[ $linked == "$T/lib/"* ]] || die "ldd: embedchat resolves libpython to '${linked:-nothing}', not $T/lib"
    set +e
    reply=$(env -i HOME="$tmp" PATH=/usr/bin:/bin EMBEDCHAT_PYTHONHOME="$T" EMBEDCHAT_PYTHONPATH="$T" \
        LD_LIBRARY_PATH="$T/lib" LD_DEBUG=libs LD_DEBUG_OUTPUT="$tmp/ld" timeout 120 "$bin" --offline "hello" 2>"$tmp/err")
    rc=$?
    set -e
    ((rc == 0)) || { cat "$tmp/err" >&2; die "embedchat --offline exited $rc"; }
    grep -qi "offline" <<<"$reply" || die "embedchat --offline replied '$reply' (expected an offline reply)"
    init=$(grep -h "calling init: .*libpython3\.11\.so" "$tmp"/ld.* | head -1 | sed 's/.*calling init: //')
    [[ $init == "$T/lib/libpython3.11.so.1.0" ]] || die "libpython initialised from '${init:-?}', not $T/lib"
    # Anchored at the path's start: the tree's own lib/python3.11/ must not match.
    if grep -h "calling init: " "$tmp"/ld.* | grep -E 'calling init: /(usr/)?lib(64)?/[^ ]*python3\.11/' >/dev/null; then
        die "an extension module was loaded from the system's Python: $(grep -h 'calling init: ' "$tmp"/ld.* | grep -E 'calling init: /(usr/)?lib(64)?/[^ ]*python3\.11/' | head -3)"
    fi
    ok "embedchat --offline on the relocated tree (libpython from $init): ${reply:0:80}"

    if [[ ${EMBEDCHAT_TEST_BOOTSTRAP:-0} == 1 ]]; then
        port=$(( 20000 + RANDOM % 20000 ))
        env -i HOME="$tmp" PATH=/usr/bin:/bin EMBEDCHAT_PYTHONHOME="$T" EMBEDCHAT_PYTHONPATH="$T" \
            LD_LIBRARY_PATH="$T/lib" "$EMBEDCHAT_BIN/bootstrap" --local --port "$port" >"$tmp/boot.out" 2>&1 &
        bpid=$!
        for _ in $(seq 1 120); do
            curl -fsS "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1 && break
            kill -0 "$bpid" 2>/dev/null || { cat "$tmp/boot.out" >&2; die "bootstrap --local exited"; }
            sleep 0.5
        done
        body=$(curl -fsS -H 'Content-Type: application/json' "http://127.0.0.1:$port/v1/chat/completions" \
            -d '{"model":"offline","messages":[{"role":"user","content":"hello"}]}') || { kill "$bpid"; die "bootstrap request failed"; }
        maps=$(grep -o '/[^ ]*libpython3\.11\.so[^ ]*' "/proc/$bpid/maps" | sort -u)
        kill "$bpid"; wait "$bpid" 2>/dev/null || true
        [[ $maps == "$T/lib/libpython3.11.so.1.0" ]] || die "bootstrap mapped libpython from '$maps'"
        grep -q chatcmpl- <<<"$body" || die "bootstrap answered: $body"
        ok "bootstrap --local on the relocated tree (/proc/PID/maps: $maps)"
    fi
fi
echo "layer-test: $passed passed, 0 failed"
