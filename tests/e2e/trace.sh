#!/bin/bash
# The driver's tracepoints record every request it sends and every
# notification it receives.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

tracing=/sys/kernel/tracing
[ -d $tracing/events/toaster ] || fail "no toaster events in $tracing"
reset_toaster
# Enabling an event patches code that other CPUs may be running.  QEMU's
# TCG has been seen to fumble that ("Oops: int3" in ttwu_do_activate): so
# no comm recording, which would patch the scheduler's tracepoints too, and
# a toaster at rest, so no notification is on its way through ours.
echo 0 >$tracing/options/record-cmd
wait_for_status temperature_c 20 300
echo 0 >$tracing/tracing_on
: >$tracing/trace
echo 1 >$tracing/events/toaster/enable
echo 1 >$tracing/tracing_on
trap 'echo 0 >$tracing/events/toaster/enable; echo 1 >$tracing/options/record-cmd' EXIT

case_requests_and_notifications_are_traced() {
	local requests=0 toasts=0 notifications=0 line size

	size=$(toaster_proto TOASTER_WIRE_STATUS_SIZE)
	command_ok "toast 2"
	sleep 1
	command_ok cancel
	echo 0 >$tracing/tracing_on
	# At rest again before the events are switched off (see above).
	wait_for_status temperature_c 20 300
	echo 0 >$tracing/events/toaster/enable

	while IFS= read -r line; do
		case $line in
		*"toaster_request: "*" TOAST value=2 "*) toasts=$((toasts + 1)); requests=$((requests + 1)) ;;
		*"toaster_request: "*) requests=$((requests + 1)) ;;
		*"toaster_notify: "*"status=0 len=$size "*) notifications=$((notifications + 1)) ;;
		esac
	done <$tracing/trace
	echo "traced: $requests requests ($toasts TOAST), $notifications notifications"
	[ $toasts -eq 1 ] || fail "want one TOAST value=2 request in the trace, have $toasts"
	# toast, cancel and a GET_STATUS after each, at least.
	[ $requests -ge 4 ] || fail "want at least 4 requests traced, have $requests"
	[ $notifications -ge 1 ] || fail "no notification traced"
}

toaster_cases requests_and_notifications_are_traced
