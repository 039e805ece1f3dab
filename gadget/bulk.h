/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bulk data path's state, shared by bulk.c (what comes in and goes
 * out) and bulk_thread.c (the thread that does it, its syncs with main,
 * and main's side).  All of it the bulk thread's, but for what main sets
 * up before the thread starts.
 */
#ifndef TOASTER_BULK_H
#define TOASTER_BULK_H

#include "firmware.h"

/* aio_data of an echo write; a read's is its slot number */
#define TOASTER_AIO_WRITE	(1ULL << 32)

_Static_assert(TOASTER_BULK_REQ_LEN % TOASTER_BULK_MAXP_HS == 0 &&
	       TOASTER_BULK_REQ_LEN % TOASTER_BULK_MAXP_FS == 0,
	       "a request must be whole packets at either speed");
_Static_assert(TOASTER_BULK_OUT_DEPTH <= TOASTER_BULK_SLOTS,
	       "each queued read needs a buffer");

enum toaster_slot_state {
	TOASTER_SLOT_IDLE,	/* to be queued as a read once due */
	TOASTER_SLOT_READING,	/* queued on bulk OUT */
	TOASTER_SLOT_READ,	/* completed, waiting for its turn */
	TOASTER_SLOT_ECHO,	/* an echo whose write is not queued yet */
};

/* A buffer, and the read that fills it. */
struct toaster_slot {
	struct iocb	cb;
	enum toaster_slot_state state;
	int64_t		since;		/* when it entered that state */
	long		res;		/* READ: what the read returned */
	size_t		len;		/* ECHO: the bytes to write back */
	bool		zlp;		/* ECHO: then a ZLP (the host's) */
	bool		first;		/* ECHO: begins its transfer */
	bool		last;		/* ECHO: ends it, xfer bytes long */
	size_t		xfer;
	uint8_t		*buf;
};

/* An echo write: the kernel has its own copy of the data. */
struct toaster_write {
	struct iocb	cb;
	bool		busy;
	size_t		len;
	bool		last;		/* ends a transfer of xfer bytes */
	size_t		xfer;
};

/* The bulk thread's own, but for what main sets up before it starts. */
struct toaster_bulk_io {
	struct toaster_aio aio;
	int		fd[2];		/* bulk OUT, bulk IN */
	size_t		maxp;
	bool		loopback;
	unsigned int	ms;		/* slow-bulk, as last looked at */
	bool		halt_out, halt_in;	/* armed (peeked) */

	struct toaster_slot slot[TOASTER_BULK_SLOTS];
	unsigned int	order[TOASTER_BULK_SLOTS];	/* reads, as queued */
	unsigned int	order_head, order_count;
	unsigned int	echo[TOASTER_BULK_SLOTS];	/* echoes, in order */
	unsigned int	echo_head, echo_count;
	struct toaster_write write[TOASTER_BULK_IN_DEPTH];
	unsigned int	reading, writing;	/* queued in the kernel */

	size_t		xfer;		/* the OUT transfer so far */
	bool		drop_echo;	/* halt=bulk-in: drop this transfer's */
	bool		dead;		/* an endpoint went away: wait for stop */
	int64_t		retry_at;	/* after ENOMEM and the like */

	bool		syncing;	/* a sync main asked for */
	unsigned int	sync_gen;
	bool		switching, want, cancelled, flushed;

	struct toaster_bulk_stats delta;	/* not yet in g->bulk.stats */
};

void toaster_slot_idle(struct toaster_slot *s, int64_t now);
void toaster_stats_add(struct toaster_bulk_stats *to,
		       struct toaster_bulk_stats *from);
/* Takes in the completed reads whose turn it is. */
void toaster_bulk_take(struct toaster_bulk_io *io, int64_t now);
/* Whatever completed; false if the context failed. */
bool toaster_bulk_reap(struct toaster_bulk_io *io);
/*
 * Queue the echoes and the reads that are due, as far as there is room;
 * *next becomes the soonest that is not due yet, if sooner.
 */
void toaster_bulk_echo(struct toaster_gadget *g, struct toaster_bulk_io *io,
		       int64_t now, int64_t *next);
void toaster_bulk_read(struct toaster_bulk_io *io, int64_t now, int64_t *next);
void toaster_bulk_cancel(struct toaster_bulk_io *io, bool reads, bool writes);
/* Drops every echo not yet queued, and cancels those that are. */
void toaster_bulk_flush(struct toaster_bulk_io *io, int64_t now);

#endif /* TOASTER_BULK_H */
