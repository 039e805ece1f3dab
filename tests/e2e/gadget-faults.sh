#!/bin/bash
# Faults the firmware injects on command (toaster-gadget --control), as the
# driver meets them: a request the toaster never answers fails with
# ETIMEDOUT after io_timeout_ms, and the toaster answers again once
# replugged; a refused
# (stalled) request fails and changes nothing; malformed notifications are
# dropped and the status stays sane while good ones still get through; a
# halted bulk endpoint fails one BURN or LOOPBACK with EPIPE; the
# firmware's counters say what it burned and echoed.
# Skips unless the firmware was started with --control.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

[ -p "$TOASTER_GADGET_CTL" ] || { echo "no control FIFO at $TOASTER_GADGET_CTL: toaster-gadget runs without --control"; exit 4; }

# Writes a command that must fail.  The driver turns a stall into EIO, or
# EPERM/EBUSY when the status it then reads says why: any error will do.
command_refused() {
	local err
	if err=$({ printf '%s\n' "$1" >"$TOASTER_DEV"; } 2>&1); then
		fail "'$1' succeeded $2"
	fi
	echo "'$1' $2: failed with '${err##*: }'"
}

# Leave no fault behind for the next test, pass or fail.
cleanup() { [ -p "$TOASTER_GADGET_CTL" ] && printf 'clear\n' >"$TOASTER_GADGET_CTL"; }
trap cleanup EXIT

# How many times the kernel has logged this so far.
log_count() {
	local n
	n=$(dmesg | grep -c -- "$1") || true
	echo "${n:-0}"
}

gadget_ctl clear
reset_toaster

# The toaster never answers TOAST; replugged, it answers again.
case_hang_times_out_after_io_timeout_ms() {
	local timeout_ms start took

	timeout_ms=$(</sys/module/toaster/parameters/io_timeout_ms)
	gadget_ctl "fault hang toast"
	start=$(now_ms)
	command_fails "Connection timed out" toast
	took=$(($(now_ms) - start))
	((took >= timeout_ms - 50)) || fail "timed out after $took ms, before io_timeout_ms ($timeout_ms)"
	((took < timeout_ms + 3000)) || fail "took $took ms to time out, io_timeout_ms is $timeout_ms"
	echo "hang: toast timed out after $took ms (io_timeout_ms $timeout_ms)"

	# What a person does with a hung toaster: unplug it and plug it back in.
	# (Talking on to it instead leaves gadgetfs's ep0 in a state that
	# dummy_hcd trips over later: a kernel use-after-free, not ours to test.)
	gadget_ctl "clear hang toast"
	gadget_ctl unplug
	wait_for_device_gone 10 || fail "$TOASTER_DEV still there after unplug"
	gadget_ctl plug
	wait_for_device 30 || fail "$TOASTER_DEV did not come back after plug"
	# The hung toast never started, and the toaster answers again.
	read_status
	[[ ${STATUS[state]} =~ ^(idle|cancelled|done)$ ]] || fail "after a toast that hung: state ${STATUS[state]}"
	command_ok toast
	read_status
	[[ ${STATUS[state]} =~ ^(heating|toasting)$ ]] || fail "toast after the replug: state ${STATUS[state]}"
	command_ok cancel
	expect_status state cancelled
}

# The toaster refuses TOAST although it could.
case_stall_is_refused_and_changes_nothing() {
	read_status
	local state=${STATUS[state]}
	gadget_ctl "fault stall toast"
	command_refused toast "with stall=toast"
	expect_status state "$state"
	gadget_ctl "clear stall"
	command_ok "darkness 5"
	expect_status darkness 5
}

# A malformed notification before every good one.
case_garbage_notify_is_dropped_and_the_status_stays_sane() {
	local dropped now_dropped i temp

	dropped=$(log_count "dropped a malformed notification")
	gadget_ctl "fault garbage-notify"
	# The longest toast, so it is still on when we cancel it.
	command_ok "toast 10"
	# Until it toasts, the state only moves on through notifications; every
	# snapshot on the way must make sense.
	for ((i = 0; i < 600; i++)); do
		read_status
		[[ ${STATUS[state]} =~ ^(heating|toasting)$ ]] || fail "garbage-notify: state '${STATUS[state]}'"
		[ "${STATUS[darkness]}" = 10 ] || fail "garbage-notify: darkness '${STATUS[darkness]}', want 10"
		temp=${STATUS[temperature_c]}
		if ! [[ $temp =~ ^[0-9]+$ ]] || ((temp < 15 || temp > 205)); then
			fail "garbage-notify: temperature '$temp'"
		fi
		[ "${STATUS[state]}" = toasting ] && break
		sleep 0.1
	done
	[ "${STATUS[state]}" = toasting ] || fail "garbage-notify: never saw toasting (last '${STATUS[state]}')"
	now_dropped=$(log_count "dropped a malformed notification")
	((now_dropped > dropped)) || fail "garbage-notify: the kernel logged no dropped notification"
	echo "garbage-notify: status sane through heating, $((now_dropped - dropped)) drops logged"
	gadget_ctl "clear garbage-notify"
	command_ok cancel
	read_status
	[[ ${STATUS[state]} =~ ^(cancelled|done)$ ]] || fail "garbage-notify: after cancel, state ${STATUS[state]}"
	reset_toaster
}

