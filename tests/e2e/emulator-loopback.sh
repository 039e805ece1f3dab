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

# COUNT transfers of SIZE bytes, DEPTH in flight, every byte compared.
loopback() {
	local size=$1 count=$2 depth=$3 out rc=0 key value
	local -A got=()

	out=$(toaster-usb loopback --size "$size" --count "$count" --depth "$depth" 2>&1) || rc=$?
	[ $rc -eq 0 ] || fail "loopback of $count x $size bytes: exit status $rc: $out"
	while IFS=': ' read -r key value; do
		got[$key]=$value
	done <<<"$out"
	[ "${got[verified_bytes]:-}" = $((size * count)) ] ||
		fail "loopback of $count x $size bytes verified '${got[verified_bytes]:-}' bytes: $out"
	echo "loopback $count x $size bytes, $depth in flight: ${got[throughput_mb_s]} MB/s, every byte back"
	# toaster.ko has the toaster back (toaster-usb itself fails if loopback
	# stays on after it turns it off).
	wait_for_device 10 || fail "$TOASTER_DEV did not come back within 10 s of toaster-usb exiting"
}

# Odd sizes end every transfer in a short packet; whole packets end it
# with a zero-length packet, which each echo must carry back as it came.
case_one_byte_transfers() { loopback 1 16 4; }
case_short_packet_ends_each_transfer() { loopback 1000 16 4; }
case_whole_packets_one_in_flight() { loopback 4096 16 1; }
case_64_KiB_transfers() { loopback 65536 8 4; }
case_transfers_larger_than_a_burn_pattern() { loopback 100000 4 2; }

toaster_cases one_byte_transfers short_packet_ends_each_transfer whole_packets_one_in_flight \
	64_KiB_transfers transfers_larger_than_a_burn_pattern
