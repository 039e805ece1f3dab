// SPDX-License-Identifier: GPL-2.0
/*
 * The firmware's log, on stderr: errors always, the rest with -v.  Tests
 * read it (scripts/vm keeps it as latest.gadget.log), and grep some lines.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "firmware.h"

/* Process-wide, like stderr itself: set once, before any thread. */
static bool toaster_verbose;

void toaster_log_verbose(bool on)
{
	toaster_verbose = on;
}

static void toaster_vlog(const char *fmt, va_list ap)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "toaster-gadget: ");
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* one write per line keeps threads from interleaving */
	fprintf(stderr, "%s\n", line);
}

void toaster_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	toaster_vlog(fmt, ap);
	va_end(ap);
}

void toaster_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!toaster_verbose)
		return;
	va_start(ap, fmt);
	toaster_vlog(fmt, ap);
	va_end(ap);
}

void toaster_append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n;
}

const char *toaster_speed_name(enum usb_device_speed s)
{
	switch (s) {
	case USB_SPEED_LOW:
		return "low";
	case USB_SPEED_FULL:
		return "full";
	case USB_SPEED_HIGH:
		return "high";
	case USB_SPEED_SUPER:
		return "super";
	default:
		return "unknown";
	}
}
