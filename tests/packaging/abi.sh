#!/usr/bin/env bash
# Documentation/ABI passes the kernel's own ABI validator: get_abi.py where
# the kernel tree has it (tools/docs/ in 7.x, scripts/ from 6.15), else
# get_abi.pl.  Neither fails on a bad entry, they warn, so any output
# fails; and a copy with a misspelt tag must draw warnings, or the
# validator did not look.
. "$(dirname "$0")/lib.sh"

src=$("$TOASTER_ROOT/scripts/kernel" source)
if [ -e "$src/tools/docs/get_abi.py" ]; then
	validator=(python3 "$src/tools/docs/get_abi.py")
elif [ -e "$src/scripts/get_abi.py" ]; then
	validator=(python3 "$src/scripts/get_abi.py")
elif [ -e "$src/scripts/get_abi.pl" ]; then
	validator=(perl "$src/scripts/get_abi.pl")
else
	fail "$src has no get_abi.py (tools/docs/, scripts/) nor scripts/get_abi.pl"
fi
abi=$TOASTER_ROOT/Documentation/ABI

validate() { "${validator[@]}" --dir "$1" validate 2>&1; }

case_validator_passes_documentation_abi() {
	local out files
	out=$(validate "$abi") || fail "${validator[*]##*/} exited with $?: $out"
	[ -z "$out" ] || fail "${validator[*]##*/} validate:"$'\n'"$out"
	files=$(find "$abi" -type f | wc -l)
	echo "${validator[*]##*/} validate: $files file(s) under Documentation/ABI, no warnings"
}

case_validator_finds_a_misspelt_tag() {
	local out
	bad=$(mktemp -d)
	trap 'rm -rf "$bad"' EXIT
	cp -r "$abi/." "$bad/"
	sed -i '0,/^Description:/s//Descripton:/' "$bad"/testing/sysfs-driver-toaster
	out=$(validate "$bad") || true
	[ -n "$out" ] || fail "${validator[*]##*/} found nothing wrong with a misspelt Description: tag"
	echo "a misspelt Description: drew $(wc -l <<<"$out") line(s) of warnings"
}

toaster_cases validator_passes_documentation_abi validator_finds_a_misspelt_tag
