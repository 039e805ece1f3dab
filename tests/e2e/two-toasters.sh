#!/bin/bash
# Two toasters plugged in at once, each its own: the stack's on gadgetfs
# (/dev/toaster0) and a second firmware on FunctionFS (toaster-gadget
# --functionfs, a configfs gadget on the second dummy_udc) as /dev/toaster1.
# They must be two devices to the driver (minors, serials), the same device
# on the wire (descriptors, toaster-conformance), and independent:
# toasts, settings, refused commands, faults, the driver's whole selftest
# and unplugging on one leave the other alone.  Stopping the second
# firmware must leave nothing behind.
# Skips without the stack's control FIFO, a free second controller or
# configfs.
# A minute on each kernel; what it adds to the others' tests (FunctionFS,
# two controllers) is seen on Debian's kernel and under the sanitizers.
# kernels: debug debug-rt 6.12
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

state=/run/toaster-stack
dev0=/dev/toaster0
dev1=/dev/toaster1
ctl0=$TOASTER_GADGET_CTL
ctl1=$state/ffs.ctl
log1=$state/ffs-gadget.log
serial1=TS1000-000002
gadgets=/sys/kernel/config/usb_gadget

skip() { echo "SKIP: $*"; exit 4; }

[ -e "$dev0" ] || fail "$dev0 is missing before the test"
[ -p "$ctl0" ] || skip "no control FIFO at $ctl0: toaster-gadget runs without --control"
[ -d "$gadgets" ] || skip "no configfs gadgets at $gadgets (libcomposite, configfs)"
(($(free_udcs) > 0)) || skip "no free USB device controller for a second toaster (dummy_hcd num=2)"
[ ! -e "$dev1" ] || fail "$dev1 exists before the test: another toaster is plugged in"
serial0=$(<"/sys/class/usbmisc/toaster0/device/serial")
[ "$serial0" != "$serial1" ] || fail "toaster0 already has the serial $serial1"

# Whatever happens, the next test finds one toaster, plugged in and idle.
cleanup() {
	local rc=$?
	set +e
	exec 7>&- 2>/dev/null
	stop_firmware ffs
	if [ $rc -ne 0 ] && [ -s "$log1" ]; then
		echo "--- the second firmware's log (last 40 lines):"
		tail -n 40 "$log1"
	fi
	[ -p "$ctl0" ] && printf 'clear\n' >"$ctl0"
	TOASTER_DEV=$dev0 reset_toaster >/dev/null
}
trap cleanup EXIT

# Runs a lib.sh helper against toaster N: on N cmd ARGS...
on() {
	local n=$1
	shift
	if [ "$n" = 0 ]; then
		TOASTER_DEV=$dev0 TOASTER_GADGET_CTL=$ctl0 "$@"
	else
		TOASTER_DEV=$dev1 TOASTER_GADGET_CTL=$ctl1 "$@"
	fi
}

# The state and darkness of toaster N, as "state/darkness".
state_of() {
	on "$1" read_status
	echo "${STATUS[state]}/${STATUS[darkness]}"
}

# The USB device of toaster N in sysfs.
usb_dev() { readlink -f "/sys/class/usbmisc/toaster$1/device/.."; }

# --- a second toaster, on FunctionFS ------------------------------------
on 0 gadget_ctl clear
on 0 reset_toaster
start_firmware ffs "$log1" --functionfs --serial "$serial1" --time-scale 10 \
	--control "$ctl1" -v
fw_pid=$(<"$state/ffs.pid")
on 1 wait_for_device 30 || fail "$dev1 did not appear within 30 s of starting toaster-gadget --functionfs"
ffs_dir=$gadgets/toaster.$fw_pid
[ -d "$ffs_dir" ] || fail "no configfs gadget at $ffs_dir"
ffs_mnt=$(awk -v src="toaster.$fw_pid" '$1 == src && $3 == "functionfs" { print $2 }' /proc/mounts)
[ -n "$ffs_mnt" ] || fail "no FunctionFS mounted for toaster.$fw_pid"
udc1=$(<"$ffs_dir/UDC")
echo "toaster1: $ffs_dir, FunctionFS on $ffs_mnt, bound to $udc1"

