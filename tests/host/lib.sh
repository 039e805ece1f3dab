# shellcheck shell=bash
# Sourced by the host-side tests of the packaging: where things are, and
# the few facts they check against, each read from the one place it is
# written down.
set -euo pipefail

TOASTER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOASTER_BUILD=${TOASTER_BUILD:-$TOASTER_ROOT/build}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The version: VERSION.
toaster_version() { tr -d '[:space:]' <"$TOASTER_ROOT/VERSION"; }

# The module's name: Kbuild's obj- line.
toaster_module_name() {
	sed -n "s/^obj-\$(CONFIG_USB_TOASTER)[[:space:]]*+=[[:space:]]*\([a-z_]*\)\.o\$/\1/p" "$TOASTER_ROOT/Kbuild"
}

# A hex constant of include/toaster_proto.h, upper case, without 0x.
proto_hex() {
	local v
	v=$(sed -n "s/^#define[[:space:]]\{1,\}$1[[:space:]]\{1,\}0x\([0-9a-fA-F]\{1,\}\).*/\1/p" \
		"$TOASTER_ROOT/include/toaster_proto.h")
	[ -n "$v" ] || fail "no $1 in include/toaster_proto.h"
	printf '%s\n' "${v^^}"
}

# The environment of a kernel of scripts/kernel, sourced.
kernel_env() {
	local env
	env=$("$TOASTER_ROOT/scripts/kernel" "$1") || fail "scripts/kernel $1 failed"
	# shellcheck source=/dev/null
	. "$env"
}
