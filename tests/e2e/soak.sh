#!/bin/bash
# Issue 10's soak: 8 threads of mixed calls on two toasters, the stack's on
# gadgetfs and a second firmware on FunctionFS (as two-toasters.sh starts
# it), while both firmwares inject random faults (toaster_soak).  CI: 10 s;
# TOASTER_STRESS=full: 60 s.  Skips without the control FIFO, configfs or
# a free second controller.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

state=/run/toaster-stack
ctl1=$state/soak-ffs.ctl
log1=$state/soak-ffs-gadget.log
gadgets=/sys/kernel/config/usb_gadget

skip() { echo "SKIP: $*"; exit 4; }

toaster_stress_kernel
[ -p "$TOASTER_GADGET_CTL" ] || skip "no control FIFO at $TOASTER_GADGET_CTL: toaster-gadget runs without --control"
[ -d "$gadgets" ] || skip "no configfs gadgets at $gadgets (libcomposite, configfs)"
(($(free_udcs) > 0)) || skip "no free USB device controller for a second toaster (dummy_hcd num=2)"
[ ! -e /dev/toaster1 ] || fail "/dev/toaster1 exists before the test: another toaster is plugged in"
seconds=$(toaster_stress_size 10 60)

# Whatever happens, the next test finds one toaster, plugged in, no faults.
cleanup() {
	local rc=$?
	set +e
	stop_firmware soak-ffs
	if [ $rc -ne 0 ] && [ -s "$log1" ]; then
		echo "--- the second firmware's log (last 40 lines):"
		tail -n 40 "$log1"
	fi
	ctl() { "$TOASTER_BIN/toaster-gadget-ctl" "$TOASTER_GADGET_CTL" "$1"; }
	ctl clear
	ctl plug
	# Replugged in turn, the two may have swapped minors: the stack's
	# toaster may be toaster1 now, toaster0 gone with the second.  A
	# replug gives it the first free minor back.
	if ! wait_for_device 10; then
		ctl unplug
		sleep 2
		ctl plug
		wait_for_device 30
	fi
}
trap cleanup EXIT

start_firmware soak-ffs "$log1" --functionfs --serial TS1000-000003 --time-scale 10 \
	--control "$ctl1"
TOASTER_DEV=/dev/toaster1 wait_for_device 30 || fail "/dev/toaster1 did not appear within 30 s of starting toaster-gadget --functionfs"
# FunctionFS drops a request its firmware never answers when the next one
# comes; gadgetfs does not (see README), so only the second toaster hangs.
"$TOASTER_BIN/toaster_soak" --seconds "$seconds" --threads 8 \
	--hang-ok "$ctl1" "/dev/toaster0:$TOASTER_GADGET_CTL" "/dev/toaster1:$ctl1"
