#!/bin/bash
# Every command the device node takes, and the errors it gives back:
# echo "toast", "toast N", "cancel", "darkness N", "lock", "unlock".
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

case_as_a_person_types_them() {
	reset_toaster
	echo "darkness 3" >"$TOASTER_DEV"
	expect_status darkness 3
	echo toast >"$TOASTER_DEV"
	read_status
	[[ ${STATUS[state]} =~ ^(heating|toasting)$ ]] || fail "after toast: state ${STATUS[state]}"
	[ "${STATUS[remaining_ms]}" -gt 0 ] || fail "toasting with nothing remaining"
	command_fails "Device or resource busy" "toast"
	command_fails "Device or resource busy" "toast 4"
	command_ok cancel
	expect_status state cancelled
	expect_status remaining_ms 0
}

# Out of range, malformed or unknown: refused, and nothing changes.
case_bad_input_is_refused_and_changes_nothing() {
	local bad

	command_ok "darkness 3"
	read_status
	local state=${STATUS[state]}
	for bad in "darkness 0" "darkness 11" "darkness" "toast 0" "toast 11" "toast x" \
		"bagel" "toast 5 5" "cancel now" "TOAST"; do
		command_fails "Invalid argument" "$bad"
	done
	expect_status darkness 3
	expect_status state "$state"
}

case_safety_lock() {
	read_status
	local state=${STATUS[state]}
	command_ok lock
	expect_status safety_lock 1
	command_fails "Operation not permitted" "toast"
	expect_status state "$state"
	command_ok unlock
	expect_status safety_lock 0
}

case_a_whole_toast_to_the_pop() {
	local toasts

	reset_toaster
	read_status
	toasts=${STATUS[toasts]}
	command_ok "toast 1"
	expect_status darkness 1
	wait_for_status state "done" 300
	expect_status toasts $((toasts + 1))
	expect_status remaining_ms 0
	reset_toaster
}

toaster_cases as_a_person_types_them bad_input_is_refused_and_changes_nothing \
	safety_lock a_whole_toast_to_the_pop
