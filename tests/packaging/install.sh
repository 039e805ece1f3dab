#!/usr/bin/env bash
# make install into a DESTDIR puts exactly the expected files, with the
# expected modes, in their usual places (under the default PREFIX and under
# PREFIX=/usr), runs no depmod in the stage, and make uninstall removes
# every one of them.
#
# The module is built against the first kernel of toaster_test_kernels.
#
#   tests/packaging/install.sh
. "$(dirname "$0")/lib.sh"

read -r kernel _ <<<"$(toaster_test_kernels)"
kernel_env "$kernel"
module=$(toaster_module_name)

# Everything in a tree but directories: path and octal mode, sorted.
contents() { (cd "$1" && find . ! -type d -printf '%P %m\n' | sort); }

# check_prefix default | PREFIX
check_prefix() {
	local prefix=$1 stage p=${1#/} want have
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	stage=$work/stage
	local -a make_args=(-s -C "$TOASTER_ROOT" KERNEL="$kernel" DESTDIR="$stage")
	if [ "$prefix" = default ]; then
		p=usr/local
	else
		make_args+=(PREFIX="$prefix")
	fi
	want=$(sort <<-EOF
		lib/modules/$KERNEL_RELEASE/updates/$module.ko 644
		lib/udev/rules.d/70-toaster.rules 644
		$p/bin/toaster-usb 755
		$p/bin/toasterctl 755
		$p/sbin/toaster-gadget 755
		$p/sbin/toaster-gadget-ctl 755
		$p/share/bash-completion/completions/toasterctl 644
		$p/share/man/man1/toaster-usb.1 644
		$p/share/man/man1/toasterctl.1 644
		$p/share/man/man4/toaster.4 644
		$p/share/man/man8/toaster-gadget-ctl.8 644
		$p/share/man/man8/toaster-gadget.8 644
		$p/share/metainfo/org.example.toaster.metainfo.xml 644
	EOF
	)
	make "${make_args[@]}" install >"$work/install.log" 2>&1 ||
		{ cat "$work/install.log"; fail "make install (PREFIX $prefix) failed"; }
	have=$(contents "$stage")
	[ "$have" = "$want" ] ||
		fail "make install (PREFIX $prefix) installed:"$'\n'"$have"$'\n'"want:"$'\n'"$want"$'\n'"$(diff <(echo "$want") <(echo "$have"))"
	cmp -s "$TOASTER_ROOT/build/udev/70-toaster.rules" "$stage/lib/udev/rules.d/70-toaster.rules" ||
		fail "the installed rule is not the one made from udev/70-toaster.rules.in"
	modinfo -F vermagic "$stage/lib/modules/$KERNEL_RELEASE/updates/$module.ko" | grep -q "^$KERNEL_RELEASE " ||
		fail "the installed module is not built for $KERNEL_RELEASE"
	echo "make install, PREFIX $prefix:"
	printf '  %s\n' "${have//$'\n'/$'\n'  }"

	make "${make_args[@]}" uninstall >"$work/uninstall.log" 2>&1 ||
		{ cat "$work/uninstall.log"; fail "make uninstall (PREFIX $prefix) failed"; }
	have=$(contents "$stage")
	[ -z "$have" ] || fail "make uninstall (PREFIX $prefix) left:"$'\n'"$have"
	echo "make uninstall, PREFIX $prefix: nothing left"
}

case_prefix_usr_local_by_default() { check_prefix default; }
case_prefix_usr() { check_prefix /usr; }

# The udev rule names the toaster by the IDs of include/uapi/toaster_proto.h.
case_udev_rule_has_the_header_s_ids() {
	local rule vid pid
	rule=$TOASTER_ROOT/build/udev/70-toaster.rules
	vid=$(proto_hex TOASTER_VENDOR_ID)
	pid=$(proto_hex TOASTER_PRODUCT_ID)
	grep -q "ATTR{idVendor}==\"${vid,,}\", ATTR{idProduct}==\"${pid,,}\"" "$rule" ||
		fail "$rule does not match ${vid,,}:${pid,,}"
	! grep -n '@[A-Z_]*@' "$rule" || fail "$rule has a placeholder left"
	echo "70-toaster.rules: ${vid,,}:${pid,,}, as include/uapi/toaster_proto.h says"
}

toaster_cases prefix_usr_local_by_default prefix_usr udev_rule_has_the_header_s_ids
