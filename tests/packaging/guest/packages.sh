#!/bin/bash
# In a guest with the bare stack up (dummy_hcd and gadgetfs, no firmware,
# no driver): the Debian packages installed the way the README says, dkms
# building the driver for the running kernel, and Debian's real udev
# running, then a toaster plugged in.  Each check a case of toaster_cases
# (tests/lib.sh), in order: each builds on the one before.
#
#   TOASTER_DEBS=DIR TOASTER_UDEV_ROOT=DIR tests/run tests/packaging/guest/packages.sh
#
# TOASTER_DEBS holds toaster-dkms and toaster-tools (scripts/packaging
# debs); TOASTER_UDEV_ROOT is a tree with Debian's udev in it, laid over /
# (the guest's root is a tmpfs overlay), or / itself where the host has
# udev.  tests/packaging/guest-run boots the guest for it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
debs=${TOASTER_DEBS:?}
udev_root=${TOASTER_UDEV_ROOT:?}
version=$(tr -d '[:space:]' <"$root/VERSION")
release=$(uname -r)
state=/run/toaster-stack
ctl=$state/gadget.ctl
logs=$state/packages
mkdir -p "$logs"

# What a booted system has in /dev and the guest's bare devtmpfs lacks:
# dkms and the completion use <(...), which needs /dev/fd; apt and dpkg
# want a pty for their logs.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
for fd in 0:stdin 1:stdout 2:stderr; do
	[ -e "/dev/${fd#*:}" ] || ln -s "/proc/self/fd/${fd%%:*}" "/dev/${fd#*:}"
done
mkdir -p /dev/pts
mountpoint -q /dev/pts || mount -t devpts devpts /dev/pts

# shellcheck source=../../lib.sh
. "$root/tests/lib.sh"
# The IDs of include/uapi/toaster_proto.h, lower-case hex.
vid=$(toaster_proto TOASTER_VENDOR_ID)
pid=$(toaster_proto TOASTER_PRODUCT_ID)
# The firmware is the stack's (toaster-stack down stops it); udevd is ours.
trap '[ -e "$logs/udevd.pid" ] && kill "$(<"$logs/udevd.pid")" 2>/dev/null' EXIT

# The toaster's USB device and interface in sysfs, once plugged in.
usb_device() {
	local d
	for d in /sys/bus/usb/devices/*; do
		[ -e "$d/idVendor" ] && [ "$(<"$d/idVendor")" = "$vid" ] && [ "$(<"$d/idProduct")" = "$pid" ] &&
			{ echo "$d"; return 0; }
	done
	return 1
}

wait_path() {
	local path=$1 tries=$((${2:-30} * 10))
	while ((tries-- > 0)); do
		[ -e "$path" ] && return 0
		sleep 0.1
	done
	return 1
}

# depmod reads every module of the kernel, 4230 of them in Debian's 6.12,
# which under TCG takes minutes, and dkms runs it on install and on
# removal.  Nothing here needs a module that is not loaded already, so the
# guest's /lib/modules/RELEASE keeps only those (links to the cache's
# files) and what the kernel lists beside them: a machine with few modules,
# to dkms and depmod alike.
trim_modules() {
	local dir=/lib/modules/$release src m path kdir f keep
	src=$(readlink -f "$dir")
	kdir=$(readlink "$dir/build")
	mapfile -t keep < <(while read -r m _; do readlink -f "$(modinfo -n "$m")"; done </proc/modules)
	[ ${#keep[@]} -gt 0 ] || fail "no loaded module found"
	rm "$dir" || fail "/lib/modules/$release is not the link scripts/guest/run made"
	mkdir "$dir"
	for path in "${keep[@]}"; do
		m=$dir/${path#*/lib/modules/"$release"/}
		mkdir -p "$(dirname "$m")"
		ln -s "$path" "$m"
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		cp "$src/$f" "$dir/"
	done
	ln -s "$kdir" "$dir/build"
	depmod -a "$release"
	echo "/lib/modules/$release: the ${#keep[@]} modules loaded now"
}

