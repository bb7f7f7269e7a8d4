#!/usr/bin/env bash
# Builds the binary to copy onto a broken host: statically linked (glibc, crt-static), stripped,
# no NSS (user and group names come from our own reading of /etc/passwd and /etc/group), so it
# runs with nothing else on the host, even in an empty chroot.
# Prints the path of the binary; `--check` also verifies it is static, <= 8 MB, and runs it in a
# chroot holding only itself and a bundled fixture (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
RUSTFLAGS='-C target-feature=+crt-static' cargo build --locked --quiet --profile dist --target "$target"
bin="target/$target/dist/straceback"
if [ "${1:-}" = --check ]; then
    size=$(stat -c %s "$bin")
    echo "size: $size bytes"
    [ "$size" -le $((8 * 1024 * 1024)) ] || { echo "larger than 8 MB" >&2; exit 1; }
    # ldd exits 1 on a static binary; its message is what we check
    ldd_out=$(ldd "$bin" 2>&1 || true)
    echo "ldd: $ldd_out"
    case "$ldd_out" in *"not a dynamic executable"*|*"statically linked"*) ;; *) exit 1 ;; esac
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    cp "$bin" "$root/straceback"
    cp fixtures/incidents/seed/trace.txt "$root/trace"
    echo "in an empty chroot ($(ls "$root" | tr '\n' ' ')):"
    chroot "$root" /straceback --color never /trace
fi
echo "$bin"
