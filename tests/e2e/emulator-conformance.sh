#!/bin/bash
# The emulator against the protocol, with no driver in the way:
# `toaster-conformance` (libusb, through usbfs) must pass every check,
# `lsusb -v` must parse every descriptor without complaint, and toaster.ko
# must have the toaster back afterwards, working, for the tests that follow.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

vid=$(toaster_proto TOASTER_VENDOR_ID)
pid=$(toaster_proto TOASTER_PRODUCT_ID)

# libusb gives the interface back to toaster.ko when it lets go; a crash
# would not, so take it back by hand then (and fail anyway).
toaster_back() {
	local intf
	wait_for_device 10 && return 0
	for intf in /sys/bus/usb/devices/*:*; do
		[ "$(<"$intf/../idVendor"):$(<"$intf/../idProduct")" = "$vid:$pid" ] || continue
		[ -e "$intf/driver" ] || echo "${intf##*/}" >/sys/bus/usb/drivers/toaster/bind || true
	done
	return 1
}

command -v toaster-conformance >/dev/null || fail "toaster-conformance is not built (make selftests)"
[ -e "$TOASTER_DEV" ] || fail "$TOASTER_DEV is missing before the test"

# lsusb first, while toaster.ko has the interface: descriptors are ep0's.
case_lsusb_parses_every_descriptor() {
	local lsusb_out want complaints

	lsusb_out=$(lsusb -v -d "$vid:$pid" 2>&1) || fail "lsusb -v -d $vid:$pid failed: $lsusb_out"
	for want in "idVendor +0x$vid" "idProduct +0x$pid" "bInterfaceClass +255" \
		"Device Qualifier" "Device Status:"; do
		[[ $lsusb_out =~ $want ]] || fail "lsusb -v shows no '$want':"$'\n'"$lsusb_out"
	done
	# What lsusb (usbutils) says when a descriptor does not parse, breaks a
	# rule it knows, or cannot be read.
	complaints=$(grep -inE "warning|invalid|unknown|unrecognized|illegal|bogus|junk|error|couldn't|cannot|can't|incomplete|truncated|unable|missing|conflicting" <<<"$lsusb_out") || true
	[ -z "$complaints" ] || fail "lsusb -v complains:"$'\n'"$complaints"
	echo "lsusb -v -d $vid:$pid: $(wc -l <<<"$lsusb_out") lines, no complaints"
}

case_every_conformance_check_passes() {
	local out rc=0 back=0 plan

	out=$(toaster-conformance 2>&1) || rc=$?
	echo "$out"
	toaster_back || back=$?
	[ $rc -eq 0 ] || fail "toaster-conformance: exit status $rc"
	plan=$(ktap_all_passed "$out" 50) || fail "toaster-conformance: $plan"
	echo "toaster-conformance: all $plan checks passed"
	[ $back -eq 0 ] || fail "$TOASTER_DEV did not come back within 10 s of toaster-conformance exiting"
}

# Not only there again, but toaster.ko working.
case_the_driver_has_the_toaster_back() {
	expect_status darkness 5
	expect_status safety_lock 0
}

toaster_cases lsusb_parses_every_descriptor every_conformance_check_passes \
	the_driver_has_the_toaster_back