case_dpkg_installs_both_dkms_builds_for_running_kernel() {
	local log=$logs/dpkg.log st
	[ ! -e /dev/toaster ] || fail "/dev/toaster exists before udev runs: something made it by hand"
	[ ! -d /sys/module/toaster ] || fail "toaster.ko is loaded before anything installed it"
	[ -e "/lib/modules/$release/build/Makefile" ] ||
		fail "no kernel headers at /lib/modules/$release/build ($(readlink "/lib/modules/$release/build"))"
	trim_modules
	# man-db's trigger reindexes every man page, minutes under TCG, for
	# an index no check here reads.
	rm -f /var/lib/man-db/auto-update
	# dpkg -i rather than the README's apt install ./...: the same
	# packages and maintainer scripts, without apt building its cache of
	# the archive's lists (a quarter of a minute under TCG).
	if ! dpkg -i "$debs/toaster-dkms_${version}_all.deb" "$debs"/toaster-tools_"${version}"_*.deb >"$log" 2>&1; then
		tail -n 40 "$log"
		fail "dpkg -i failed"
	fi
	grep -E 'Building for|Building initial module|Done\.|Installing to' "$log" || true
	st=$(dkms status toaster)
	echo "dkms status: $st"
	[[ $st == "toaster/$version, $release, "*": installed"* ]] || fail "not installed for $release by dkms"
	ko=$(modinfo -n toaster) || fail "modprobe does not know toaster"
	[[ $ko == /lib/modules/$release/updates/dkms/toaster.ko* ]] || fail "modinfo -n toaster: $ko, not dkms's"
	[ "$(modinfo -F version toaster)" = "$version" ] || fail "version $(modinfo -F version toaster), want $version"
	[ ! -d /sys/module/toaster ] || fail "installing loaded toaster.ko: udev should, when a toaster comes"
	echo "$ko"
}

case_udevd_runs_toaster_rules_before_seat_late() {
	local i f order=()
	if [ "$udev_root" != / ]; then
		# Over the overlay: --keep-directory-symlink, or /bin and /lib
		# (links into /usr) would be replaced by directories.
		tar -C "$udev_root" -cf - . | tar -C / -xf - --keep-directory-symlink ||
			fail "cannot lay $udev_root over /"
	fi
	[ -x /lib/systemd/systemd-udevd ] || fail "no /lib/systemd/systemd-udevd"
	[ -e /lib/udev/rules.d/70-toaster.rules ] || fail "the package's rule is not in /lib/udev/rules.d"
	[ -e /lib/udev/rules.d/73-seat-late.rules ] || fail "no 73-seat-late.rules, which turns uaccess into ACLs"
	# udev reads its rules in the order of their names, across directories.
	for f in /etc/udev/rules.d/*.rules /lib/udev/rules.d/*.rules; do
		case ${f##*/} in 70-toaster.rules | 73-seat-late.rules) order+=("${f##*/}") ;; esac
	done
	mapfile -t order < <(printf '%s\n' "${order[@]}" | sort)
	[ "${order[*]}" = "70-toaster.rules 73-seat-late.rules" ] || fail "rule order: ${order[*]}"
	grep -q 'TAG=="uaccess".*RUN{builtin}+="uaccess"' /lib/udev/rules.d/73-seat-late.rules ||
		fail "73-seat-late.rules does not apply the uaccess tag"
	mkdir -p /run/udev
	# In the foreground and debugging, so its log says what it ran.
	SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=debug \
		/lib/systemd/systemd-udevd </dev/null >"$logs/udevd.log" 2>&1 &
	echo $! >"$logs/udevd.pid"
	for ((i = 0; i < 100; i++)); do
		udevadm control --ping 2>/dev/null && break
		sleep 0.1
	done
	udevadm control --ping || fail "systemd-udevd does not answer (log: $(tail -n 5 "$logs/udevd.log"))"
	echo "$(udevadm --version): running"
}

