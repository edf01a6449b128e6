#!/usr/bin/env bash
# Deterministic zip of a folder: sorted entries, fixed timestamps and permissions, no extra attributes (zip -X).
# Usage: scripts/layer/zip-tree.sh BASEDIR ENTRY ZIPFILE     e.g. zip-tree.sh out python out/layer.zip
# Same inputs give a byte-identical zip (SOURCE_DATE_EPOCH sets the timestamps; default 1980-01-01).
set -euo pipefail
base=$1 entry=$2 zipfile=$3
case $zipfile in /*) ;; *) zipfile=$PWD/$zipfile ;; esac
epoch=${SOURCE_DATE_EPOCH:-315532800}
cd "$base"
if find "$entry" -type l | grep -q .; then echo "zip-tree: symlinks in $base/$entry" >&2; exit 1; fi
find "$entry" -type d -exec chmod 755 {} +
find "$entry" -type f -exec chmod u+r,go+r,go-w {} +
find "$entry" -exec touch -h -d "@$epoch" {} +
rm -f "$zipfile"
# TZ=UTC: zip stores local time; a fixed zone keeps the bytes independent of the machine's zone.
find "$entry" -print | LC_ALL=C sort | TZ=UTC zip -X -q -9 -@ "$zipfile"
