#!/usr/bin/env bash
# The notes book, built and tested the way a reader gets it:
#   bash .ci/book.sh
# 1. installs mdBook and mdbook-mermaid at pinned versions into cargo's
#    home, only when that version is not there already (CI keeps the cargo
#    home, so the compile happens once per machine);
# 2. `mdbook build notes`, failing on any warning mdBook prints (an unclosed
#    HTML tag means text the reader never sees, e.g. a bare `<port>`);
# 3. `mdbook test notes`: every Rust block compiles, or is marked `ignore`;
# 4. checks every link and image inside the built book, offline.
set -euo pipefail
cd "$(dirname "$0")/.."

MDBOOK_VERSION=0.5.4
MERMAID_VERSION=0.17.1

# `cargo install --list` prints `name vX.Y.Z:` for each installed crate.
installed() {
  cargo install --list | grep -qx "$1 v$2:"
}
if ! installed mdbook "$MDBOOK_VERSION"; then
  # Without the default `serve` and `watch` features: CI only builds and
  # tests, and the two pull in a web server and a file watcher.
  cargo install --locked --version "$MDBOOK_VERSION" mdbook \
    --no-default-features --features search
fi
if ! installed mdbook-mermaid "$MERMAID_VERSION"; then
  cargo install --locked --version "$MERMAID_VERSION" mdbook-mermaid
fi
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# The two scripts that draw Mermaid diagrams, written from the binary
# (offline); book.toml already names them, so this leaves it as it is.
mdbook-mermaid install notes >/dev/null

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# mdBook writes warnings and errors to stderr with a ` WARN ` / `ERROR` tag.
build_ok=0
mdbook build notes -d "$out/book" 2>"$out/build.log" || build_ok=$?
cat "$out/build.log" >&2
if [ "$build_ok" != 0 ] || grep -E ' (WARN|ERROR) ' "$out/build.log"; then
  echo "book.sh: mdbook build printed the warnings above" >&2
  exit 1
fi

mdbook test notes

python3 .ci/book_links.py "$out/book" notes/src
echo "book.sh: the book builds, its Rust blocks compile, its links resolve"
