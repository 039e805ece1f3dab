# shellcheck shell=bash
# Sourced by the scripts in this directory: where things live, how we report.

TOASTER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Kernels and their builds outlive a clone: they are keyed by what they are
# made of, so every checkout on the machine shares them.
TOASTER_CACHE=${TOASTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/toaster}
TOASTER_BUILD=${TOASTER_BUILD:-$TOASTER_ROOT/build}
# The kernels `make check` builds against and boots, written once: the
# Makefile, scripts/check and scripts/kernel take them from here.  debug-rt
# (PREEMPT_RT) is built only when asked for by name.
# shellcheck disable=SC2034 # for the scripts that source this file
TOASTER_KERNELS="debug 6.1 6.12 7.2"

toaster_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
toaster_die() { toaster_log "error: $*"; exit 1; }

# The build directory of the module for one kernel of TOASTER_KERNELS, or
# with no name for KDIR's: the Makefile, the VM runner and the tests all
# ask here.
toaster_module_dir() { printf '%s/module-%s\n' "$TOASTER_BUILD" "${1:-local}"; }
