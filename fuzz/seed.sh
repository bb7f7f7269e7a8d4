#!/usr/bin/env bash
# Seeds the fuzz corpora from the real captures in fixtures/: every trace cut into 4 KiB
# pieces at line boundaries. Run from fuzz/: ./seed.sh
set -euo pipefail
cd "$(dirname "$0")"
for t in parse_lines quoted pipeline; do mkdir -p "corpus/$t"; done
n=0
find ../fixtures -name '*.txt' -not -name 'README*' -size -4M | while read -r f; do
    split -C 4096 -d -a 5 "$f" "corpus/parse_lines/$(basename "$f" .txt)-$n-"
    n=$((n + 1))
done
cp corpus/parse_lines/* corpus/pipeline/
# the decoder gets the quoted strings of the captures
grep -ohE '"([^"\\]|\\.)*"' ../fixtures/flags/*.txt ../fixtures/flags/rare/*.txt | sort -u | head -5000 | split -l 1 -d -a 5 - corpus/quoted/s-
echo "corpus: $(ls corpus/parse_lines | wc -l) trace pieces, $(ls corpus/quoted | wc -l) strings"
