#!/usr/bin/env bash
# lintian.sh - lintian over every package of a release: no errors, and every
# warning left is one docs/packaging.md explains (its tag in backquotes there).
# Overrides (packaging/debian/lintian-overrides) are shown with their reasons.
# Usage: tests/install/lintian.sh [DIST_DIR]     (default: dist/)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dist=${1:-$top/dist}
shopt -s nullglob
debs=("$dist"/pdbridge_*.deb)
((${#debs[@]} == 4)) || { echo "FAIL: expected 4 packages in $dist, found ${#debs[@]}"; exit 1; }
command -v lintian >/dev/null || { echo "FAIL: lintian missing: run scripts/install-packages.sh"; exit 1; }
# Exit 2 means "tags found" (an overridden error shown counts too); the E: lines decide.
rc=0
report=$(lintian --display-info --show-overrides "${debs[@]}" 2>&1) || rc=$?
grep -v "running with root privileges" <<<"$report" || true
((rc == 0 || rc == 2)) || { echo "FAIL: lintian did not run (exit $rc)"; exit 1; }
! grep -q '^E: ' <<<"$report" || { echo "FAIL: lintian reports errors"; exit 1; }
undocumented=0
for tag in $(sed -n 's/^W: [^:]*: \([a-z0-9-]*\).*/\1/p' <<<"$report" | sort -u); do
	if ! grep -qF "\`$tag\`" "$top/docs/packaging.md"; then
		echo "FAIL: lintian warning $tag is not explained in docs/packaging.md"
		undocumented=1
	fi
done
((undocumented == 0)) || exit 1
echo "lintian: ${#debs[@]} packages, no errors, $(grep -c '^W: ' <<<"$report" || true) warnings (each explained in docs/packaging.md)"
