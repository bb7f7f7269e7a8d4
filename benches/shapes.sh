#!/usr/bin/env bash
# The per-shape table of benches/RESULTS.md: cost per MB of each trace shape that
# fixtures/capture/bench-shapes.sh captures, for BIN and (optionally) BIN_B in the same
# alternating rounds. Each shape is repeated with new pids to at least REP_MB (timing is not
# startup); the -ff set is read as is. CPU seconds (user + sys) are the figure to compare on a
# shared machine; wall is printed too. Instructions and allocations per MB (exact) come from
# callgrind (jemalloc's entry points) on the first 8 MB of each shape (the whole -ff set).
#
#   fixtures/capture/bench-shapes.sh /tmp/straceback-shapes
#   BIN_B=/tmp/straceback-old benches/shapes.sh /tmp/straceback-shapes
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
S=${1:-/tmp/straceback-shapes}
BIN=${BIN:-$PWD/target/release/straceback}
ROUNDS=${ROUNDS:-3}
REP_MB=${REP_MB:-128}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
bins=(BIN); [ -n "${BIN_B:-}" ] && bins+=(BIN_B)
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
CG_TMP=$T
. benches/lib-cost.sh
printf '| shape | MB | %s |\n' "$(for b in "${bins[@]}"; do printf '%s CPU s | %s MB/s (CPU) | %s wall s | %s instr/MB | %s allocs/MB | ' "$b" "$b" "$b" "$b" "$b"; done | sed 's/ | $//')"
printf '|---|---|%s\n' "$(for b in "${bins[@]}"; do printf -- '---|---|---|---|---|'; done)"
for shape in plain rich futex nginx ff bigwrite; do
    if [ "$shape" = ff ]; then
        input=("$S/ff/trace"); size=$(cat "$S"/ff/trace.* | wc -c); sample=("$S/ff/trace")
    else
        f="$T/$shape.txt"; k=0
        while [ "$(( $(stat -c %s "$f" 2> /dev/null || echo 0) / 1048576 ))" -lt "$REP_MB" ]; do
            awk -v off=$((k * 1000000)) '{ if (match($0, /^[0-9]+ /)) print ($1 + off) substr($0, RLENGTH); else print }' "$S/$shape.txt" >> "$f"
            k=$((k + 1))
        done
        input=("$f"); size=$(stat -c %s "$f")
        head -c 8388608 "$S/$shape.txt" > "$T/$shape-8m.txt"; sample=("$T/$shape-8m.txt")
        cat "$f" > /dev/null
    fi
    declare -A cpu=() wall=()
    for r in $(seq "$ROUNDS"); do
        for b in "${bins[@]}"; do
            /usr/bin/time -o "$T/time" -f '%U %S %e' "${!b}" --threads 1 --format json --no-disk "${input[@]}" > "$T/out-$b" 2> /dev/null || true
            read -r u s e < "$T/time"
            cpu[$b]="${cpu[$b]:-} $(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')"; wall[$b]="${wall[$b]:-} $e"
        done
    done
    if [ -n "${BIN_B:-}" ] && ! cmp -s "$T/out-BIN" "$T/out-BIN_B"; then echo "$shape: reports of BIN and BIN_B DIFFER" >&2; fi
    sb=$(stat -c %s "${sample[0]}" 2> /dev/null || echo "$size")
    row="| $shape | $(awk -v s="$size" 'BEGIN { printf "%.0f", s / 1e6 }') |"
    for b in "${bins[@]}"; do
        c=$(echo "${cpu[$b]}" | median); w=$(echo "${wall[$b]}" | median); read -r i a <<< "$(cg_counts "${!b}" "${sample[@]}")"
        row="$row $c | $(awk -v s="$size" -v t="$c" 'BEGIN { printf "%.0f", s / 1e6 / t }') | $w | $(awk -v i="$i" -v s="$sb" 'BEGIN { printf "%.1f M", i / s }') | $(awk -v a="$a" -v s="$sb" 'BEGIN { printf "%.0f", a * 1e6 / s }') |"
    done
    echo "$row"
    unset cpu wall
done
