#!/usr/bin/env bash
# The man pages, one case each: each renders without a warning (groff -ww,
# man --warnings), has a NAME line whatis can read, and a program's page
# documents what its --help lists: every option, every command (and, for
# toaster-gadget, every control command and fault mode), every exit status;
# and no long option that --help does not know.  toaster(4), the driver's,
# names every ioctl of include/uapi/toaster_ioctl.h and every sysfs
# attribute of Documentation/ABI.
. "$(dirname "$0")/lib.sh"

bad=0

problem() {
	echo "$page: $*"
	bad=1
}

# The page as text, on one line per paragraph-wide line, with the breaks
# hyphenation made undone, so a word is found whole.
text_of() {
	MANWIDTH=1000 MAN_KEEP_FORMATTING=0 man -l "$1" 2>/dev/null | col -bx |
		sed -e ':a' -e 'N' -e '$!ba' -e 's/\xe2\x80\x90\n *//g'
}

# Whether TEXT has WORD (letters, digits, - and _ only) as a whole word.
has_word() {
	[[ $2 =~ ^[[:alnum:]_-]+$ ]] || fail "cannot look for '$2'"
	grep -qE -- "(^|[^[:alnum:]_-])$2(\$|[^[:alnum:]_-])" <<<"$1"
}
if ! has_word "a --b-c d" --b-c || has_word "a --b-c d" --b || has_word "unplug" plug; then
	fail "has_word is broken"
fi

# Renders clean, and whatis can read its NAME.
renders() {
	local out whatis
	out=$(groff -ww -man -z "$file" 2>&1) || problem "groff exited with $?"
	[ -z "$out" ] || problem "groff -ww: $out"
	out=$(MANWIDTH=80 man --warnings -l "$file" 2>&1 >/dev/null) || problem "man exited with $?"
	[ -z "$out" ] || problem "man --warnings: $out"
	whatis=$(lexgrog "$file" 2>&1) || problem "lexgrog cannot read NAME: $whatis"
	[[ $whatis == *"\"$prog - "* ]] || problem "NAME is not '$prog - ...': $whatis"
}

# The page of a program of build/bin against its --help.
program_page() {
	page=$1
	file=$TOASTER_ROOT/man/$page
	prog=${page%.*}
	make -s -C "$TOASTER_ROOT" gadget userspace KERNEL_SRC= >/dev/null
	renders

	help=$("$TOASTER_BUILD/bin/$prog" --help 2>&1) || true
	[ -n "$help" ] || problem "$prog --help printed nothing"
	text=$(text_of "$file")

	# Options, anywhere in --help.
	mapfile -t opts < <(grep -oE -- '(^|[ ,(\[])--?[a-zA-Z][a-zA-Z-]*' <<<"$help" |
		sed 's/^[ ,(\[]//' | sort -u)
	# The items of its lists: a word at the start of a line indented by
	# two or six spaces (continuations are indented further), and the
	# second of "lock | unlock".
	mapfile -t words < <(sed -nE 's/^( {2}| {6})([a-z][a-z0-9_-]*).*/\2/p' <<<"$help"
		sed -nE 's/^ {2}[a-z]+ \| ([a-z]+).*/\1/p' <<<"$help")
	mapfile -t codes < <(sed -nE 's/^ {2}([0-9]+) .*/\1/p' <<<"$help")
	# (toaster-gadget-ctl has options and no list.)
	if [ ${#opts[@]} -eq 0 ] || { [ ${#words[@]} -eq 0 ] && [ "$prog" != toaster-gadget-ctl ]; }; then
		problem "found nothing in --help: the parser is broken"
	fi
	for w in "${opts[@]}"; do
		has_word "$text" "$w" || problem "'$w' is in $prog --help but not in the man page"
	done
	# A command or mode has an entry of its own: a line that starts with it.
	for w in "${words[@]}"; do
		grep -qE "^ +([a-z]+, )?$w([ ,=[]|\$)" <<<"$text" ||
			problem "'$w' is in $prog --help but has no entry in the man page"
	done
	for c in "${codes[@]}"; do
		grep -qE "^ {7}$c( |$)" <<<"$text" || problem "exit status $c is in $prog --help but not in the man page"
	done
	mapfile -t man_opts < <(grep -oE -- '(^|[ ,(\[])--[a-z][a-z-]*' <<<"$text" | sed 's/^[ ,(\[]//' | sort -u)
	for o in "${man_opts[@]}"; do
		[ "$o" = --help ] || has_word "$help" "$o" || problem "the man page has $o, which $prog --help does not"
	done
	echo "$page: ${#opts[@]} options, ${#words[@]} commands and modes, ${#codes[@]} exit statuses of --help documented; renders clean"
	return $bad
}

case_toasterctl_1() { program_page toasterctl.1; }
case_toaster_usb_1() { program_page toaster-usb.1; }
case_toaster_gadget_8() { program_page toaster-gadget.8; }
case_toaster_gadget_ctl_8() { program_page toaster-gadget-ctl.8; }

case_toaster_4() {
	local text ioctls attrs w
	page=toaster.4 file=$TOASTER_ROOT/man/toaster.4 prog=toaster
	renders
	text=$(text_of "$file")
	mapfile -t ioctls < <(sed -n 's/^#define[[:space:]]\{1,\}\(TOASTER_IOC_[A-Z_]*\)[[:space:]]\{1,\}_IO.*/\1/p' \
		"$TOASTER_ROOT/include/uapi/toaster_ioctl.h")
	mapfile -t attrs < <(sed -n 's|^What:.*/\([a-z_]*\)$|\1|p' "$TOASTER_ROOT"/Documentation/ABI/testing/sysfs-driver-toaster)
	if [ ${#ioctls[@]} -eq 0 ] || [ ${#attrs[@]} -eq 0 ]; then
		fail "found no ioctls or attributes: the parser is broken"
	fi
	for w in "${ioctls[@]}"; do
		has_word "$text" "$w" || problem "$w is in toaster_ioctl.h but not in the man page"
	done
	for w in "${attrs[@]}"; do
		has_word "$text" "$w" || problem "sysfs attribute $w is in Documentation/ABI but not in the man page"
	done
	echo "toaster.4: ${#ioctls[@]} ioctls, ${#attrs[@]} sysfs attributes documented; renders clean"
	return $bad
}

toaster_cases toasterctl_1 toaster_usb_1 toaster_gadget_8 toaster_gadget_ctl_8 toaster_4