case_plugged_in_loads_toaster_by_modalias() {
	local dev intf alias
	[ ! -d /sys/module/toaster ] || fail "toaster.ko is loaded before the toaster is plugged in"
	# The firmware from the package, plugged in now, after boot.
	/usr/sbin/toaster-gadget --control "$ctl" -v >"$logs/gadget.log" 2>&1 </dev/null &
	echo $! >"$state/gadget.pid"
	wait_path /dev/toaster0 60 || fail "no /dev/toaster0 60 s after plugging in (lsmod: $(lsmod | grep -c toaster))"
	udevadm settle --timeout=60
	dev=$(usb_device) || fail "no $vid:$pid device in sysfs"
	intf=$(echo "$dev"/*:1.0)
	alias=$(<"$intf/modalias")
	echo "plugged in: ${dev##*/}, interface ${intf##*/}, MODALIAS=$alias"
	[ -d /sys/module/toaster ] || fail "toaster.ko did not load"
	[ "$(readlink -f "$intf/driver")" = /sys/bus/usb/drivers/toaster ] || fail "the interface has no toaster driver"
	[ "$(modprobe -R "$alias")" = toaster ] || fail "modprobe -R $alias: '$(modprobe -R "$alias")'"
	[ "$(</sys/module/toaster/version)" = "$version" ] || fail "the loaded module is version $(</sys/module/toaster/version)"
	# udevd's kmod builtin (80-drivers.rules), for the interface's uevent,
	# loaded it: nothing else here loads modules.
	grep -E "${intf##*/}: .*kmod|Inserted module 'toaster'" "$logs/udevd.log" | head -n 5 || true
	grep -q "Inserted module 'toaster'" "$logs/udevd.log" ||
		fail "udevd's log does not show it inserting toaster"
}

# Mode, group and tags of a device node: "660 plugdev :uaccess:...".
node_state() {
	local tags
	tags=$(udevadm info --query=property "$1" | sed -n 's/^TAGS=//p')
	echo "$(stat -L -c '%a %G' "$1") $tags"
}

case_toaster0_mode_0660_plugdev_uaccess() {
	local s
	s=$(node_state /dev/toaster0)
	echo "/dev/toaster0: $s"
	[[ $s == "660 plugdev "*:uaccess:* ]] || fail "/dev/toaster0: '$s', want mode 660, group plugdev, tag uaccess"
}

case_dev_toaster_links_to_first() {
	[ -L /dev/toaster ] || fail "no /dev/toaster link"
	[ "$(readlink /dev/toaster)" = toaster0 ] || fail "/dev/toaster -> $(readlink /dev/toaster), want toaster0"
	udevadm info --query=property /dev/toaster0 | grep -qx 'DEVLINKS=/dev/toaster' ||
		fail "udev does not own the link: $(udevadm info --query=property /dev/toaster0 | grep DEVLINKS)"
	echo "/dev/toaster -> toaster0, udev's (DEVLINKS)"
}

case_usbfs_node_mode_0660_plugdev_uaccess() {
	local dev node s
	dev=$(usb_device) || fail "no $vid:$pid device"
	node=$(printf '/dev/bus/usb/%03d/%03d' "$(<"$dev/busnum")" "$(<"$dev/devnum")")
	s=$(node_state "$node")
	echo "$node: $s"
	[[ $s == "660 plugdev "*:uaccess:* ]] || fail "$node: '$s', want mode 660, group plugdev, tag uaccess"
}

# As nobody, in plugdev or not; with no capabilities, so only the node's
# mode and group decide.
as_nobody() {
	local groups=$1
	shift
	setpriv --reuid=nobody --regid=nogroup "$groups" --inh-caps=-all --bounding-set=-all -- "$@"
}

case_plugdev_user_uses_tools_others_cannot() {
	local out rc=0
	out=$(as_nobody --groups=plugdev /usr/bin/toasterctl status 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || fail "toasterctl status in plugdev: exit $rc: $out"
	[[ $out == *state:* ]] || fail "toasterctl status in plugdev: $out"
	echo "nobody in plugdev: toasterctl status works (through /dev/toaster)"
	rc=0
	out=$(as_nobody --clear-groups /usr/bin/toasterctl status 2>&1) || rc=$?
	if [ "$rc" -ne 1 ] || [[ $out != *"ermission denied"* ]]; then
		fail "toasterctl status, not in plugdev: exit $rc, '$out'; want permission denied"
	fi
	echo "nobody, no groups: $out"
	rc=0
	out=$(as_nobody --groups=plugdev /usr/bin/toaster-usb status 2>&1) || rc=$?
	wait_path /dev/toaster0 30 || fail "/dev/toaster0 did not come back after toaster-usb"
	[ "$rc" -eq 0 ] || fail "toaster-usb status in plugdev: exit $rc: $out"
	echo "nobody in plugdev: toaster-usb status works (through usbfs)"
}

case_installed_completion_names_toasters() {
	local have
	have=$(bash --norc --noprofile -c '
		. /usr/share/bash-completion/bash_completion
		__load_completion toasterctl || exit 1
		COMP_WORDS=(toasterctl -d "")
		COMP_CWORD=2
		_toasterctl toasterctl "" -d
		echo "${COMPREPLY[*]}"') || fail "bash-completion did not load /usr/share/bash-completion/completions/toasterctl"
	echo "toasterctl -d <TAB>: $have"
	[ "$have" = "toaster toaster0" ] || fail "want 'toaster toaster0'"
}

case_unplug_removes_nodes_plug_brings_back() {
	echo unplug >"$ctl"
	local i
	for ((i = 0; i < 100; i++)); do
		[ -e /dev/toaster0 ] || [ -L /dev/toaster ] || break
		sleep 0.1
	done
	udevadm settle --timeout=30
	[ ! -e /dev/toaster0 ] || fail "/dev/toaster0 still there after unplug"
	[ ! -L /dev/toaster ] || fail "/dev/toaster left behind after unplug"
	echo plug >"$ctl"
	wait_path /dev/toaster0 30 || fail "no /dev/toaster0 after plugging in again"
	udevadm settle --timeout=30
	[ "$(readlink /dev/toaster)" = toaster0 ] || fail "no /dev/toaster after plugging in again"
	echo "unplugged: /dev/toaster0 and /dev/toaster gone; plugged in again: both back"
}

case_dpkg_removes_both_dkms_module_rule_gone() {
	local log=$logs/remove.log
	dpkg -r toaster-dkms toaster-tools >"$log" 2>&1 || { tail -n 20 "$log"; fail "dpkg -r failed"; }
	[ -z "$(dkms status toaster)" ] || fail "dkms still has it: $(dkms status toaster)"
	if ls /lib/modules/"$release"/updates/dkms/toaster.ko* 2>/dev/null; then
		fail "the module is still installed"
	fi
	[ ! -e /lib/udev/rules.d/70-toaster.rules ] || fail "the rule is still there"
	[ ! -e /usr/bin/toasterctl ] || fail "toasterctl is still there"
	echo "removed: dkms, the module, the rule and the tools gone"
}

toaster_cases dpkg_installs_both_dkms_builds_for_running_kernel \
	udevd_runs_toaster_rules_before_seat_late \
	plugged_in_loads_toaster_by_modalias \
	toaster0_mode_0660_plugdev_uaccess \
	dev_toaster_links_to_first \
	usbfs_node_mode_0660_plugdev_uaccess \
	plugdev_user_uses_tools_others_cannot \
	installed_completion_names_toasters \
	unplug_removes_nodes_plug_brings_back \
	dpkg_removes_both_dkms_module_rule_gone
