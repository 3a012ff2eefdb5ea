#!/usr/bin/env bash
# release.sh - everything a release ships, into dist/:
#   pdbridge-<version>-<board>        the static binary of every board in boards/, stripped
#   pdbridge_<version>_<arch>.deb     Debian packages for amd64, arm64, armhf, armel (scripts/package.sh)
#   pdbridge_<version>_oci.tar        the container image for amd64, arm64, arm/v7, arm/v6 (scripts/oci-image)
#   SHA256SUMS                        of all of the above
# Reproducible: SOURCE_DATE_EPOCH is the commit's time, every archive is written
# in a fixed order with fixed owners, and neither the binaries nor the packages
# name the directory they were built in, so two builds of one commit, in any two
# clones, give the same SHA256SUMS (tests/install/repro.sh checks it). Build the
# release from a clean tree: a modified one says "-dirty" in --version.
#
# Usage: scripts/release.sh [--out DIR] [--fresh DIR]
#   --out DIR    where the release goes (default: dist/); earlier release files there are replaced
#   --fresh DIR  build every board from nothing under DIR/<board> (the pdbridge target only)
#                instead of taking scripts/build.sh's trees (build-<board>/, incremental)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/dist fresh=

die() { echo "release: $*" >&2; exit 1; }
while (($#)); do
	case $1 in
	--out) out=$2; shift 2 ;;
	--fresh) fresh=$2; shift 2 ;;
	*) die "unknown argument $1 (usage: scripts/release.sh [--out DIR] [--fresh DIR])" ;;
	esac
done
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct)
[[ -z $(git -C "$top" status --porcelain --untracked-files=no) ]] ||
	echo "release: warning: the tree has changes: --version will say -dirty" >&2

# build BOARD: the directory holding the board's freshly built pdbridge.
build() {
	local board=$1 triplet dir
	if [[ -z $fresh ]]; then
		"$top/scripts/build.sh" "$board" 2>"$stage/$board.log" | tail -1 ||
			{ tail -20 "$stage/$board.log" >&2; die "building $board failed"; }
		return
	fi
	triplet=$(sed -n 's/^triplet=//p' "$top/boards/$board/board.conf")
	dir=$fresh/$board
	rm -rf "$dir"
	"$top/scripts/deps.sh" "$triplet" >"$stage/$board.log" 2>&1
	{
		cmake -S "$top" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$top/boards/$board/toolchain.cmake" \
			-DPDB_SANITIZE=OFF -DPDB_DEPS_DIR="${PDB_DEPS_DIR:-$top/.deps}" &&
			cmake --build "$dir" -j2 --target pdbridge
	} >>"$stage/$board.log" 2>&1 || { tail -20 "$stage/$board.log" >&2; die "building $board failed"; }
	echo "$dir"
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/pdbridge-* "$out"/pdbridge_* "$out/SHA256SUMS"
start=$SECONDS
for conf in "$top"/boards/*/board.conf; do
	board=$(basename "$(dirname "$conf")")
	triplet=$(sed -n 's/^triplet=//p' "$conf")
	dir=$(build "$board")
	mkdir -p "$stage/$board"
	"$triplet-strip" --strip-all -R .comment -R .note -o "$stage/$board/pdbridge" "$dir/pdbridge"
	echo "release: $board built ($((SECONDS - start)) s)" >&2
done
version=$(sed -n 's/^project(pdbridge VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
[[ -n $version ]] || die "no version in CMakeLists.txt"
for board in "$stage"/*/; do
	board=$(basename "$board")
	install -m 0755 "$stage/$board/pdbridge" "$out/pdbridge-$version-$board"
	touch -d "@$SOURCE_DATE_EPOCH" "$out/pdbridge-$version-$board"
done
"$top/scripts/package.sh" --bin-dir "$stage" --out "$out" >&2
"$top/scripts/oci-image" --version "$version" --out "$out/pdbridge_${version}_oci.tar" \
	amd64="$stage/host/pdbridge" arm64="$stage/rpi-zero-2-w/pdbridge" \
	arm/v7="$stage/generic-armhf/pdbridge" arm/v6="$stage/rpi-zero-w/pdbridge" >&2
(cd "$out" && LC_ALL=C ls pdbridge-* pdbridge_* | xargs sha256sum >SHA256SUMS)
echo "release: $version in $out ($((SECONDS - start)) s):" >&2
(cd "$out" && ls -l pdbridge-* pdbridge_* SHA256SUMS) >&2
echo "$out/SHA256SUMS"
