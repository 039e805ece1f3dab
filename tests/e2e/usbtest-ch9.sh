#!/bin/bash
# The toaster against code nobody here wrote: the kernel's usbtest driver,
# driven by tools/usb/testusb from the same kernel source, runs its chapter 9
# control tests (-t9: standard requests and descriptors) and its queued
# control test (-t10: 16 kinds of request in flight at once, stalls and short
# reads among them, each with the result USB 2.0 requires).
#
# usbtest refuses new_id (its driver sets no_dynamic_id).  What it has
# instead is a match-anything entry for devices named by its vendor= and
# product= parameters, bound as a control-only "Generic USB device" - all
# that -t9 and -t10 need.  So: load it with the toaster's IDs, move the
# interface from toaster.ko to it, test, and move the interface back.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

vid=$(toaster_proto TOASTER_VENDOR_ID)
pid=$(toaster_proto TOASTER_PRODUCT_ID)
# Per test: -c iterations.  -t10 keeps 32 requests queued (testusb's -g
# default) and runs count x 32 of them, each subcase 2 x count times.
t9_count=20
t10_count=20

command -v testusb >/dev/null || fail "testusb is not built (make userspace needs a kernel source tree)"

dev=
for d in /sys/bus/usb/devices/*; do
	[ -r "$d/idVendor" ] || continue
	if [ "$(<"$d/idVendor"):$(<"$d/idProduct")" = "$vid:$pid" ]; then
		dev=$d
		break
	fi
done
[ -n "$dev" ] || fail "no $vid:$pid device in /sys/bus/usb/devices"
intf=
for i in "$dev/${dev##*/}":*; do
	[ "$(<"$i/bInterfaceClass")" = ff ] && intf=${i##*/}
done
[ -n "$intf" ] || fail "${dev##*/} has no vendor-specific interface"
printf -v node '/dev/bus/usb/%03d/%03d' "$(<"$dev/busnum")" "$(<"$dev/devnum")"
[ -c "$node" ] || fail "no usbfs node $node for ${dev##*/}"

driver_of() {
	local link
	link=$(readlink "/sys/bus/usb/devices/$intf/driver") || { echo none; return 0; }
	echo "${link##*/}"
}
[ "$(driver_of)" = toaster ] || fail "$intf is bound to $(driver_of), not toaster"

# Everything back as it was, however the test ends.
had_usbtest=0
restore() {
	local rc=$?
	trap - EXIT
	set +e
	[ "$(driver_of)" = usbtest ] && echo "$intf" >/sys/bus/usb/drivers/usbtest/unbind
	[ -d /sys/module/usbtest ] && rmmod usbtest
	[ $had_usbtest -eq 1 ] && modprobe usbtest
	[ "$(driver_of)" = none ] && echo "$intf" >/sys/bus/usb/drivers/toaster/bind
	if ! wait_for_device 10; then
		echo "FAIL: $TOASTER_DEV did not come back after rebinding toaster.ko"
		rc=1
	fi
	exit $rc
}
trap restore EXIT

# Its parameters are read once, at load.
if [ -d /sys/module/usbtest ]; then
	had_usbtest=1
	rmmod usbtest || fail "usbtest is loaded and will not unload"
fi
modprobe usbtest vendor="0x$vid" product="0x$pid" || fail "modprobe usbtest failed"
echo "$intf" >/sys/bus/usb/drivers/toaster/unbind
echo "$intf" >/sys/bus/usb/drivers/usbtest/bind || fail "usbtest would not bind $intf"
[ "$(driver_of)" = usbtest ] || fail "$intf is bound to $(driver_of) after binding usbtest"

run_testusb() {
	local test=$1 count=$2 out rc=0
	out=$(testusb -D "$node" -t "$test" -c "$count" 2>&1) || rc=$?
	echo "$out"
	# testusb's exit status only says the device opened; each test's
	# verdict is its line: "DEV test N, S secs", or "DEV test N --> ERRNO".
	# A test usbtest cannot run prints nothing, which is no pass either.
	if [ $rc -ne 0 ] || [[ ! $out =~ test\ $test,\ +[0-9]+\.[0-9]+\ secs ]]; then
		dmesg | grep -F "$intf" | tail -n 20
		fail "testusb -t$test -c $count did not pass (exit status $rc)"
	fi
}
case_ch9_standard_requests_and_descriptors() { run_testusb 9 "$t9_count"; }
case_queued_control_requests() { run_testusb 10 "$t10_count"; }

toaster_cases ch9_standard_requests_and_descriptors queued_control_requests
