#!/usr/bin/env bash
# Builds the Lambda layer tree OUTDIR/python (deployed as /opt/python), natively or inside the Dockerfile:
#   python/<packages>                 the hash-pinned requirements (manylinux cp311 wheels), pruned
#   python/lib/libpython3.11.so.1.0   the libpython of the build interpreter
#   python/lib/python3.11/            its pruned stdlib, with lib-dynload
#   python/lib/lib*.so*               the shared libraries those need that Lambda's base image lacks
#   python/MANIFEST.json              sizes, versions, hashes
# Every module is precompiled (unchecked-hash .pyc) by the build interpreter; the tree is then checked
# (scripts/layer/check-layer.py) and, with --zip, packed into OUTDIR/layer.zip (deterministic).
#
# Usage: scripts/build-layer.sh OUTDIR [--arch x86_64|aarch64] [--zip] [--python PATH] [--max-glibc X.Y]
#   --arch       wheels to install; must match the build interpreter's machine (default: its machine). For the
#                other architecture build in Docker: docker build --platform linux/arm64 ...
#   --python     the CPython 3.11 whose libpython/stdlib are shipped and which compiles the .pyc
#                (default /usr/bin/python3.11: Debian's here, Amazon Linux's in the Dockerfile)
#   --max-glibc  fail if any shipped native code needs a newer glibc (the Dockerfile passes 2.34)
# Environment: PIP_PYTHON (a 3.11 with pip, when --python has none), PATCHELF, BOTOCORE_SERVICES (comma list),
# SOURCE_DATE_EPOCH (timestamps in the zip; default 1980-01-01).
# Idempotent: OUTDIR/python is rebuilt from scratch in OUTDIR/.python.tmp and swapped in at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/scripts/layer

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
OUT="" ARCH="" ZIP=0 PY=/usr/bin/python3.11 MAX_GLIBC=""
while (($#)); do
    case $1 in
        --arch) ARCH=${2:?}; shift 2 ;;
        --zip) ZIP=1; shift ;;
        --python) PY=${2:?}; shift 2 ;;
        --max-glibc) MAX_GLIBC=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "build-layer: unknown option $1" >&2; usage ;;
        *) [[ -z $OUT ]] || usage; OUT=$1; shift ;;
    esac
done
[[ -n $OUT ]] || usage
[[ -x $PY ]] || PY=$(command -v "$PY" || true)
[[ -n $PY ]] && "$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
    || { echo "build-layer: need CPython 3.11 (--python); Debian: apt-get install python3.11 libpython3.11" >&2; exit 1; }
MACHINE=$("$PY" -c 'import platform; print(platform.machine())')
ARCH=${ARCH:-$MACHINE}
case $ARCH in x86_64|aarch64) ;; arm64) ARCH=aarch64 ;; amd64) ARCH=x86_64 ;; *) echo "build-layer: --arch x86_64|aarch64" >&2; exit 2 ;; esac
if [[ $ARCH != "$MACHINE" ]]; then
    docker_platform=linux/amd64; [[ $ARCH == aarch64 ]] && docker_platform=linux/arm64
    echo "build-layer: --arch $ARCH but $PY is $MACHINE: libpython, the stdlib and the .pyc come from the build" \
         "interpreter, so build the $ARCH layer on $ARCH (docker build --platform $docker_platform ...)" >&2
    exit 2
fi
ARCH_TAG=$ARCH

# pip: the build interpreter's own, else any 3.11 with pip (the wheels it installs are the same files).
PIP_PY=${PIP_PYTHON:-}
if [[ -z $PIP_PY ]]; then
    for cand in "$PY" python3.11 /usr/bin/python3.11; do
        if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys, pip; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
            PIP_PY=$cand; break
        fi
    done
