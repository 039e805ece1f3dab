#!/usr/bin/env bash
# The Debian packages and udev for real, in one guest: tests/guest/packages.sh
# on kernel NAME with the bare stack (dummy_hcd and gadgetfs, no firmware,
# no driver), the .debs of make deb, and Debian's udev (scripts/packaging
# udev-root).  Its TAP goes to TAP-FILE, one line per check, for
# scripts/check to report.  Fails if the guest did not run the checks to the
# end, or the kernel reported a bug; a failed check is the TAP's to say.
#
#   tests/host/packages-guest.sh NAME TAP-FILE
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || fail "usage: ${0##*/} KERNEL-NAME TAP-FILE"
kernel=$1 tap=$2
debs=$("$TOASTER_ROOT/scripts/packaging" debs)
udev_root=$("$TOASTER_ROOT/scripts/packaging" udev-root)
mkdir -p "$(dirname "$tap")"
rc=0
"$TOASTER_ROOT/scripts/vm" --kernel "$kernel" --bare --timeout 900 \
	--bug-report "$tap.kernel-bugs" -- \
	tests/guest/packages.sh "$debs" "$udev_root" >"$tap" || rc=$?
cat "$tap"
[ $rc -le 1 ] || fail "the guest failed (scripts/vm exit status $rc)"
[ ! -s "$tap.kernel-bugs" ] || fail "the kernel reported a bug: $(cat "$tap.kernel-bugs")"
grep -q '^1\.\.[0-9]' "$tap" || fail "no TAP plan from the guest"
echo "the guest ran every check ($(grep -c '^ok' "$tap") passed); see the lines after this one"
