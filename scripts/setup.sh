#!/usr/bin/env bash
# One setup step for a fresh machine: libpython3.11-dev (the headers and library the Swift package links) and the
# hash-pinned Python packages in .python/ at the repo root. Idempotent: a second run with unchanged requirements
# does nothing. Usage: scripts/setup.sh [--test]   (--test also installs the test-only packages and tools)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WANT_TEST=0
[[ "${1:-}" == "--test" ]] && WANT_TEST=1

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
APT_UPDATED=0
apt_install() {
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    ((${#missing[@]} == 0)) && return 0
    echo "setup: installing ${missing[*]} with apt-get" >&2
    if ((APT_UPDATED == 0)); then as_root apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

apt_install libpython3.11-dev python3.11 pkg-config zip unzip binutils curl libsqlite3-dev libedit-dev
((WANT_TEST)) && apt_install tmux

# A CPython 3.11 with pip to run the installer. The packages are pure Python or cp311 manylinux wheels, so any
# 3.11 build installs the same files as Debian's interpreter would load.
PY=""
for cand in python3.11 python3 /usr/bin/python3.11; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys, pip; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
        PY=$cand; break
    fi
done
if [[ -z $PY ]]; then apt_install python3-pip; PY=/usr/bin/python3.11; fi

scripts/check-requirements.sh python/requirements.txt

install_into() { # DEST REQUIREMENTS...
    local dest=$1; shift
    local stamp="$dest/.requirements.sha256"
    local want; want=$(cat "$@" | sha256sum | cut -d' ' -f1)
    if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then return 0; fi
    echo "setup: installing Python packages into ${dest#$ROOT/}" >&2
    # Into a fresh folder first, moved into place only when complete: an interrupted install never leaves a
    # half tree where a finished one is expected.
    local partial="$dest.partial"
    rm -rf "$partial"; mkdir -p "$partial"
    local args=()
    for r in "$@"; do args+=(-r "$r"); done
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$PY" -m pip install --quiet --no-deps --require-hashes --only-binary=:all: \
        --no-compile --target "$partial" "${args[@]}"
    echo "$want" > "$partial/.requirements.sha256"
    rm -rf "$dest"; mv "$partial" "$dest"
}
install_into "$ROOT/.python" python/requirements.txt
if ((WANT_TEST)) && [[ -f python/requirements-test.txt ]]; then
    install_into "$ROOT/.python-test" python/requirements-test.txt
fi
echo "setup: ready (packages in .python/)" >&2
