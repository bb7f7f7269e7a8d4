#!/usr/bin/env bash
# The CI cost guard: instructions (callgrind, deterministic) and allocations of
# `straceback --threads 1 --format json --no-disk` on each shape of the committed sample
# (benches/sample/*.txt, cut by benches/sample.sh), per MB and in all, compared with
# benches/cost-baseline.txt. Exits 1 when the whole sample, or any one shape, costs more than
# 3 % more instructions than the baseline says.
#
#   benches/cost.sh              build the release binary, measure, compare
#   benches/cost.sh --update     measure and write the baseline (a commit of its own that says why)
#   BIN=path benches/cost.sh     measure another binary (no build)
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
LIMIT_PCT=${LIMIT_PCT:-3}
BASE=benches/cost-baseline.txt
if [ -z "${BIN:-}" ]; then
    cargo build --release --locked -q
    BIN=target/release/straceback
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

CG_TMP=$TMP
. benches/lib-cost.sh

printf '%-8s %9s %15s %12s %11s %10s %9s\n' shape bytes instructions "instr/MB" allocations "allocs/MB" "vs base"
: > "$TMP/now"
total_b=0; total_i=0; total_a=0; fail=0
for f in benches/sample/*.txt; do
    shape=$(basename "$f" .txt)
    b=$(stat -c %s "$f")
    read -r i a <<< "$(cg_counts "$BIN" "$f")"
    echo "$shape $b $i $a" >> "$TMP/now"
    total_b=$((total_b + b)); total_i=$((total_i + i)); total_a=$((total_a + a))
done
echo "all $total_b $total_i $total_a" >> "$TMP/now"

while read -r shape b i a; do
    old=$(awk -v s="$shape" '$1 == s { print $3 }' "$BASE" 2> /dev/null || true)
    if [ -n "$old" ]; then
        vs=$(awk -v n="$i" -v o="$old" 'BEGIN { printf "%+.2f%%", (n - o) * 100 / o }')
        over=$(awk -v n="$i" -v o="$old" -v l="$LIMIT_PCT" 'BEGIN { print (n > o * (1 + l / 100)) ? 1 : 0 }')
        [ "$over" = 1 ] && { fail=1; vs="$vs OVER"; }
    else
        vs="(none)"
    fi
    printf '%-8s %9d %15d %12.0f %11d %10.0f %9s\n' "$shape" "$b" "$i" \
        "$(awk -v i="$i" -v b="$b" 'BEGIN { print i * 1e6 / b }')" "$a" \
        "$(awk -v a="$a" -v b="$b" 'BEGIN { print a * 1e6 / b }')" "$vs"
done < "$TMP/now"

if [ "${1:-}" = --update ]; then
    { echo "# shape bytes instructions allocations: benches/cost.sh --update, $(git log -1 --format=%h 2> /dev/null || echo '?')"
      cat "$TMP/now"; } > "$BASE"
    echo "baseline written: $BASE"
    exit 0
fi
if [ "$fail" = 1 ]; then
    echo "FAIL: more than $LIMIT_PCT % more instructions than $BASE (a deliberate raise: benches/cost.sh --update, in a commit of its own that says why)" >&2
    exit 1
fi
echo "ok: within $LIMIT_PCT % of $BASE"
