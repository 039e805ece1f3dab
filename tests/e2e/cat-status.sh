#!/bin/bash
# `cat /dev/toaster0` prints one status snapshot, every field in order, and
# ends.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

case_one_snapshot_every_field_in_order() {
	local text i
	local -a lines patterns=(
		"state: (idle|cancelled|done)"
		"darkness: 5"
		"temperature_c: -?[0-9]+"
		"remaining_ms: [0-9]+"
		"safety_lock: 0"
		"toasts: [0-9]+"
		"errors: [0-9]+"
	)

	reset_toaster
	text=$(timeout 10 cat "$TOASTER_DEV") || fail "cat did not end by itself"
	mapfile -t lines <<<"$text"
	[ ${#lines[@]} -eq ${#patterns[@]} ] || fail "${#lines[@]} lines, want ${#patterns[@]}"
	for i in "${!patterns[@]}"; do
		[[ ${lines[i]} =~ ^${patterns[i]}$ ]] ||
			fail "line $((i + 1)): '${lines[i]}' does not match '${patterns[i]}'"
	done
	echo "$text"
}

toaster_cases one_snapshot_every_field_in_order
