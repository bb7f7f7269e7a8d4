#!/usr/bin/env bash
# Makes a large real trace (default ~1 GiB) by tracing real workloads with -f -tt -T -y, then
# times straceback against `wc -l` and `grep -c` on it: warm cache, alternating rounds,
# medians; peak RSS; throughput of each workload segment alone; optionally a 10x stdin stream.
#
#   cargo build --release && benches/big_trace.sh            (as root; needs strace, python3, cargo)
#   SIZE_MB=256 ROUNDS=3 STREAM=1 benches/big_trace.sh       (smaller; STREAM=1 adds the stdin run)
#   BIN_B=/tmp/straceback-old benches/big_trace.sh           (also times a second binary, in the
#                                                            same alternating rounds: before/after)
#
# Results go to stdout as a markdown table; copy them into benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-$PWD/target/release/straceback}
OUT=${OUT:-/tmp/straceback-bench}
SIZE_MB=${SIZE_MB:-1024}
ROUNDS=${ROUNDS:-5}
mkdir -p "$OUT"

segment() { # name, command...
    local name=$1; shift
    [ -s "$OUT/seg-$name.txt" ] || strace -f -tt -T -y -o "$OUT/seg-$name.txt" "$@" > /dev/null 2>&1 || true
}
# a filesystem walk: stat/openat/getdents heavy
segment find find /usr -maxdepth 6
# an interpreter importing modules: search-path probes
segment python python3 -c 'import json, email, http.client, urllib.request, asyncio, sqlite3, xml.dom.minidom, decimal, logging.handlers'
# multi-threaded and futex-heavy: cargo building a small crate with two dependencies
if [ ! -s "$OUT/seg-cargo.txt" ]; then
    rm -rf "$OUT/crate" && mkdir -p "$OUT/crate/src"
    printf '[package]\nname = "benchcrate"\nversion = "0.1.0"\nedition = "2021"\n[dependencies]\nmemchr = "2"\nregex = "1"\n' > "$OUT/crate/Cargo.toml"
    echo 'fn main() { println!("{}", regex::Regex::new("a+").unwrap().is_match("aa")); }' > "$OUT/crate/src/main.rs"
    (cd "$OUT/crate" && cargo generate-lockfile --offline -q && cargo fetch -q)
    (cd "$OUT/crate" && strace -f -tt -T -y -o "$OUT/seg-cargo.txt" cargo build --offline -j 2 -q) || true
fi

big="$OUT/big.txt"
if [ ! -s "$big" ] || [ "$(( $(stat -c %s "$big") / 1048576 ))" -lt "$SIZE_MB" ]; then
    : > "$big"
    k=0
    while [ "$(( $(stat -c %s "$big") / 1048576 ))" -lt "$SIZE_MB" ]; do
        for s in find python cargo; do
            # each repetition gets its own pids (the -o prefix is a bare pid)
            awk -v off=$((k * 1000000)) '{ if ($1 ~ /^[0-9]+$/) $1 = $1 + off; print }' "$OUT/seg-$s.txt" >> "$big"
            k=$((k + 1))
        done
    done
fi

size=$(stat -c %s "$big"); lines=$(wc -l < "$big")
echo "trace: $big, $((size / 1048576)) MiB, $lines lines, $(grep -c '= -1 E' "$big") lines with '= -1 E'"
cat "$big" > /dev/null   # warm the page cache

