#!/bin/bash
# A command the driver refuses must not reach the device: watch the bus with
# usbmon while writing bad commands, then a good one to prove we would
# have seen it.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

mon=/sys/kernel/debug/usb/usbmon
[ -d $mon ] || modprobe usbmon
[ -d $mon ] || { echo "no usbmon"; exit 4; }

busnum=$(<"/sys/class/usbmisc/${TOASTER_DEV##*/}/device/../busnum")
devnum=$(<"/sys/class/usbmisc/${TOASTER_DEV##*/}/device/../devnum")
capture=$(mktemp)
cat "$mon/${busnum}u" >"$capture" &
reader=$!
trap 'kill $reader 2>/dev/null; rm -f "$capture"' EXIT
sleep 0.5

# Control submissions to our device: "S Co:1:003:0" / "S Ci:...".
control_submissions() {
	local n=0 line
	while IFS= read -r line; do
		[[ $line =~ \ S\ C[io]:$busnum:0*$devnum:0\  ]] && n=$((n + 1))
	done <"$capture"
	echo $n
}

before=$(control_submissions)

case_refused_commands_send_nothing() {
	local bad after
	for bad in "bagel" "toast 11" "darkness 0" "lock now" ""; do
		command_fails "Invalid argument" "$bad"
	done
	sleep 0.5
	after=$(control_submissions)
	[ "$after" -eq "$before" ] ||
		fail "$((after - before)) control requests reached the device for refused commands"
}

# Without this, the case above could pass by seeing nothing at all.
case_a_valid_command_is_seen() {
	local after
	command_ok "darkness 5"
	sleep 0.5
	after=$(control_submissions)
	[ "$after" -gt "$before" ] || fail "usbmon saw nothing of a valid command: this test cannot see the bus"
	echo "usbmon: no request for refused commands, $((after - before)) for a valid one"
}

toaster_cases refused_commands_send_nothing a_valid_command_is_seen
