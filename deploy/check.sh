#!/usr/bin/env bash
# Lints the deployment descriptors and the Dockerfile with the hash-pinned tools in .tools/ (installed on demand):
#   cfn-lint deploy/template.yaml and deploy/managed-instances.yaml (SAM transform included),
#   deploy/check-serverless.py (structure; a public Function URL without EMBEDCHAT_AUTH_TOKEN is refused), hadolint Dockerfile.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
"$ROOT/scripts/layer/install-tools.sh"
TOOLS=$ROOT/.tools
PY=${TOOLS_PYTHON:-}
if [[ -z $PY ]]; then
    for cand in python3.11 /usr/bin/python3.11 python3; do
        command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null && { PY=$cand; break; }
    done
fi
PYTHONPATH=$TOOLS "$PY" -c "import sys; from cfnlint.runner import main; sys.exit(main())" deploy/template.yaml
echo "deploy-check: ok   cfn-lint deploy/template.yaml"
PYTHONPATH=$TOOLS "$PY" -c "import sys; from cfnlint.runner import main; sys.exit(main())" deploy/managed-instances.yaml
echo "deploy-check: ok   cfn-lint deploy/managed-instances.yaml"
PYTHONPATH=$TOOLS "$PY" deploy/check-serverless.py deploy/serverless.yml deploy/template.yaml
echo "deploy-check: ok   deploy/serverless.yml structure, and its refusal of a public URL without a token"
"$TOOLS/bin/hadolint" Dockerfile
echo "deploy-check: ok   hadolint Dockerfile"
