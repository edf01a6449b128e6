#!/usr/bin/env bash
# The project's test command (README, .ci/run): sets up what it needs on a fresh machine, then runs every suite.
#   1. setup: libpython3.11-dev, tmux, the hash-pinned packages in .python/ and .python-test/
#   2. swift test: PythonEmbed, JSONText, LiteLLM, LambdaRuntime, ChatLambda, MCPTools and the end-to-end tests of the built binaries
#   3. the PythonEmbed, LiteLLM and ChatLambda tests again under AddressSanitizer with PYTHONMALLOC=malloc, and the
#      storm's short version against a bootstrap built with it
#   4. the Lambda layer: deploy templates and Dockerfile lint, a native layer build, its checks and the relocation test
#
# --under-load: the same, with every core also kept busy by a CPU burner (`yes > /dev/null`, one per core) for the
# whole run, as on a shared machine; the burners are killed when the script ends, however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
step() { printf '\n== %s\n' "$*" >&2; }

burners=()
stop_burners() {
    local pid
    for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${burners[@]}"; do wait "$pid" 2>/dev/null || true; done
    burners=()
}
trap stop_burners EXIT
trap 'stop_burners; exit 130' INT
trap 'stop_burners; exit 143' TERM
for argument in "$@"; do
    case "$argument" in
        --under-load)
            for _ in $(seq "$(nproc)"); do
                yes > /dev/null &
                burners+=("$!")
            done
            step "under load: ${#burners[@]} CPU burners (pids ${burners[*]})"
            ;;
        *) echo "usage: scripts/test.sh [--under-load]" >&2; exit 2 ;;
    esac
done

step "setup"
scripts/setup.sh --test
export EMBEDCHAT_PYTHONPATH="$ROOT/.python"

step "build"
# pipefail: a failed build fails this step; the filter's own "no line left" status does not.
swift build --build-tests 2>&1 | { grep -Ev '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Linking|Applying)' || true; }

step "pins"
scripts/check-pins.sh

# One test target at a time: each end-to-end test starts processes that import litellm (a second of CPU each), and on
# 2 cores that starves the in-process overlap and cancellation tests of the other targets if all run at once.
for target in PythonEmbedTests JSONTextTests LiteLLMTests LambdaRuntimeTests ChatLambdaTests MCPToolsTests ConversationLogTests TerminalMarkdownTests EndToEndTests; do
    step "swift test: $target"
    swift test --skip-build --filter "^$target\."
done

step "AddressSanitizer"
scripts/asan.sh 2>&1 | tail -n 3

step "Lambda layer"
scripts/layer/install-tools.sh
deploy/check.sh
scripts/build-layer.sh "$ROOT/out/layer" --zip
EMBEDCHAT_BIN="$(swift build --show-bin-path)" EMBEDCHAT_TEST_BOOTSTRAP=1 Tests/layer/test-layer.sh "$ROOT/out/layer"
