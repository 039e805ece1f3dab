// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-gadget-ctl: one command to the emulated toaster's firmware
 * through its control FIFO, and its acknowledgement waited for
 * (lib/toaster_control.c), for the shell tests' gadget_ctl.
 *
 *   toaster-gadget-ctl FIFO COMMAND...     e.g. FIFO fault hang toast
 *
 * Silent when the firmware carried the command out; otherwise what went
 * wrong, on stderr.
 */
#include <stdio.h>
#include <string.h>

#include "toaster_control.h"

static void toaster_gadget_ctl_usage(FILE *f)
{
	fprintf(f,
		"usage: toaster-gadget-ctl FIFO COMMAND...\n"
		"Sends COMMAND (its words joined by spaces) to the toaster-gadget\n"
		"whose --control is FIFO, and waits up to %u s for FIFO.ack to say\n"
		"it was carried out: unplug, plug, fault MODE [ARG], clear [MODE],\n"
		"overheat (see toaster-gadget --help).\n"
		"\n"
		"Exit status: 0 carried out; 1 refused, not acknowledged, or no\n"
		"firmware at FIFO; 2 usage error.\n",
		TOASTER_CONTROL_TIMEOUT_MS / 1000);
}

int main(int argc, char **argv)
{
	char cmd[512], reply[512], why[1024];
	enum toaster_control_result rc;
	size_t len = 0;
	int i, n;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		toaster_gadget_ctl_usage(stdout);
		return 0;
	}
	if (argc < 3) {
		toaster_gadget_ctl_usage(stderr);
		return 2;
	}
	for (i = 2; i < argc; i++) {
		n = snprintf(cmd + len, sizeof(cmd) - len, "%s%s", len ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(cmd) - len) {
			fprintf(stderr, "toaster-gadget-ctl: the command is too long\n");
			return 2;
		}
		len += (size_t)n;
	}
	rc = toaster_control_send(argv[1], cmd, TOASTER_CONTROL_TIMEOUT_MS, reply,
				  sizeof(reply));
	if (rc == TOASTER_CONTROL_OK)
		return 0;
	fprintf(stderr, "toaster-gadget-ctl: %s\n",
		toaster_control_describe(rc, argv[1], cmd, reply, why, sizeof(why)));
	return rc == TOASTER_CONTROL_BAD_COMMAND ? 2 : 1;
}
