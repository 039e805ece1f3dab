// SPDX-License-Identifier: GPL-2.0
/*
 * The bulk workers for a backend whose queued requests can be taken back
 * (FunctionFS): each keeps up to TOASTER_BULK_QUEUE requests queued on
 * its endpoint through kernel AIO (aio.c), so that when the host starts
 * a transfer a request is already there for it, as it is on a real
 * device's controller.  With one synchronous request (bulk.c) every
 * transfer waited for the firmware's thread to come round, and at 4 KiB
 * that turnaround was most of a transfer's time.
 *
 * They do what bulk.c's workers do, with bulk.c's bookkeeping, in the
 * same order:
 *   - out reads into the echo slots after the tail in loopback (as many
 *     as are free), else into a burn buffer per request;
 *   - in writes the echo slots in order, a slot's data and then its ZLP,
 *     as separate requests, and pops a slot when all of it completed;
 *   - a sync (out) or a flush (in) takes everything queued back first
 *     (toaster_aio_drain()): whatever the controller had filled comes
 *     home with its data, the rest cancelled, and only then is the sync
 *     done, so that it still sees every transfer the host completed;
 *   - slow-bulk and halt=bulk-in act on one request at a time from an
 *     empty queue, which is what they mean (each request held up; no
 *     request queued when dummy_udc halts an IN endpoint), and
 *     halt=bulk-out between transfers, as before.
 * A worker blocks in poll() on its queue's eventfd, where a signal (a
 * sync, a stop) finds it as it finds bulk.c's in read() or write(); the
 * in worker also polls in_kick, which the out worker writes when a slot
 * comes, so that it need not wait for a write to complete to see one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "bulk.h"

int toaster_bulk_queued_init(struct toaster_bulk *b)
{
	b->in_kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->in_kick < 0) {
		toaster_err("eventfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* After both workers stopped. */
void toaster_bulk_queued_exit(struct toaster_bulk *b)
{
	if (b->in_kick >= 0) {
		close(b->in_kick);
		b->in_kick = -1;
	}
}

