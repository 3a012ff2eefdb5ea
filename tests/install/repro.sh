#!/usr/bin/env bash
# repro.sh - two release builds of one commit give the same bytes. The second
# is built from nothing in another directory (scripts/release.sh --fresh), so
# a build path, a timestamp or an unordered archive in any shipped file shows up
# as a SHA256SUMS line that differs. The first is the given SHA256SUMS (the
# release the test suite made a step earlier), else one made here from the
# incremental build trees.
# Usage: tests/install/repro.sh [FIRST_SHA256SUMS]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/var/tmp}/pdb-repro-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
first=${1:-}
start=$SECONDS
if [[ -z $first ]]; then
	first=$("$top/scripts/release.sh" --out "$scratch/first" | tail -1)
	echo "repro: first release in $((SECONDS - start)) s"
fi
start=$SECONDS
second=$("$top/scripts/release.sh" --out "$scratch/second" --fresh "$scratch/build" | tail -1)
echo "repro: second release, every board built from nothing, in $((SECONDS - start)) s"
if ! diff -u "$first" "$second"; then
	echo "FAIL: the two releases differ (lines above)"
	exit 1
fi
for f in "$scratch"/second/pdbridge-*; do
	if grep -aqF -e "$top" -e "$scratch" "$f"; then
		echo "FAIL: $(basename "$f") names a build directory"
		exit 1
	fi
done
echo "repro: $(wc -l <"$second") files, identical SHA256SUMS; no binary names its build directory"
