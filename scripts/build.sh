#!/usr/bin/env bash
# build.sh - build pdbridge for one board, dependencies first.
#
# Usage: scripts/build.sh [--sanitize] [BOARD]     (BOARD defaults to host)
# Installs missing Debian packages, builds the board's pinned dependencies
# into the cache (scripts/deps.sh: a no-op when cached), then configures and
# builds with CMake. Build trees: build/ for the host (the binary lands at
# build/pdbridge), build-san/ for the host with ASan+UBSan, build-<board>/
# for the others. Prints the build directory on its last line.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sanitize=OFF
if [[ ${1:-} == --sanitize ]]; then
	sanitize=ON
	shift
fi
board=${1:-host}
conf="$top/boards/$board/board.conf"
[[ -f $conf ]] || { echo "build: no board '$board' (see boards/)" >&2; exit 2; }
triplet=$(sed -n 's/^triplet=//p' "$conf")

"$top/scripts/install-packages.sh" >&2
"$top/scripts/deps.sh" "$triplet" >&2

if [[ $sanitize == ON ]]; then
	[[ $board == host ]] || { echo "build: --sanitize is for the host board" >&2; exit 2; }
	dir="$top/build-san"
elif [[ $board == host ]]; then
	dir="$top/build"
else
	dir="$top/build-$board"
fi
cmake -S "$top" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$top/boards/$board/toolchain.cmake" \
	-DPDB_SANITIZE=$sanitize -DPDB_DEPS_DIR="${PDB_DEPS_DIR:-$top/.deps}" >"$dir.configure.log" 2>&1 ||
	{ tail -30 "$dir.configure.log" >&2; exit 1; }
cmake --build "$dir" -j2 >&2
echo "$dir"
