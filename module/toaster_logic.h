/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The toaster driver's pure logic: text commands in, status text out, wire
 * notifications decoded, and what the interrupt-IN completion decides.
 * Nothing here touches USB, so KUnit (kunit/) tests it directly.
 */
#ifndef _TOASTER_LOGIC_H
#define _TOASTER_LOGIC_H

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

/*
 * The status the interrupt endpoint keeps current, under the driver's
 * status lock.  @gen counts changes, so a reader knows whether it has seen
 * the latest; @pm_busy says whether a runtime PM reference is held for a
 * toast in progress.
 */
struct toaster_status_cache {
	struct toaster_snapshot status;
	u64 gen;
	bool pm_busy;
	/* Interrupt IN errors in a row, and the wait before the next try. */
	unsigned int int_errors;
	unsigned int int_delay_ms;
};

/* The longest wait before the interrupt URB is tried again. */
#define TOASTER_INT_BACKOFF_MAX_MS	1000

enum toaster_int_action {
	TOASTER_INT_RESUBMIT,
	TOASTER_INT_RETRY_LATER,	/* after cache->int_delay_ms */
	TOASTER_INT_CLEAR_HALT,		/* then resubmit */
	TOASTER_INT_STOP,
};

enum toaster_pm_change {
	TOASTER_PM_KEEP,
	TOASTER_PM_GET,		/* a toast began: hold the device awake */
	TOASTER_PM_PUT,		/* it ended: let it autosuspend */
};

/*
 * What became of a status offered to the cache, for the caller to act on
 * once the lock is dropped.  @result: 0 taken, -EALREADY older than the
 * cache, -EPROTO malformed, or the URB's error status.
 */
struct toaster_take {
	int result;
	bool changed;		/* readers must be woken */
	enum toaster_pm_change pm;
};

/*
 * How BURN and LOOPBACK cut a stream of transfers (struct toaster_buffer)
 * into URBs, the same way on bulk OUT and bulk IN.
 */
struct toaster_stream_plan {
	u32 len;		/* bytes per transfer */
	u32 count;		/* transfers */
	u32 urb_size;		/* most bytes per URB: a whole number of packets */
	u16 maxp;		/* the endpoint's packet size */
	u32 per_transfer;	/* URBs per transfer */
	u64 chunks;		/* URBs in the stream, each way */
};

/* One URB's share of a stream. */
struct toaster_chunk {
	u64 offset;		/* into the stream's buffer */
	u32 len;		/* bytes it carries */
	/*
	 * IN: the buffer to give the URB.  An echo that ends with a
	 * zero-length packet needs a packet's room more, or the ZLP would be
	 * left for the next URB to take as a transfer of its own.
	 */
	u32 room;
	bool last;		/* ends its transfer */
	bool zero_packet;	/* OUT: the transfer ends with a ZLP */
};

int toaster_stream_plan(struct toaster_stream_plan *plan, u32 len, u32 count,
			u32 urb_size, u16 maxp);
void toaster_stream_chunk(const struct toaster_stream_plan *plan, u64 index,
			  struct toaster_chunk *chunk);
int toaster_chunk_received(const struct toaster_chunk *chunk, u32 actual);

int toaster_parse_command(const char *buf, size_t len,
			  struct toaster_command *cmd);
int toaster_command_check(const struct toaster_snapshot *snap,
			  const struct toaster_command *cmd);
size_t toaster_format_status(const struct toaster_snapshot *snap, char *buf,
			     size_t size);
int toaster_decode_status(const void *buf, size_t len,
			  struct toaster_snapshot *snap);
bool toaster_snapshot_equal(const struct toaster_snapshot *a,
			    const struct toaster_snapshot *b);
void toaster_cache_take(struct toaster_status_cache *cache,
			const struct toaster_snapshot *snap, bool resync,
			struct toaster_take *take);
enum toaster_int_action toaster_int_receive(struct toaster_status_cache *cache,
					    int urb_status, const void *buf,
					    size_t len, struct toaster_take *take);

#endif /* _TOASTER_LOGIC_H */
