/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the driver's C selftests (toaster_test, toaster_file_test,
 * toaster_stream_test) share: the toaster under test and its firmware's
 * control FIFO, and commands to that firmware through lib/toaster_control.
 * Include after kselftest_harness.h.
 *
 * The toaster is the stack's unless TOASTER_DEV and TOASTER_GADGET_CTL
 * say otherwise (the names tests/lib.sh uses), e.g. /dev/toaster1 and the
 * FIFO of the firmware behind it.  Its sysfs directory, with a trailing
 * slash, follows from the node's name.
 */
#ifndef TOASTER_SELFTEST_H
#define TOASTER_SELFTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toaster_control.h"

static const char *toaster_dev = "/dev/toaster0";
static const char *toaster_ctl_fifo = "/run/toaster-stack/gadget.ctl";
static char toaster_sysfs[256];

/* Before the harness forks the first case, so every case sees the same. */
__attribute__((constructor))
static void toaster_paths(void)
{
	const char *dev = getenv("TOASTER_DEV");
	const char *ctl = getenv("TOASTER_GADGET_CTL");
	const char *name;

	/* empty is unset, as ${VAR:-default} has it in tests/lib.sh */
	if (dev && *dev)
		toaster_dev = dev;
	if (ctl && *ctl)
		toaster_ctl_fifo = ctl;
	name = strrchr(toaster_dev, '/');
	name = name ? name + 1 : toaster_dev;
	if (snprintf(toaster_sysfs, sizeof(toaster_sysfs),
		     "/sys/class/usbmisc/%s/device/", name) >= (int)sizeof(toaster_sysfs)) {
		fprintf(stderr, "TOASTER_DEV too long: %s\n", toaster_dev);
		exit(KSFT_FAIL);
	}
}

/*
 * Tells the emulated toaster's firmware what to do (unplug, plug, fault
 * ...) and waits until it has: TOASTER_CONTROL_OK (0), or what went wrong,
 * which is also logged.
 */
static enum toaster_control_result toaster_gadget_control(const char *cmd)
{
	enum toaster_control_result rc;
	char reply[256], why[512];

	rc = toaster_control_send(toaster_ctl_fifo, cmd, TOASTER_CONTROL_TIMEOUT_MS,
				  reply, sizeof(reply));
	if (rc != TOASTER_CONTROL_OK)
		fprintf(stderr, "# %s\n", toaster_control_describe(rc, toaster_ctl_fifo, cmd,
								   reply, why, sizeof(why)));
	return rc;
}

#endif /* TOASTER_SELFTEST_H */
