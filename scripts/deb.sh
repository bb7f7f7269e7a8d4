#!/usr/bin/env bash
# Builds the .deb (cargo-deb: `cargo install --locked cargo-deb`): the binary, its man page and
# bash/zsh/fish completions (printed by the binary itself), Recommends: strace.
#   scripts/deb.sh        the static binary of scripts/dist.sh (the one to ship)
#   scripts/deb.sh dev    the debug binary `cargo build` makes (CI: checks the packaging quickly)
# Prints the path of the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-dist}
target=()
if [ "$profile" = dist ]; then
    bin=$(scripts/dist.sh | tail -n 1)
    target=(--target x86_64-unknown-linux-gnu)
else
    cargo build --locked --quiet --bin straceback
    bin=target/debug/straceback
fi
assets=target/deb-assets
mkdir -p "$assets"
"$bin" man | gzip -9n >"$assets/straceback.1.gz"
"$bin" completions bash >"$assets/straceback.bash"
"$bin" completions zsh >"$assets/_straceback"
"$bin" completions fish >"$assets/straceback.fish"
cargo deb --no-build --quiet --profile "$profile" "${target[@]}" -o target/debian
