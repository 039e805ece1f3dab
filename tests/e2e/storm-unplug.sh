#!/bin/bash
# Issue 10's unplug storm: the cable pulled and plugged back while four
# callers are blocked in the driver (read, poll, a toast the firmware never
# answers, a LOOPBACK it holds up); each must end in ENODEV or EIO, and the
# toaster must work after every replug.  toaster_storm does it, and prints
# the time per cycle.  CI: 10 cycles; TOASTER_STRESS=full: 1000.
# Skips unless the firmware was started with --control.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

toaster_stress_kernel
[ -p "$TOASTER_GADGET_CTL" ] || { echo "no control FIFO at $TOASTER_GADGET_CTL: toaster-gadget runs without --control"; exit 4; }
cycles=$(toaster_stress_size 10 1000)
exec "$TOASTER_BIN/toaster_storm" "unplug:$cycles"
