# shellcheck shell=bash
# Helpers for the tests that run in the guest, against /dev/toaster0.
# Process creation is slow under TCG with KASAN, so these stay in bash
# builtins where they can: no cat, no grep, no subshells in the loops.

TOASTER_DEV=${TOASTER_DEV:-/dev/toaster0}
# The project's programs, wherever the test is run from.
TOASTER_BIN=$(dirname "${BASH_SOURCE[0]}")/../build/bin
# The toaster's firmware takes commands here (scripts/toaster-stack).
TOASTER_GADGET_CTL=${TOASTER_GADGET_CTL:-/run/toaster-stack/gadget.ctl}

# A number of include/uapi/toaster_proto.h by name (TOASTER_VENDOR_ID,
# TOASTER_REQ_TOAST, TOASTER_WIRE_STATUS_SIZE; `toaster-proto` lists them),
# from the header compiled rather than parsed: IDs as four lower-case hex
# digits, as lsusb has them, the rest in decimal.
toaster_proto() {
	local value
	value=$("$TOASTER_BIN/toaster-proto" "$1") ||
		fail "toaster-proto $1 failed"
	echo "$value"
}

# The KTAP of a kselftest program that exited 0, all of whose results must
# be passes: on stdout its plan, or (and false) what is wrong with it.  A
# plan of fewer than MIN results is wrong too: a pass must be a pass of
# something.
ktap_all_passed() {
	local out=$1 min=$2 plan
	if ! [[ $out =~ (^|$'\n')1\.\.([0-9]+)$'\n' ]]; then
		echo "no KTAP plan in the output"
		return 1
	fi
	plan=${BASH_REMATCH[2]}
	if ((plan < min)); then
		echo "only $plan checks planned"
		return 1
	fi
	if [[ $out =~ (^|$'\n')not\ ok ]]; then
		echo "a check failed but the exit status was 0"
		return 1
	fi
	# skipped is not passed: a healthy toaster leaves nothing to skip
	if ! [[ $out =~ (^|$'\n')"# Totals: pass:$plan fail:0 " ]]; then
		echo "not all $plan checks passed (${out##*# Totals: })"
		return 1
	fi
	echo "$plan"
}

# Every failure says what was expected and what came, then ends the test
# (or the case: see toaster_cases).
fail() {
	echo "FAIL: $*"
	exit 1
}

# The kselftest shell helpers, from the kernel tree the guest was given
# (scripts/vm), else the one scripts/kernel unpacks.
# shellcheck source=/dev/null
. "${KERNEL_SRC:-$("$(dirname "${BASH_SOURCE[0]}")/../scripts/kernel" source)}/tools/testing/selftests/kselftest/ktap_helpers.sh"

# Runs a test's cases in order, each the function case_NAME, and reports
# them as KTAP: "ok N NAME" or "not ok N NAME" after the case's output as
# "# " lines.  Each runs in a subshell, so that fail() (or any command
# failing under set -e) ends that case and the next one still runs; a case
# that exits 4 is skipped.  Returns through exit: 0 if every case passed.
toaster_cases() {
	local name output rc line
	ktap_print_header
	ktap_set_plan $#
	for name in "$@"; do
		# Not in an || list, where bash would ignore set -e all through
		# the case: a failing command must end it.
		set +e
		output=$(set -e; "case_$name" 2>&1)
		rc=$?
		set -e
		if [ -n "$output" ]; then
			while IFS= read -r line; do
				printf '# %s\n' "$line"
			done <<<"$output"
		fi
		case $rc in
		0) ktap_test_pass "$name" ;;
		4) ktap_test_skip "$name" ;;
		*) ktap_test_fail "$name" ;;
		esac
	done
	ktap_finished
}

