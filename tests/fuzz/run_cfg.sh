#!/usr/bin/env bash
# run_cfg.sh - build the libFuzzer target tests/fuzz/fuzz_cfg.c with clang
# (-fsanitize=fuzzer,address,undefined) from the base, log and cfg sources
# (wolfSSL for the sealed values), and run it for a bounded time from the
# seed corpus. Any crash, leak, sanitizer report or abort() in the target
# fails the run. The pattern of tests/fuzz/run.sh.
# Usage: tests/fuzz/run_cfg.sh [SECONDS]     (default 30; needs the host deps)
# Output: build-fuzz/ (binary, scratch corpus, crash artifacts).
# The seed is fixed (PDB_FUZZ_SEED, default 1) so the test command is reproducible: a
# clean run here means a clean run in CI. Set another seed to explore further.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-30}
deps="${PDB_DEPS_DIR:-$top/.deps}/x86_64-linux-gnu"
out="$top/build-fuzz"
[[ -f $deps/lib/libwolfssl.a ]] || { echo "run_cfg.sh: no host deps in $deps (scripts/deps.sh)" >&2; exit 2; }
mkdir -p "$out/corpus-cfg" "$out/artifacts-cfg"
clang -std=c11 -D_POSIX_C_SOURCE=200809L -DPDB_DEBUG=1 -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Wno-unused-parameter \
	-I"$top/include" -I"$deps/include" \
	"$top/tests/fuzz/fuzz_cfg.c" "$top"/src/base/*.c "$top/src/log/log.c" "$top"/src/cfg/*.c \
	"$deps/lib/libwolfssl.a" "$deps/lib/libcjson.a" -lm -lpthread -o "$out/fuzz_cfg"
"$out/fuzz_cfg" -seed="${PDB_FUZZ_SEED:-1}" -max_total_time="$secs" -max_len=20000 -timeout=10 -rss_limit_mb=1024 \
	-print_final_stats=1 -artifact_prefix="$out/artifacts-cfg/" -dict="$top/tests/fuzz/cfg.dict" \
	"$out/corpus-cfg" "$top/tests/fuzz/corpus/cfg"
