#!/usr/bin/env bash
# rootfs.sh - a Debian 12 (bookworm) minbase root file system to install the
# package into, made with debootstrap once and cached outside the clone like
# the dependencies: ${PDB_ROOTFS_CACHE:-~/.cache/pdbridge}/rootfs-<key>, the key
# a hash of the recipe below, so changing what goes in makes a new one. Besides
# minbase it holds what a board running the package has: adduser (the
# maintainer scripts make the system user with it), systemd (the units are
# checked with the installed systemd-analyze) and man-db (which that check
# runs for the units' Documentation=man:pdbridge(1)). Debian's archive is reached
# through the mirror this machine's apt already uses. Callers copy the root
# before changing it. Prints the root's path on its last line.
# Usage: tests/install/rootfs.sh          (as root: debootstrap needs it)
set -euo pipefail
suite=bookworm
include=adduser,man-db,systemd
cache=${PDB_ROOTFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pdbridge}
# Bump the last word when what is done after debootstrap changes.
recipe="$suite minbase amd64 $include r1"
key=$(echo "$recipe" | sha256sum | cut -c1-16)
root=$cache/rootfs-$key

die() { echo "rootfs: $*" >&2; exit 1; }
((EUID == 0)) || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap not found: run scripts/install-packages.sh"

mkdir -p "$cache"
exec 9>"$cache/.lock-rootfs"
flock 9
if [[ ! -f $root/.complete ]]; then
	# shellcheck disable=SC2016 # apt's format string, not a shell expansion
	mirror=$(apt-get indextargets --format '$(REPO_URI)' "Label: Debian" | head -n 1)
	[[ -n $mirror ]] || die "this machine's apt knows no Debian archive (run apt-get update)"
	tmp=$root.tmp
	rm -rf "$tmp" "$root"
	echo "rootfs: debootstrap $suite minbase (+$include) from $mirror" >&2
	start=$SECONDS
	if ! debootstrap --variant=minbase --include="$include" --arch=amd64 \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		"$suite" "$tmp" "$mirror" >"$cache/rootfs.log" 2>&1; then
		tail -20 "$cache/rootfs.log" >&2
		die "debootstrap failed, log: $cache/rootfs.log"
	fi
	# Left by debootstrap, not by a booted system: package caches and logs.
	rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*_Packages
	touch "$tmp/.complete"
	mv "$tmp" "$root"
	echo "rootfs: made in $((SECONDS - start)) s" >&2
fi
echo "$root"
