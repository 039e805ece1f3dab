#!/bin/bash
# The bus as a person would look at it in Wireshark: capture a toast through
# the driver with scripts/usb-capture, decode the capture with tshark, and
# require that every packet dissects cleanly and that the toaster's own
# traffic is in it: the TOAST vendor request sent to its address, and
# status notifications completed on its interrupt endpoint.  The capture
# stays under build/usb-capture/ to be opened afterwards.
# About a minute under TCG (tshark's start), and usbmon's format is the
# same on every kernel: Debian's and the newest are enough.
# kernels: 6.12 7.2
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)

# What runs under the capture: scripts/usb-capture calls this script back.
if [ "${1:-}" = drive ]; then
	command_ok "darkness 3"
	command_ok toast
	read_status
	[[ ${STATUS[state]} =~ ^(heating|toasting)$ ]] || fail "after toast: state ${STATUS[state]}"
	"$root/build/bin/toasterctl" -d "$TOASTER_DEV" status >/dev/null ||
		fail "toasterctl status failed"
	command_ok cancel
	expect_status state cancelled
	command_ok "darkness 5"
	exit 0
fi

if ! command -v tshark >/dev/null || ! command -v dumpcap >/dev/null; then
	echo "SKIP: tshark is not installed (scripts/deps installs it)"
	exit 4
fi

# The toaster's interrupt IN endpoint, from its descriptors as sysfs has
# them: the protocol fixes the kinds of endpoint, not their numbers.
int_in_address() {
	local ep
	for ep in "$1"/ep_*; do
		if [ "$(<"$ep/type")" = Interrupt ] && [ "$(<"$ep/direction")" = in ]; then
			echo $((16#$(<"$ep/bEndpointAddress")))
			return 0
		fi
	done
	fail "no interrupt IN endpoint under $1"
}

req_toast=$(toaster_proto TOASTER_REQ_TOAST)
status_size=$(toaster_proto TOASTER_WIRE_STATUS_SIZE)
intf=/sys/class/usbmisc/${TOASTER_DEV##*/}/device
ep_int_in=$(int_in_address "$intf")
usbdev=$intf/..
busnum=$(<"$usbdev/busnum")
devnum=$(<"$usbdev/devnum")

# The capture and its decoding stay for a person to open afterwards.
out=$root/build/usb-capture
pcap=$out/usbmon-pcap-${TOASTER_KERNEL:-local}.pcapng
decoded=${pcap%.pcapng}.txt
mkdir -p "$out"
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT

case_a_toast_captured_dissects_cleanly() {
	local t0 t1 t2 t3 frames=0 toasts=0 notifications=0 int_other=0 line
	local -a bad=() lines

	reset_toaster

	t0=$(now_ms)
	"$root/scripts/usb-capture" -o "$pcap" -- "$0" drive ||
		fail "the capture of a toast failed (exit status $?)"
	t1=$(now_ms)
	echo "capture: $pcap (bus $busnum, toaster at address $devnum), $((t1 - t0)) ms"

	# Every packet, fully dissected, as Wireshark's packet details show it.
	# One tshark only: under TCG its start alone takes seconds, so the checks
	# below read this text rather than asking tshark again for fields.
	tshark -r "$pcap" -V >"$decoded" 2>"$errors" ||
		fail "tshark cannot read $pcap: $(<"$errors")"
	t2=$(now_ms)
	echo "tshark -r $pcap -V: $((t2 - t1)) ms, decoded into $decoded"

	# The fields of one URB, as tshark -V prints them under "USB URB" and
	# "Setup Data"; judge() counts the frame once the next one begins.
	new_urb() { urb='' type='' ep='' dev='' bus='' status='' len='' rtype='' breq=''; }
	new_urb
	judge() {
		[ "$bus" = "$busnum" ] && [ "$dev" = "$devnum" ] || return 0
		# TOAST: a vendor request (bmRequestType type bits 0x40) submitted.
		if [ "$urb" = S ] && [ "$type" = 0x02 ] && [ "$breq" = "$req_toast" ] &&
			[ $((rtype & 0x60)) -eq $((0x40)) ]; then
			toasts=$((toasts + 1))
		fi
		# A notification: an interrupt IN transfer completed on the toaster's
		# interrupt endpoint, carrying one status.
		if [ "$urb" = C ] && [ "$type" = 0x01 ] && [ "$status" = 0 ] &&
			[ $((ep)) -eq "$ep_int_in" ]; then
			if [ "$len" = "$status_size" ]; then
				notifications=$((notifications + 1))
			else
				int_other=$((int_other + 1))
			fi
		fi
		return 0
	}
	# One read of the whole text: line by line would be a round trip to the
	# host's file system for every line.
	mapfile -t lines <"$decoded"
	for line in "${lines[@]}"; do
		case $line in
		"Frame "[0-9]*)
			judge
			frames=$((frames + 1))
			new_urb
			;;
		*Malformed* | *"Expert Info (Error"* | *"Dissector bug"*)
			bad+=("frame $frames: ${line#"${line%%[! ]*}"}")
			;;
		"    URB type: "*) urb=${line: -3:1} ;;
		"    URB transfer type: "*) type=${line##*\(}; type=${type%\)} ;;
		"    Endpoint: "*) ep=${line#*: }; ep=${ep%%,*} ;;
		"    Device: "*) dev=${line#*: } ;;
		"    URB bus id: "*) bus=${line#*: } ;;
		"    URB status: "*) status=${line##*\(}; status=${status%\)} ;;
		"    Data length [bytes]: "*) len=${line#*: } ;;
		"    bmRequestType: "*) rtype=${line#*: } ;;
		"    bRequest: "*) breq=${line##*[ (]}; breq=${breq%\)} ;;
		esac
	done
	judge
	t3=$(now_ms)

	[ "$frames" -gt 0 ] || fail "tshark decoded no frames from $pcap"
	if [ ${#bad[@]} -gt 0 ]; then
		printf '%s\n' "${bad[@]:0:10}"
		fail "tshark finds ${#bad[@]} malformed packets or errors in $pcap (see $decoded)"
	fi
	[ "$toasts" -ge 1 ] ||
		fail "no TOAST vendor request (bRequest $req_toast) to $busnum:$devnum in $pcap"
	[ "$notifications" -ge 1 ] ||
		fail "no $status_size-byte interrupt IN completion on endpoint $(printf 0x%02x "$ep_int_in") of $busnum:$devnum in $pcap ($int_other of other sizes)"
	[ "$int_other" -eq 0 ] ||
		fail "$int_other interrupt IN completions on $busnum:$devnum are not $status_size bytes"
	echo "$frames frames, none malformed ($((t3 - t2)) ms to check); toaster $busnum:$devnum:" \
		"$toasts TOAST request(s), $notifications status notifications of $status_size bytes"
	echo "open it with: wireshark $pcap"
}

toaster_cases a_toast_captured_dissects_cleanly
