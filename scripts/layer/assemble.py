#!/usr/bin/env python3
"""Assembles and prunes the Lambda layer tree OUT/python (see scripts/build-layer.sh).

Run it with the SAME Python 3.11 whose libpython is shipped: the paths of libpython, the stdlib and lib-dynload are
read from that interpreter's sysconfig.

  assemble.py runtime OUT/python     libpython, pruned stdlib + lib-dynload, the shared libraries they need
  assemble.py prune OUT/python       prunes the installed packages (what the SDK path never loads)
  assemble.py natives OUT/python     copies missing native dependencies of everything, sets RUNPATHs
  assemble.py perms OUT/python       normalises permissions and timestamps (deterministic zip)

Every step prints what it removed or copied, and appends a record to OUT/python/.build/log.json, which the
manifest step folds into MANIFEST.json.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

PY_VER = "3.11"

# ---------------------------------------------------------------------------------------------------------------
# What the SDK path never loads. Each rule is a glob relative to the tree; directories are removed whole.
STDLIB_PRUNE = [
    "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "distutils", "venv", "pydoc_data",
    "config-3.11-*", "site-packages", "dist-packages", "sitecustomize.py", "usercustomize.py", "turtle.py",
    "__phello__", "__hello__.py", "antigravity.py", "EXTERNALLY-MANAGED", "LICENSE.txt", "curses",
    "ctypes/test", "unittest", "idle*", "lib-tk", "Tools",
    # Nothing on the SDK path imports these (checked with grep over the installed packages; the smoke test
    # imports litellm, calls it and signs a Bedrock request without them).
    "sqlite3", "xmlrpc", "wsgiref", "pydoc.py", "doctest.py", "pdb.py", "_pydecimal.py", "dbm", "mailbox.py",
    "nntplib.py", "imaplib.py", "telnetlib.py", "cgi.py", "cgitb.py", "smtpd.py", "tabnanny.py", "this.py",
]
# lib-dynload modules never used by a headless SDK, and whose shared libraries we would otherwise have to ship
# (ncurses, readline, Berkeley DB, gdbm, libnsl/tirpc/krb5, libcrypt, Tcl/Tk).
DYNLOAD_PRUNE = [
    "_test*", "_ctypes_test*", "_xxtestfuzz*", "xxlimited*", "_xxsubinterpreters*", "xxsubtype*",
    "_curses*", "readline*", "_dbm*", "_gdbm*", "nis*", "_crypt*", "ossaudiodev*", "spwd*", "_tkinter*",
    "_sqlite3*",
]
# The installed packages: (glob, why). A glob matching nothing is reported, not an error (versions move).
PACKAGE_PRUNE = [
    ("litellm/proxy/_experimental", "proxy admin UI (static web app)"),
    ("litellm/proxy/swagger", "proxy swagger UI assets"),
    ("litellm/llms/huggingface/huggingface_llms_metadata", "Hugging Face model metadata"),
    ("hf_xet", "Hugging Face xet client (native, only for hub downloads)"),
    ("hf_xet-*.dist-info", "metadata of a pruned package"),
    ("huggingface_hub", "Hugging Face hub client (litellm imports it nowhere; tokenizers works without)"),
    ("huggingface_hub-*.dist-info", "metadata of a pruned package"),
    # huggingface_hub's own dependencies: nothing else in the tree imports them (grep), so they go with it.
    ("fsspec", "huggingface_hub dependency"), ("fsspec-*.dist-info", "metadata of a pruned package"),
    ("filelock", "huggingface_hub dependency"), ("filelock-*.dist-info", "metadata of a pruned package"),
    ("tqdm", "huggingface_hub dependency"), ("tqdm-*.dist-info", "metadata of a pruned package"),
    ("typer", "huggingface_hub CLI dependency"), ("typer_slim-*.dist-info", "metadata of a pruned package"),
    ("shellingham", "typer dependency"), ("shellingham-*.dist-info", "metadata of a pruned package"),
    ("openai/cli", "the `openai` command-line tool"),
    ("litellm/proxy/example_config_yaml", "proxy example configurations"),
    ("litellm/proxy/*.jpg", "proxy UI logos"),
    ("litellm/proxy/*.prisma", "proxy database schema"),
    ("bin", "console scripts (no shell on the SDK path)"),
    ("*.dist-info/RECORD", "install records (wrong after pruning; importlib.metadata.version needs only METADATA)"),
    ("jsonschema/benchmarks", "benchmarks"),
    ("aiohttp/test_utils.py", "test helpers (import unittest, pytest)"),
    ("aiohttp/pytest_plugin.py", "test helpers (import pytest)"),
    ("click/testing.py", "test helpers"),
    ("botocore/cacert.pem", "unused: botocore takes certifi's bundle when certifi is installed"),
    ("**/__pycache__", "bytecode from elsewhere (recompiled below)"),
    ("**/tests", "package tests"),
    ("**/*.pyi", "type stubs"),
    ("**/*.pyx", "Cython sources"),
    ("**/*.pxd", "Cython headers"),
    ("**/*.c", "C sources"),
    ("**/*.h", "C headers"),
    ("**/*.cpp", "C++ sources"),
    ("*/README*", "docs"),
    ("*/**/*.md", "docs"),
    ("*/**/*.rst", "docs"),
    ("boto3/examples", "docs"),
]
# botocore's service data is cut to the services the function uses; top-level files botocore itself needs stay.
BOTOCORE_SERVICES_DEFAULT = "sts,secretsmanager,bedrock-runtime,bedrock,sagemaker-runtime"
# glibc and the GCC runtime are in every Lambda base image (provided.al2023 runs glibc-linked Rust and Swift
# binaries, which need libgcc_s); everything else that is needed is bundled.
BASE_IMAGE_LIBS = re.compile(
    r"^(linux-vdso\.so\.1|linux-gate\.so\.1|ld-linux[-\w.]*\.so\.\d|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|"
    r"libdl\.so\.2|librt\.so\.1|libutil\.so\.1|libresolv\.so\.2|libanl\.so\.1|libmvec\.so\.1|"
    r"libBrokenLocale\.so\.1|libnss_\w+\.so\.2|libgcc_s\.so\.1)$"
)


def log(*a: object) -> None:
    print("assemble:", *a, file=sys.stderr)


def record(tree: Path, key: str, value: object) -> None:
    d = tree / ".build"
    d.mkdir(exist_ok=True)
    f = d / "log.json"
    data = json.loads(f.read_text()) if f.exists() else {}
    data[key] = value
    f.write_text(json.dumps(data, indent=1, sort_keys=True))


def size_of(p: Path) -> int:
    if p.is_symlink() or p.is_file():
        return p.lstat().st_size
    return sum(f.lstat().st_size for f in p.rglob("*") if f.is_file() or f.is_symlink())


def remove(p: Path) -> int:
    n = size_of(p)
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    else:
        p.unlink()
    return n


def prune_globs(base: Path, rules: list[tuple[str, str]]) -> list[dict]:
    out = []
    for pattern, why in rules:
        removed, count = 0, 0
        for p in sorted(base.glob(pattern), key=lambda x: len(x.parts)):
            if p.exists() or p.is_symlink():
                removed += remove(p)
                count += 1
        out.append({"rule": pattern, "why": why, "paths": count, "bytes": removed})
        if count:
            log(f"pruned {pattern}: {count} path(s), {removed / 1e6:.2f} MB ({why})")
    return out


# ---------------------------------------------------------------------------------------------------------------
def copy_tree_deref(src: Path, dst: Path, skip_names: set[str]) -> None:
    """Copies a tree, following symlinks (a layer must hold no links out of itself); broken links are skipped."""
    dst.mkdir(parents=True, exist_ok=True)
    for entry in sorted(src.iterdir()):
        if entry.name in skip_names:
            continue
        target = dst / entry.name
        if entry.is_symlink() and not entry.exists():
            log(f"skipped broken link {entry}")
            continue
        if entry.is_dir():
            copy_tree_deref(entry, target, {"__pycache__"})
        else:
            shutil.copyfile(entry, target)


def cmd_runtime(tree: Path) -> None:
    libdir = Path(sysconfig.get_config_var("LIBDIR"))
    soname = sysconfig.get_config_var("INSTSONAME")
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    candidates = [libdir / soname, libdir / multiarch / soname, Path("/usr/lib64") / soname]
    libpython = next((c for c in candidates if c.exists()), None)
    if libpython is None:
        sys.exit(f"assemble: no {soname} next to {sys.executable} (looked in {', '.join(map(str, candidates))}); "
                 "install the shared libpython (Debian libpython3.11, AL2023 python3.11-libs)")
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    dynload = Path(sysconfig.get_config_var("DESTSHARED"))
    lib = tree / "lib"
    dst_std = lib / f"python{PY_VER}"
    lib.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(libpython.resolve(), lib / soname)
    log(f"libpython: {libpython.resolve()} -> lib/{soname}")

    if dst_std.exists():
        shutil.rmtree(dst_std)
    copy_tree_deref(stdlib, dst_std, {"__pycache__", "lib-dynload", "site-packages", "dist-packages"})
    copy_tree_deref(dynload, dst_std / "lib-dynload", {"__pycache__"})
    pruned = prune_globs(dst_std, [(g, "stdlib never loaded by the SDK") for g in STDLIB_PRUNE])
    pruned += prune_globs(dst_std / "lib-dynload", [(g, "extension never loaded by the SDK") for g in DYNLOAD_PRUNE])
    record(tree, "runtime", {
        "python": sys.version.split()[0],
        "python_build": sys.version,
        "interpreter": sys.executable,
        "libpython": str(libpython.resolve()),
        "stdlib_from": str(stdlib),
        "lib_dynload_from": str(dynload),
        "pruned": [p for p in pruned if p["paths"]],
    })


def cmd_prune(tree: Path) -> None:
    pruned = prune_globs(tree, PACKAGE_PRUNE)
    services = [s for s in os.environ.get("BOTOCORE_SERVICES", BOTOCORE_SERVICES_DEFAULT).split(",") if s]
    data = tree / "botocore" / "data"
    if not data.is_dir():
        sys.exit("assemble: botocore/data missing: is botocore in the requirements?")
    for s in services:
        if not (data / s).is_dir():
            sys.exit(f"assemble: botocore has no service data for {s!r}")
    cut, cut_n = 0, 0
    for d in sorted(data.iterdir()):
        if d.is_dir() and d.name not in services:
            cut += remove(d)
            cut_n += 1
    log(f"botocore/data: kept {', '.join(services)} + top-level files; removed {cut_n} services, {cut / 1e6:.2f} MB")
    pruned.append({"rule": "botocore/data/<service>", "why": f"services not used (kept {','.join(services)})",
                   "paths": cut_n, "bytes": cut})
    b3 = tree / "boto3" / "data"
    if b3.is_dir():
        n, c = 0, 0
        for d in sorted(b3.iterdir()):
            if d.is_dir() and d.name not in services:
                n += remove(d)
                c += 1
        pruned.append({"rule": "boto3/data/<service>", "why": "resource models (boto3.resource) not used",
                       "paths": c, "bytes": n})
        log(f"boto3/data: removed {c} resource models, {n / 1e6:.2f} MB")
    for pkg in sorted(p.name for p in tree.iterdir() if (p / "__init__.py").exists()):
        dead = prune_unimportable(tree, pkg)
        if dead["paths"]:
            pruned.append(dead)
    # Empty directories left behind.
    for d in sorted((p for p in tree.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(d.iterdir()):
            d.rmdir()
    record(tree, "packages_pruned", [p for p in pruned if p["paths"]])
    record(tree, "botocore_services", services)


def prune_unimportable(tree: Path, package: str) -> dict:
    """Removes the modules of `package` that can never be imported from this tree: a module whose top-level code
    unconditionally imports a distribution that is not installed (fastapi, prisma, redis, ... for litellm's proxy
    server and some integrations), and, to a fixed point, modules that unconditionally import such a module.
    Imports inside try/if/functions (optional or lazy ones) are ignored, so only certain failures count."""
    import ast

    present = {p.name for p in tree.iterdir() if p.is_dir()} | {p.stem for p in tree.glob("*.py")}
    present |= {p.name.split(".")[0] for p in tree.glob("*.so")} | set(sys.stdlib_module_names)
    root = tree / package

    def modname(p: Path) -> str:
        parts = list(p.relative_to(tree).with_suffix("").parts)
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    mods = {modname(p): p for p in sorted(root.rglob("*.py"))}
    imports: dict[str, list[str]] = {}
    for name, p in mods.items():
        pkg = name if p.name == "__init__.py" else name.rpartition(".")[0]
        out: list[str] = []
        for node in ast.parse(p.read_bytes(), str(p)).body:
            if isinstance(node, ast.Import):
                out += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    m = ".".join(base + ([node.module] if node.module else []))
                else:
                    m = node.module or ""
                out.append(m)
                out += [f"{m}.{a.name}" for a in node.names]
        imports[name] = out
    dead = {n for n, ims in imports.items() if any(m.split(".")[0] not in present for m in ims)}
    dead_pkgs = {n for n in dead if mods[n].name == "__init__.py"}
    changed = True
    while changed:
        changed = False
        for n, ims in imports.items():
            if n in dead:
                continue
            if any(m in dead for m in ims) or any(n.startswith(d + ".") for d in dead_pkgs):
                dead.add(n)
                if mods[n].name == "__init__.py":
                    dead_pkgs.add(n)
                changed = True
    removed = 0
    for n in sorted(dead, key=len):
        p = mods[n]
        target = p.parent if n in dead_pkgs else p
        if target.exists():
            removed += remove(target)
    if dead:
        log(f"{package}: removed {len(dead)} modules that can never import here (need an absent package), "
            f"{removed / 1e6:.2f} MB: {', '.join(sorted(dead)[:3])}{', ...' if len(dead) > 3 else ''}")
    return {"rule": f"{package}/** unimportable", "why": "top-level import of a package not installed",
            "paths": len(dead), "bytes": removed}


# ---------------------------------------------------------------------------------------------------------------
def elf_files(tree: Path) -> list[Path]:
    out = []
    for p in sorted(tree.rglob("*")):
        if p.is_file() and not p.is_symlink() and (".so" in p.name):
            with open(p, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    out.append(p)
    return out


def ldd(path: Path) -> dict[str, str | None]:
    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)
    r = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env)
    deps: dict[str, str | None] = {}
    for line in r.stdout.splitlines():
        line = line.strip()
        m = re.match(r"(\S+) => (not found|(\S+) \(0x[0-9a-f]+\))", line)
        if m:
            deps[m.group(1)] = m.group(3)
        else:
            m = re.match(r"(\S+) \(0x[0-9a-f]+\)", line)
            if m:
                deps[Path(m.group(1)).name] = m.group(1)
    return deps


def strip_all(tree: Path) -> dict:
    """Strips symbol tables and debug info from the wheels' extension modules (manylinux wheels ship them
    unstripped: tokenizers alone drops from 10.4 to 7.8 MB). Dynamic symbols stay, so loading is unchanged."""
    exe = os.environ.get("STRIP") or shutil.which("strip")
    if not exe:
        sys.exit("assemble: strip not found (binutils), or set STRIP")
    before = after = n = 0
    for f in elf_files(tree):
        b = f.stat().st_size
        subprocess.run([exe, "--strip-unneeded", str(f)], check=True)
        a = f.stat().st_size
        if a < b:
            n += 1
        before += b
        after += a
    log(f"stripped {n} shared objects: {before / 1e6:.1f} -> {after / 1e6:.1f} MB")
    return {"files": n, "bytes_saved": before - after}


def patchelf() -> str:
    exe = os.environ.get("PATCHELF") or shutil.which("patchelf")
    if not exe:
        sys.exit("assemble: patchelf not found (scripts/layer/install-tools.sh patchelf, or set PATCHELF)")
    return exe


def cmd_natives(tree: Path) -> None:
    """Bundles into lib/ every shared library that libpython, lib-dynload or a package extension needs and that
    is not in Lambda's base image, then gives the bundled libraries, libpython and lib-dynload a RUNPATH that
    points into the tree ($ORIGIN-relative), so the tree resolves its own libraries without LD_LIBRARY_PATH."""
    lib = tree / "lib"
    dynload = lib / f"python{PY_VER}" / "lib-dynload"
    pe = patchelf()
    stripped = strip_all(tree)
    copied: dict[str, dict] = {}
    base_seen: set[str] = set()
    queue = elf_files(tree)
    done: set[Path] = set()
    while queue:
        f = queue.pop(0)
        if f in done:
            continue
        done.add(f)
        for name, where in ldd(f).items():
            if BASE_IMAGE_LIBS.match(name):
                base_seen.add(name)
                continue
            if (lib / name).exists() or name.startswith("libpython"):
                continue
            if where is None:
                # Resolved by the object's own RUNPATH ($ORIGIN/../pkg.libs of manylinux wheels) or missing.
                sys.exit(f"assemble: {f.relative_to(tree)} needs {name}, which is not found on this system")
            wp = Path(where)
            try:
                wp.relative_to(tree)
                continue  # a manylinux wheel's own bundled library (pkg.libs/), resolved via its RUNPATH
            except ValueError:
                pass
            shutil.copyfile(wp.resolve(), lib / name)
            copied[name] = {"from": str(wp.resolve()), "needed_by": str(f.relative_to(tree))}
            log(f"bundled {name} <- {wp.resolve()} (needed by {f.relative_to(tree)})")
            queue.append(lib / name)
    # RUNPATHs: lib/*.so* -> $ORIGIN; lib-dynload/*.so -> $ORIGIN/../.. (= lib/).
    for f in sorted(lib.iterdir()):
        if f.is_file() and ".so" in f.name:
            subprocess.run([pe, "--set-rpath", "$ORIGIN", str(f)], check=True)
    for f in sorted(dynload.glob("*.so")):
        subprocess.run([pe, "--set-rpath", "$ORIGIN/../..", str(f)], check=True)
    # Package extensions that need a bundled library (libstdc++ for tokenizers, frozenlist): point them at lib/.
    patched = []
    for f in elf_files(tree):
        if lib in f.parents:
            continue
        deps = ldd(f)
        if any(n in copied for n in deps):
            rel = os.path.relpath(lib, f.parent)
            old = subprocess.run([pe, "--print-rpath", str(f)], capture_output=True, text=True, check=True).stdout.strip()
            new = ":".join([p for p in old.split(":") if p] + [f"$ORIGIN/{rel}"])
            subprocess.run([pe, "--set-rpath", new, str(f)], check=True)
            patched.append(str(f.relative_to(tree)))
    log(f"RUNPATH set on libpython, {len(copied)} bundled libraries, lib-dynload, and {len(patched)} package extensions")
    record(tree, "native_libraries", {"stripped": stripped, "bundled": copied, "assumed_in_base_image": sorted(base_seen),
                                      "package_extensions_runpath": patched})


def cmd_perms(tree: Path) -> None:
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))  # 1980-01-01, zip's earliest
    for p in [tree, *tree.rglob("*")]:
        if p.is_symlink():
            sys.exit(f"assemble: symlink left in the tree: {p}")
        if p.is_dir():
            p.chmod(0o755)
        else:
            p.chmod(0o755 if ".so" in p.name else 0o644)
        os.utime(p, (epoch, epoch))


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in {"runtime", "prune", "natives", "perms"}:
        sys.exit(__doc__)
    tree = Path(sys.argv[2]).resolve()
    {"runtime": cmd_runtime, "prune": cmd_prune, "natives": cmd_natives, "perms": cmd_perms}[sys.argv[1]](tree)


if __name__ == "__main__":
    main()
