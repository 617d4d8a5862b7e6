#!/bin/sh
# Run one fuzz target the way docs/fuzzing.md describes: seeds copied into the
# (git-ignored) corpus, one worker, low priority, bounded memory and time.
# Usage: fuzz/run.sh TARGET [SECONDS]   (from anywhere; default 600 s)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target=$1
secs=${2:-600}
mkdir -p "$here/corpus/$target"
if [ -d "$here/seeds/$target" ]; then
    cp -n "$here/seeds/$target"/* "$here/corpus/$target/" 2>/dev/null || true
fi
cd "$here"
RAYON_NUM_THREADS=1 RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}" \
    nice -n 19 cargo fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$secs" -workers=1 -jobs=1 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
