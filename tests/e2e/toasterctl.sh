#!/bin/bash
# toasterctl, the command-line tool, against the emulated toaster: status
# (text and JSON), darkness, the safety lock, a whole toast waited for
# through poll(), toast --no-wait and cancel, watch, list, burn (P5, P2,
# malformed files), and the exit code and message of each error.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

CTL=$(dirname "$0")/../../build/bin/toasterctl
[ -x "$CTL" ] || fail "$CTL is not built"
name=${TOASTER_DEV##*/}
sys=/sys/class/usbmisc/$name/device

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs toasterctl on the toaster under test: its output (stdout and stderr)
# in OUT, its exit status in RC.
OUT=
RC=0
ctl() {
	OUT=$("$CTL" -d "$TOASTER_DEV" "$@" 2>&1) && RC=0 || RC=$?
}

# Like ctl, and it must exit with WANT and say something containing TEXT.
ctl_expect() {
	local want=$1 text=$2
	shift 2
	ctl "$@"
	[ "$RC" -eq "$want" ] || fail "toasterctl $*: exit $RC, want $want; said: $OUT"
	[[ $OUT == *"$text"* ]] || fail "toasterctl $*: said '$OUT', want '$text'"
}

reset_toaster
read -r serial <"$sys/serial"

# status, once through the default device (/dev/toaster, else /dev/toaster0).
case_status_text_and_json() {
	local status_json list_json

	if [ "$TOASTER_DEV" = /dev/toaster0 ] || [ "$TOASTER_DEV" = /dev/toaster ]; then
		OUT=$("$CTL" status 2>&1) || fail "toasterctl status (default device): $OUT"
	else
		ctl_expect 0 "state:" status
	fi
	[[ $OUT == *"darkness:      5"* ]] || fail "status: no darkness 5 in: $OUT"
	[[ $OUT == *"safety lock:   off"* ]] || fail "status: lock not off in: $OUT"
	[[ $OUT == *"$serial"* ]] || fail "status: no serial $serial in: $OUT"

	# Both JSON documents checked by one python3: it is slow to start here.
	ctl_expect 0 '"darkness":5' --json status
	status_json=$OUT
	ctl_expect 0 "$serial" --json list
	list_json=$OUT
	python3 - "$status_json" "$list_json" "$TOASTER_DEV" "$serial" <<-'EOF' ||
	import json, sys
	st, lst, dev, serial = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
	assert st["darkness"] == 5 and st["safety_lock"] is False, st
	assert st["serial"] == serial and isinstance(st["temperature_c"], int), st
	for key in ("state", "remaining_ms", "toasts", "errors", "model", "firmware_version"):
	    assert key in st, key
	assert any(t["serial"] == serial and t["state"] for t in lst), lst
	EOF
		fail "JSON from toasterctl does not parse or lacks fields: $status_json / $list_json"
}

# list, as a person reads it.
case_list() {
	ctl_expect 0 "$serial" list
	[[ $OUT == *"/dev/toaster"* ]] || fail "list: no node in: $OUT"
}

# darkness, and a bad one is refused before anything is sent.
case_darkness_and_bad_arguments() {
	local bad state0

	read_status
	state0=${STATUS[state]}
	ctl_expect 0 "" darkness 3
	expect_status darkness 3
	for bad in "darkness 0" "darkness 11" "darkness x" "toast 0" "toast 11" "toast -1"; do
		# shellcheck disable=SC2086 # split "darkness 0" into its words
		ctl_expect 2 "darkness must be" $bad
	done
	ctl_expect 2 "unknown command" bagel
	expect_status darkness 3
	expect_status state "$state0"
}

# The safety lock: toasting fails with its message, exit 1, nothing starts.
case_safety_lock() {
	local state0

	read_status
	state0=${STATUS[state]}
	ctl_expect 0 "" lock
	expect_status safety_lock 1
	ctl_expect 1 "safety lock is on" toast
	expect_status state "$state0"
	ctl_expect 0 "" unlock
	expect_status safety_lock 0
}

# A whole toast, waited for: one line per state change when not a tty.
case_a_whole_toast_waited_for() {
	local toasts

	read_status
	toasts=${STATUS[toasts]}
	ctl_expect 0 "state=done" toast 1
	[[ $OUT == *"state=heating"* || $OUT == *"state=toasting"* ]] ||
		fail "toast 1: no heating or toasting line in: $OUT"
	expect_status toasts $((toasts + 1))
	expect_status darkness 1
}

# --no-wait, toasting twice, cancel.
case_no_wait_busy_and_cancel() {
	ctl_expect 0 "" toast 4 --no-wait
	read_status
	[[ ${STATUS[state]} =~ ^(heating|toasting)$ ]] || fail "after toast --no-wait: state ${STATUS[state]}"
	ctl_expect 1 "already toasting" toast
	ctl_expect 0 "" cancel
	expect_status state cancelled
}

# A waiting toast ends, through poll(), when someone else cancels it.
case_a_waiting_toast_ends_when_cancelled() {
	local toast_pid tries rc

	"$CTL" -d "$TOASTER_DEV" toast 5 >"$tmp/toast.out" 2>&1 &
	toast_pid=$!
	# A case that fails leaves no toast waiting behind it.
	# shellcheck disable=SC2064 # the pid now, while it is in scope
	trap "kill $toast_pid 2>/dev/null || true" EXIT
	tries=100
	until read_status && [[ ${STATUS[state]} =~ ^(heating|toasting)$ ]]; do
		((tries-- > 0)) || fail "background toast never started: $(<"$tmp/toast.out")"
		sleep 0.1
	done
	ctl_expect 0 "" cancel
	rc=0
	wait "$toast_pid" || rc=$?
	[ "$rc" -eq 5 ] || fail "cancelled toast: exit $rc, want 5: $(<"$tmp/toast.out")"
	[[ $(<"$tmp/toast.out") == *"toast cancelled"* ]] || fail "cancelled toast said: $(<"$tmp/toast.out")"
}

# watch --json: one object per change, until SIGTERM, then exit 0.
case_watch_json() {
	local watch_pid tries rc lines line

	"$CTL" -d "$TOASTER_DEV" --json watch >"$tmp/watch.out" 2>&1 &
	watch_pid=$!
	# shellcheck disable=SC2064 # the pid now, while it is in scope
	trap "kill $watch_pid 2>/dev/null || true" EXIT
	# The first line is the status at start; only changes after it are seen.
	tries=100
	until [ -s "$tmp/watch.out" ]; do
		((tries-- > 0)) || fail "watch printed nothing"
		sleep 0.1
	done
	ctl_expect 0 "" darkness 7
	tries=100
	until [[ $(<"$tmp/watch.out") == *'"darkness":7'* ]]; do
		((tries-- > 0)) || fail "watch did not show darkness 7: $(<"$tmp/watch.out")"
		sleep 0.1
	done
	kill -TERM "$watch_pid"
	rc=0
	wait "$watch_pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "watch: exit $rc after SIGTERM, want 0"
	lines=0
	while IFS= read -r line; do
		[[ $line == '{"device":'*'"state":'*'}' ]] || fail "watch printed '$line'"
		lines=$((lines + 1))
	done <"$tmp/watch.out"
	[ "$lines" -ge 2 ] || fail "watch printed $lines lines, want at least 2"
}

# burn: a P5 and a P2 image, then files it must refuse, exit 7.
case_burn_images() {
	printf 'P5\n# four by two\n4 2\n255\n\x00\x40\x80\xff\xff\x80\x40\x00' >"$tmp/p5.pgm"
	printf 'P2\n3 2\n10\n0 5 10\n10 5 0\n' >"$tmp/p2.pgm"
	ctl_expect 0 "burnt a 4x2 pattern (8 bytes)" burn "$tmp/p5.pgm"
	ctl_expect 0 "burnt a 3x2 pattern (6 bytes)" burn "$tmp/p2.pgm"
	printf 'P5\n2 2\n255\n\x00' >"$tmp/short.pgm"
	ctl_expect 7 "truncated PGM image" burn "$tmp/short.pgm"
	printf 'P5\n257 256\n255\n' >"$tmp/big.pgm"
	ctl_expect 7 "image too large" burn "$tmp/big.pgm"
	printf 'P6\n1 1\n255\n\x00\x00\x00' >"$tmp/ppm.pgm"
	ctl_expect 7 "not a PGM image" burn "$tmp/ppm.pgm"
	printf 'P2\n1 1\n65535\n0\n' >"$tmp/deep.pgm"
	ctl_expect 7 "over 255" burn "$tmp/deep.pgm"
	ctl_expect 7 "No such file" burn "$tmp/none.pgm"
}

# No such toaster: exit 3.
case_no_such_toaster() {
	if OUT=$("$CTL" -d /dev/toaster99 status 2>&1); then
		fail "status of /dev/toaster99 succeeded: $OUT"
	else
		RC=$?
	fi
	[ "$RC" -eq 3 ] || fail "status of /dev/toaster99: exit $RC, want 3"
	[[ $OUT == *"no such toaster"* ]] || fail "status of /dev/toaster99 said '$OUT'"
	reset_toaster
}

toaster_cases status_text_and_json \
	list \
	darkness_and_bad_arguments \
	safety_lock \
	a_whole_toast_waited_for \
	no_wait_busy_and_cancel \
	a_waiting_toast_ends_when_cancelled \
	watch_json \
	burn_images \
	no_such_toaster
