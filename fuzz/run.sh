#!/usr/bin/env bash
# Runs every fuzz target (each file of fuzz/fuzz_targets) for SECONDS each (default 600), one
# after the other, on one core.
# cargo fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
# No sanitizer (-s none): the code is safe Rust; debug assertions and overflow checks are on.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
for f in fuzz/fuzz_targets/*.rs; do
    t=$(basename "$f" .rs)
    echo "== $t for ${secs}s"
    RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
        | grep -E "^(#[0-9]+.*DONE|stat::|==|SUMMARY|.*panicked|artifact_prefix|Test unit written)" || true
done
