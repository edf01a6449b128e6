#!/usr/bin/env bash
# Checks that what SwiftPM resolves is exactly what the project pins (run by scripts/test.sh after the build):
#   1. every `.package(...)` in Package.swift names an `exact:` version, and that version is the one in
#      scripts/pins.txt;
#   2. the resolved dependency graph (`swift package show-dependencies --format json`) holds exactly the packages of
#      scripts/pins.txt at exactly their versions: nothing more, nothing less, nothing else;
#   3. the Dockerfile takes every base image by digest (FROM ...@${..._DIGEST}), with the tag named in a comment.
# Exit status 0 when all hold; 1 with one line per difference otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
graph=$(swift package show-dependencies --format json 2>/dev/null)
python3 - "$graph" <<'PY'
import json, re, sys

problems = []
pins = {}
for line in open("scripts/pins.txt"):
    line = line.split("#", 1)[0].strip()
    if line:
        name, version = line.split()
        pins[name] = version

manifest = open("Package.swift").read()
for call in re.findall(r"\.package\((.*?)\)", manifest, re.S):
    url = re.search(r'url:\s*"([^"]+)"', call)
    name = url.group(1).rstrip("/").removesuffix(".git").rsplit("/", 1)[-1].lower() if url else call
    exact = re.search(r'exact:\s*"([^"]+)"', call)
    if not exact:
        problems.append(f"Package.swift: {name} is not pinned with exact:")
    elif pins.get(name) != exact.group(1):
        problems.append(f"Package.swift: {name} {exact.group(1)} is not the {pins.get(name, 'missing')} of scripts/pins.txt")

resolved = {}
def walk(node):
    for child in node.get("dependencies", []):
        resolved[child["identity"].lower()] = child["version"]
        walk(child)
walk(json.loads(sys.argv[1]))
for name, version in sorted(resolved.items()):
    if name not in pins:
        problems.append(f"resolved: {name} {version} is not in scripts/pins.txt")
    elif pins[name] != version:
        problems.append(f"resolved: {name} {version}, pinned {pins[name]}")
for name in sorted(set(pins) - set(resolved)):
    problems.append(f"scripts/pins.txt: {name} {pins[name]} is not in the resolved graph")

docker = open("Dockerfile").read()
for image in re.findall(r"^FROM\s+(\S+)", docker, re.M):
    if image != "scratch" and not re.fullmatch(r"\$\{\w+_IMAGE\}@\$\{\w+_DIGEST\}", image):
        problems.append(f"Dockerfile: FROM {image} is not by digest (FROM ${{X_IMAGE}}@${{X_DIGEST}})")
for arg, value in re.findall(r"^ARG\s+(\w+_DIGEST)=(\S*)", docker, re.M):
    if value and not re.fullmatch(r"sha256:[0-9a-f]{64}", value):
        problems.append(f"Dockerfile: {arg}={value} is not a sha256 digest")
    if not value:
        print(f"check-pins: note: Dockerfile {arg} has no default: docker build needs --build-arg {arg}=sha256:...",
              file=sys.stderr)

for problem in problems:
    print(f"check-pins: {problem}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"check-pins: ok   {len(resolved)} packages resolved as pinned; Dockerfile base images by digest")
PY