declare -A times
cmds=(wc grep sb sb1)
[ -n "${BIN_B:-}" ] && cmds+=(sbB sb1B)
for r in $(seq "$ROUNDS"); do
    for c in "${cmds[@]}"; do
        case $c in
            wc) cmd=(wc -l "$big") ;;
            grep) cmd=(grep -c '= -1 E' "$big") ;;
            sb) cmd=("$BIN" --format json --no-disk "$big") ;;
            sb1) cmd=("$BIN" --threads 1 --format json --no-disk "$big") ;;
            sbB) cmd=("$BIN_B" --format json --no-disk "$big") ;;
            sb1B) cmd=("$BIN_B" --threads 1 --format json --no-disk "$big") ;;
        esac
        /usr/bin/time -o "$OUT/time" -f %e "${cmd[@]}" > "$OUT/out-$c" 2> /dev/null
        t=$(cat "$OUT/time")
        times[$c]="${times[$c]:-} $t"
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo
echo "| command | median wall (s) of $ROUNDS | MB/s | vs grep |"
echo "|---|---|---|---|"
g=$(echo "${times[grep]}" | median)
for c in "${cmds[@]}"; do
    m=$(echo "${times[$c]}" | median)
    echo "| $c | $m | $(awk -v s="$size" -v t="$m" 'BEGIN { printf "%.0f", s / 1e6 / t }') | $(awk -v a="$m" -v b="$g" 'BEGIN { printf "%.2fx", a / b }') |"
done
cmp -s "$OUT/out-sb" "$OUT/out-sb1" && echo "reports of --threads 1 and default: identical" || echo "reports DIFFER"
if [ -n "${BIN_B:-}" ]; then
    cmp -s "$OUT/out-sb" "$OUT/out-sbB" && echo "reports of BIN and BIN_B: identical" || echo "reports of BIN and BIN_B DIFFER"
    echo "BIN_B / BIN: default $(awk -v a="$(echo "${times[sbB]}" | median)" -v b="$(echo "${times[sb]}" | median)" 'BEGIN { printf "%.3f", a / b }'), --threads 1 $(awk -v a="$(echo "${times[sb1B]}" | median)" -v b="$(echo "${times[sb1]}" | median)" 'BEGIN { printf "%.3f", a / b }')"
fi
for c in "" "--threads 1"; do
    /usr/bin/time -o "$OUT/time" -f %M "$BIN" $c --format json --no-disk "$big" > /dev/null 2> /dev/null
    rss=$(cat "$OUT/time")
    echo "peak RSS straceback $c: $((rss / 1024)) MiB"
done
echo
echo "| segment | MiB | --threads 1 median wall (s) | MB/s | default median wall (s) | MB/s |"
echo "|---|---|---|---|---|---|"
mbs() { awk -v s="$1" -v t="$2" 'BEGIN { printf "%.0f", s / 1e6 / t }'; }
for s in find python cargo; do
    # each segment repeated (new pids each time) to 128 MiB, so that timing is not startup
    f="$OUT/seg-$s-128.txt"
    if [ ! -s "$f" ]; then
        k=0
        while [ "$(( $(stat -c %s "$f" 2> /dev/null || echo 0) / 1048576 ))" -lt 128 ]; do
            awk -v off=$((k * 1000000)) '{ if ($1 ~ /^[0-9]+$/) $1 = $1 + off; print }' "$OUT/seg-$s.txt" >> "$f"
            k=$((k + 1))
        done
    fi
    sz=$(stat -c %s "$f")
    a=""; b=""
    for r in $(seq "$ROUNDS"); do
        /usr/bin/time -o "$OUT/time" -f %e "$BIN" --threads 1 --format json --no-disk "$f" > /dev/null 2> /dev/null
        a="$a $(cat "$OUT/time")"
        /usr/bin/time -o "$OUT/time" -f %e "$BIN" --format json --no-disk "$f" > /dev/null 2> /dev/null
        b="$b $(cat "$OUT/time")"
    done
    t1=$(echo "$a" | median); td=$(echo "$b" | median)
    echo "| $s | $((sz / 1048576)) | $t1 | $(mbs "$sz" "$t1") | $td | $(mbs "$sz" "$td") |"
done
if [ "${STREAM:-0}" = 1 ]; then
    # memory must not grow with the input: one copy and ten copies through stdin
    for n in 1 10; do
        /usr/bin/time -o "$OUT/time" -f "%e %M" \
            sh -c "for i in \$(seq $n); do cat '$big'; done | '$BIN' --format json --no-disk > /dev/null" 2> /dev/null
        read -r wall rss < "$OUT/time"
        echo "${n}x the trace through stdin ($((n * size / 1048576)) MiB): wall ${wall} s, peak RSS $((rss / 1024)) MiB"
    done
fi