# Wall-clock milliseconds, from a bash builtin: a process per reading would
# cost more than some of the intervals measured.
now_ms() {
	local t=${EPOCHREALTIME//[.,]/}
	echo $((t / 1000))
}

# Reads one status snapshot from the device into the associative array
# STATUS (state, darkness, temperature_c, ...).
declare -gA STATUS
read_status() {
	local key value
	STATUS=()
	while IFS=': ' read -r key value; do
		STATUS[$key]=$value
	done <"$TOASTER_DEV" || fail "cannot read $TOASTER_DEV"
	[ -n "${STATUS[state]:-}" ] || fail "no state line in what $TOASTER_DEV returned"
}

expect_status() {
	local key=$1 want=$2
	read_status
	[ "${STATUS[$key]:-}" = "$want" ] ||
		fail "$key: want '$want', have '${STATUS[$key]:-}'"
}

# Writes a command; succeeds only if the write does.
command_ok() {
	local err
	err=$({ printf '%s\n' "$1" >"$TOASTER_DEV"; } 2>&1) ||
		fail "'$1' failed: ${err##*: }"
}

# Writes a command that must fail with the given error text (strerror).
command_fails() {
	local want=$1 cmd=$2 err
	if err=$({ printf '%s\n' "$cmd" >"$TOASTER_DEV"; } 2>&1); then
		fail "'$cmd' succeeded, want '$want'"
	fi
	[ "${err##*: }" = "$want" ] || fail "'$cmd': want '$want', have '${err##*: }'"
}

# Polls until a status field has the wanted value, or fails after a while.
wait_for_status() {
	local key=$1 want=$2 tries=${3:-100}
	while ((tries-- > 0)); do
		read_status
		[ "${STATUS[$key]}" = "$want" ] && return 0
		sleep 0.1
	done
	fail "$key never became '$want' (last '${STATUS[$key]}')"
}

# Waits up to SECONDS (default 10) for the device node to exist again, e.g.
# after something else had the interface; false if it does not.
wait_for_device() {
	local tries=$((${1:-10} * 10))
	while ((tries-- > 0)); do
		[ -e "$TOASTER_DEV" ] && return 0
		sleep 0.1
	done
	return 1
}

# Sends one command to the firmware and waits until it has been carried
# out: the firmware appends "ok CMD" (or "error CMD: WHY") to
# TOASTER_GADGET_CTL.ack.  toaster-gadget-ctl does the waiting, as the
# driver's selftest does (lib/toaster_control.c); anything but "ok" fails
# the test with what went wrong.
gadget_ctl() {
	local err
	err=$("$TOASTER_BIN/toaster-gadget-ctl" "$TOASTER_GADGET_CTL" "$1" 2>&1) ||
		fail "${err#toaster-gadget-ctl: }"
}

# The reverse of wait_for_device: false if the node is still there.
wait_for_device_gone() {
	local tries=$((${1:-10} * 10))
	while ((tries-- > 0)); do
		[ -e "$TOASTER_DEV" ] || return 0
		sleep 0.1
	done
	return 1
}

# Puts the toaster back in a known state, whatever the last test left.
reset_toaster() {
	command_ok cancel
	command_ok unlock
	command_ok "darkness 5"
}

# Another firmware beside the stack's (toaster-gadget ARGS..., e.g.
# --functionfs), in the background, its output in LOG.  Its pid goes in
# /run/toaster-stack/NAME.pid, where `toaster-stack down` finds it should
# the test not stop it, and its exit status in NAME.status once it exits:
# a case runs in a subshell, which cannot wait for a child of the script.
start_firmware() {
	local name=$1 log=$2 dir=/run/toaster-stack
	shift 2
	rm -f "$dir/$name.status"
	(
		toaster-gadget "$@" >"$log" 2>&1 &
		echo $! >"$dir/$name.pid"
		rc=0
		wait $! || rc=$?
		echo $rc >"$dir/$name.status"
	) &
	while [ ! -s "$dir/$name.pid" ]; do
		sleep 0.05
	done
}

# SIGTERMs the firmware started as NAME and waits up to 10 s for it;
# returns its exit status (124 if it would not go, and it is killed).
stop_firmware() {
	local dir=/run/toaster-stack pid tries=100
	[ -e "$dir/$1.pid" ] || return 0
	pid=$(<"$dir/$1.pid")
	rm -f "$dir/$1.pid"
	kill -TERM "$pid" 2>/dev/null || return 0
	while ((tries-- > 0)) && [ ! -s "$dir/$1.status" ]; do
		sleep 0.1
	done
	if [ ! -s "$dir/$1.status" ]; then
		kill -KILL "$pid" 2>/dev/null || true
		return 124
	fi
	return "$(<"$dir/$1.status")"
}

# How many USB device controllers have no gadget bound: room for a
# second toaster (scripts/toaster-stack loads dummy_hcd num=2).
free_udcs() {
	local udc free=0
	for udc in /sys/class/udc/*; do
		[ -e "$udc" ] && [ -z "$(<"$udc/function")" ] && free=$((free + 1))
	done
	echo "$free"
}

# The stress suites run where the bug catchers are: on the debug kernels
# (KASAN, lockdep, UBSAN, kmemleak, fail-nth), or on a dev box with no
# TOASTER_KERNEL.  On the stock kernels make check skips them, which keeps
# its four guests within their time; TOASTER_STRESS=full runs them anywhere.
toaster_stress_kernel() {
	case ${TOASTER_STRESS:-ci}/${TOASTER_KERNEL:-} in
	full/* | */ | */debug*) return 0 ;;
	esac
	echo "SKIP: the stress suites run on the debug kernel, not $TOASTER_KERNEL"
	exit 4
}

# The size of a stress suite (tests/e2e/storm-*.sh, faults, fuzz, soak):
# CI's, the first argument, unless TOASTER_STRESS=full (`make stress`)
# asks for the full one, the second.  The one place the variable is read.
toaster_stress_size() {
	case ${TOASTER_STRESS:-ci} in
	ci) echo "$1" ;;
	full) echo "$2" ;;
	*) fail "TOASTER_STRESS is 'ci' or 'full', not '$TOASTER_STRESS'" ;;
	esac
}
