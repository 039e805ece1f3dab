# shellcheck shell=bash
# scripts/vm's QEMU: the machine every guest gets, and the accelerator.

# The QEMU command line common to every boot, NUL-separated: ACCEL, the
# kernel command line APPEND, the kernel IMAGE and INITRD, MEMORY in MB.
vm_qemu_base() {
	local accel=$1 append=$2 image=$3 initrd=$4 memory=$5
	printf '%s\0' qemu-system-x86_64 -accel "$accel" -machine pc -cpu max,la57=off \
		-m "$memory" -smp 2 -nographic -no-reboot -nodefaults \
		-kernel "$image" -initrd "$initrd" -append "$append"
}

# kvm or tcg.  KVM is used only where it demonstrably boots a guest: on
# some machines /dev/kvm exists and QEMU hangs on it.  The answer is kept
# in DIR for this boot of the host; TOASTER_ACCEL overrides it.
vm_pick_accel() {
	local dir=$1 image=$2 initrd=$3 memory=$4 boot_id probe
	if [ -n "${TOASTER_ACCEL:-}" ]; then
		printf '%s\n' "$TOASTER_ACCEL"
		return
	fi
	[ -w /dev/kvm ] || { echo tcg; return; }
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	probe=$dir/kvm-probe-$boot_id
	if [ ! -e "$probe" ]; then
		rm -f "$dir"/kvm-probe-*
		if timeout -s KILL 20 xargs -0 -a <(vm_qemu_base kvm "console=ttyS0 panic=-1 toastervm.probe=1" \
			"$image" "$initrd" "$memory"; printf '%s\0' -serial stdio) \
			</dev/null 2>/dev/null | grep -q 'toastervm: probe ok'; then
			echo kvm >"$probe"
		else
			echo tcg >"$probe"
		fi
	fi
	cat "$probe"
}
