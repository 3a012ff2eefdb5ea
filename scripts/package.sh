#!/usr/bin/env bash
# package.sh - Debian packages of pdbridge, one per Debian architecture, from
# the static per-board binaries.
#
#   amd64  <- host            arm64 <- rpi-zero-2-w (Cortex-A53: also Pi 3, 4, 5)
#   armhf  <- generic-armhf   armel <- rpi-zero-w (ARMv6: Pi 1, Zero, Zero W)
#
# Each package holds /usr/bin/pdbridge (stripped), the two systemd units of
# firmware/, the manual page pdbridge(1) made by scripts/gen-man from that very
# binary (under qemu-user for ARM), the docs, a sample first-boot file, and a
# copyright file naming every library linked in; the maintainer scripts in
# packaging/debian/ make the pdbridge system user and /var/lib/pdbridge. The
# packages are reproducible: every timestamp is SOURCE_DATE_EPOCH (by default
# the commit's time), owners are root, and nothing names the build machine.
# docs/packaging.md has the layout and the lintian report.
#
# Usage: scripts/package.sh [--bin-dir DIR] [--out DIR] [ARCH...]
#   --bin-dir DIR  take DIR/<board>/pdbridge (as scripts/release.sh builds them)
#                  instead of building each board with scripts/build.sh
#   --out DIR      where the .debs go (default: dist/)
#   ARCH           amd64 arm64 armhf armel (default: all four)
# Prints the path of each package made.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
declare -A board_of=([amd64]=host [arm64]=rpi-zero-2-w [armhf]=generic-armhf [armel]=rpi-zero-w)
# The Debian source packages of the pinned libraries (scripts/deps.lock names; paho ships a binary).
declare -A source_of=([WOLFSSL]=wolfssl [CARES]=c-ares [CURL]=curl [CJSON]=cjson
	[MHD]=libmicrohttpd [PAHO]=paho.mqtt.c)
maintainer=${PDB_MAINTAINER:-"pdbridge developers <dev@pdbridge.invalid>"}

die() { echo "package: $*" >&2; exit 1; }

bin_dir= out=$top/dist archs=()
while (($#)); do
	case $1 in
	--bin-dir) bin_dir=$(cd "$2" && pwd); shift 2 ;;
	--out) out=$2; shift 2 ;;
	-*) die "unknown option $1" ;;
	*) [[ -n ${board_of[$1]:-} ]] || die "no architecture '$1' (amd64 arm64 armhf armel)"
		archs+=("$1"); shift ;;
	esac
done
((${#archs[@]})) || archs=(amd64 arm64 armhf armel)
mkdir -p "$out"
out=$(cd "$out" && pwd)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct)}
export TZ=UTC LC_ALL=C.UTF-8
umask 022

# board_value BOARD NAME: a set(NAME value) of the board's toolchain file.
board_value() {
	sed -n "s/^set($2 \(.*\))$/\1/p" "$top/boards/$1/toolchain.cmake"
}
# runner BOARD: how this machine runs the board's binary (qemu-user for ARM), as words.
runner() {
	local qemu
	qemu=$(board_value "$1" PDB_QEMU)
	[[ -z $qemu ]] || echo "$qemu -cpu $(board_value "$1" PDB_QEMU_CPU)"
}
# source_of_pkg PACKAGE: "source (= version)" of an installed Debian package.
source_of_pkg() {
	dpkg-query -W -f='${source:Package} (= ${source:Version})' "$1" ||
		die "$1 is not installed: run scripts/install-packages.sh"
}
# built_using ARCH TRIPLET: every Debian source package whose code is in the binary.
built_using() {
	local arch=$1 triplet=$2 cross= gccv versions name
	[[ $arch == amd64 ]] || cross=-$arch-cross
	gccv=$("$triplet-gcc" -dumpversion)
	versions=${PDB_DEPS_DIR:-$top/.deps}/$triplet/versions.cmake
	[[ -f $versions ]] || die "no $versions: build the board first (scripts/build.sh)"
	{
		source_of_pkg "libc6-dev$cross"
		echo
		source_of_pkg "libgcc-$gccv-dev$cross"
		echo
		for name in "${!source_of[@]}"; do
			echo "${source_of[$name]} (= $(sed -n "s/^set(PDB_DEP_${name}_DEBIAN \"\(.*\)\")$/\1/p" \
				"$versions"))"
		done
	} | sort | paste -sd, - | sed 's/,/, /g'
}

