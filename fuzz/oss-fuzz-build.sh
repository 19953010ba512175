#!/usr/bin/env bash
# Builds every fuzz target into $OUT the way OSS-Fuzz and ClusterFuzzLite expect:
# one binary per target, <target>_seed_corpus.zip from fuzz/corpus/<target>, and the
# MQTT dictionary as <target>.dict.
#
# OSS-Fuzz sets SANITIZER (address, undefined, coverage, ...) and provides a nightly
# cargo that applies it; without SANITIZER (or with SANITIZER=none) the targets are
# built on stable with `-s none`, which is how this script is tested locally:
#   OUT=/tmp/out bash fuzz/oss-fuzz-build.sh
set -euo pipefail
cd "$(dirname "$0")"
: "${OUT:?set OUT to the output directory}"
mkdir -p "$OUT"

sanitizer=(-s none)
if [ -n "${SANITIZER:-}" ] && [ "${SANITIZER}" != none ]; then
    sanitizer=()   # the OSS-Fuzz toolchain adds its own flags
fi
cargo fuzz build -O "${sanitizer[@]}"

triple=$(rustc -vV | sed -n 's/^host: //p')
for target in $(cargo fuzz list); do
    cp "target/${triple}/release/${target}" "$OUT/${target}"
    cp mqtt.dict "$OUT/${target}.dict"
    if [ -d "corpus/${target}" ]; then
        python3 - "$OUT/${target}_seed_corpus.zip" "corpus/${target}" <<'PY'
import os, sys, zipfile
out, src = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(src)):
        z.write(os.path.join(src, name), name)
PY
    fi
done
echo "built into $OUT: $(cargo fuzz list | tr '\n' ' ')"
