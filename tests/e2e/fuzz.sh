#!/bin/bash
# Issue 10's fuzzing: random and mutated writes, ioctls, seeks and sysfs
# writes from 4 threads on shared and separate files (toaster_fuzz); then
# the driver's status must match the firmware's and a toast must work.
# The seed is printed; TOASTER_FUZZ_SEED=S replays one.  CI: 2000 calls;
# TOASTER_STRESS=full: 100,000.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

toaster_stress_kernel
[ -p "$TOASTER_GADGET_CTL" ] || { echo "no control FIFO at $TOASTER_GADGET_CTL: toaster-gadget runs without --control"; exit 4; }
args=(--ops "$(toaster_stress_size 2000 100000)" --threads 4)
[ -z "${TOASTER_FUZZ_SEED:-}" ] || args+=(--seed "$TOASTER_FUZZ_SEED")
exec "$TOASTER_BIN/toaster_fuzz" "${args[@]}"
