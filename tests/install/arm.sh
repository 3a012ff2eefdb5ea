#!/usr/bin/env bash
# arm.sh - the ARM packages of a release, checked on this x86_64 machine: the
# control fields, the file list (the amd64 package's, same owners and modes),
# the binary's architecture and float ABI (armel must run on an ARMv6 Pi),
# the packaged binary run under qemu-user with the board's CPU (--version and
# a config round trip with a sealed token), the manual page naming every key
# the binary knows, and the armel package installed with apt on a system of
# another architecture once armel is added to dpkg, as on Raspberry Pi OS
# (armhf) on a Pi Zero.
# Usage: tests/install/arm.sh [DIST_DIR]     (default: dist/, made by scripts/release.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
private_namespace "$@"
dist=$(cd "${1:-$top/dist}" && pwd)
version=$(sed -n 's/^project(pdbridge VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
declare -A board_of=([arm64]=rpi-zero-2-w [armhf]=generic-armhf [armel]=rpi-zero-w)
declare -A machine_of=([arm64]=AArch64 [armhf]=ARM [armel]=ARM)
declare -A float_of=([arm64]="" [armhf]="hard-float ABI" [armel]="soft-float ABI")

listing() { dpkg-deb -c "$1" | awk '{ print $1, $2, $6 }' | sort -k3; } # mode owner path
amd64_deb=$dist/pdbridge_${version}_amd64.deb
[[ -f $amd64_deb ]] || fail "no $amd64_deb (run scripts/release.sh)"

for arch in arm64 armhf armel; do
	board=${board_of[$arch]}
	deb=$dist/pdbridge_${version}_$arch.deb
	echo "--- $arch ($board)"
	[[ -f $deb ]] || fail "no $deb"
	expect "$arch Package" "$(dpkg-deb -f "$deb" Package)" "pdbridge"
	expect "$arch Version" "$(dpkg-deb -f "$deb" Version)" "$version"
	expect "$arch Architecture" "$(dpkg-deb -f "$deb" Architecture)" "$arch"
	expect "$arch Depends" "$(dpkg-deb -f "$deb" Depends)" "adduser"
	used=$(dpkg-deb -f "$deb" Built-Using)
	for src in cross-toolchain-base gcc-12-cross wolfssl c-ares curl cjson libmicrohttpd paho.mqtt.c; do
		expect_match "$arch Built-Using $src" "$used" "(^|, )$src \(= [^)]+\)"
	done
	[[ $(listing "$deb") == "$(listing "$amd64_deb")" ]] ||
		fail "$arch: files, owners or modes differ from amd64's: $(diff <(listing "$deb") \
			<(listing "$amd64_deb"))"
	ok "$arch: the $(listing "$deb" | wc -l) files, owners and modes of the amd64 package"

	x=$work/$arch
	dpkg-deb -x "$deb" "$x"
	bin=$x/usr/bin/pdbridge
	header=$(readelf -h "$bin")
	expect_match "$arch ELF machine" "$header" "Machine: +${machine_of[$arch]}"
	if [[ -n ${float_of[$arch]} ]]; then
		expect_match "$arch ${float_of[$arch]}" "$header" "Flags:.*${float_of[$arch]}"
	fi
	expect_match "$arch static" "$(file "$bin")" "statically linked"
	qemu=$(sed -n 's/^set(PDB_QEMU \(.*\))$/\1/p' "$top/boards/$board/toolchain.cmake")
	cpu=$(sed -n 's/^set(PDB_QEMU_CPU \(.*\))$/\1/p' "$top/boards/$board/toolchain.cmake")
	run() { env -i PDBRIDGE_CONFIG="$x/state/config.bin" PDBRIDGE_DEVICE_ID_FILE="$x/serial" \
		"$qemu" -cpu "$cpu" "$bin" "$@"; }
	expect_match "$arch --version under $qemu -cpu $cpu" "$(run --version)" \
		"^pdbridge $version \(git [0-9a-f]+.*\) for $board "
	echo "10000000deadbeef" >"$x/serial"
	run config set region eu >/dev/null
	echo "arm-test-key" | run config set token - >/dev/null
	expect "$arch config get region" "$(run config get region)" "eu"
	expect "$arch config get token" "$(run config get token --include-secrets)" "arm-test-key"
	expect_match "$arch config verify" "$(run config verify)" "token: sealed, opens on this device"
	expect "$arch store mode" "$(stat -c %a "$x/state/config.bin.a")" "600"
	man=$(zcat "$x/usr/share/man/man1/pdbridge.1.gz")
	for key in $(run config schema-doc | sed -n 's/^| `\([a-z_.]*\)`.*/\1/p'); do
		grep -qF -- "${key}" <<<"$man" || fail "$arch: the manual page lacks key $key"
	done
	ok "$arch manual page names every key of its binary's schema"
done

echo "--- armel on a system of another architecture (Raspberry Pi OS on a Pi Zero)"
fresh_root
cp "$dist/pdbridge_${version}_armel.deb" "$root/tmp/"
in_root dpkg --add-architecture armel
in_root apt-get install -y --no-install-recommends "/tmp/pdbridge_${version}_armel.deb"
expect "armel package state" "$(in_root dpkg-query -W -f='${Status} ${Architecture}' pdbridge)" \
	"install ok installed armel"
expect "the user on the armel install" "$(in_root id -un pdbridge)" "pdbridge"
expect "/var/lib/pdbridge on the armel install" "$(owner_mode /var/lib/pdbridge)" \
	"pdbridge:pdbridge 700"
echo "ARM packages: $checks checks passed"
