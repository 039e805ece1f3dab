/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The toaster driver's pure logic: text commands in, status text out, wire
 * notifications decoded.  Nothing here touches USB, so KUnit (kunit/) tests
 * it directly.
 */
#ifndef _TOASTER_H
#define _TOASTER_H

#include <linux/types.h>

#include "toaster_proto.h"

/* The longest command a write() may carry, newline included. */
#define TOASTER_CMD_MAX		32
/* Room for every line toaster_format_status() writes. */
#define TOASTER_STATUS_TEXT_MAX	256

enum toaster_command_op {
	TOASTER_CMD_TOAST,
	TOASTER_CMD_CANCEL,
	TOASTER_CMD_DARKNESS,
	TOASTER_CMD_LOCK,
	TOASTER_CMD_UNLOCK,
};

struct toaster_command {
	enum toaster_command_op op;
	/* TOAST: 0 for the current darkness; DARKNESS: the new darkness. */
	unsigned int darkness;
};

/* What the driver knows of the toaster, kept current by notifications. */
struct toaster_snapshot {
	enum toaster_state state;
	unsigned int darkness;
	int temperature_c;
	u32 remaining_ms;
	u32 toasts;
	u32 errors;
	u16 seq;
	bool safety_lock;
	bool loopback;
};

int toaster_parse_command(const char *buf, size_t len,
			  struct toaster_command *cmd);
size_t toaster_format_status(const struct toaster_snapshot *snap, char *buf,
			     size_t size);
int toaster_decode_status(const void *buf, size_t len,
			  struct toaster_snapshot *snap);
bool toaster_seq_is_newer(u16 seq, u16 than);
bool toaster_snapshot_equal(const struct toaster_snapshot *a,
			    const struct toaster_snapshot *b);

#endif /* _TOASTER_H */
