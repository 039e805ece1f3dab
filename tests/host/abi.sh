#!/usr/bin/env bash
# Documentation/ABI passes the kernel's own ABI validator: get_abi.py where
# the kernel tree has it (6.15 and later), else get_abi.pl.  Neither fails
# on a bad entry, they warn, so any output fails; and a copy with a
# misspelt tag must draw warnings, or the validator did not look.
. "$(dirname "$0")/lib.sh"

src=$("$TOASTER_ROOT/scripts/kernel" source)
if [ -e "$src/scripts/get_abi.py" ]; then
	validator=(python3 "$src/scripts/get_abi.py")
elif [ -e "$src/scripts/get_abi.pl" ]; then
	validator=(perl "$src/scripts/get_abi.pl")
else
	fail "$src has neither scripts/get_abi.py nor scripts/get_abi.pl"
fi
abi=$TOASTER_ROOT/Documentation/ABI

validate() { "${validator[@]}" --dir "$1" validate 2>&1; }

out=$(validate "$abi") || fail "${validator[*]##*/} exited with $?: $out"
[ -z "$out" ] || fail "${validator[*]##*/} validate:"$'\n'"$out"

bad=$(mktemp -d)
trap 'rm -rf "$bad"' EXIT
cp -r "$abi/." "$bad/"
sed -i '0,/^Description:/s//Descripton:/' "$bad"/testing/sysfs-driver-toaster
out=$(validate "$bad") || true
[ -n "$out" ] || fail "${validator[*]##*/} found nothing wrong with a misspelt Description: tag"

files=$(find "$abi" -type f | wc -l)
echo "${validator[*]##*/} validate: $files file(s) under Documentation/ABI, no warnings"
