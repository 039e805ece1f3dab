/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Commands to the emulated toaster's firmware (toaster-gadget --control
 * FIFO): one line written to the FIFO, carried out, then acknowledged by
 * one line appended to FIFO.ack, "ok CMD" or "error CMD: WHY", CMD with
 * its words joined by single spaces.  The one implementation of that
 * handshake, for the driver's selftest and for toaster-gadget-ctl, which
 * the shell tests call.
 */
#ifndef TOASTER_CONTROL_H
#define TOASTER_CONTROL_H

#include <stddef.h>

/* How long a command may take to be acknowledged, by default. */
#define TOASTER_CONTROL_TIMEOUT_MS	10000

enum toaster_control_result {
	TOASTER_CONTROL_OK,		/* acknowledged with "ok CMD" */
	TOASTER_CONTROL_REFUSED,	/* acknowledged otherwise: the line is in reply */
	TOASTER_CONTROL_GONE,		/* no FIFO, or nothing reading it: no firmware */
	TOASTER_CONTROL_TIMEOUT,	/* no acknowledgement in time */
	TOASTER_CONTROL_FAILED,		/* a system call failed: strerror in reply */
	TOASTER_CONTROL_BAD_COMMAND,	/* empty, or more than one line */
};

/*
 * Sends cmd to the firmware behind fifo and waits up to timeout_ms for its
 * acknowledgement, which goes in reply (without its newline, cut to size).
 * Safe to call from any thread; one caller at a time per firmware, as an
 * acknowledgement is taken for the first command sent after the call began.
 */
enum toaster_control_result toaster_control_send(const char *fifo, const char *cmd,
						 unsigned int timeout_ms,
						 char *reply, size_t size);

/*
 * What went wrong, in words, for a test to print ("'fault hang toast': the
 * firmware said 'error ...'"), into buf; "" for TOASTER_CONTROL_OK.
 * Returns buf.
 */
const char *toaster_control_describe(enum toaster_control_result result,
				     const char *fifo, const char *cmd,
				     const char *reply, char *buf, size_t size);

#endif /* TOASTER_CONTROL_H */
