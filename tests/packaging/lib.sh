# shellcheck shell=bash
# Sourced by the packaging's tests, which run on the host: tests/lib.sh's
# fail and toaster_cases (each check a named case, KTAP on stdout, as the
# guest's tests), and the few facts they check against, each read from the
# one place it is written down.
set -euo pipefail

TOASTER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../scripts/lib.sh
. "$TOASTER_ROOT/scripts/lib.sh"
# shellcheck source=../lib.sh
. "$TOASTER_ROOT/tests/lib.sh"

# The kernels a test's per-kernel cases are about: TOASTER_TEST_KERNELS
# (scripts/check passes the ones it runs), by default TOASTER_KERNELS.
toaster_test_kernels() {
	echo "${TOASTER_TEST_KERNELS:-$TOASTER_KERNELS}"
}

# Defines case_PREFIX_K for each kernel K of toaster_test_kernels (what is
# not a letter or digit in K becomes _), each running FUNCTION K, and
# appends their names to the array KERNEL_CASES, for toaster_cases.
KERNEL_CASES=()
toaster_kernel_cases() {
	local prefix=$1 function=$2 k name
	for k in $(toaster_test_kernels); do
		name=${prefix}_${k//[^A-Za-z0-9]/_}
		eval "case_$name() { $function $(printf '%q' "$k"); }"
		KERNEL_CASES+=("$name")
	done
}

# The version: VERSION.
toaster_version() { tr -d '[:space:]' <"$TOASTER_ROOT/VERSION"; }

# The module's name: Kbuild's obj- line.
toaster_module_name() {
	sed -n "s/^obj-\$(CONFIG_USB_TOASTER)[[:space:]]*+=[[:space:]]*\([a-z_]*\)\.o\$/\1/p" "$TOASTER_ROOT/Kbuild"
}

# A hex constant of include/uapi/toaster_proto.h, upper case, without 0x.
proto_hex() {
	local v
	v=$(sed -n "s/^#define[[:space:]]\{1,\}$1[[:space:]]\{1,\}0x\([0-9a-fA-F]\{1,\}\).*/\1/p" \
		"$TOASTER_ROOT/include/uapi/toaster_proto.h")
	[ -n "$v" ] || fail "no $1 in include/uapi/toaster_proto.h"
	printf '%s\n' "${v^^}"
}

# The environment of a kernel of scripts/kernel, sourced.
kernel_env() {
	local env
	env=$("$TOASTER_ROOT/scripts/kernel" "$1") || fail "scripts/kernel $1 failed"
	# shellcheck source=/dev/null
	. "$env"
}
