#!/bin/bash
# The KUnit suites of toaster_kunit.ko, where the kernel has KUnit.  They
# run as the module loads, and debugfs keeps each suite's KTAP: printed
# here as one document, which tests/run nests under this test.
set -euo pipefail
# shellcheck source=../scripts/lib.sh
. "$(dirname "$0")/../scripts/lib.sh"

# TOASTER_KERNEL: the kernel the guest runs, named as scripts/kernel names it.
ko=$(toaster_module_dir "${TOASTER_KERNEL:?}")/toaster_kunit.ko
if [ ! -d /sys/kernel/debug/kunit ] || [ ! -e "$ko" ]; then
	echo "no KUnit in this kernel"
	exit 4
fi
insmod "$ko"
trap 'rmmod toaster_kunit' EXIT
suites=(/sys/kernel/debug/kunit/toaster_*)
# Each suite's results are a KTAP document of their own, "1..1" and all:
# joined under one plan, as the kernel's log would have them.
echo "KTAP version 1"
echo "1..${#suites[@]}"
n=0 failed=0
for suite in "${suites[@]}"; do
	n=$((n + 1))
	while IFS= read -r line; do
		case $line in
		"KTAP version "* | "1..1") ;;
		"ok 1 "*) echo "ok $n ${line#ok 1 }" ;;
		"not ok 1 "*) echo "not ok $n ${line#not ok 1 }"; failed=1 ;;
		*) echo "$line" ;;
		esac
	done <"$suite/results"
done
exit $failed
