#!/usr/bin/env bash
# Refuses a requirements file that is not pinned exactly with hashes, or that allows a known-malicious litellm.
set -euo pipefail
status=0
for f in "$@"; do
    if grep -Eiq '^litellm==1\.82\.[78]([^0-9]|$)' "$f"; then echo "check-requirements: $f pins a malicious litellm (1.82.7/1.82.8)" >&2; status=1; fi
    while IFS= read -r line; do
        echo "check-requirements: $f: not pinned exactly: $line" >&2; status=1
    done < <(grep -E '^[A-Za-z0-9]' "$f" | grep -Ev '^[A-Za-z0-9._-]+(\[[^]]*\])?==[^ ;]+' || true)
    n_pkgs=$(grep -Ec '^[A-Za-z0-9]' "$f" || true)
    n_hashed=$(awk '/^[A-Za-z0-9]/{p=1} p&&/--hash=sha256:/{c++; p=0} END{print c+0}' "$f")
    if [[ $n_pkgs != "$n_hashed" ]]; then echo "check-requirements: $f: $n_pkgs packages but $n_hashed with hashes" >&2; status=1; fi
done
exit $status
