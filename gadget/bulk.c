// SPDX-License-Identifier: GPL-2.0
/*
 * The bulk endpoints: bulk OUT takes burn patterns, or, with loopback on,
 * transfers that bulk IN echoes back ended as they came.  Everything else
 * reaches this side through the entry points in firmware.h: start and
 * stop with the endpoints (io.c), toaster_bulk_loopback() when
 * SET_LOOPBACK is carried out (ep0.c), toaster_bulk_sync() for "stats"
 * and toaster_bulk_kick() when the faults change (control.c), and the
 * slow-bulk and halt faults as faults.c reports them.
 *
 * One thread, the bulk thread, keeps requests of TOASTER_BULK_REQ_LEN
 * queued on both endpoints through kernel AIO (aio.c) and waits for their
 * completions, main's wake-ups and its own deadlines in one ppoll().  The
 * controller moves data only into queued requests, so the depth is what
 * lets the bus run while this thread sleeps; the size is what keeps the
 * system calls per byte few.
 *
 * A transfer is the data up to the first short packet, a ZLP included: a
 * request that completes with less than it asked for ends one.  Reads
 * complete in the order they were queued on the bus, but their events can
 * come out of order (gadgetfs completes a read with no data at once and
 * one with data only after a worker copied it), so each waits in `order`
 * for those before it.  Then it is a burn pattern's part, or an echo: n
 * bytes come back as one write of n bytes, and a read that a ZLP ended
 * (a short count of whole packets, or none) as that and a ZLP, so that
 * the echo ends as the transfer did.  No ZLP of our own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "toaster_clock.h"
#include "bulk.h"

/* Before queueing again what the kernel had no memory for. */
#define TOASTER_BULK_RETRY_MS	10

static void toaster_ring_push(unsigned int *ring, unsigned int head,
			      unsigned int *count, unsigned int v)
{
	ring[(head + (*count)++) % TOASTER_BULK_SLOTS] = v;
}

static unsigned int toaster_ring_pop(const unsigned int *ring,
				     unsigned int *head, unsigned int *count)
{
	unsigned int v = ring[*head];

	*head = (*head + 1) % TOASTER_BULK_SLOTS;
	(*count)--;
	return v;
}

void toaster_slot_idle(struct toaster_slot *s, int64_t now)
{
	s->state = TOASTER_SLOT_IDLE;
	s->since = now;
}

void toaster_stats_add(struct toaster_bulk_stats *to,
		       struct toaster_bulk_stats *from)
{
	to->patterns_burned += from->patterns_burned;
	to->bytes_burned += from->bytes_burned;
	to->oversized += from->oversized;
	to->transfers_echoed += from->transfers_echoed;
	to->bytes_echoed += from->bytes_echoed;
	to->echoes_flushed += from->echoes_flushed;
	memset(from, 0, sizeof(*from));
}

/* ------------------------------------------------------------------ */
/* what comes in */

static void toaster_burned(struct toaster_bulk_io *io, size_t len)
{
	if (!len) {
		toaster_dbg("bulk OUT: an empty transfer, nothing to burn");
	} else if (len > TOASTER_BURN_MAX) {
		toaster_dbg("burn pattern of %zu bytes, over the %d byte limit: ignored",
			    len, TOASTER_BURN_MAX);
		io->delta.oversized++;
	} else {
		toaster_dbg("burn pattern of %zu bytes", len);
		io->delta.patterns_burned++;
		io->delta.bytes_burned += len;
	}
}

/* A read's turn came: burn it, or make it an echo. */
static void toaster_bulk_received(struct toaster_bulk_io *io,
				  struct toaster_slot *s, int64_t now)
{
	long n = s->res;
	bool first = io->xfer == 0, ends;

	if (n < 0) {
		/* -ECONNRESET: cancelled by us; else the endpoint is going */
		if (n != -ECONNRESET && !io->dead) {
			toaster_dbg("bulk OUT: %s", strerror((int)-n));
			io->dead = true;
		}
		toaster_slot_idle(s, now);
		return;
	}
	ends = (size_t)n < TOASTER_BULK_REQ_LEN;
	io->xfer += (size_t)n;
	if (io->loopback) {
		s->state = TOASTER_SLOT_ECHO;
		s->since = now;
		s->len = (size_t)n;
		s->zlp = ends && (size_t)n % io->maxp == 0;
		s->first = first;
		s->last = ends;
		s->xfer = io->xfer;
		toaster_ring_push(io->echo, io->echo_head, &io->echo_count,
				  (unsigned int)(s - io->slot));
	} else {
		if (ends)
			toaster_burned(io, io->xfer);
		toaster_slot_idle(s, now);
	}
	if (ends)
		io->xfer = 0;
}