# The configuration descriptors usbcore read, endpoint addresses apart.
descriptors() {
	local -a b
	local i=0 bytes=() addrs=()
	read -r -a b <<<"$(od -An -v -tx1 "$1/descriptors" | tr '\n' ' ')"
	while ((i < ${#b[@]})); do
		local len=$((16#${b[i]})) j
		((len >= 2)) || { echo "malformed"; return; }
		for ((j = i; j < i + len && j < ${#b[@]}; j++)); do
			if [ "${b[i + 1]}" = 05 ] && ((j == i + 2)); then
				bytes+=(EP)
				addrs+=("${b[j]}")
			else
				bytes+=("${b[j]}")
			fi
		done
		i=$((i + len))
	done
	echo "${bytes[*]} | endpoints ${addrs[*]}"
}

# Two devices to the driver.
case_two_devices_to_the_driver() {
	maj_min() { stat -L -c '%t:%T' "$1"; }
	m0=$(maj_min "$dev0") m1=$(maj_min "$dev1")
	[ "${m0%:*}" = "${m1%:*}" ] || fail "different majors: $dev0 $m0, $dev1 $m1"
	[ "${m0#*:}" != "${m1#*:}" ] || fail "$dev0 and $dev1 share the minor ($m0)"
	s0=$(<"/sys/class/usbmisc/toaster0/device/serial")
	s1=$(<"/sys/class/usbmisc/toaster1/device/serial")
	[[ $s0 == "$serial0" && $s1 == "$serial1" ]] ||
		fail "sysfs serials: toaster0 '$s0' (want '$serial0'), toaster1 '$s1' (want '$serial1')"
	info=$(toasterctl -d "$dev1" info) || fail "toasterctl -d $dev1 info failed"
	[[ $info =~ serial:\ +$serial1 ]] || fail "toasterctl -d $dev1 info: no serial $serial1:"$'\n'"$info"
	[ "$(usb_dev 0)" != "$(usb_dev 1)" ] || fail "both nodes on one USB device"
	echo "minors ${m0#*:} and ${m1#*:}, serials $s0 and $s1"
}

# The same device on the wire.
case_the_same_device_on_the_wire() {
	# The descriptors the kernel read from each (device, then configuration),
	# with bEndpointAddress blanked: the composite layer numbers FunctionFS's
	# endpoints itself (see gadget/functionfs.c).  Everything else, from
	# bcdDevice to bInterval and the string indexes, must be byte for byte.
	d0=$(descriptors "$(usb_dev 0)")
	d1=$(descriptors "$(usb_dev 1)")
	[ "${d0% |*}" = "${d1% |*}" ] ||
		fail "the descriptors differ:"$'\n'"toaster0: $d0"$'\n'"toaster1: $d1"
	echo "descriptors: the same but for the endpoint numbers (toaster0 ${d0#*| endpoints }, toaster1 ${d1#*| endpoints })"
}

# Independent: a toast on one, the other idle.
case_a_toast_on_one_the_other_idle() {
	on 1 reset_toaster
	on 0 command_ok "darkness 7"
	on 1 command_ok "darkness 3"
	# toaster0 rests as earlier tests left it: idle, cancelled or done.
	rest0=$(state_of 0)
	on 0 read_status
	toasts0=${STATUS[toasts]}
	on 1 command_ok toast
	for ((i = 0; i < 300; i++)); do
		[ "$(state_of 0)" = "$rest0" ] || fail "toaster0 changed while toaster1 toasted: $(state_of 0), was $rest0"
		[ "$(state_of 1)" = done/3 ] && break
		sleep 0.1
	done
	[ "$(state_of 1)" = done/3 ] || fail "toaster1's toast did not finish: $(state_of 1)"
	on 1 expect_status toasts 1
	on 0 expect_status toasts "$toasts0"
	echo "toast on toaster1 done at darkness 3; toaster0 stayed $rest0 meanwhile"
}

# Both toasting at once.
case_both_toasting_at_once() {
	on 1 reset_toaster
	on 0 command_ok "toast 2"
	on 1 command_ok "toast 4"
	[[ $(state_of 0) =~ ^(heating|toasting)/2$ ]] || fail "toaster0 after toast 2: $(state_of 0)"
	[[ $(state_of 1) =~ ^(heating|toasting)/4$ ]] || fail "toaster1 after toast 4: $(state_of 1)"
	echo "both toasting: toaster0 $(state_of 0), toaster1 $(state_of 1)"
	on 1 wait_for_status state "done" 300
	[[ $(state_of 0) =~ ^(heating|toasting|done)/2$ ]] || fail "toaster0 while toaster1 finished: $(state_of 0)"
	on 0 command_ok cancel
	[[ $(state_of 0) =~ ^(cancelled|done)/2$ ]] || fail "toaster0 after cancel: $(state_of 0)"
	[ "$(state_of 1)" = done/4 ] || fail "toaster1 after toaster0's cancel: $(state_of 1)"
	on 0 reset_toaster
	on 1 reset_toaster
}

# What one refuses, the other does.
case_what_one_refuses_the_other_does() {
	on 1 command_fails "Invalid argument" bagel
	on 1 command_fails "Invalid argument" "darkness 11"
	on 0 expect_status darkness 5
	on 1 gadget_ctl "fault stall toast"
	if err=$({ printf 'toast\n' >"$dev1"; } 2>&1); then
		fail "toast on toaster1 succeeded with stall=toast"
	fi
	on 0 command_ok toast
	[[ $(state_of 0) =~ ^(heating|toasting)/5$ ]] || fail "toaster0 toast while toaster1 stalls: $(state_of 0)"
	[[ $(state_of 1) =~ ^(idle|cancelled|done)/5$ ]] || fail "toaster1 after a stalled toast: $(state_of 1)"
	on 1 gadget_ctl "clear stall"
	on 0 command_ok cancel
	echo "stall=toast on toaster1: refused there (${err##*: }), toaster0 toasted"

	# A request FunctionFS's toaster never answers: the host times out, and
	# FunctionFS drops it when the next one comes, no replug needed.
	on 1 gadget_ctl "fault hang set_darkness"
	on 1 command_fails "Connection timed out" "darkness 8"
	on 1 gadget_ctl "clear hang"
	on 0 command_ok "darkness 9"
	on 1 command_ok "darkness 6"
	[ "$(state_of 1)" = idle/6 ] || [ "$(state_of 1)" = cancelled/6 ] || [ "$(state_of 1)" = done/6 ] ||
		fail "toaster1 after the hang: $(state_of 1)"
	on 0 expect_status darkness 9
	echo "hang=set_darkness on toaster1: timed out, then answered again; toaster0 untouched"

	on 1 gadget_ctl overheat
	on 1 wait_for_status state fault 100
	on 0 read_status
	[ "${STATUS[state]}" != fault ] || fail "toaster0 in fault after toaster1's overheat"
	on 1 command_ok cancel
	on 1 expect_status state idle
	on 0 reset_toaster
	on 1 reset_toaster
}

# Conformance, with no driver in the way.
case_conformance_with_no_driver_in_the_way() {
	local d1

	d1=$(descriptors "$(usb_dev 1)")
	# toaster-conformance finds the endpoints by type, as the driver does, so
	# every check passes here too, on the controller's endpoint numbers; the
	# ones it used must be those of toaster1's descriptors.
	rc=0
	out=$(toaster-conformance -v --serial "$serial1" 2>&1) || rc=$?
	on 1 wait_for_device 10 || fail "$dev1 did not come back after toaster-conformance"
	[ $rc -eq 0 ] || { echo "$out"; fail "toaster-conformance on toaster1: exit status $rc"; }
	plan=$(ktap_all_passed "$out" 50) || { echo "$out"; fail "conformance on toaster1: $plan"; }
	[[ $out =~ bulk\ OUT\ 0x(..),\ bulk\ IN\ 0x(..),\ interrupt\ IN\ 0x(..) ]] ||
		{ echo "$out"; fail "toaster-conformance -v did not say which endpoints it used"; }
	used="${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]}"
	for ep in $used; do
		[[ " ${d1#*| endpoints } " == *" $ep "* ]] ||
			fail "toaster-conformance used endpoint 0x$ep, not one of toaster1's (${d1#*| endpoints })"
	done
	echo "conformance on toaster1: all $plan checks passed, on endpoints $used"
	on 1 expect_status darkness 5
}

# The driver's system-call tests on toaster1, toaster0 at rest.
case_the_selftest_on_toaster1_toaster0_at_rest() {
	# The whole of tests/toaster_test (what tests/Makefile runs on
	# toaster0): ioctls, burn patterns and loopback on the data endpoints,
	# poll, SIGIO, sysfs, and unplugs while calls are blocked, through
	# toaster1's own control FIFO.  toaster0 must come out of it as it went in.
	selftest=$(dirname "$0")/../../build/bin/toaster_test
	[ -x "$selftest" ] || fail "$selftest is not built (make selftests)"
	on 0 read_status
	before0="${STATUS[state]}/${STATUS[darkness]} lock ${STATUS[safety_lock]} toasts ${STATUS[toasts]} errors ${STATUS[errors]}"
	devnum0=$(<"$(usb_dev 0)/devnum")
	burns=$(grep -c "burn pattern of" "$log1") || true
	echoes=$(grep -c "loopback: echoed" "$log1") || true
	rc=0
	out=$(TOASTER_DEV=$dev1 TOASTER_GADGET_CTL=$ctl1 "$selftest" 2>&1) || rc=$?
	# its unplug cases end with a plug; the node may still be on its way
	on 1 wait_for_device 30 || { echo "$out"; fail "$dev1 not back 30 s after toaster_test"; }
	[ $rc -eq 0 ] || { echo "$out"; fail "toaster_test on toaster1: exit status $rc"; }
	[[ $out =~ \#\ Totals:\ pass:([0-9]+)\ fail:0\ xfail:0\ xpass:0\ skip:0\ error:0 ]] ||
		{ echo "$out"; fail "toaster_test on toaster1: not every case passed"; }
	passed=${BASH_REMATCH[1]}
	[ "$(grep -c "burn pattern of" "$log1")" -gt "$burns" ] ||
		fail "the second firmware logged no burn pattern during toaster_test"
	[ "$(grep -c "loopback: echoed" "$log1")" -gt "$echoes" ] ||
		fail "the second firmware logged no loopback echo during toaster_test"
	on 0 read_status
	after0="${STATUS[state]}/${STATUS[darkness]} lock ${STATUS[safety_lock]} toasts ${STATUS[toasts]} errors ${STATUS[errors]}"
	[ "$after0" = "$before0" ] || fail "toaster0 changed while toaster_test ran on toaster1: $after0, was $before0"
	[ "$(<"$(usb_dev 0)/devnum")" = "$devnum0" ] ||
		fail "toaster0 was re-enumerated while toaster_test ran on toaster1"
	echo "toaster_test on toaster1: all $passed cases passed; toaster0 stayed $before0"
	on 1 reset_toaster
}

# Unplug toaster1; toaster0 keeps working.
case_unplug_toaster1_toaster0_works_on() {
	on 1 command_ok "darkness 4"
	exec 7<"$dev1"
	on 1 gadget_ctl unplug
	on 1 wait_for_device_gone 10 || fail "$dev1 still there 10 s after unplug"
	[ -e "$dev0" ] || fail "$dev0 went with toaster1"
	if err=$({ read -r -u 7 _; } 2>&1); then
		fail "reading the open $dev1 after unplug succeeded"
	fi
	[[ $err == *"No such device"* ]] || fail "reading the open $dev1 after unplug: want ENODEV, have '${err##*: }'"
	exec 7<&-
	on 0 command_ok "darkness 2"
	on 0 expect_status darkness 2
	on 1 gadget_ctl plug
	on 1 wait_for_device 30 || fail "$dev1 not back 30 s after plug"
	on 1 expect_status darkness 4
	on 0 expect_status darkness 2
	echo "unplugged toaster1: gone (ENODEV on an open file), toaster0 worked on; plugged back with its state"
}

# SIGTERM: nothing left behind.
case_sigterm_leaves_nothing_behind() {
	rc=0
	stop_firmware ffs || rc=$?
	[ $rc -eq 0 ] || fail "the second firmware exited with status $rc on SIGTERM"
	on 1 wait_for_device_gone 10 || fail "$dev1 still there after the firmware exited"
	[ ! -e "$ffs_dir" ] || fail "$ffs_dir left behind"
	# its own mount, by name: the stack's toaster may be on FunctionFS too
	! grep -q "^toaster.$fw_pid " /proc/mounts ||
		fail "FunctionFS still mounted: $(grep "^toaster.$fw_pid " /proc/mounts)"
	[ ! -e "$ffs_mnt" ] || fail "the mount point $ffs_mnt left behind"
	[ ! -e "$ctl1" ] || fail "the control FIFO $ctl1 left behind"
	[ -z "$(<"/sys/class/udc/$udc1/function")" ] || fail "$udc1 still has a gadget: $(<"/sys/class/udc/$udc1/function")"
	on 0 command_ok "darkness 5"
	on 0 expect_status darkness 5
	echo "SIGTERM: configfs gadget, FunctionFS mount and FIFO gone; toaster0 fine"
}

toaster_cases two_devices_to_the_driver \
	the_same_device_on_the_wire \
	a_toast_on_one_the_other_idle \
	both_toasting_at_once \
	what_one_refuses_the_other_does \
	conformance_with_no_driver_in_the_way \
	the_selftest_on_toaster1_toaster0_at_rest \
	unplug_toaster1_toaster0_works_on \
	sigterm_leaves_nothing_behind
