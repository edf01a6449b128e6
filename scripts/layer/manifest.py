#!/usr/bin/env python3
"""Writes OUT/python/MANIFEST.json: what the layer holds, with sizes, versions and hashes.

  manifest.py OUT/python --arch x86_64 --requirements python/requirements.txt

Deterministic (no timestamps, sorted keys), so two builds of the same inputs give the same manifest. Hashes: one
sha256 per file for native code (libpython, bundled libraries, lib-dynload, package extensions) and one per
component (each top-level package folder, the stdlib), computed over the sorted "path\\0sha256(file)\\n" lines of
its files, so a single changed file changes its component's hash. MANIFEST.json itself is not hashed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

MANIFEST = "MANIFEST.json"
GLIBC_RE = re.compile(rb"GLIBC_(\d+)\.(\d+)(?:\.(\d+))?\x00")


def files_of(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*") if p.is_file() and p.name != MANIFEST and ".build" not in p.relative_to(tree).parts)


def sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_elf(p: Path) -> bool:
    with open(p, "rb") as f:
        return f.read(4) == b"\x7fELF"


def glibc_needed(p: Path) -> tuple[int, int] | None:
    best = None
    data = p.read_bytes()
    for m in GLIBC_RE.finditer(data):
        v = (int(m.group(1)), int(m.group(2)))
        best = v if best is None or v > best else best
    return best


def component_of(rel: Path) -> str:
    parts = rel.parts
    if parts[0] == "lib":
        if len(parts) >= 3 and parts[1].startswith("python3"):
            return "lib/python3.11/lib-dynload" if parts[2] == "lib-dynload" else "lib/python3.11 (stdlib)"
        return "lib (shared libraries)"
    return parts[0] if len(parts) > 1 else "(top-level files)"


def distributions(tree: Path) -> dict[str, str]:
    out = {}
    for d in sorted(tree.glob("*.dist-info")):
        meta = d / "METADATA"
        if not meta.exists():
            continue
        name = version = None
        for line in meta.read_text(errors="replace").splitlines():
            if line.startswith("Name:") and name is None:
                name = line.split(":", 1)[1].strip()
            elif line.startswith("Version:") and version is None:
                version = line.split(":", 1)[1].strip()
            if not line:
                break
        if name and version:
            out[re.sub(r"[-_.]+", "-", name).lower()] = version
    return out


def build(tree: Path, arch: str, requirements: Path | None) -> dict:
    comps: dict[str, dict] = {}
    natives: dict[str, dict] = {}
    counts = {"files": 0, "py": 0, "pyc": 0, "so": 0, "other": 0}
    total = 0
    glibc_max: tuple[int, int] | None = None
    lines: dict[str, list[str]] = {}
    for p in files_of(tree):
        rel = p.relative_to(tree)
        size = p.stat().st_size
        digest = sha256(p)
        total += size
        counts["files"] += 1
        kind = "py" if p.suffix == ".py" else "pyc" if p.suffix == ".pyc" else "so" if ".so" in p.name else "other"
        counts[kind] += 1
        c = comps.setdefault(component_of(rel), {"files": 0, "bytes": 0})
        c["files"] += 1
        c["bytes"] += size
        lines.setdefault(component_of(rel), []).append(f"{rel.as_posix()}\0{digest}\n")
        if kind == "so" and is_elf(p):
            g = glibc_needed(p)
            natives[rel.as_posix()] = {"bytes": size, "sha256": digest,
                                       "glibc": f"{g[0]}.{g[1]}" if g else None}
            if g and (glibc_max is None or g > glibc_max):
                glibc_max = g
    for name, ls in lines.items():
        comps[name]["sha256"] = hashlib.sha256("".join(sorted(ls)).encode()).hexdigest()
    log_file = tree / ".build" / "log.json"
    build_log = json.loads(log_file.read_text()) if log_file.exists() else {}
    runtime = build_log.get("runtime", {})
    return {
        "schema": 1,
        "layout": {"packages": "python/", "libpython": "python/lib/libpython3.11.so.1.0",
                   "stdlib": "python/lib/python3.11/", "deployed_at": "/opt/python"},
        "arch": arch,
        "python": {k: runtime.get(k) for k in ("python", "python_build", "interpreter", "libpython", "stdlib_from")},
        "glibc_required": f"{glibc_max[0]}.{glibc_max[1]}" if glibc_max else None,
        "requirements_sha256": sha256(requirements) if requirements else None,
        "distributions": distributions(tree),
        "totals": {"bytes": total, **counts},
        "components": dict(sorted(comps.items())),
        "native_files": natives,
        "native_libraries": build_log.get("native_libraries", {}),
        "botocore_services": build_log.get("botocore_services"),
        "pth_files": sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*.pth")),
        "pruned": {"stdlib": runtime.get("pruned", []), "packages": build_log.get("packages_pruned", [])},
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", type=Path)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--requirements", type=Path)
    a = ap.parse_args()
    m = build(a.tree.resolve(), a.arch, a.requirements)
    (a.tree / MANIFEST).write_text(json.dumps(m, indent=1, sort_keys=True) + "\n")
    print(f"manifest: {m['totals']['files']} files, {m['totals']['bytes'] / 1e6:.1f} MB, "
          f"glibc >= {m['glibc_required']}", file=sys.stderr)


if __name__ == "__main__":
    main()