fi
[[ -n $PIP_PY ]] || { echo "build-layer: no CPython 3.11 with pip (Debian: python3-pip; AL2023: python3.11-pip)" >&2; exit 1; }
if [[ -z ${PATCHELF:-} ]]; then
    PATCHELF=$(command -v patchelf || true)
    [[ -n $PATCHELF ]] || { [[ -x $ROOT/.tools/bin/patchelf ]] || "$HERE/install-tools.sh" patchelf; PATCHELF=$ROOT/.tools/bin/patchelf; }
fi
export PATCHELF
command -v ldd >/dev/null || { echo "build-layer: ldd is needed (glibc-common / libc-bin)" >&2; exit 1; }

REQ=$ROOT/python/requirements.txt
"$ROOT/scripts/check-requirements.sh" "$REQ"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$OUT/.python.tmp
rm -rf "$TMP"
mkdir -p "$TMP"
T0=$SECONDS
step() { echo "build-layer: [$((SECONDS - T0))s] $*" >&2; }

# Wheels for glibc <= 2.34 (Lambda provided.al2023). pip does not expand manylinux_2_X to older tags by itself,
# and some pins ship only manylinux_2_28 wheels (tiktoken 0.12.0), so every accepted tag is listed.
PLATFORMS=()
for v in $(seq 34 -1 17); do PLATFORMS+=(--platform "manylinux_2_${v}_$ARCH_TAG"); done
PLATFORMS+=(--platform "manylinux2014_$ARCH_TAG")
[[ $ARCH_TAG == x86_64 ]] && PLATFORMS+=(--platform manylinux2010_x86_64 --platform manylinux1_x86_64)
step "installing packages (manylinux <= glibc 2.34, $ARCH_TAG, cp311) with $PIP_PY"
PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore "$PIP_PY" -m pip install --quiet \
    "${PLATFORMS[@]}" --python-version 3.11 --implementation cp --abi cp311 \
    --only-binary=:all: --require-hashes --no-deps --no-compile --target "$TMP" -r "$REQ"

step "pruning packages"
"$PY" "$HERE/assemble.py" prune "$TMP"
step "copying libpython, stdlib and lib-dynload from $PY"
"$PY" "$HERE/assemble.py" runtime "$TMP"
step "bundling native dependencies"
"$PY" "$HERE/assemble.py" natives "$TMP"

step "compiling (unchecked-hash .pyc, -j0)"
# -s/-p record /opt/python/... as the source path (tracebacks on Lambda; reproducible across OUTDIRs).
# Exit status 1 means a file failed to compile: fatal, a module without .pyc would be compiled at every cold start.
"$PY" -m compileall -q -j0 --invalidation-mode unchecked-hash -s "$TMP" -p /opt/python "$TMP" >"$OUT/.compileall.log" 2>&1 \
    || { cat "$OUT/.compileall.log" >&2; echo "build-layer: compileall failed" >&2; exit 1; }
rm -f "$OUT/.compileall.log"

step "manifest"
"$PY" "$HERE/assemble.py" perms "$TMP"
"$PY" "$HERE/manifest.py" "$TMP" --arch "$ARCH" --requirements "$REQ"
rm -rf "$TMP/.build"
"$PY" "$HERE/assemble.py" perms "$TMP"

rm -rf "$OUT/python" "$OUT/layer.zip"
mv "$TMP" "$OUT/python"

ZIPARG=()
if ((ZIP)); then
    step "zipping layer.zip"
    "$HERE/zip-tree.sh" "$OUT" python "$OUT/layer.zip"
    ZIPARG=(--zip "$OUT/layer.zip")
fi
step "checking"
CHECKARGS=(--requirements "$REQ" "${ZIPARG[@]}")
[[ -n $MAX_GLIBC ]] && CHECKARGS+=(--max-glibc "$MAX_GLIBC")
"$PY" "$HERE/check-layer.py" "$OUT/python" "${CHECKARGS[@]}"
step "done: $OUT/python${ZIPARG[*]:+ and $OUT/layer.zip}"
