#!/usr/bin/env python3
"""Checks a built layer tree OUT/python and reports its size. Exits 1 on any failure.

  check-layer.py OUT/python [--zip OUT/layer.zip] [--requirements python/requirements.txt]
                 [--max-glibc 2.34] [--strict-targets]

Fails on: a `.pth` file not in ALLOWED_PTH, a sitecustomize/usercustomize module (same attack surface), a forbidden
litellm version (1.82.7, 1.82.8) or no litellm at all, a distribution whose version differs from the pinned
requirements, a missing piece of the layout (libpython, stdlib, lib-dynload, encodings), a symlink, a `.py` without
its unchecked-hash `.pyc` (or any timestamp-based `.pyc`), a MANIFEST.json that does not match the tree, native code
needing a newer glibc than --max-glibc, and an unzipped size above Lambda's hard limit (250 MiB for function + layers).
Reports the unzipped and zipped sizes against the targets (<= 120 MB unzipped, <= 40 MB zipped); misses are warnings
unless --strict-targets. Without --zip the zipped size is measured by compressing in memory like `zip -9`.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import manifest as mf  # noqa: E402

ALLOWED_PTH: set[str] = set()  # none of the pinned packages ships one; add "name.pth" here only after review
FORBIDDEN_LITELLM = {"1.82.7", "1.82.8"}
HARD_LIMIT = 250 * 1024 * 1024  # Lambda: function + all layers, unzipped
TARGET_UNZIPPED = 120 * 1000 * 1000
TARGET_ZIPPED = 40 * 1000 * 1000
# Packages removed on purpose by assemble.py prune (their pins stay in requirements.txt).
PRUNED_DISTS = {"hf-xet", "huggingface-hub", "fsspec", "filelock", "tqdm", "typer-slim", "shellingham"}
# .py files that are data, not modules, and never compiled.
NO_PYC_OK = re.compile(r"$^")


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(req: Path) -> dict[str, str]:
    out = {}
    for line in req.read_text().splitlines():
        m = re.match(r"([A-Za-z0-9._-]+)(\[[^]]*\])?==([^ ;\\]+)", line)
        if m:
            out[norm(m.group(1))] = m.group(3)
    return out


def zipped_size(tree: Path) -> int:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for p in mf.files_of(tree):
            z.write(p, "python/" + p.relative_to(tree).as_posix())
    return len(buf.getvalue())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", type=Path)
    ap.add_argument("--zip", type=Path)
    ap.add_argument("--requirements", type=Path)
    ap.add_argument("--max-glibc")
    ap.add_argument("--strict-targets", action="store_true")
    a = ap.parse_args()
    tree = a.tree.resolve()
    errors: list[str] = []
    warnings: list[str] = []

    # Layout.
    for rel in ("lib/libpython3.11.so.1.0", "lib/python3.11/encodings/__init__.py", "lib/python3.11/os.py",
                "lib/python3.11/lib-dynload", "litellm/__init__.py", "MANIFEST.json"):
        if not (tree / rel).exists():
            errors.append(f"missing {rel}")
    if not any((tree / "lib/python3.11/lib-dynload").glob("_ssl*.so")):
        errors.append("lib-dynload has no _ssl extension")

    # Start-up hooks: .pth files and customize modules run code at every interpreter start.
    for p in sorted(tree.rglob("*.pth")):
        if p.name not in ALLOWED_PTH:
            errors.append(f"unexpected .pth file (runs at start-up): {p.relative_to(tree)}")
    for name in ("sitecustomize", "usercustomize"):
        for p in list(tree.glob(f"{name}.py")) + list(tree.glob(f"lib/python3.11/{name}.py")) + list(tree.glob(f"{name}/")):
            errors.append(f"unexpected start-up hook: {p.relative_to(tree)}")

    # Versions.
    dists = mf.distributions(tree)
    lv = dists.get("litellm")
    if lv is None:
        errors.append("litellm is not installed (no litellm-*.dist-info)")
    elif lv in FORBIDDEN_LITELLM:
        errors.append(f"litellm {lv} is a known-malicious release")
    if a.requirements:
        pins = pinned(a.requirements)
        for name, v in sorted(dists.items()):
            if name not in pins:
                errors.append(f"{name} {v} is installed but not pinned in {a.requirements}")
            elif pins[name] != v:
                errors.append(f"{name} is {v}, pinned {pins[name]}")
        for name in sorted(set(pins) - set(dists) - PRUNED_DISTS):
            errors.append(f"{name} is pinned but not installed")

    # Symlinks and bytecode.
    files = mf.files_of(tree)
    for p in tree.rglob("*"):
        if p.is_symlink():
            errors.append(f"symlink in the tree: {p.relative_to(tree)}")
    missing_pyc, bad_pyc = [], []
    for p in files:
        if p.suffix == ".py" and not NO_PYC_OK.search(p.as_posix()):
            pyc = p.parent / "__pycache__" / f"{p.stem}.cpython-311.pyc"
            if not pyc.exists():
                missing_pyc.append(p.relative_to(tree).as_posix())
        elif p.suffix == ".pyc":
            with open(p, "rb") as f:
                head = f.read(8)
            flags = int.from_bytes(head[4:8], "little")
            if flags != 0b01:  # hash-based (bit 0), check_source off (bit 1)
                bad_pyc.append(p.relative_to(tree).as_posix())
    if missing_pyc:
        errors.append(f"{len(missing_pyc)} .py files have no .pyc, e.g. {missing_pyc[:5]}")
    if bad_pyc:
        errors.append(f"{len(bad_pyc)} .pyc files are not unchecked-hash, e.g. {bad_pyc[:5]}")

    # Manifest matches the tree.
    m_path = tree / "MANIFEST.json"
    if m_path.exists():
        recorded = json.loads(m_path.read_text())
        fresh = mf.build(tree, recorded.get("arch", "?"), a.requirements)
        for comp, info in fresh["components"].items():
            old = recorded["components"].get(comp)
            if old is None or old.get("sha256") != info["sha256"]:
                errors.append(f"MANIFEST.json does not match the tree for {comp}")
        for comp in set(recorded["components"]) - set(fresh["components"]):
            errors.append(f"MANIFEST.json lists {comp}, which is not in the tree")
        if recorded.get("distributions") != fresh["distributions"]:
            errors.append("MANIFEST.json distributions differ from the tree")
        glibc = fresh["glibc_required"]
        fresh["python"] = recorded.get("python", {})
    else:
        fresh, glibc = mf.build(tree, "?", None), None
    if a.max_glibc and glibc:
        want = tuple(int(x) for x in a.max_glibc.split("."))
        have = tuple(int(x) for x in glibc.split("."))
        if have > want:
            worst = sorted(k for k, v in fresh["native_files"].items() if v["glibc"] == glibc)
            errors.append(f"native code needs glibc {glibc} > {a.max_glibc} (Lambda provided.al2023): {worst[:5]}")

    # Sizes.
    unzipped = fresh["totals"]["bytes"]
    zsize = a.zip.stat().st_size if a.zip else zipped_size(tree)
    t = fresh["totals"]
    print(f"layer: {t['files']} files ({t['py']} .py, {t['pyc']} .pyc, {t['so']} shared objects, {t['other']} other)")
    print(f"layer: unzipped {unzipped / 1e6:.1f} MB ({unzipped / 2**20:.1f} MiB), target <= {TARGET_UNZIPPED / 1e6:.0f} MB, "
          f"Lambda hard limit {HARD_LIMIT / 2**20:.0f} MiB")
    print(f"layer: zipped   {zsize / 1e6:.1f} MB{'' if a.zip else ' (measured in memory, zip -9)'}, "
          f"target <= {TARGET_ZIPPED / 1e6:.0f} MB")
    print(f"layer: glibc required {glibc}; litellm {lv}; python {fresh['python'].get('python')}")
    biggest = sorted(fresh["components"].items(), key=lambda kv: -kv[1]["bytes"])[:12]
    print("layer: largest components: " + ", ".join(f"{k} {v['bytes'] / 1e6:.1f}" for k, v in biggest))
    if unzipped > HARD_LIMIT:
        errors.append(f"unzipped size {unzipped / 2**20:.1f} MiB exceeds Lambda's limit of 250 MiB")
    if unzipped > TARGET_UNZIPPED:
        (errors if a.strict_targets else warnings).append(f"unzipped {unzipped / 1e6:.1f} MB > target 120 MB")
    if zsize > TARGET_ZIPPED:
        (errors if a.strict_targets else warnings).append(f"zipped {zsize / 1e6:.1f} MB > target 40 MB")

    for w in warnings:
        print(f"check-layer: WARNING: {w}", file=sys.stderr)
    for e in errors:
        print(f"check-layer: FAIL: {e}", file=sys.stderr)
    print(f"check-layer: {'FAILED' if errors else 'ok'} ({len(errors)} errors, {len(warnings)} warnings)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
