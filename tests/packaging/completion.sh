#!/usr/bin/env bash
# The bash completion of toasterctl: shellcheck-clean; sourced, it
# registers itself; it offers exactly the commands and options of
# toasterctl --help; simulated completions (COMP_WORDS, as readline would
# set them) give what each position wants; and installed by make install,
# bash-completion's own loader finds it.
. "$(dirname "$0")/lib.sh"

file=$TOASTER_ROOT/completion/toasterctl

case_shellcheck_clean() {
	shellcheck -s bash "$file"
	echo "shellcheck -s bash completion/toasterctl: clean"
}

make -s -C "$TOASTER_ROOT" userspace KERNEL_SRC= >/dev/null
help=$("$TOASTER_BUILD/bin/toasterctl" --help)
# The commands and options of --help, as man.sh reads them.
want_commands=$( { sed -nE 's/^ {2}([a-z]+).*/\1/p' <<<"$help"
	sed -nE 's/^ {2}[a-z]+ \| ([a-z]+).*/\1/p' <<<"$help"; } | sort | tr '\n' ' ')
want_options=$(grep -oE -- '(^|[ ,(\[])--?[a-zA-Z][a-zA-Z-]*' <<<"$help" |
	sed 's/^[ ,(\[]//' | sort -u | tr '\n' ' ')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/images/faces"
touch "$work/images/smile.pgm" "$work/images/LOUD.PGM" "$work/images/notes.txt"

# What completing LINE (the cursor at its end) offers, sorted, one line.
# A fresh bash each time, with no rc files: nothing but the file itself.
complete_line() {
	bash --norc --noprofile -c '
		. "$1"
		read -r -a COMP_WORDS <<<"$2"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$2
		COMP_POINT=${#2}
		_toasterctl toasterctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' _ "$file" "$1"
}

expect() {
	local line=$1 want=$2 have
	have=$(cd "$work" && complete_line "$line")
	[ "$have" = "$want" ] || fail "completing '$line': '$have', want '$want'"
	echo "ok: '$line' -> $have"
}

case_sourced_it_registers() {
	local registered
	registered=$(bash --norc --noprofile -c '. "$1"; complete -p toasterctl' _ "$file")
	[ "$registered" = "complete -F _toasterctl toasterctl" ] || fail "complete -p toasterctl: '$registered'"
	echo "ok: $registered"
}

# Each position offers what it wants; the commands and options are
# exactly those of toasterctl --help.
case_completes_as_help_says() {
	expect "toasterctl " "$want_commands"
	expect "toasterctl -" "$want_options"
	expect "toasterctl to" "toast "
	expect "toasterctl --j" "--json "
	expect "toasterctl -j li" "list "
	expect "toasterctl -d toaster1 st" "status "
	expect "toasterctl --device = toaster1 un" "unlock "
	expect "toasterctl toast " "1 10 2 3 4 5 6 7 8 9 "
	expect "toasterctl -n toast 1" "1 10 "
	expect "toasterctl darkness " "1 10 2 3 4 5 6 7 8 9 "
	expect "toasterctl darkness 3 " ""
	expect "toasterctl status " ""
	expect "toasterctl burn images/" "images/LOUD.PGM images/faces images/smile.pgm "
	expect "toasterctl -d ./ima" "./images "
}

case_bash_completion_loads_it_from_prefix() {
	local loaded
	# Where make install puts it, bash-completion's loader looks (its default
	# XDG_DATA_DIRS includes /usr/local/share, make install's default prefix).
	make -s -C "$TOASTER_ROOT" install-tools DESTDIR="$work/stage" >/dev/null
	loaded=$(XDG_DATA_DIRS=$work/stage/usr/local/share bash --norc --noprofile -c '
		. /usr/share/bash-completion/bash_completion
		__load_completion toasterctl && complete -p toasterctl')
	[ "$loaded" = "complete -F _toasterctl toasterctl" ] ||
		fail "bash-completion did not load it from $work/stage/usr/local/share: '$loaded'"
	echo "ok: bash-completion loads it from PREFIX/share/bash-completion/completions"
}

toaster_cases shellcheck_clean sourced_it_registers completes_as_help_says bash_completion_loads_it_from_prefix
