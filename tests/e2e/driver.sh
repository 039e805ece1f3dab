#!/bin/bash
# The driver through the system calls a program uses (ioctl, poll, pread,
# O_NONBLOCK, SIGIO, sysfs) and unplug while calls are blocked:
# tests/selftests/toaster_test.c, a kselftest_harness program.
set -euo pipefail
here=$(dirname "$0")
exec "$here/../../build/bin/toaster_test"