# stage ARCH ROOT: the package's files under ROOT, its control files under ROOT/DEBIAN.
stage() {
	local arch=$1 root=$2 board=${board_of[$1]} triplet bin version rev doc kib
	local -a run
	triplet=$(sed -n 's/^triplet=//p' "$top/boards/$board/board.conf")
	if [[ -n $bin_dir ]]; then
		bin=$bin_dir/$board/pdbridge
	else
		bin=$("$top/scripts/build.sh" "$board" | tail -1)/pdbridge
	fi
	[[ -x $bin ]] || die "no binary $bin"
	read -ra run <<<"$(runner "$board")"
	install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" \
		"$root/usr/share/man/man1" "$root/usr/share/doc/pdbridge/examples" \
		"$root/usr/share/lintian/overrides"
	"$triplet-strip" --strip-all -R .comment -R .note -o "$root/usr/bin/pdbridge" "$bin"
	chmod 0755 "$root/usr/bin/pdbridge"
	version=$("${run[@]}" "$root/usr/bin/pdbridge" --version | sed -n '1s/^pdbridge \([^ ]*\) .*/\1/p')
	rev=$("${run[@]}" "$root/usr/bin/pdbridge" --version | sed -n '1s/.*(git \([^)]*\)).*/\1/p')
	[[ -n $version ]] || die "$bin --version names no version"

	install -m 0644 "$top/firmware/pdbridge.service" "$top/firmware/pdbridge-firstboot.service" \
		"$root/lib/systemd/system/"
	"$top/scripts/gen-man" "${run[@]}" "$root/usr/bin/pdbridge" | gzip -9n \
		>"$root/usr/share/man/man1/pdbridge.1.gz"
	doc=$root/usr/share/doc/pdbridge
	install -m 0644 "$top/packaging/debian/copyright" "$doc/copyright"
	install -m 0644 "$top/README.md" "$top"/docs/*.md "$doc/"
	install -m 0644 "$top/firmware/pdbridge.conf" "$doc/examples/pdbridge.conf"
	install -m 0644 "$top/packaging/debian/lintian-overrides" \
		"$root/usr/share/lintian/overrides/pdbridge"
	printf '%s\n' "pdbridge ($version) stable; urgency=medium" "" \
		"  * Release $version, built from git $rev." "" \
		" -- $maintainer  $(date -R -d "@$SOURCE_DATE_EPOCH")" | gzip -9n >"$doc/changelog.gz"
	chmod 0644 "$doc"/*.gz "$root/usr/share/man/man1/pdbridge.1.gz"

	install -m 0755 "$top/packaging/debian/postinst" "$top/packaging/debian/prerm" \
		"$top/packaging/debian/postrm" "$root/DEBIAN/"
	kib=$(find "$root" -path "$root/DEBIAN" -prune -o -type f -printf '%s\n' |
		awk '{ k += int(($1 + 1023) / 1024) } END { print k + 0 }')
	cat >"$root/DEBIAN/control" <<EOF
Package: pdbridge
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $kib
Depends: adduser
Recommends: ca-certificates
Suggests: mosquitto, mosquitto-clients
Built-Using: $(built_using "$arch" "$triplet")
Section: net
Priority: optional
Description: PagerDuty on-call status to MQTT, and an MCP server for agents
 pdbridge is one small static program for the Raspberry Pi and other Linux
 boards. It prints who is on call and the open PagerDuty incidents, serves
 the Model Context Protocol (stdio, TCP, Streamable HTTP) as a drop-in for
 PagerDuty's official MCP server, and, as a daemon, publishes on-call and
 incident status to an MQTT broker for displays and lamps.
 .
 The daemon runs as the pdbridge system user with its settings in
 /var/lib/pdbridge, set with "pdbridge config" or imported on first boot
 from pdbridge.conf on the boot partition.
EOF
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
		xargs -0 md5sum >DEBIAN/md5sums)
	chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
	find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	echo "${version}_$arch"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for arch in "${archs[@]}"; do
	name=$(stage "$arch" "$work/$arch")
	deb=$out/pdbridge_$name.deb
	dpkg-deb --root-owner-group -Zxz --threads-max=1 --build "$work/$arch" "$deb" >/dev/null
	echo "$deb"
done
