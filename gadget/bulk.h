/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the two ways of driving the bulk endpoints: bulk.c's workers,
 * one synchronous request at a time (gadgetfs), and bulk_queued.c's,
 * which keep TOASTER_BULK_QUEUE requests queued through kernel AIO
 * (FunctionFS).  What a request brings or takes, the echo ring, the
 * faults and the syncs with main are bulk.c's, the same for both.
 * Everything here is called under g->lock.
 */
#ifndef TOASTER_BULK_H
#define TOASTER_BULK_H

#include <sys/types.h>

#include "firmware.h"

/* The echo ring: slot i after the head; the head goes, sent or not. */
struct toaster_echo_slot *toaster_echo_at(struct toaster_bulk *b, unsigned int i);
void toaster_echo_pop(struct toaster_gadget *g, bool sent);
/* Sleeps until deadline or a change; whether the deadline has come. */
bool toaster_bulk_wait_until(struct toaster_gadget *g, int64_t deadline);
/* When a request that could go at since may go, as slow-bulk has it. */
int64_t toaster_bulk_due(const struct toaster_gadget *g, int64_t since);

/*
 * bulk OUT: a request brought n bytes (into the echo tail in loopback),
 * less than it asked for if it ends a transfer.
 */
void toaster_bulk_received(struct toaster_gadget *g, size_t n, bool ends);
/* Between requests: halt=bulk-out, and a sync main asked for. */
void toaster_bulk_halt_out(struct toaster_gadget *g);
void toaster_bulk_out_sync(struct toaster_gadget *g);

/* bulk IN: the head slot went, n bytes and its ZLP if any; it is popped. */
void toaster_bulk_wrote(struct toaster_gadget *g, struct toaster_echo_slot *s,
			ssize_t n);
/*
 * Whether the head slot may be written now, from an empty queue: fires
 * halt=bulk-in and drops what it takes; waits for slow-bulk.
 */
bool toaster_bulk_echo_ready(struct toaster_gadget *g,
			     struct toaster_echo_slot *s);

/* bulk_queued.c */
int toaster_bulk_queued_init(struct toaster_bulk *b);
void toaster_bulk_queued_exit(struct toaster_bulk *b);
void *toaster_out_queued_main(void *arg);
void *toaster_in_queued_main(void *arg);
/* A slot came for the echo: wakes the in worker if it waits on its queue. */
void toaster_bulk_kick_in(struct toaster_bulk *b);

#endif /* TOASTER_BULK_H */
