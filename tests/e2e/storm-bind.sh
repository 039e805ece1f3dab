#!/bin/bash
# Issue 10's bind/unbind and rmmod storms: the driver let go of the toaster
# and bound again (sysfs unbind/bind, authorized 0/1, USBDEVFS_DISCONNECT/
# CONNECT) while callers are blocked and a toast runs, and toaster.ko
# unloaded (refused while files are open) and loaded again.  Afterwards
# runtime PM must still autosuspend the toaster.  toaster_storm does it.
# CI: 3 cycles of each; TOASTER_STRESS=full: 100.
set -euo pipefail
# shellcheck source=../../scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/../lib.sh"

toaster_stress_kernel
[ -p "$TOASTER_GADGET_CTL" ] || { echo "no control FIFO at $TOASTER_GADGET_CTL: toaster-gadget runs without --control"; exit 4; }
cycles=$(toaster_stress_size 3 100)
# The module toaster-stack loaded, to load again; none on a dev box.
args=()
ko=${TOASTER_MODULE:-}
[ -n "$ko" ] || [ -z "${TOASTER_KERNEL:-}" ] || ko=$(toaster_module_dir "$TOASTER_KERNEL")/toaster.ko
[ -z "$ko" ] || args+=(--module "$ko")
exec "$TOASTER_BIN/toaster_storm" "${args[@]}" "unbind:$cycles" \
	"authorized:$cycles" "usbdevfs:$cycles" "rmmod:$cycles"
