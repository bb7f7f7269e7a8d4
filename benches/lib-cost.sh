# Sourced by benches/cost.sh and benches/shapes.sh: exact cost of one straceback run.
#
# cg_counts BINARY INPUT...: prints "instructions allocations" of
# `BINARY --threads 1 --format json --no-disk INPUT...` under callgrind. Allocations are the
# calls to jemalloc's entry points (the binary's allocator; a reallocation counts as one).
# Needs CG_TMP, a scratch directory.
cg_counts() {
    valgrind --tool=callgrind --callgrind-out-file="$CG_TMP/cg" \
        "$1" --threads 1 --format json --no-disk "${@:2}" > /dev/null 2> "$CG_TMP/cg.err" || true
    local ir
    ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$CG_TMP/cg.err")
    [ -n "$ir" ] || { cat "$CG_TMP/cg.err" >&2; echo "callgrind gave no count" >&2; return 2; }
    # calls= lines follow the cfn= line naming the callee; a name is given once (by fn= or
    # cfn=), then only its id
    awk -v ir="$ir" '
        /^c?fn=/ { s = $0; sub(/^c?fn=/, "", s); id = s; sub(/ .*/, "", id); nm = s; sub(/^\([0-9]+\) ?/, "", nm)
                   if (nm != "") name[id] = nm; if ($0 ~ /^cfn=/) cur = name[id]; next }
        /^calls=/ { if (cur ~ /^_rjem_(malloc|mallocx|calloc|realloc|rallocx)$/) { split(substr($0, 7), c, " "); n += c[1] }
                    cur = ""; next }
        END { print ir, n + 0 }' "$CG_TMP/cg"
}