void toaster_bulk_take(struct toaster_bulk_io *io, int64_t now)
{
	struct toaster_slot *s;

	while (io->order_count) {
		s = &io->slot[io->order[io->order_head]];
		if (s->state != TOASTER_SLOT_READ)
			break;
		toaster_ring_pop(io->order, &io->order_head, &io->order_count);
		toaster_bulk_received(io, s, now);
	}
}

static void toaster_write_done(struct toaster_bulk_io *io,
			       struct toaster_write *w, long res)
{
	w->busy = false;
	io->writing--;
	if (res != (long)w->len) {
		/* cancelled by a flush, or the endpoint went */
		io->delta.echoes_flushed++;
		return;
	}
	io->delta.bytes_echoed += w->len;
	if (w->last) {
		io->delta.transfers_echoed++;
		toaster_dbg("loopback: echoed %zu bytes", w->xfer);
	}
}

bool toaster_bulk_reap(struct toaster_bulk_io *io)
{
	struct io_event ev[TOASTER_BULK_SLOTS + TOASTER_BULK_IN_DEPTH];
	struct toaster_slot *s;
	int n, i;

	do {
		n = toaster_aio_reap(&io->aio, ev, sizeof(ev) / sizeof(ev[0]));
		if (n < 0)
			return false;
		for (i = 0; i < n; i++) {
			if (ev[i].data & TOASTER_AIO_WRITE) {
				toaster_write_done(io, &io->write[ev[i].data & 0xffff],
						   (long)ev[i].res);
				continue;
			}
			s = &io->slot[ev[i].data];
			s->state = TOASTER_SLOT_READ;
			s->res = (long)ev[i].res;
			io->reading--;
		}
	} while (n == (int)(sizeof(ev) / sizeof(ev[0])));
	return true;
}

/* ------------------------------------------------------------------ */
/* what goes out */

/* Whether to try again later (and when), or give up: the endpoint went. */
static void toaster_bulk_failed(struct toaster_bulk_io *io, const char *what,
				int err, int64_t now, int64_t *next)
{
	if (err == -EAGAIN || err == -ENOMEM || err == -EINTR) {
		io->retry_at = now + TOASTER_BULK_RETRY_MS * TOASTER_NS_PER_MS;
		if (io->retry_at < *next)
			*next = io->retry_at;
		return;
	}
	toaster_dbg("%s: %s", what, strerror(-err));
	io->dead = true;
}

/* Due at since + slow-bulk; sets *next if not yet. */
static bool toaster_bulk_due(const struct toaster_bulk_io *io, int64_t since,
			     int64_t now, int64_t *next)
{
	int64_t due = since + (int64_t)io->ms * TOASTER_NS_PER_MS;

	if (due <= now)
		return true;
	if (due < *next)
		*next = due;
	return false;
}

static struct toaster_write *toaster_write_prep(struct toaster_bulk_io *io,
						size_t len, const void *buf,
						bool last, size_t xfer)
{
	struct toaster_write *w = io->write;
	unsigned int i;

	for (i = 0; w[i].busy; i++)
		;
	w[i].busy = true;
	w[i].len = len;
	w[i].last = last;
	w[i].xfer = xfer;
	toaster_aio_prep(&io->aio, &w[i].cb, io->fd[1], true, (void *)buf, len,
			 TOASTER_AIO_WRITE | i);
	return &w[i];
}

