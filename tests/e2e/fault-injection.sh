#!/bin/bash
# Issue 10's fault injection: every allocation and URB submission on the
# open, read, poll, write, ioctl, close, sysfs, probe and resume paths
# failed once (fail-nth with failslab, and the driver's fail_submit where
# fail-nth cannot reach); each must give ENOMEM or succeed, change nothing
# it did not do, and leave the toaster working.  toaster_faults does it and
# prints per path how many fault sites were tried.  CI: every 4th site;
# TOASTER_STRESS=full: every site, and a kmemleak scan at the end.
# Skips without fail-nth, failslab's debugfs or the control FIFO.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

toaster_stress_kernel
[ -p "$TOASTER_GADGET_CTL" ] || { echo "no control FIFO at $TOASTER_GADGET_CTL: toaster-gadget runs without --control"; exit 4; }
args=(--stride "$(toaster_stress_size 4 1)")
kmemleak=$(toaster_stress_size "" --kmemleak)
[ -z "$kmemleak" ] || args+=("$kmemleak")
exec "$TOASTER_BIN/toaster_faults" "${args[@]}"
