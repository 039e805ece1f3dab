#!/bin/bash
# Loopback through libusb, what a user would write instead of a kernel
# driver: transfers of several sizes echoed by the toaster and compared
# byte for byte by `toaster-usb loopback`, which also times them.  Prints
# the throughput; fails on any difference, or if toaster.ko does not get
# the toaster back afterwards.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

command -v toaster-usb >/dev/null || fail "toaster-usb is not built (make userspace)"
[ -e "$TOASTER_DEV" ] || fail "$TOASTER_DEV is missing before the test"

declare -A result
# SIZE COUNT DEPTH: odd sizes end every transfer in a short packet; whole
# packets run transfers together on the wire, so each must take exactly its
# own bytes.
for run in "1 16 4" "1000 16 4" "4096 16 1" "65536 8 4" "100000 4 2"; do
	read -r size count depth <<<"$run"
	rc=0
	out=$(toaster-usb loopback --size "$size" --count "$count" --depth "$depth" 2>&1) || rc=$?
	[ $rc -eq 0 ] || fail "loopback of $count x $size bytes: exit status $rc: $out"
	result=()
	while IFS=': ' read -r key value; do
		result[$key]=$value
	done <<<"$out"
	[ "${result[verified_bytes]:-}" = $((size * count)) ] ||
		fail "loopback of $count x $size bytes verified '${result[verified_bytes]:-}' bytes: $out"
	echo "loopback $count x $size bytes, $depth in flight: ${result[throughput_mb_s]} MB/s, every byte back"
done

# The toaster is toaster.ko's again (toaster-usb itself fails if
# loopback stays on after it turns it off).
wait_for_device 10 || fail "$TOASTER_DEV did not come back within 10 s of toaster-usb exiting"
read_status
echo "toaster.ko has $TOASTER_DEV back"
