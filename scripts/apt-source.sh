#!/usr/bin/env bash
# apt-source.sh PACKAGE DEST — fetch Debian's source package PACKAGE into
# DEST (unpacked), without touching the system's apt configuration.
#
# `apt-get source` needs a deb-src entry.  This derives one from the
# system's own Debian sources (the `Types: deb` line of debian.sources, or
# the `deb` lines of sources.list, turned into deb-src) into a private folder
# under build/deps/apt, and points apt-get at it for this call only with
# -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=...
# -o Dir::State::Lists=...  Used by scripts/deps.sh (cmocka) and
# examples/bench/deps.sh (bdwgc).
set -euo pipefail
pkg=$1 dest=$2
top=$(cd "$(dirname "$0")/.." && pwd)
apt_dir="$top/build/deps/apt"
die() { printf 'apt-source: error: %s\n' "$*" >&2; exit 1; }

rm -rf "$apt_dir"
mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed -e 's/^Types:.*$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
        > "$apt_dir/sources.list.d/wgc-debsrc.sources"
fi
if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list; then
    grep '^deb ' /etc/apt/sources.list | sed -e 's/^deb /deb-src /' \
        > "$apt_dir/sources.list.d/wgc-debsrc.list"
fi
[ -n "$(ls -A "$apt_dir/sources.list.d")" ] ||
    die "found no Debian sources in /etc/apt to derive a deb-src entry from"
apt_opts=(-o Dir::Etc::SourceList=/dev/null
          -o Dir::Etc::SourceParts="$apt_dir/sources.list.d"
          -o Dir::State::Lists="$apt_dir/lists")
apt-get "${apt_opts[@]}" update >/dev/null || die "apt-get update of the deb-src entry failed"
rm -rf "$dest"
mkdir -p "$dest"
(cd "$dest" && apt-get "${apt_opts[@]}" source "$pkg" >/dev/null) || die "apt-get source $pkg failed"
