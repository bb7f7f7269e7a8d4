#!/usr/bin/env bash
# Cuts the cost guard's committed sample (benches/sample/SHAPE.txt, ~1 MB each, ~8 MB in all)
# from the real mixed trace that fixtures/capture/bench-mix.sh captures: per shape, SLICES runs
# of whole lines taken at even steps across the trace (its start, middle and end all count),
# so that the sample costs what the whole trace costs per byte.
#
#   fixtures/capture/bench-mix.sh /tmp/straceback-mix && benches/sample.sh /tmp/straceback-mix
#
# After a new sample, regenerate the baseline: benches/cost.sh --update (a commit of its own).
set -euo pipefail
export LC_ALL=C   # awk lengths in bytes
cd "$(dirname "$0")"
MIX=${1:-/tmp/straceback-mix}
BYTES=${BYTES:-1048576}
SLICES=${SLICES:-8}
mkdir -p sample
for f in "$MIX"/*.txt; do
    shape=$(basename "$f" .txt)
    size=$(stat -c %s "$f")
    if [ "$size" -le "$BYTES" ]; then
        cp "$f" "sample/$shape.txt"
    else
        # slice i starts at the first line after byte i * (size - BYTES / SLICES) / (SLICES - 1)
        awk -v size="$size" -v want="$BYTES" -v n="$SLICES" '
            BEGIN { per = int(want / n); step = (size - per) / (n - 1); i = 0; at = 0; taken = 0 }
            {
                len = length($0) + 1
                if (i < n && at >= i * step) { taking = 1; taken = 0; i++ }
                if (taking) { print; taken += len; if (taken >= per) taking = 0 }
                at += len
            }' "$f" > "sample/$shape.txt"
    fi
    echo "$shape: $(wc -l < "sample/$shape.txt") lines, $(stat -c %s "sample/$shape.txt") bytes of $size"
done
