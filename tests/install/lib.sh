# lib.sh - what the install tests share (sourced, not run): checks that say what
# they saw, and a private copy of the cached Debian 12 root (tests/install/rootfs.sh)
# with /proc mounted, each test in its own mount namespace so no mount outlives
# it and this machine's own mounts are never touched. Needs root.
# shellcheck shell=bash

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
checks=0

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() {
	checks=$((checks + 1))
	echo "ok: $*"
}
# expect WHAT GOT WANT: GOT must equal WANT.
expect() {
	[[ $2 == "$3" ]] || fail "$1: expected '$3', got '$2'"
	ok "$1: $3"
}
# expect_match WHAT TEXT REGEX: TEXT must match the extended REGEX.
expect_match() {
	grep -Eq -- "$3" <<<"$2" || fail "$1: no match for /$3/ in: $2"
	ok "$1"
}

# private_namespace "$@": re-runs the calling script in a mount namespace of its
# own, then makes its scratch directory $work, removed on exit with whatever is
# in it (the mounts of fresh_root first).
private_namespace() {
	((EUID == 0)) || fail "needs root (chroot, mounts, package installs)"
	if [[ -z ${PDB_PRIVATE_NS:-} ]]; then
		PDB_PRIVATE_NS=1 exec unshare -m --propagation private "$0" "$@"
	fi
	work=$(mktemp -d "${TMPDIR:-/var/tmp}/pdb-install-XXXXXX")
	root=$work/root
	trap 'umount "$root/dev/pts" "$root/proc" 2>/dev/null; rm -rf --one-file-system "$work"' EXIT
}

# fresh_root: a copy of the cached root in $root, with /proc and a private
# /dev/pts mounted.
fresh_root() {
	local base
	base=$("$top/tests/install/rootfs.sh" | tail -1)
	cp -a "$base" "$root"
	mount -t proc proc "$root/proc"
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" 2>/dev/null || true
}

# in_root CMD...: CMD inside the root, with a clean environment.
in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		"$@"
}

# as_pdbridge CMD...: CMD inside the root as the pdbridge user.
as_pdbridge() {
	in_root setpriv --reuid=pdbridge --regid=pdbridge --init-groups "$@"
}

# owner_mode PATH: "user:group mode" of PATH inside the root.
owner_mode() {
	in_root stat -c '%U:%G %a' "$1"
}
