#!/usr/bin/env bash
# binaries.sh - checks on the built binaries a user would notice: every
# board's binary is static, the stripped aarch64 binary fits the 2.5 MB
# budget, and --version/--help answer with the linked libraries and the
# subcommands. Expects scripts/test.sh to have built every board.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
budget=$((2500 * 1000))
fail=0

check() { # description, then a command that must succeed
	local what=$1
	shift
	if "$@"; then echo "ok - $what"; else echo "not ok - $what"; fail=1; fi
}

for board in host rpi-4 rpi-zero-2-w rpi-5 generic-armhf rpi-zero-w; do
	dir=build-$board
	[[ $board == host ]] && dir=build
	bin="$top/$dir/pdbridge"
	triplet=$(sed -n 's/^triplet=//p' "$top/boards/$board/board.conf")
	strip_tool=strip
	[[ $board == host ]] || strip_tool=$triplet-strip
	"$strip_tool" -o "$bin.stripped" "$bin"
	size=$(stat -c %s "$bin.stripped")
	echo "$board: $(file -b "$bin.stripped" | cut -d, -f1-2), stripped $size bytes"
	check "$board binary is statically linked" grep -q "statically linked" <(file -b "$bin")
	if [[ $triplet == aarch64-linux-gnu ]]; then
		check "$board stripped binary $size <= $budget bytes" test "$size" -le "$budget"
	fi
done

version=$("$top/build/pdbridge" --version)
echo "$version"
for lib in "pdbridge 0.1.0 (git " "libcurl 7.88.1" "wolfSSL 5.5.4" "cJSON 1.7.15" \
	"paho.mqtt.c 1.3.12" "libmicrohttpd 0.9.75" "c-ares 1.18.1"; do
	check "--version names '$lib'" grep -qF "$lib" <<<"$version"
done
check "--version under qemu (rpi-4) names wolfSSL" \
	grep -qF "wolfSSL 5.5.4" <(qemu-aarch64-static -cpu cortex-a72 "$top/build-rpi-4/pdbridge" --version)
check "--version under qemu arm1176 (rpi-zero-w) runs" \
	grep -qF "for rpi-zero-w" <(qemu-arm-static -cpu arm1176 "$top/build-rpi-zero-w/pdbridge" --version)
help=$("$top/build/pdbridge" --help)
for cmd in help config mcp run serve status version; do
	check "--help lists '$cmd'" grep -qE "^  $cmd " <<<"$help"
done
set +e
"$top/build/pdbridge" no-such-command 2>/dev/null
rc=$?
set -e
check "an unknown command exits 2" test "$rc" -eq 2
exit $fail
