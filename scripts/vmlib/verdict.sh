# shellcheck shell=bash
# scripts/vm's verdict on a run: the guest's command's exit status, unless
# the guest never gave one, or the kernel reported a bug.

# What the kernel prints when something is wrong, whatever the command
# thought of its run.
VM_BUG_RE='BUG:|WARNING:|KASAN:|UBSAN:|Oops|kernel BUG at|general protection fault|Kernel panic|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|unreferenced object|INFO: task .* blocked|sleeping function called from invalid context'

# Prints the exit status of a run: RUN_DIR/status as the guest wrote it;
# else 124 if QEMU was killed at the timeout of TIMEOUT_S seconds (QEMU_RC
# 137, not INTERACTIVE), else 101; and 100 for a command that passed while
# the console LOG has a kernel report, which goes to BUG_REPORT (if set)
# and to stderr.
vm_verdict() {
	local run_dir=$1 qemu_rc=$2 interactive=$3 timeout_s=$4 log=$5 bug_report=$6
	local status=101 reports
	if [ -r "$run_dir/status" ]; then
		status=$(<"$run_dir/status")
	elif [ "$qemu_rc" -eq 137 ] && [ "$interactive" -eq 0 ]; then
		toaster_log "timeout: the guest ran past ${timeout_s}s and was killed (log: $log)"
		status=124
	else
		toaster_log "the guest died before the command finished (log: $log)"
	fi
	reports=$(grep -nE -A 30 "$VM_BUG_RE" "$log" | head -n 120) || true
	[ -z "$bug_report" ] || printf '%s' "$reports" >"$bug_report"
	if [ -n "$reports" ]; then
		toaster_log "the kernel reported a problem (log: $log):"
		printf '%s\n' "$reports" >&2
		[ "$status" -eq 0 ] && status=100
	fi
	if [ "$status" -eq 101 ] || [ "$status" -eq 124 ]; then
		tail -n 30 "$log" >&2
	fi
	printf '%s\n' "$status"
}
