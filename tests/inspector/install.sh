#!/usr/bin/env bash
# install.sh - the pinned npm tooling of this directory (package-lock.json):
# the MCP Inspector, mcp-remote and Node 22, installed once per lockfile.
# run.sh and tests/integration/test_client_snippets.py call it.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
	npm ci --no-audit --no-fund
	echo "$want" >"$stamp"
fi
