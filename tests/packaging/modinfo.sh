#!/usr/bin/env bash
# What modinfo says of toaster.ko as built against each kernel: licence,
# author, description, the version of VERSION, the one alias the driver
# claims (the VID:PID and interface of include/uapi/toaster_proto.h), a
# description for every parameter in the source; and that the alias of a
# real toaster's uevent resolves to the module, as modprobe resolves it.
# One case per kernel (tests/packaging/lib.sh: toaster_test_kernels).
#
#   tests/packaging/modinfo.sh
. "$(dirname "$0")/lib.sh"

modinfo_against() {
	kernel_env "$1"
	make -s -C "$TOASTER_ROOT" KERNEL="$1" module
	name=$(toaster_module_name)
	ko=$(toaster_module_dir "$1")/$name.ko
	[ -e "$ko" ] || fail "no $ko"

	[ "$(field name)" = "$name" ] || fail "name: '$(field name)', want '$name'"
	[ "$(field license)" = GPL ] || fail "license: '$(field license)', want GPL"
	[ -n "$(field author)" ] || fail "no author"
	[ -n "$(field description)" ] || fail "no description"
	[ "$(field version)" = "$(toaster_version)" ] ||
		fail "version: '$(field version)', want '$(toaster_version)' (VERSION)"
	[ "$(field vermagic | cut -d' ' -f1)" = "$KERNEL_RELEASE" ] ||
		fail "vermagic: '$(field vermagic)', want $KERNEL_RELEASE"

	vid=$(proto_hex TOASTER_VENDOR_ID)
	pid=$(proto_hex TOASTER_PRODUCT_ID)
	cls=$(proto_hex TOASTER_INTERFACE_CLASS)
	sub=$(proto_hex TOASTER_INTERFACE_SUBCLASS)
	proto=$(proto_hex TOASTER_INTERFACE_PROTOCOL)
	want="usb:v${vid}p${pid}d*dc*dsc*dp*ic${cls}isc${sub}ip${proto}in*"
	[ "$(field alias)" = "$want" ] || fail "alias: '$(field alias)', want '$want'"

	# Every module_param in the source, and nothing else, with a description.
	mapfile -t params < <(sed -n 's/^module_param\(_named\|_cb\)\{0,1\}(\([a-z_0-9]*\),.*/\2/p' \
		"$TOASTER_ROOT"/module/*.c | sort)
	[ ${#params[@]} -gt 0 ] || fail "no module_param in module/*.c: the parser is broken"
	mapfile -t parms < <(field parm | sort)
	[ ${#parms[@]} -eq ${#params[@]} ] ||
		fail "modinfo lists ${#parms[@]} parameters, the source declares ${#params[@]} (${params[*]})"
	for i in "${!params[@]}"; do
		# "NAME:DESCRIPTION (TYPE)"; module_param_cb's have no (TYPE).
		[[ ${parms[i]} =~ ^${params[i]}:[^[:space:]].* ]] ||
			fail "parameter ${params[i]}: no description in '${parms[i]}'"
	done

	# The modalias a toaster's interface sends, from the same header (bcdDevice,
	# and class 00 on the device, as the gadget's descriptors say), looked up in
	# a module tree of this one module the way modprobe looks it up.
	bcd=$(proto_hex TOASTER_BCD_DEVICE)
	uevent="usb:v${vid}p${pid}d${bcd}dc00dsc00dp00ic${cls}isc${sub}ip${proto}in00"
	tree=$(mktemp -d)
	trap 'rm -rf "$tree"' EXIT
	mkdir -p "$tree/lib/modules/$KERNEL_RELEASE/updates"
	cp "$ko" "$tree/lib/modules/$KERNEL_RELEASE/updates/"
	# depmod wants the files a kernel ships beside its modules; none matter here.
	touch "$tree/lib/modules/$KERNEL_RELEASE"/modules.{order,builtin,builtin.modinfo}
	depmod -b "$tree" "$KERNEL_RELEASE"
	resolved=$(modprobe -d "$tree" -S "$KERNEL_RELEASE" -R "$uevent") ||
		fail "modprobe -R $uevent resolves to nothing"
	[ "$resolved" = "$name" ] || fail "modprobe -R $uevent: '$resolved', want $name"

	modinfo "$ko"
	echo "$uevent -> $resolved"
}

field() { modinfo -F "$1" "$ko"; }

toaster_kernel_cases against modinfo_against
toaster_cases "${KERNEL_CASES[@]}"
