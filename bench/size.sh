#!/usr/bin/env bash
# size.sh - figures, not pass/fail: the stripped size of pdbridge per board,
# and the peak RSS of `pdbridge --version` on the host.
# Usage: bench/size.sh   (builds what is missing through scripts/build.sh)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
printf '%-14s %-22s %12s %12s\n' board triplet unstripped stripped
for board in host rpi-zero-w rpi-zero-2-w rpi-4 rpi-5 generic-armhf; do
	dir=$("$top/scripts/build.sh" "$board" 2>/dev/null | tail -1)
	triplet=$(sed -n 's/^triplet=//p' "$top/boards/$board/board.conf")
	strip_tool=strip
	[[ $board == host ]] || strip_tool=$triplet-strip
	"$strip_tool" -o "$dir/pdbridge.stripped" "$dir/pdbridge"
	printf '%-14s %-22s %12d %12d\n' "$board" "$triplet" "$(stat -c %s "$dir/pdbridge")" \
		"$(stat -c %s "$dir/pdbridge.stripped")"
done
rss=$(/usr/bin/time -f %M "$top/build/pdbridge" --version 2>&1 >/dev/null | tail -1)
echo "peak RSS of 'pdbridge --version' on the host: $rss KiB"