/* Queues the echoes that are due, in order, as far as there is room. */
void toaster_bulk_echo(struct toaster_gadget *g, struct toaster_bulk_io *io,
		       int64_t now, int64_t *next)
{
	struct toaster_write *w[2];
	struct iocb *cbs[2];
	struct toaster_slot *s;
	int n, rc, i;

	while (io->echo_count && !io->dead) {
		s = &io->slot[io->echo[io->echo_head]];
		if (s->first && !io->drop_echo && io->halt_in) {
			/* dummy_udc halts no IN endpoint with requests queued */
			if (io->writing)
				return;
			pthread_mutex_lock(&g->lock);
			io->halt_in = toaster_fault_halt(g, TOASTER_EP_ROLE_IN, false);
			pthread_mutex_unlock(&g->lock);
			if (io->halt_in) {
				toaster_ep_halt(g, TOASTER_EP_ROLE_IN);
				io->drop_echo = true;
				io->halt_in = false;
			}
		}
		if (io->drop_echo) {
			toaster_ring_pop(io->echo, &io->echo_head, &io->echo_count);
			io->delta.echoes_flushed++;
			io->drop_echo = !s->last;
			toaster_slot_idle(s, now);
			continue;
		}
		if (!toaster_bulk_due(io, s->since, now, next) || now < io->retry_at)
			return;
		n = (s->len > 0) + s->zlp;
		if (TOASTER_BULK_IN_DEPTH - io->writing < (unsigned int)n)
			return;
		if (io->ms)
			toaster_dbg("fault slow-bulk=%u: held an echo write up", io->ms);
		i = 0;
		if (s->len)
			w[i++] = toaster_write_prep(io, s->len, s->buf,
						    s->last && !s->zlp, s->xfer);
		if (s->zlp)
			w[i++] = toaster_write_prep(io, 0, s->buf, s->last, s->xfer);
		for (i = 0; i < n; i++)
			cbs[i] = &w[i]->cb;
		rc = toaster_aio_submit(&io->aio, cbs, n);
		for (i = rc > 0 ? rc : 0; i < n; i++)
			w[i]->busy = false;
		if (rc > 0)
			io->writing += (unsigned int)rc;
		if (rc == n) {
			/* the kernel has the data: the buffer is free again */
			toaster_ring_pop(io->echo, &io->echo_head, &io->echo_count);
			toaster_slot_idle(s, now);
			continue;
		}
		if (rc == 1)
			s->len = 0;	/* the data went, its ZLP is to go */
		toaster_bulk_failed(io, "bulk IN", rc < 0 ? rc : -EAGAIN, now, next);
		return;
	}
}

/* Queues reads, as many as may be, on the buffers that are due. */
void toaster_bulk_read(struct toaster_bulk_io *io, int64_t now, int64_t *next)
{
	struct iocb *cbs[TOASTER_BULK_OUT_DEPTH];
	unsigned int pick[TOASTER_BULK_OUT_DEPTH], i, n = 0, best;
	struct toaster_slot *s;
	bool taken[TOASTER_BULK_SLOTS] = { false };
	int rc;

	if (io->dead || now < io->retry_at)
		return;
	/* the longest idle first: the first due under slow-bulk */
	while (io->reading + n < TOASTER_BULK_OUT_DEPTH) {
		best = TOASTER_BULK_SLOTS;
		for (i = 0; i < TOASTER_BULK_SLOTS; i++) {
			if (io->slot[i].state == TOASTER_SLOT_IDLE && !taken[i] &&
			    (best == TOASTER_BULK_SLOTS ||
			     io->slot[i].since < io->slot[best].since))
				best = i;
		}
		if (best == TOASTER_BULK_SLOTS ||
		    !toaster_bulk_due(io, io->slot[best].since, now, next))
			break;
		taken[best] = true;
		s = &io->slot[best];
		toaster_aio_prep(&io->aio, &s->cb, io->fd[0], false, s->buf,
				 TOASTER_BULK_REQ_LEN, best);
		cbs[n] = &s->cb;
		pick[n++] = best;
	}
	if (!n)
		return;
	if (io->ms)
		toaster_dbg("fault slow-bulk=%u: held %u bulk OUT request%s up",
			    io->ms, n, n == 1 ? "" : "s");
	rc = toaster_aio_submit(&io->aio, cbs, n);
	for (i = 0; rc > 0 && i < (unsigned int)rc; i++) {
		io->slot[pick[i]].state = TOASTER_SLOT_READING;
		toaster_ring_push(io->order, io->order_head, &io->order_count,
				  pick[i]);
	}
	if (rc > 0)
		io->reading += (unsigned int)rc;
	if (rc != (int)n)
		toaster_bulk_failed(io, "bulk OUT", rc < 0 ? rc : -EAGAIN, now, next);
}

/* ------------------------------------------------------------------ */
/* cancelling */

void toaster_bulk_cancel(struct toaster_bulk_io *io, bool reads, bool writes)
{
	unsigned int i;

	for (i = 0; reads && i < TOASTER_BULK_SLOTS; i++) {
		if (io->slot[i].state == TOASTER_SLOT_READING)
			toaster_aio_cancel(&io->aio, &io->slot[i].cb);
	}
	for (i = 0; writes && i < TOASTER_BULK_IN_DEPTH; i++) {
		if (io->write[i].busy)
			toaster_aio_cancel(&io->aio, &io->write[i].cb);
	}
}

void toaster_bulk_flush(struct toaster_bulk_io *io, int64_t now)
{
	struct toaster_slot *s;

	while (io->echo_count) {
		s = &io->slot[toaster_ring_pop(io->echo, &io->echo_head,
					       &io->echo_count)];
		io->delta.echoes_flushed++;
		toaster_slot_idle(s, now);
	}
	toaster_bulk_cancel(io, false, true);
	io->xfer = 0;
	io->drop_echo = false;
}

