#!/usr/bin/env bash
# boot.sh - boots systemd as PID 1 of a Debian root (with the package installed)
# in namespaces of its own, like a small systemd-nspawn, so the units run as a
# board runs them: their users, sandboxes and system-call filters for real.
# tests/install/test_boot.py drives it and reaches it with nsenter.
#
# What keeps this machine out of reach: private mount, UTS (the host name),
# IPC and PID namespaces (every mount below dies with them), a cgroup
# namespace over a cgroup of its own (pdb-boot-<pid>, removed by the caller)
# with a cgroup2 file system of its own, /proc/sys and /sys read only, the
# console a null device, a bounding set without the capabilities that reach
# the kernel (modules, clock, raw I/O, reboot, ...), and $container set so
# systemd behaves as in a container. The units that tune a kernel (sysctl,
# modules, binfmt) and the gettys are masked in the root first. Network: the
# host's, so the daemon reaches the test's simulator and broker on 127.0.0.1.
# Usage: tests/install/boot.sh ROOT       (as root; prints "cgroup NAME", then runs until killed)
set -euo pipefail
root=$(cd "$1" && pwd)
((EUID == 0)) || { echo "boot: needs root" >&2; exit 1; }
if [[ -z ${PDB_BOOT_NS:-} ]]; then
	PDB_BOOT_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

for unit in systemd-sysctl.service systemd-modules-load.service systemd-binfmt.service \
	proc-sys-fs-binfmt_misc.automount systemd-journald-audit.socket getty@tty1.service \
	serial-getty@console.service console-getty.service e2scrub_reap.service \
	systemd-remount-fs.service systemd-firstboot.service; do
	ln -sfn /dev/null "$root/etc/systemd/system/$unit"
done
echo pdbridge-boot-test >"$root/etc/hostname"

mount --bind "$root" "$root" # a mount point of its own, for the units' namespaces
mount --rbind /sys "$root/sys"
mount -o remount,bind,ro "$root/sys"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mount --bind /dev/null "$root/dev/console"
mount --make-rprivate /

# A cgroup of its own in every mounted hierarchy (one on a cgroup2 system, one
# per controller on a v1 one) that takes this process; the cgroup namespace
# makes it the root systemd sees.
cgroup=pdb-boot-$$
for h in $(findmnt -rn -o TARGET -t cgroup,cgroup2); do
	mkdir "$h/$cgroup" 2>/dev/null || continue
	echo $$ >"$h/$cgroup/cgroup.procs" 2>/dev/null || rmdir "$h/$cgroup"
done
echo "cgroup $cgroup"

drop=-sys_module,-sys_rawio,-sys_time,-sys_boot,-sys_pacct,-wake_alarm,-block_suspend,-syslog,-mac_admin,-mac_override
# shellcheck disable=SC2016 # expanded by the inner shell, PID 1 of the new namespace
exec unshare --cgroup --uts --ipc --pid --fork --kill-child sh -ec '
	mount -t proc proc "$0/proc"
	mount --bind "$0/proc/sys" "$0/proc/sys"
	mount -o remount,bind,ro "$0/proc/sys"
	mount -t cgroup2 cgroup2 "$0/sys/fs/cgroup"
	exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin container=pdbridge-boot-test setpriv --bounding-set="$1" chroot "$0" \
		/lib/systemd/systemd --system --unit=multi-user.target --log-target=journal \
		--show-status=0' "$root" "$drop"
