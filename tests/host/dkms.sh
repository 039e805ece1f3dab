#!/usr/bin/env bash
# dkms builds the module from what make install-dkms-source installs.
#
#   tests/host/dkms.sh KERNEL-NAME   dkms add, build and install against
#                                    that kernel of scripts/kernel, then
#                                    remove
#   tests/host/dkms.sh --exclusive   dkms refuses (exit status 77) a kernel
#                                    without CONFIG_USB, and one before 6.1
#
# Everything dkms keeps goes to trees under build/ (--dkmstree,
# --sourcetree, --installtree): the machine's /var/lib/dkms must come out
# as it went in.  dkms would sign what it builds with a key it makes in
# /var/lib/dkms if it found the kernel's sign-file; the framework variable
# sign_file points it at none.
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || fail "usage: ${0##*/} KERNEL-NAME | --exclusive"
name=$(toaster_module_name)
version=$(toaster_version)
work=$TOASTER_BUILD/dkms-test/${1#--}
rm -rf "$work"
# The install tree is the lib/modules of a root of its own, for depmod -b.
mkdir -p "$work/dkms" "$work/root/lib/modules"
make -s -C "$TOASTER_ROOT" install-dkms-source DESTDIR="$work/root"
trees=(--dkmstree "$work/dkms" --sourcetree "$work/root/usr/src" --installtree "$work/root/lib/modules")
export sign_file=$work/no-sign-file

host_state() { find /var/lib/dkms -printf '%p %s %T@\n' 2>/dev/null | sort | sha256sum; }
before=$(host_state)
trap '[ "$(host_state)" = "$before" ] || { echo "FAIL: /var/lib/dkms changed" >&2; exit 1; }' EXIT

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

dkms_run add -m "$name" -v "$version"

if [ "$1" = --exclusive ]; then
	# A kernel tree dkms takes for real, but for what the test changes.
	fake=$work/kernel
	mkdir -p "$fake/include"
	: >"$fake/Makefile"
	try() {
		local release=$1 config=$2 rc=0
		printf '%s\n' "$config" >"$fake/.config"
		dkms_run build -m "$name" -v "$version" -k "$release" --kernelsourcedir "$fake" || rc=$?
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
	dkms_run remove -m "$name" -v "$version" --all
	echo "excluded: no CONFIG_USB, 5.10; built: 6.1, 7.2"
	exit 0
fi

kernel_env "$1"
dkms_run build -m "$name" -v "$version" -k "$KERNEL_RELEASE" --kernelsourcedir "$KERNEL_KDIR" ||
	{ cat "$work/dkms/$name/$version/build/make.log" 2>/dev/null; fail "dkms build failed"; }
status=$(dkms_run status -m "$name" -v "$version" -k "$KERNEL_RELEASE")
grep -q "^$name/$version, $KERNEL_RELEASE, [^:]*: built" <<<"$status" || fail "dkms status: $status"
base=$work/dkms/$name/$version/$KERNEL_RELEASE/$(uname -m)
ko=$base/module/$name.ko
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
dkms_run install -m "$name" -v "$version" -k "$KERNEL_RELEASE" --no-depmod
installed=$(find "$work/root/lib/modules/$KERNEL_RELEASE" -name "$name.ko*")
[[ $installed == */$KERNEL_RELEASE/updates/dkms/$name.ko* ]] || fail "dkms installed '$installed'"
mods=$work/root/lib/modules/$KERNEL_RELEASE
touch "$mods"/modules.{order,builtin,builtin.modinfo}
depmod -b "$work/root" "$KERNEL_RELEASE"
[ "$(modprobe -d "$work/root" -S "$KERNEL_RELEASE" -R "usb:v$(proto_hex TOASTER_VENDOR_ID)p$(proto_hex TOASTER_PRODUCT_ID)d0100dc00dsc00dp00icFFisc00ip00in00")" = "$name" ] ||
	fail "modprobe does not find the installed module by the toaster's modalias"
status=$(dkms_run status -m "$name" -v "$version" -k "$KERNEL_RELEASE")
grep -q "^$name/$version, $KERNEL_RELEASE, [^:]*: installed" <<<"$status" || fail "dkms status: $status"

dkms_run remove -m "$name" -v "$version" --all --no-depmod
[ ! -e "$work/dkms/$name/$version" ] || fail "dkms remove left $work/dkms/$name/$version"
[ -z "$(find "$mods" -name "$name.ko*")" ] || fail "dkms remove left $(find "$mods" -name "$name.ko*")"
echo "dkms build and install against $KERNEL_RELEASE: $installed, version $version"
