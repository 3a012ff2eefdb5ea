#!/usr/bin/env bash
# install.sh - the amd64 package on a Debian 12 system, as a user installs it:
# apt installs it into a fresh minbase root (tests/install/rootfs.sh) inside a
# chroot, then the checks a user would make: the pdbridge user exists, owners
# and modes are those docs/packaging.md gives, the units are enabled and pass
# systemd-analyze verify and rate under 2.0 in systemd-analyze security,
# `pdbridge --version` runs, `config set` as root then `config show` as the
# pdbridge user works, the first-boot unit's own command imports the sample
# pdbridge.conf and wipes it, a reinstall of the same version keeps user and
# store, remove keeps the store, and purge deletes it but keeps the user.
# Usage: tests/install/install.sh [PDBRIDGE_AMD64_DEB]   (default: made with scripts/package.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
private_namespace "$@"

fresh_root
deb=${1:-}
if [[ -z $deb ]]; then
	deb=$("$top/scripts/package.sh" --out "$work" amd64 | tail -1)
fi
cp "$deb" "$root/tmp/pdbridge.deb"

echo "--- install with apt"
in_root addgroup --system --quiet input # as udev makes it on a board
in_root apt-get install -y --no-install-recommends /tmp/pdbridge.deb
expect "package state" "$(in_root dpkg-query -W -f='${Status}' pdbridge)" "install ok installed"

echo "--- the system user, owners and modes"
IFS=: read -r _ _ uid gid _ home shell <<<"$(in_root getent passwd pdbridge)"
((uid > 0 && uid < 1000)) || fail "pdbridge has uid $uid, not a system uid"
ok "pdbridge is system user $uid"
expect "its home" "$home" "/var/lib/pdbridge"
expect "its shell" "$shell" "/usr/sbin/nologin"
expect "its group" "$(in_root getent group pdbridge | cut -d: -f3)" "$gid"
expect_match "its groups" "$(in_root id -nG pdbridge)" "^pdbridge input$"
expect "/var/lib/pdbridge" "$(owner_mode /var/lib/pdbridge)" "pdbridge:pdbridge 700"
expect "/usr/bin/pdbridge" "$(owner_mode /usr/bin/pdbridge)" "root:root 755"
for unit in pdbridge.service pdbridge-firstboot.service; do
	expect "$unit" "$(owner_mode "/lib/systemd/system/$unit")" "root:root 644"
	expect "$unit enabled" "$(readlink "$root/etc/systemd/system/multi-user.target.wants/$unit")" \
		"/lib/systemd/system/$unit"
done
expect "copyright" "$(owner_mode /usr/share/doc/pdbridge/copyright)" "root:root 644"
expect_match "man pdbridge" "$(in_root man -P cat pdbridge 2>/dev/null)" "pdbridge config set token"

echo "--- it runs"
expect_match "--version" "$(in_root pdbridge --version)" "^pdbridge [0-9.]+ \(git [0-9a-f]+"

echo "--- the units"
in_root systemd-analyze verify /lib/systemd/system/pdbridge.service \
	/lib/systemd/system/pdbridge-firstboot.service
ok "systemd-analyze verify passes"
for unit in pdbridge.service pdbridge-firstboot.service; do
	rating=$(in_root systemd-analyze security --offline=true "/lib/systemd/system/$unit" |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
	awk -v r="$rating" 'BEGIN { exit !(r != "" && r < 2.0) }' ||
		fail "$unit: exposure '$rating' is not under 2.0"
	ok "$unit exposure $rating (under 2.0)"
done

echo "--- config set as root, config show as pdbridge"
store=/var/lib/pdbridge/config.bin
in_root sh -c "echo install-test-key | PDBRIDGE_CONFIG=$store pdbridge config set token -"
in_root env PDBRIDGE_CONFIG=$store pdbridge config set region eu
for slot in a b; do
	expect "config.bin.$slot" "$(owner_mode $store.$slot)" "pdbridge:pdbridge 600"
done
shown=$(as_pdbridge env PDBRIDGE_CONFIG=$store pdbridge config show --origin)
expect_match "region as pdbridge" "$shown" "^region +=  ?eu +\(flash\)$"
expect_match "token as pdbridge" "$shown" "^token +=  ?\[redacted\] +\(flash, sealed\)$"
# Without PDBRIDGE_CONFIG: the board's store is the same default path.
expect "the default store" "$(as_pdbridge pdbridge config get region)" "eu"

echo "--- first boot: the unit's own command, the sample file"
install -d "$root/boot/firmware"
sed 's/^#\([a-z_.]*=\)/\1/' "$root/usr/share/doc/pdbridge/examples/pdbridge.conf" \
	>"$root/boot/firmware/pdbridge.conf"
firstboot=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$root/lib/systemd/system/pdbridge-firstboot.service" |
	sed -n 's/^ExecStart=//p' | sed 's/\$\$/$/g')
environment=$(sed -n 's/^Environment=//p' "$root/lib/systemd/system/pdbridge-firstboot.service")
in_root env "$environment" sh -c "$firstboot"
[[ ! -e $root/boot/firmware/pdbridge.conf ]] || fail "the first-boot file is still on the boot partition"
ok "the first-boot file is wiped and removed"
shown=$(as_pdbridge pdbridge config show --origin)
expect_match "mqtt.url imported" "$shown" "^mqtt\.url += mqtt://127\.0\.0\.1:1883 +\(flash\)$"
expect_match "mqtt.password imported sealed" "$shown" "^mqtt\.password += \[redacted\] +\(flash, sealed\)$"
for slot in a b; do
	expect "config.bin.$slot after import" "$(owner_mode $store.$slot)" "pdbridge:pdbridge 600"
done

echo "--- reinstall of the same version"
before=$(cat "$root$store.a" "$root$store.b" | sha256sum)
exported=$(as_pdbridge pdbridge config export --include-secrets)
in_root dpkg -i /tmp/pdbridge.deb
expect "uid after reinstall" "$(in_root id -u pdbridge)" "$uid"
expect "store after reinstall" "$(cat "$root$store.a" "$root$store.b" | sha256sum)" "$before"
expect "/var/lib/pdbridge after reinstall" "$(owner_mode /var/lib/pdbridge)" "pdbridge:pdbridge 700"
[[ $(as_pdbridge pdbridge config export --include-secrets) == "$exported" ]] ||
	fail "the settings read back differently after the reinstall"
ok "the settings read back the same after the reinstall"

echo "--- remove keeps the store, purge deletes it"
in_root dpkg -r pdbridge
[[ ! -e $root/usr/bin/pdbridge ]] || fail "remove left /usr/bin/pdbridge"
expect "store after remove" "$(cat "$root$store.a" "$root$store.b" | sha256sum)" "$before"
in_root dpkg -P pdbridge
[[ ! -e $root/var/lib/pdbridge ]] || fail "purge left /var/lib/pdbridge"
ok "purge removed /var/lib/pdbridge"
left=$(find "$root/etc/systemd" "$root/lib/systemd/system" -name 'pdbridge*')
[[ -z $left ]] || fail "purge left units or links: $left"
ok "purge removed the units and their links"
expect "the pdbridge user after purge (kept, as documented)" "$(in_root id -u pdbridge)" "$uid"
! in_root dpkg-query -W pdbridge >/dev/null 2>&1 || fail "dpkg still knows pdbridge after purge"
ok "dpkg no longer knows pdbridge"
echo "install test: $checks checks passed"