# The darkness request goes through; the status read after it comes back
# short.  The command took effect, so it succeeded: a caller who retried a
# "failed" toast would start a second one.  The notification tells the
# driver the rest.
case_a_command_taken_succeeds_though_the_status_read_after_fails() {
	gadget_ctl "fault short get_status"
	command_ok "darkness 6"
	gadget_ctl "clear short"
	wait_for_status darkness 6
	command_ok "darkness 5"
}

# The heater faults; only cancel clears it.
case_overheat_faults_until_cancel() {
	local errors

	read_status
	errors=${STATUS[errors]}
	gadget_ctl overheat
	wait_for_status state fault 100
	expect_status errors $((errors + 1))
	command_refused toast "in fault"
	expect_status state fault
	command_ok cancel
	expect_status state idle
	echo "overheat: fault, errors counted, toast refused until cancel"
}

case_slow_bulk_holds_each_transfer_up() {
	local start took

	gadget_ctl "fault slow-bulk 400"
	start=$(now_ms)
	toaster-usb loopback --size 4096 --count 2 >/dev/null || fail "loopback with slow-bulk failed"
	took=$(($(now_ms) - start))
	gadget_ctl "clear slow-bulk"
	wait_for_device 10 || fail "$TOASTER_DEV did not come back after toaster-usb"
	((took >= 800)) || fail "slow-bulk=400: two transfers took only $took ms"
	echo "slow-bulk: two 4 KiB loopbacks took $took ms"
	reset_toaster
}

# The firmware's bulk counters ("stats" writes them to CTL.stats) into
# the associative array STATS.
declare -A STATS
read_stats() {
	local key value
	STATS=()
	gadget_ctl stats
	while IFS=': ' read -r key value; do
		STATS[$key]=$value
	done <"$TOASTER_GADGET_CTL.stats"
	[ -n "${STATS[patterns_burned]:-}" ] || fail "no patterns_burned in $TOASTER_GADGET_CTL.stats"
}

# One BURN or LOOPBACK through the driver (toaster_bulk); prints what
# came of it: "ok" or the errno's name.
bulk_call() {
	local out
	if out=$(toaster_bulk "$@" 2>&1); then
		echo ok
	else
		out=${out##*error: }
		echo "${out%%$'\n'*}"
	fi
}

# The firmware halts the endpoint at its next transfer; the driver's call
# fails with EPIPE, clears the halt, and the next call goes through.
halted_once() {
	local ep=$1 got
	shift
	gadget_ctl "fault halt $ep"
	got=$(bulk_call "$@")
	[ "$got" = EPIPE ] || fail "$* with halt=$ep: $got, want EPIPE"
	got=$(bulk_call "$@")
	[ "$got" = ok ] || fail "$* after halt=$ep was cleared: $got"
	echo "halt=$ep: $1 failed with EPIPE once, then went through"
}

case_halt_bulk_out_fails_a_call_once() {
	halted_once bulk-out burn 4096
	halted_once bulk-out loopback 65536 2
}

case_halt_bulk_in_fails_a_loopback_once() {
	local flushed
	read_stats
	flushed=${STATS[echoes_flushed]}
	halted_once bulk-in loopback 4096
	halted_once bulk-in loopback 1000 3
	read_stats
	((STATS[echoes_flushed] > flushed)) || fail "halt=bulk-in: no echo counted as flushed"
}

# What the firmware counted is what was sent.
case_stats_count_patterns_and_echoes() {
	local -A before
	local key
	read_stats
	for key in "${!STATS[@]}"; do before[$key]=${STATS[$key]}; done
	[ "$(bulk_call burn 1000 3)" = ok ] || fail "BURN of 3 x 1000 bytes failed"
	[ "$(bulk_call burn 100000)" = ok ] || fail "BURN of 100000 bytes failed"
	[ "$(bulk_call loopback 4096 2)" = ok ] || fail "LOOPBACK of 2 x 4096 bytes failed"
	read_stats
	for key in patterns_burned:3 bytes_burned:3000 oversized:1 transfers_echoed:2 bytes_echoed:8192; do
		(( STATS[${key%:*}] - before[${key%:*}] == ${key#*:} )) ||
			fail "${key%:*}: went from ${before[${key%:*}]} to ${STATS[${key%:*}]}, want ${key#*:} more"
	done
	echo "stats: 3 patterns of 1000 bytes burned, 1 oversized, 2 echoes of 4096 bytes"
}

toaster_cases hang_times_out_after_io_timeout_ms stall_is_refused_and_changes_nothing \
	garbage_notify_is_dropped_and_the_status_stays_sane a_command_taken_succeeds_though_the_status_read_after_fails \
	overheat_faults_until_cancel slow_bulk_holds_each_transfer_up \
	halt_bulk_out_fails_a_call_once halt_bulk_in_fails_a_loopback_once \
	stats_count_patterns_and_echoes
