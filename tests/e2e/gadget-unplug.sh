#!/bin/bash
# The cable, pulled and plugged back through the firmware's control FIFO
# (toaster-gadget --control): the device node goes and comes back, and the
# toaster, which kept its power, kept its state; and a toast that loses
# the cable half-way (unplug-when-toasting) goes on toasting without it.
# Skips unless the firmware was started with --control.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

[ -p "$TOASTER_GADGET_CTL" ] || { echo "no control FIFO at $TOASTER_GADGET_CTL: toaster-gadget runs without --control"; exit 4; }

# Whatever happens, the next test finds the toaster plugged in.
cleanup() {
	[ -p "$TOASTER_GADGET_CTL" ] || return 0
	printf 'clear\n' >"$TOASTER_GADGET_CTL"
	printf 'plug\n' >"$TOASTER_GADGET_CTL"
	wait_for_device 30 || true
}
trap cleanup EXIT

disconnects() {
	local n
	n=$(dmesg | grep -c "now disconnected") || true
	echo "${n:-0}"
}

gadget_ctl clear
reset_toaster

case_unplug_and_plug_keep_the_toasters_state() {
	local gone

	command_ok "darkness 6"
	gone=$(disconnects)
	gadget_ctl unplug
	wait_for_device_gone 10 || fail "$TOASTER_DEV still there 10 s after unplug"
	(($(disconnects) > gone)) || fail "the driver did not log 'now disconnected'"
	# Twice is harmless.
	gadget_ctl unplug
	gadget_ctl plug
	wait_for_device 30 || fail "$TOASTER_DEV not back 30 s after plug"
	# A new device to the driver, the same toaster: it kept the darkness.
	expect_status darkness 6
	command_ok "darkness 5"
	expect_status darkness 5
}

# The cable goes as the toast starts toasting, and comes back after MS.
case_unplug_when_toasting_the_toast_goes_on() {
	local toasts

	gadget_ctl "fault unplug-when-toasting 2000"
	read_status
	toasts=${STATUS[toasts]}
	command_ok "toast 1"
	wait_for_device_gone 60 || fail "$TOASTER_DEV still there: no unplug when toasting"
	echo "unplug-when-toasting: gone mid-toast"
	wait_for_device 30 || fail "$TOASTER_DEV not back after unplug-when-toasting=2000"
	gadget_ctl "clear unplug-when-toasting"
	# The toast went on without the host: toasting still, or done by now.
	read_status
	[[ ${STATUS[state]} =~ ^(toasting|done)$ ]] || fail "after the replug: state ${STATUS[state]}"
	wait_for_status state "done" 600
	expect_status toasts $((toasts + 1))
}

# Without MS the toaster stays unplugged until told.
case_unplug_when_toasting_waits_for_plug() {
	gadget_ctl "fault unplug-when-toasting"
	command_ok "toast 1"
	wait_for_device_gone 60 || fail "$TOASTER_DEV still there: no unplug when toasting"
	sleep 1
	[ ! -e "$TOASTER_DEV" ] || fail "$TOASTER_DEV came back by itself"
	gadget_ctl plug
	wait_for_device 30 || fail "$TOASTER_DEV not back 30 s after plug"
	gadget_ctl clear
	reset_toaster
}

toaster_cases unplug_and_plug_keep_the_toasters_state \
	unplug_when_toasting_the_toast_goes_on unplug_when_toasting_waits_for_plug
