#!/usr/bin/env bash
# make deb: toaster-dkms (Architecture: all, for dkms) and toaster-tools
# hold what they should and nothing else, carry VERSION's version, and
# lintian (pedantic, experimental and informational tags on) says nothing
# about them or the source package.  debian/rules refuses a changelog whose
# version is not VERSION's.
. "$(dirname "$0")/lib.sh"

version=$(toaster_version)
module=$(toaster_module_name)
out=$TOASTER_BUILD/deb
src=/usr/src/$module-$version
dkms_deb=$out/toaster-dkms_${version}_all.deb
tools_deb() { echo "$out/toaster-tools_${version}_"*.deb; }
field() { dpkg-deb -f "$1" "$2"; }
files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|' | sort; }

# make deb makes both, of VERSION's version; only toaster-dkms needs dkms.
case_make_deb_builds_both() {
	make -s -C "$TOASTER_ROOT" deb >/dev/null
	tools_deb=$(tools_deb)
	[ -e "$dkms_deb" ] || fail "no $dkms_deb"
	[ -e "$tools_deb" ] || fail "no toaster-tools_${version}_*.deb in $out"
	for deb in "$dkms_deb" "$tools_deb"; do
		[ "$(field "$deb" Version)" = "$version" ] || fail "$deb: version $(field "$deb" Version), want $version"
	done
	[ "$(field "$dkms_deb" Architecture)" = all ] || fail "toaster-dkms is not Architecture: all"
	[[ $(field "$dkms_deb" Depends) == *dkms* ]] || fail "toaster-dkms does not depend on dkms"
	[[ $(field "$tools_deb" Depends) != *dkms* ]] || fail "toaster-tools depends on dkms: $(field "$tools_deb" Depends)"
}

case_toaster_dkms_holds_the_source_and_dkms_conf() {
	local want have
	want=$(sort <<-EOF
		$src/Kbuild
		$src/Kconfig
		$src/Makefile
		$src/VERSION
		$src/dkms.conf
		$src/include/uapi/toaster_ioctl.h
		$src/include/uapi/toaster_proto.h
		$src/module/toaster_core.c
		$src/module/toaster_logic.c
		$src/module/toaster_logic.h
		$src/module/toaster_trace.h
		/usr/share/doc/toaster-dkms/changelog.gz
		/usr/share/doc/toaster-dkms/copyright
		/usr/share/man/man4/toaster.4.gz
		EOF
	)
	have=$(files "$dkms_deb")
	[ "$have" = "$want" ] || fail "toaster-dkms holds:"$'\n'"$(diff <(echo "$want") <(echo "$have"))"
}

case_toaster_tools_holds_the_tools_and_their_files() {
	local want have tools_deb
	tools_deb=$(tools_deb)
	want=$(sort <<-EOF
		/lib/udev/rules.d/70-toaster.rules
		/usr/bin/toaster-usb
		/usr/bin/toasterctl
		/usr/sbin/toaster-gadget
		/usr/sbin/toaster-gadget-ctl
		/usr/share/bash-completion/completions/toasterctl
		/usr/share/doc/toaster-tools/changelog.gz
		/usr/share/doc/toaster-tools/copyright
		/usr/share/man/man1/toaster-usb.1.gz
		/usr/share/man/man1/toasterctl.1.gz
		/usr/share/man/man8/toaster-gadget-ctl.8.gz
		/usr/share/man/man8/toaster-gadget.8.gz
		/usr/share/metainfo/org.example.toaster.metainfo.xml
		EOF
	)
	have=$(files "$tools_deb")
	[ "$have" = "$want" ] || fail "toaster-tools holds:"$'\n'"$(diff <(echo "$want") <(echo "$have"))"
}

case_dh_dkms_builds_on_install_removes_on_remove() {
	# The dkms.conf inside: the version, and dh_dkms's scripts that build and
	# remove the module.
	conf=$(dpkg-deb --fsys-tarfile "$dkms_deb" | tar -xOf - ".$src/dkms.conf")
	grep -qx "PACKAGE_VERSION=\"$version\"" <<<"$conf" || fail "the packaged dkms.conf has another version"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb -e "$dkms_deb" "$tmp/dkms"
	grep -q '/usr/lib/dkms/common.postinst' "$tmp/dkms/postinst" || fail "toaster-dkms's postinst does not run dkms"
	grep -q 'dkms remove' "$tmp/dkms/prerm" || fail "toaster-dkms's prerm does not remove the module from dkms"
}

case_appstream_metainfo_valid() {
	metainfo=$TOASTER_BUILD/appstream/org.example.toaster.metainfo.xml
	appstreamcli validate --no-net "$metainfo" >/dev/null ||
		fail "appstreamcli validate: $(appstreamcli validate --no-net --explain "$metainfo")"
}

case_rules_refuses_a_changelog_not_of_version() {
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# debian/rules stops a build whose changelog disagrees with VERSION.
	mkdir -p "$tmp/tree"
	cp -r "$TOASTER_ROOT/debian" "$tmp/tree/"
	echo 0.0.1 >"$tmp/tree/VERSION"
	if err=$(cd "$tmp/tree" && make -s -f debian/rules -n clean 2>&1); then
		fail "debian/rules took VERSION 0.0.1 with changelog $version"
	fi
	[[ $err == *"VERSION has 0.0.1"* ]] || fail "debian/rules with a wrong VERSION: $err"
}

case_lintian_clean() {
	# Errors and warnings fail; the rest is shown.
	lint=$(lintian --display-info --pedantic --display-experimental --fail-on error,warning \
		"$out"/toaster_"${version}"_*.changes 2>&1) || fail "lintian:"$'\n'"$lint"
	lint=$(grep -v 'running with root privileges' <<<"$lint") || true
	echo "toaster-dkms and toaster-tools $version: contents as expected"
	echo "lintian $(lintian --version | cut -d' ' -f2) (errors, warnings, info, pedantic, experimental): ${lint:-no tags}"
}

toaster_cases make_deb_builds_both toaster_dkms_holds_the_source_and_dkms_conf \
	toaster_tools_holds_the_tools_and_their_files dh_dkms_builds_on_install_removes_on_remove \
	appstream_metainfo_valid rules_refuses_a_changelog_not_of_version lintian_clean
