# shellcheck shell=bash
# What scripts/vm hands the guest: the run directory's env file, which
# scripts/guest/run sources as PID 1, and the command it runs.

# Writes RUN_DIR/env for the kernel whose env file is sourced, the stack
# STACK (full, bare, none), INTERACTIVE and LEAK_CHECK (0 or 1), and the N
# arguments for the firmware that follow; then, unless interactive,
# RUN_DIR/cmd from the rest, the command.
vm_write_guest_env() {
	local run_dir=$1 stack=$2 interactive=$3 leak_check=$4 n=$5 rows=24 cols=80
	local -a gadget_args=("${@:6:n}")
	shift $((5 + n))
	if [ "$interactive" -eq 1 ] && [ -t 0 ]; then
		read -r rows cols < <(stty size) || true
	fi
	{
		printf 'TOASTER_ROOT=%q\n' "$TOASTER_ROOT"
		printf 'KERNEL_NAME=%q\nKERNEL_RELEASE=%q\nKERNEL_MODROOT=%q\nKERNEL_SRC=%q\n' \
			"$KERNEL_NAME" "$KERNEL_RELEASE" "$KERNEL_MODROOT" "$KERNEL_SRC"
		printf 'KERNEL_KDIR=%q\n' "$KERNEL_KDIR"
		printf 'VM_STACK=%q\nVM_INTERACTIVE=%q\nVM_LEAK_CHECK=%q\n' "$stack" "$interactive" "$leak_check"
		printf 'VM_CWD=%q\nVM_TERM=%q\nVM_ROWS=%q\nVM_COLS=%q\n' "$PWD" "${TERM:-linux}" "$rows" "$cols"
		printf 'TOASTER_GADGET_LOG=%q\nexport TOASTER_GADGET_LOG\n' "$run_dir/gadget.log"
		printf 'VM_GADGET_ARGS=('
		[ ${#gadget_args[@]} -gt 0 ] && printf '%q ' "${gadget_args[@]}"
		printf ')\n'
	} >"$run_dir/env"
	if [ "$interactive" -eq 0 ]; then
		printf 'exec %s\n' "$(printf '%q ' "$@")" >"$run_dir/cmd"
	fi
}
