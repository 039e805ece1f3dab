#!/bin/bash
# Runtime PM and reset: the toaster autosuspends when no file is open and
# nothing is toasting, wakes for a sysfs read or an open, stays awake
# through a toast, and keeps its binding across a USB reset.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

intf=$(readlink -f "/sys/class/usbmisc/${TOASTER_DEV##*/}/device")
usbdev=$(dirname "$intf")
power=$usbdev/power

runtime_status() { echo "$(<"$power/runtime_status")"; }

wait_runtime() {
	local want=$1 tries=100
	while ((tries-- > 0)); do
		[ "$(runtime_status)" = "$want" ] && return 0
		sleep 0.1
	done
	fail "runtime_status: want $want, have $(runtime_status)"
}

reset_toaster
echo 100 >"$power/autosuspend_delay_ms"
echo auto >"$power/control"
trap 'echo on >"$power/control"' EXIT

wait_runtime suspended
echo "idle, no file open: suspended"

# A read of a status attribute wakes it, and it sleeps again.
state=$(<"$intf/state")
[ -n "$state" ] || fail "no state from sysfs"
wait_runtime suspended

# An open file holds it awake.
exec 3<"$TOASTER_DEV"
wait_runtime active
sleep 0.5
[ "$(runtime_status)" = active ] || fail "suspended with a file open"
exec 3<&-
wait_runtime suspended
echo "open file: active; closed: suspended again"

# A toast holds it awake with no file open, to the pop.
echo "toast 10" >"$TOASTER_DEV"
sleep 1
[ "$(runtime_status)" = active ] || fail "suspended in the middle of a toast"
read_status
[[ ${STATUS[state]} =~ ^(heating|toasting)$ ]] || fail "toast: state ${STATUS[state]}"
command_ok cancel
wait_runtime suspended
echo "toasting: active; cancelled: suspended"

# A reset keeps the driver bound and the node in place.
echo on >"$power/control"
exec 3<"$TOASTER_DEV"
usbreset "$(toaster_proto_id TOASTER_VENDOR_ID):$(toaster_proto_id TOASTER_PRODUCT_ID)" >/dev/null ||
	fail "usbreset failed"
[ -e "$TOASTER_DEV" ] || fail "$TOASTER_DEV gone after reset"
# The file opened before the reset still works.
read_status
command_ok "darkness 4"
expect_status darkness 4
exec 3<&-
reset_toaster
echo "reset: still bound, old file still works"
