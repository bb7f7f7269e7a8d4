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
if command -v cargo-deb >/dev/null 2>&1; then
    cargo deb --no-build --quiet --profile "$profile" "${target[@]}" -o target/debian
    exit 0
fi
# without cargo-deb (a fresh CI machine: installing it takes minutes), the same package from the
# same assets by dpkg-deb
stage=target/deb-stage
rm -rf "$stage"
put() { install -D -m "$3" "$1" "$stage/$2"; }
put "$bin" usr/bin/straceback 755
put "$assets/straceback.1.gz" usr/share/man/man1/straceback.1.gz 644
put "$assets/straceback.bash" usr/share/bash-completion/completions/straceback 644
put "$assets/_straceback" usr/share/zsh/vendor-completions/_straceback 644
put "$assets/straceback.fish" usr/share/fish/vendor_completions.d/straceback.fish 644
put README.md usr/share/doc/straceback/README.md 644
put fixtures/incidents/seed/trace.txt usr/share/doc/straceback/examples/seed-trace.txt 644
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
summary=$(sed -n 's/^description = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
mkdir -p "$stage/DEBIAN" target/debian
printf '%s\n' "Package: straceback" "Version: $version" "Architecture: amd64" \
    "Maintainer: straceback maintainers" "Section: utils" "Priority: optional" \
    "Recommends: strace" "Description: $summary" >"$stage/DEBIAN/control"
deb="target/debian/straceback_${version}_amd64.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"
