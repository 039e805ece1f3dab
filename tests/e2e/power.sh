#!/bin/bash
# Runtime PM and reset: the toaster autosuspends when no file is open and
# nothing is toasting, wakes for a sysfs read or an open, stays awake
# through a toast, and keeps its binding across a USB reset.  With usbcore's
# RESET_RESUME quirk it is reset on the way out of suspend, and the driver's
# reset_resume brings it back.  Which callbacks ran is read from the
# driver's dev_dbg messages, switched on through dynamic debug.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

ddebug=/proc/dynamic_debug/control
quirks=/sys/module/usbcore/parameters/quirks
[ -w "$ddebug" ] || { echo "no dynamic debug at $ddebug"; exit 4; }
usb_id=$(toaster_proto TOASTER_VENDOR_ID):$(toaster_proto TOASTER_PRODUCT_ID)
old_quirks=$(<"$quirks")

find_power() {
	intf=$(readlink -f "/sys/class/usbmisc/${TOASTER_DEV##*/}/device")
	power=$(dirname "$intf")/power
}
find_power

runtime_status() { echo "$(<"$power/runtime_status")"; }

# The driver's dev_dbg lines since the last new_log, without timestamp and
# device name: "suspend (runtime)", "resume", ...  Each mark is unique, as
# each case counts in a subshell of its own.
mark=
new_log() {
	mark=$BASHPID.$SRANDOM
	echo "toaster-test: power mark $mark" >/dev/kmsg
}
driver_log() {
	dmesg | sed -n "/toaster-test: power mark $mark\$/,\$p" |
		sed -n 's/^\[[^]]*\] toaster [^ ]*: //p'
}
expect_log() {
	local log
	log=$(driver_log)
	grep -qxF "$1" <<<"$log" ||
		fail "the driver did not log '$1'; it logged: $(tr '\n' '|' <<<"$log")"
}
refute_log() {
	! driver_log | grep -qxF "$1" || fail "the driver logged '$1'"
}

# A new device, as usbcore sees it: it reads quirks at enumeration.
replug() {
	gadget_ctl unplug
	wait_for_device_gone 10 || fail "$TOASTER_DEV still there after unplug"
	gadget_ctl plug
	wait_for_device 30 || fail "$TOASTER_DEV not back after plug"
	find_power
}

cleanup() {
	find_power
	echo on >"$power/control"
	echo 'module toaster -p' >"$ddebug"
	if [ "$(<"$quirks")" != "$old_quirks" ]; then
		printf '%s' "$old_quirks" >"$quirks"
		replug
	fi
}

wait_runtime() {
	local want=$1 tries=100
	while ((tries-- > 0)); do
		[ "$(runtime_status)" = "$want" ] && return 0
		sleep 0.1
	done
	fail "runtime_status: want $want, have $(runtime_status)"
}

reset_toaster
echo 'module toaster +p' >"$ddebug"
trap cleanup EXIT

case_idle_with_no_file_open_it_suspends() {
	new_log
	echo 100 >"$power/autosuspend_delay_ms"
	echo auto >"$power/control"
	wait_runtime suspended
	expect_log "suspend (runtime)"
}

# A read of a status attribute wakes it, and it sleeps again.
case_a_sysfs_read_wakes_it() {
	local state

	new_log
	state=$(<"$intf/state")
	[ -n "$state" ] || fail "no state from sysfs"
	expect_log "resume"
	wait_runtime suspended
}

case_an_open_file_holds_it_awake() {
	exec 3<"$TOASTER_DEV"
	wait_runtime active
	sleep 0.5
	[ "$(runtime_status)" = active ] || fail "suspended with a file open"
	exec 3<&-
	wait_runtime suspended
}

# With no file open, to the pop.
case_a_toast_holds_it_awake() {
	echo "toast 10" >"$TOASTER_DEV"
	sleep 1
	[ "$(runtime_status)" = active ] || fail "suspended in the middle of a toast"
	read_status
	[[ ${STATUS[state]} =~ ^(heating|toasting)$ ]] || fail "toast: state ${STATUS[state]}"
	command_ok cancel
	wait_runtime suspended
}

# The driver stays bound, the node in place, and an open file works on.
case_a_reset_keeps_the_binding() {
	echo on >"$power/control"
	exec 3<"$TOASTER_DEV"
	usbreset "$usb_id" >/dev/null || fail "usbreset failed"
	[ -e "$TOASTER_DEV" ] || fail "$TOASTER_DEV gone after reset"
	read_status
	command_ok "darkness 4"
	expect_status darkness 4
	exec 3<&-
	reset_toaster
}

# As if the toaster lost power while suspended: usbcore's RESET_RESUME
# quirk resets it on the way out, and reset_resume brings it back.
case_reset_resume_keeps_the_state_and_notifications_flow() {
	[ -p "$TOASTER_GADGET_CTL" ] || { echo "no control FIFO: reset-resume not tried"; exit 4; }
	printf '%s:b' "$usb_id" >"$quirks"
	replug
	command_ok "darkness 8"
	echo 100 >"$power/autosuspend_delay_ms"
	echo auto >"$power/control"
	wait_runtime suspended
	new_log
	[ "$(<"$intf/darkness")" = 8 ] || fail "darkness after reset-resume: $(<"$intf/darkness")"
	expect_log "reset-resume"
	refute_log "resume"
	# Notifications flow again: a toast goes through its states to the pop.
	command_ok "toast 1"
	wait_for_status state "done" 300
	reset_toaster
}

# Unbound from sysfs with a file open and a toast on, and bound again: what
# the old binding held of runtime PM is given back, so the toaster sleeps
# once idle.  (usbcore does not undo it on a soft unbind.)
case_a_soft_unbind_gives_back_what_it_held() {
	local name=${intf##*/}

	echo on >"$power/control"
	exec 3<"$TOASTER_DEV"
	command_ok "toast 10"
	echo "$name" >/sys/bus/usb/drivers/toaster/unbind
	echo "$name" >/sys/bus/usb/drivers/toaster/bind
	wait_for_device 10 || fail "$TOASTER_DEV not back after rebinding"
	exec 3<&-
	command_ok cancel
	echo 100 >"$power/autosuspend_delay_ms"
	echo auto >"$power/control"
	wait_runtime suspended
	echo on >"$power/control"
}

toaster_cases idle_with_no_file_open_it_suspends a_sysfs_read_wakes_it \
	an_open_file_holds_it_awake a_toast_holds_it_awake a_reset_keeps_the_binding \
	a_soft_unbind_gives_back_what_it_held \
	reset_resume_keeps_the_state_and_notifications_flow
