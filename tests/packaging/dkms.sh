#!/usr/bin/env bash
# dkms builds the module from what make install-dkms-source installs.
# Cases: builds_against_K for each kernel K (tests/packaging/lib.sh:
# toaster_test_kernels): dkms add, build and install against that kernel
# of scripts/kernel, then remove; and skips_no_usb_or_before_6_1: dkms
# refuses (exit status 77) a kernel without CONFIG_USB, and one before 6.1.
#
#   tests/packaging/dkms.sh
#
# Everything dkms keeps goes to trees under build/ (--dkmstree,
# --sourcetree, --installtree): the machine's /var/lib/dkms must come out
# as it went in.  dkms would sign what it builds with a key it makes in
# /var/lib/dkms if it found the kernel's sign-file; the framework variable
# sign_file points it at none.
. "$(dirname "$0")/lib.sh"

module=$(toaster_module_name)
version=$(toaster_version)
host_state() { find /var/lib/dkms -printf '%p %s %T@\n' 2>/dev/null | sort | sha256sum; }

# Runs dkms; its output goes to the log, and says nothing deprecated.
dkms_run() {
	local rc=0 out
	out=$(dkms "$@" "${trees[@]}" 2>&1) || rc=$?
	printf '$ dkms %s\n%s\n' "$*" "$out"
	if grep -qi deprecat <<<"$out"; then
		fail "dkms $1 warns of something deprecated"
	fi
	return $rc
}

# A dkms of its own in build/dkms-test/NAME, the source added.
dkms_setup() {
	work=$TOASTER_BUILD/dkms-test/$1
	rm -rf "$work"
	# The install tree is the lib/modules of a root of its own, for depmod -b.
	mkdir -p "$work/dkms" "$work/root/lib/modules"
	make -s -C "$TOASTER_ROOT" install-dkms-source DESTDIR="$work/root"
	declare -ga trees=(--dkmstree "$work/dkms" --sourcetree "$work/root/usr/src" --installtree "$work/root/lib/modules")
	export sign_file=$work/no-sign-file

	before=$(host_state)
	trap '[ "$(host_state)" = "$before" ] || { echo "FAIL: /var/lib/dkms changed" >&2; exit 1; }' EXIT

	dkms_run add -m "$module" -v "$version"
}

case_skips_no_usb_or_before_6_1() {
	dkms_setup exclusive
	# A kernel tree dkms takes for real, but for what the test changes.
	fake=$work/kernel
	mkdir -p "$fake/include"
	: >"$fake/Makefile"
	try() {
		local release=$1 config=$2 rc=0
		printf '%s\n' "$config" >"$fake/.config"
		dkms_run build -m "$module" -v "$version" -k "$release" --kernelsourcedir "$fake" || rc=$?
		echo "exit status $rc"
		return $rc
	}
	rc=0; try 6.12.0-test "# CONFIG_USB is not set" || rc=$?
	[ $rc -eq 77 ] || fail "a kernel without CONFIG_USB: exit status $rc, want 77 (excluded)"
	rc=0; try 5.10.0-test CONFIG_USB=y || rc=$?
	[ $rc -eq 77 ] || fail "kernel 5.10: exit status $rc, want 77 (excluded)"
	# And the same fake kernel, allowed, is built (and fails, having no
	# kernel in it): the 77s above were the exclusions.
	for release in 6.1.0-test 7.2.0-test; do
		rc=0; try "$release" CONFIG_USB=m || rc=$?
		if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then
			fail "kernel $release: exit status $rc, want a failed build"
		fi
	done
	dkms_run remove -m "$module" -v "$version" --all
	echo "excluded: no CONFIG_USB, 5.10; built: 6.1, 7.2"
}

dkms_against() {
	dkms_setup "$1"
	kernel_env "$1"
	dkms_run build -m "$module" -v "$version" -k "$KERNEL_RELEASE" --kernelsourcedir "$KERNEL_KDIR" ||
		{ cat "$work/dkms/$module/$version/build/make.log" 2>/dev/null; fail "dkms build failed"; }
	status=$(dkms_run status -m "$module" -v "$version" -k "$KERNEL_RELEASE")
	grep -q "^$module/$version, $KERNEL_RELEASE, [^:]*: built" <<<"$status" || fail "dkms status: $status"
	base=$work/dkms/$module/$version/$KERNEL_RELEASE/$(uname -m)
	ko=$base/module/$module.ko
	[ -e "$ko" ] || fail "no $ko"
	[ "$(modinfo -F version "$ko")" = "$version" ] || fail "$ko: version $(modinfo -F version "$ko"), want $version"
	modinfo -F vermagic "$ko" | grep -q "^$KERNEL_RELEASE " || fail "$ko: vermagic $(modinfo -F vermagic "$ko")"
	# The build is W=1, as make's: it must say nothing.
	if grep -iE 'warning|error' "$base/log/make.log" | grep -v 'Skipping BTF generation'; then
		fail "the dkms build warned (log: $base/log/make.log)"
	fi

	# Installed where modprobe finds it.  dkms's depmod would work on the
	# machine's /lib/modules, so it is run here, on the private root.
	mkdir -p "$work/root/lib/modules/$KERNEL_RELEASE"
	dkms_run install -m "$module" -v "$version" -k "$KERNEL_RELEASE" --no-depmod
	installed=$(find "$work/root/lib/modules/$KERNEL_RELEASE" -name "$module.ko*")
	[[ $installed == */$KERNEL_RELEASE/updates/dkms/$module.ko* ]] || fail "dkms installed '$installed'"
	mods=$work/root/lib/modules/$KERNEL_RELEASE
	touch "$mods"/modules.{order,builtin,builtin.modinfo}
	depmod -b "$work/root" "$KERNEL_RELEASE"
	[ "$(modprobe -d "$work/root" -S "$KERNEL_RELEASE" -R "usb:v$(proto_hex TOASTER_VENDOR_ID)p$(proto_hex TOASTER_PRODUCT_ID)d0100dc00dsc00dp00icFFisc00ip00in00")" = "$module" ] ||
		fail "modprobe does not find the installed module by the toaster's modalias"
	status=$(dkms_run status -m "$module" -v "$version" -k "$KERNEL_RELEASE")
	grep -q "^$module/$version, $KERNEL_RELEASE, [^:]*: installed" <<<"$status" || fail "dkms status: $status"

	dkms_run remove -m "$module" -v "$version" --all --no-depmod
	[ ! -e "$work/dkms/$module/$version" ] || fail "dkms remove left $work/dkms/$module/$version"
	[ -z "$(find "$mods" -name "$module.ko*")" ] || fail "dkms remove left $(find "$mods" -name "$module.ko*")"
	echo "dkms build and install against $KERNEL_RELEASE: $installed, version $version"
}

toaster_kernel_cases builds_against dkms_against
toaster_cases "${KERNEL_CASES[@]}" skips_no_usb_or_before_6_1
