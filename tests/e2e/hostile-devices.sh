#!/bin/bash
# Hostile devices: toaster-hostile (tests/hostile/) plays malformed and
# misbehaving toasters on Raw Gadget, on the second dummy_udc, one after
# another: endpoints missing, mistyped, duplicated, of every wrong packet
# size; vendor requests stalled, never answered, answered short, long or
# with noise; interrupt floods and babble; bulk echoes that lie; unplugs
# in the middle of each request.  Each must be refused in probe with one
# clear line in the kernel log, or bound and still correct; its outcome
# is in its KTAP result line.  At full size (TOASTER_STRESS=full, make
# stress) it plays each several times and unplugs at random points.
# Skips where the kernel has no Raw Gadget (Debian's stock kernels do
# not): this is the debug kernel's test.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

prog=$(dirname "$0")/../../build/bin/toaster-hostile
[ -x "$prog" ] || fail "$prog is not built (make selftests)"

loaded=0
if [ ! -e /dev/raw-gadget ]; then
	if ! modprobe raw_gadget 2>/dev/null; then
		echo "SKIP: no Raw Gadget (CONFIG_USB_RAW_GADGET) in $(uname -r)"
		exit 4
	fi
	loaded=1
fi
# Leave the kernel as we found it; a module that will not go is a leak.
cleanup() {
	if [ $loaded -eq 1 ] && ! rmmod raw_gadget; then
		echo "raw_gadget would not unload"
		exit 1
	fi
}
trap cleanup EXIT

TOASTER_HOSTILE_SIZE=${TOASTER_HOSTILE_SIZE:-$(toaster_stress_size ci stress)} "$prog"