void toaster_bulk_kick_in(struct toaster_bulk *b)
{
	uint64_t one = 1;

	if (b->in_polling && write(b->in_kick, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		toaster_err("in_kick: %s", strerror(errno));
}

/* The worker's queue, or an error it cannot go on from: wait to be stopped. */
static void toaster_bulk_queued_broken(struct toaster_gadget *g, const char *ep,
				       int err)
{
	toaster_dbg("%s: %s", ep, strerror(err));
	while (!g->io_stop)
		pthread_cond_wait(&g->io_cond, &g->lock);
}

/*
 * A queued worker's start: its AIO context on endpoint r, and then g->lock,
 * which it holds but for its system calls.  A context it cannot have
 * leaves it waiting to be stopped.
 */
static void toaster_queued_enter(struct toaster_gadget *g, struct toaster_aio *q,
				 enum toaster_ep_role r, const char *ep)
{
	int err;

	toaster_worker_enter();
	err = toaster_aio_init(q, g->ep[r].fd);
	pthread_mutex_lock(&g->lock);
	if (err < 0) {
		toaster_err("%s: no AIO context: %s", ep, strerror(-err));
		toaster_bulk_queued_broken(g, ep, -err);
	}
}

/* Under lock: everything queued on q taken back, for a sync or a flush. */
static void toaster_queued_drain(struct toaster_gadget *g, struct toaster_aio *q)
{
	pthread_mutex_unlock(&g->lock);
	toaster_aio_drain(q);
	pthread_mutex_lock(&g->lock);
}

/* With g->lock held since toaster_queued_enter(): the worker ends. */
static void toaster_queued_exit(struct toaster_gadget *g, struct toaster_aio *q,
				struct toaster_worker *w)
{
	pthread_mutex_unlock(&g->lock);
	if (q->done_fd >= 0)
		toaster_aio_exit(q);
	toaster_worker_exit(g, w);
}

/* ------------------------------------------------------------------ */
/* bulk OUT */

/* Under lock: whether another read may be queued now. */
static bool toaster_out_may_queue(struct toaster_gadget *g,
				  const struct toaster_aio *q, int64_t since)
{
	struct toaster_bulk *b = &g->bulk;

	if (q->queued == TOASTER_BULK_QUEUE)
		return false;
	/* the echo is full: the host is held off with NAKs */
	if (b->loopback && b->count + q->queued == TOASTER_BULK_SLOTS)
		return false;
	if (toaster_fault_slow_bulk_ms(g))
		return !q->queued && toaster_now_ns() >= toaster_bulk_due(g, since);
	return true;
}

/* Under lock: the buffer of the next read, the echo slot it will be. */
static uint8_t *toaster_out_next_buf(struct toaster_bulk *b,
				     const struct toaster_aio *q)
{
	if (b->loopback)
		return toaster_echo_at(b, b->count + q->queued)->data;
	return b->burn_buf[(q->head + q->queued) % TOASTER_BULK_QUEUE];
}

/*
 * Under lock: the length of the reads to queue next, after one that asked
 * for d->asked and moved d->len (TOASTER_BULK_QUEUED_REQ_LEN says why).
 * One that ended a transfer of @xfer bytes: a packet more than that, so
 * that one read takes the next transfer of that size and its end; one
 * that filled, the transfer going on: twice as long.  Whole packets at
 * either speed, as TOASTER_BULK_QUEUED_REQ_MIN and _LEN are.
 */
static void toaster_out_follow(struct toaster_bulk *b,
			       const struct toaster_aio_done *d, size_t xfer)
{
	size_t len;

	if (d->len < d->asked)
		len = (xfer / TOASTER_BULK_MAXP_HS + 1) * TOASTER_BULK_MAXP_HS;
	else
		len = 2 * d->asked;
	if (len < TOASTER_BULK_QUEUED_REQ_MIN)
		len = TOASTER_BULK_QUEUED_REQ_MIN;
	if (len > TOASTER_BULK_QUEUED_REQ_LEN)
		len = TOASTER_BULK_QUEUED_REQ_LEN;
	b->out_req_len = len;
}

/*
 * Under lock: what the completed reads brought, oldest first.  A read a
 * drain cancelled brought nothing, so the one after it filled a later
 * slot than its own: its data moves down.  Returns 0, or the error an
 * endpoint failed with (the host went).
 */
static int toaster_out_take(struct toaster_gadget *g, struct toaster_aio *q,
			    int64_t *since)
{
	struct toaster_bulk *b = &g->bulk;
	struct toaster_aio_done d;
	int err = 0;

	while (toaster_aio_next(q, &d, &err)) {
		*since = toaster_now_ns();
		if (b->loopback && d.buf != toaster_echo_at(b, b->count)->data)
			memmove(toaster_echo_at(b, b->count)->data, d.buf, d.len);
		toaster_out_follow(b, &d, b->xfer + d.len);
		toaster_bulk_received(g, d.len, d.len < d.asked);
	}
	return err;
}

void *toaster_out_queued_main(void *arg)
{
	struct toaster_gadget *g = arg;
	struct toaster_bulk *b = &g->bulk;
	int64_t since = toaster_now_ns();
	struct toaster_aio q;
	uint8_t *buf;
	size_t len;
	int err;

	toaster_queued_enter(g, &q, TOASTER_EP_ROLE_OUT, "bulk OUT");
	b->out_req_len = TOASTER_BULK_QUEUED_REQ_LEN;
	while (!g->io_stop) {
		if (b->out_ack != b->sync_asked) {
			toaster_queued_drain(g, &q);
			err = toaster_out_take(g, &q, &since);
			toaster_bulk_out_sync(g);
			if (err)
				toaster_bulk_queued_broken(g, "bulk OUT", err);
			since = toaster_now_ns();
			continue;
		}
		toaster_bulk_halt_out(g);
		err = 0;
		while (!err && toaster_out_may_queue(g, &q, since)) {
			buf = toaster_out_next_buf(b, &q);
			len = b->out_req_len;
			if (toaster_fault_slow_bulk_ms(g))
				toaster_dbg("fault slow-bulk=%u: held a bulk OUT request up",
					    toaster_fault_slow_bulk_ms(g));
			pthread_mutex_unlock(&g->lock);
			err = toaster_aio_submit(&q, false, buf, len);
			pthread_mutex_lock(&g->lock);
		}
		if (err && err != -EINTR) {
			toaster_bulk_queued_broken(g, "bulk OUT", -err);
			continue;
		}
		if (!q.queued && !err) {
			/* slow-bulk holds the next read, or the echo is full */
			if (toaster_fault_slow_bulk_ms(g) &&
			    toaster_now_ns() < toaster_bulk_due(g, since))
				toaster_bulk_wait_until(g, toaster_bulk_due(g, since));
			else
				pthread_cond_wait(&g->io_cond, &g->lock);
			continue;
		}
		pthread_mutex_unlock(&g->lock);
		toaster_aio_wait(&q, -1);
		pthread_mutex_lock(&g->lock);
		err = toaster_out_take(g, &q, &since);
		if (err)
			toaster_bulk_queued_broken(g, "bulk OUT", err);
	}
	toaster_queued_exit(g, &q, &b->out);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* bulk IN */

/* A slot's writes: its data if any, then its ZLP if it has one. */
static unsigned int toaster_echo_pieces(const struct toaster_echo_slot *s)
{
	return (s->len > 0) + s->zlp;
}

/* Under lock: the writes that completed, oldest first; 0 or an error. */
static int toaster_in_take(struct toaster_gadget *g, struct toaster_aio *q)
{
	struct toaster_bulk *b = &g->bulk;
	struct toaster_echo_slot *s;
	struct toaster_aio_done d;
	int err = 0;

	/* one taken back was taken by a flush, which drops the slot */
	while (toaster_aio_next(q, &d, &err)) {
		s = toaster_echo_at(b, 0);
		if (++b->in_pieces < toaster_echo_pieces(s))
			continue;
		b->in_pieces = 0;
		b->in_queued--;
		toaster_bulk_wrote(g, s, (ssize_t)s->len);
	}
	b->in_writing = q->queued > 0;
	pthread_cond_broadcast(&g->io_cond);	/* toaster_bulk_sync() waits */
	return err;
}

/* Under lock: halt=bulk-in, halt's dropped echo and slow-bulk. */
static bool toaster_in_one_at_a_time(struct toaster_gadget *g,
				     const struct toaster_echo_slot *s)
{
	return (s->first && toaster_fault_halt(g, TOASTER_EP_ROLE_IN, true)) ||
	       g->bulk.drop_echo || toaster_fault_slow_bulk_ms(g);
}

/*
 * Under lock: queues the writes of the slots that may go now.  Returns
 * 0 when it has, 1 when the caller should look again from the top (a
 * slot was dropped, or slow-bulk waited), -errno if a write could not be
 * queued.
 */
static int toaster_in_queue_more(struct toaster_gadget *g, struct toaster_aio *q)
{
	struct toaster_bulk *b = &g->bulk;
	struct toaster_echo_slot *s;
	bool alone;
	size_t len;
	int err;

	while (!b->flushing && b->in_queued < b->count &&
	       q->queued < TOASTER_BULK_QUEUE) {
		s = toaster_echo_at(b, b->in_queued);
		/* a slot half queued (its ZLP not yet) goes on as it began */
		alone = !b->in_sent && toaster_in_one_at_a_time(g, s);
		if (alone && q->queued)
			return 0;
		if (alone && !toaster_bulk_echo_ready(g, s))
			return 1;
		if (toaster_fault_slow_bulk_ms(g))
			toaster_dbg("fault slow-bulk=%u: held an echo write up",
				    toaster_fault_slow_bulk_ms(g));
		/* the data, then the ZLP: piece in_sent of toaster_echo_pieces() */
		len = b->in_sent == 0 ? s->len : 0;
		pthread_mutex_unlock(&g->lock);
		err = toaster_aio_submit(q, true, s->data, len);
		pthread_mutex_lock(&g->lock);
		if (err)
			return err;
		b->in_writing = true;
		if (++b->in_sent < toaster_echo_pieces(s))
			continue;
		b->in_sent = 0;
		b->in_queued++;
		if (alone)
			return 0;
	}
	return 0;
}

/* Under lock: a flush main asked for; nothing is queued any more. */
static void toaster_in_flush(struct toaster_gadget *g)
{
	struct toaster_bulk *b = &g->bulk;

	while (b->count)
		toaster_echo_pop(g, false);
	b->in_queued = b->in_sent = b->in_pieces = 0;
	b->in_writing = false;
	b->in_ack = b->flush_asked;
	pthread_cond_broadcast(&g->io_cond);
}

void *toaster_in_queued_main(void *arg)
{
	struct toaster_gadget *g = arg;
	struct toaster_bulk *b = &g->bulk;
	struct toaster_aio q;
	uint64_t kicks;
	int err;

	toaster_queued_enter(g, &q, TOASTER_EP_ROLE_IN, "bulk IN");
	while (!g->io_stop) {
		if (b->in_ack != b->flush_asked) {
			toaster_queued_drain(g, &q);
			/* what the host read before still counts as echoed */
			err = toaster_in_take(g, &q);
			toaster_in_flush(g);
			if (err)
				toaster_bulk_queued_broken(g, "bulk IN", err);
			continue;
		}
		err = toaster_in_queue_more(g, &q);
		if (err == 1 || err == -EINTR)
			continue;
		if (err) {
			toaster_bulk_queued_broken(g, "bulk IN", -err);
			continue;
		}
		if (!q.queued) {
			pthread_cond_wait(&g->io_cond, &g->lock);
			continue;
		}
		b->in_polling = true;
		pthread_mutex_unlock(&g->lock);
		toaster_aio_wait(&q, b->in_kick);
		if (read(b->in_kick, &kicks, sizeof(kicks)) < 0 && errno != EAGAIN)
			toaster_err("in_kick: %s", strerror(errno));
		pthread_mutex_lock(&g->lock);
		b->in_polling = false;
		err = toaster_in_take(g, &q);
		if (err)
			toaster_bulk_queued_broken(g, "bulk IN", err);
	}
	b->in_polling = false;
	toaster_queued_exit(g, &q, &b->in);
	return NULL;
}
