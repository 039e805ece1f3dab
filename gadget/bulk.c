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
 * Each worker moves up to TOASTER_BULK_REQ_LEN and one packet a system
 * call: the out worker reads into an echo slot (loopback) or its own
 * buffer (burn patterns), the in worker writes the slots back in order.  A transfer is the data
 * up to the first short packet, a ZLP included, so a read that returns
 * less than it asked for ends one; its echo is one write of the same
 * bytes, and when a ZLP ended it (a short count of whole packets, or
 * none) a ZLP after them, so that the echo ends as the transfer did.  No
 * ZLP of our own.
 *
 * These are the workers for gadgetfs; FunctionFS's keep a queue of
 * requests (bulk_queued.c) with this file's bookkeeping.  Why one request
 * at a time on each endpoint here, not a queue of them through kernel
 * AIO: on gadgetfs a queued AIO request cannot be taken back.
 * io_cancel() calls ep_aio_cancel() under the AIO context's ctx_lock;
 * dummy_udc's dequeue gives the request back at once, and gadgetfs
 * completes a write, or a read with no data, right there (ep_aio_complete()
 * -> aio_complete_rw() -> aio_remove_iocb()), which takes ctx_lock again:
 * the CPU spins for good.  io_destroy() and a process exit cancel the same
 * way (free_ioctx_users()).  A flush, a sync and a reconfiguration all
 * need to take back what is queued; a synchronous request can be, by a
 * signal (ep_io() dequeues it in process context), and the workers run
 * with SIGUSR1 for that (io.c).  Both APIs hold the endpoint's mutex for
 * the whole of a synchronous request, so it is one at a time.
 *
 * A sync (SET_LOOPBACK, "stats") must see every OUT transfer the host
 * completed before it: main interrupts the out worker until it says so
 * from the top of its loop, where whatever its last read brought has been
 * taken in (a read the host had filled returns its data even then; an
 * empty one is dequeued).  A switch takes effect there too, and then
 * flushes, either way: the in worker drops the queued echo, and the write
 * it was in, so that no echo of before reaches a later call.  Only then
 * does main answer the request.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "bulk.h"

_Static_assert(TOASTER_BULK_REQ_LEN % TOASTER_BULK_MAXP_HS == 0 &&
	       TOASTER_BULK_REQ_LEN % TOASTER_BULK_MAXP_FS == 0 &&
	       TOASTER_BULK_QUEUED_REQ_LEN % TOASTER_BULK_MAXP_HS == 0 &&
	       TOASTER_BULK_QUEUED_REQ_LEN % TOASTER_BULK_MAXP_FS == 0 &&
	       TOASTER_BULK_QUEUED_REQ_LEN <= TOASTER_BULK_BUF_LEN &&
	       TOASTER_BULK_QUEUED_REQ_MIN % TOASTER_BULK_MAXP_HS == 0 &&
	       TOASTER_BULK_QUEUED_REQ_MIN % TOASTER_BULK_MAXP_FS == 0 &&
	       TOASTER_BULK_QUEUED_REQ_MIN <= TOASTER_BULK_QUEUED_REQ_LEN,
	       "a request must be whole packets at either speed, in a slot");

/* How long main waits for a worker to say it is done with a sync. */
#define TOASTER_BULK_SYNC_MS	2000
/* How often main interrupts it meanwhile: a signal can land too early. */
#define TOASTER_BULK_POKE_MS	5
/* How long "stats" waits for the echo queued so far to go. */
#define TOASTER_BULK_IDLE_MS	200

static size_t toaster_bulk_maxp(const struct toaster_gadget *g)
{
	return g->speed == USB_SPEED_HIGH ? TOASTER_BULK_MAXP_HS
					  : TOASTER_BULK_MAXP_FS;
}

/*
 * What one bulk OUT read asks for here, as whole packets: a transfer of
 * TOASTER_BULK_REQ_LEN and the ZLP after it complete it together (short).
 * The queued worker's follow the host's (bulk_queued.c).
 */
static size_t toaster_bulk_req_len(const struct toaster_gadget *g)
{
	return TOASTER_BULK_REQ_LEN + toaster_bulk_maxp(g);
}

struct toaster_echo_slot *toaster_echo_at(struct toaster_bulk *b, unsigned int i)
{
	return &b->echo[(b->head + i) % TOASTER_BULK_SLOTS];
}

/* Under lock: the head of the echo goes, sent or not. */
void toaster_echo_pop(struct toaster_gadget *g, bool sent)
{
	struct toaster_bulk *b = &g->bulk;

	if (!sent)
		b->stats.echoes_flushed++;
	b->head = (b->head + 1) % TOASTER_BULK_SLOTS;
	b->count--;
	pthread_cond_broadcast(&g->io_cond);	/* room for the out worker */
}

/*
 * Under lock: sleeps until deadline (slow-bulk's), or until something
 * changes.  Returns whether the deadline has come.
 */
bool toaster_bulk_wait_until(struct toaster_gadget *g, int64_t deadline)
{
	struct timespec ts;

	if (toaster_now_ns() >= deadline)
		return true;
	ts = toaster_timespec(deadline);
	pthread_cond_timedwait(&g->io_cond, &g->lock, &ts);
	return false;
}

int64_t toaster_bulk_due(const struct toaster_gadget *g, int64_t since)
{
	return since + (int64_t)toaster_fault_slow_bulk_ms(g) * TOASTER_NS_PER_MS;
}

/* ------------------------------------------------------------------ */
/* bulk OUT */

static void toaster_burned(struct toaster_bulk *b, size_t len)
{
	if (!len) {
		toaster_dbg("bulk OUT: an empty transfer, nothing to burn");
	} else if (len > TOASTER_BURN_MAX) {
		toaster_dbg("burn pattern of %zu bytes, over the %d byte limit: ignored",
			    len, TOASTER_BURN_MAX);
		b->stats.oversized++;
	} else {
		toaster_dbg("burn pattern of %zu bytes", len);
		b->stats.patterns_burned++;
		b->stats.bytes_burned += len;
	}
}

/*
 * Under lock: a read brought n bytes, into the echo slot at the tail if
 * loopback is on (the mode changes only between reads, in this thread).
 */
void toaster_bulk_received(struct toaster_gadget *g, size_t n, bool ends)
{
	struct toaster_bulk *b = &g->bulk;
	bool first = b->xfer == 0;
	struct toaster_echo_slot *s;

	b->xfer += n;
	if (b->loopback) {
		s = toaster_echo_at(b, b->count);
		s->len = n;
		s->zlp = ends && n % toaster_bulk_maxp(g) == 0;
		s->first = first;
		s->last = ends;
		s->xfer = b->xfer;
		s->since = toaster_now_ns();
		b->count++;
		pthread_cond_broadcast(&g->io_cond);
		toaster_bulk_kick_in(b);
	} else if (ends) {
		toaster_burned(b, b->xfer);
	}
	if (ends)
		b->xfer = 0;
}

/*
 * Under lock, between reads: halt=bulk-out fires between transfers, so
 * that the host's next one finds the endpoint halted.
 */
void toaster_bulk_halt_out(struct toaster_gadget *g)
{
	if (!g->bulk.xfer && toaster_fault_halt(g, TOASTER_EP_ROLE_OUT, true)) {
		toaster_fault_halt(g, TOASTER_EP_ROLE_OUT, false);
		toaster_ep_halt(g, TOASTER_EP_ROLE_OUT);
	}
}

/* Under lock, between reads: a sync main asked for is done here. */
void toaster_bulk_out_sync(struct toaster_gadget *g)
{
	struct toaster_bulk *b = &g->bulk;

	toaster_bulk_halt_out(g);
	if (b->switching) {
		if (b->loopback != b->want_loopback)
			toaster_dbg("loopback %s", b->want_loopback ? "on" : "off");
		b->loopback = b->want_loopback;
		b->switching = false;
		/* the in worker writes no more until it has flushed */
		b->flushing = true;
		b->xfer = 0;
		b->drop_echo = false;
	}
	b->out_ack = b->sync_asked;
	pthread_cond_broadcast(&g->io_cond);
}

static void *toaster_out_main(void *arg)
{
	struct toaster_gadget *g = arg;
	struct toaster_bulk *b = &g->bulk;
	int fd = g->ep[TOASTER_EP_ROLE_OUT].fd;
	int64_t since = toaster_now_ns();
	uint8_t *buf;
	ssize_t n;

	toaster_worker_enter();
	pthread_mutex_lock(&g->lock);
	while (!g->io_stop) {
		if (b->out_ack != b->sync_asked) {
			toaster_bulk_out_sync(g);
			/* a new request, as slow-bulk has it */
			since = toaster_now_ns();
			continue;
		}
		toaster_bulk_halt_out(g);
		/* slow-bulk: each request waits before it is queued */
		if (!toaster_bulk_wait_until(g, toaster_bulk_due(g, since)))
			continue;
		if (b->loopback && b->count == TOASTER_BULK_SLOTS) {
			/* the echo is full: the host is held off with NAKs */
			pthread_cond_wait(&g->io_cond, &g->lock);
			continue;
		}
		buf = b->loopback ? toaster_echo_at(b, b->count)->data : b->burn_buf[0];
		if (toaster_fault_slow_bulk_ms(g))
			toaster_dbg("fault slow-bulk=%u: held a bulk OUT request up",
				    toaster_fault_slow_bulk_ms(g));
		pthread_mutex_unlock(&g->lock);

		n = read(fd, buf, toaster_bulk_req_len(g));

		pthread_mutex_lock(&g->lock);
		since = toaster_now_ns();
		if (n >= 0) {
			toaster_bulk_received(g, (size_t)n,
					      (size_t)n < toaster_bulk_req_len(g));
		} else if (errno != EINTR) {
			toaster_dbg("bulk OUT: %s", strerror(errno));
			/* the host went: nothing to do until main stops us */
			while (!g->io_stop)
				pthread_cond_wait(&g->io_cond, &g->lock);
		}
	}
	pthread_mutex_unlock(&g->lock);
	toaster_worker_exit(g, &b->out);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* bulk IN */

/* Under lock: the head slot's echo went, n bytes and its ZLP if any. */
void toaster_bulk_wrote(struct toaster_gadget *g, struct toaster_echo_slot *s,
			ssize_t n)
{
	struct toaster_bulk *b = &g->bulk;

	b->stats.bytes_echoed += (size_t)n;
	if (s->last) {
		b->stats.transfers_echoed++;
		toaster_dbg("loopback: echoed %zu bytes", s->xfer);
	}
	toaster_echo_pop(g, true);
}

/*
 * Under lock: whether the head slot may be written now; drops what
 * halt=bulk-in takes.  False: wait for a change (or its deadline).
 */
bool toaster_bulk_echo_ready(struct toaster_gadget *g,
			     struct toaster_echo_slot *s)
{
	struct toaster_bulk *b = &g->bulk;

	/* between writes: nothing queued, so dummy_udc can halt it */
	if (s->first && !b->drop_echo &&
	    toaster_fault_halt(g, TOASTER_EP_ROLE_IN, false)) {
		toaster_ep_halt(g, TOASTER_EP_ROLE_IN);
		b->drop_echo = true;
	}
	if (b->drop_echo) {
		/* the halted transfer's echo goes, all of it */
		b->drop_echo = !s->last;
		toaster_echo_pop(g, false);
		return false;
	}
	return toaster_bulk_wait_until(g, toaster_bulk_due(g, s->since));
}

static void *toaster_in_main(void *arg)
{
	struct toaster_gadget *g = arg;
	struct toaster_bulk *b = &g->bulk;
	int fd = g->ep[TOASTER_EP_ROLE_IN].fd;
	struct toaster_echo_slot *s;
	bool zlp_failed;
	ssize_t n;

	toaster_worker_enter();
	pthread_mutex_lock(&g->lock);
	while (!g->io_stop) {
		if (b->in_ack != b->flush_asked) {
			while (b->count)
				toaster_echo_pop(g, false);
			b->in_ack = b->flush_asked;
			pthread_cond_broadcast(&g->io_cond);
			continue;
		}
		if (b->flushing || !b->count) {
			pthread_cond_wait(&g->io_cond, &g->lock);
			continue;
		}
		s = toaster_echo_at(b, 0);
		if (!toaster_bulk_echo_ready(g, s))
			continue;
		if (toaster_fault_slow_bulk_ms(g))
			toaster_dbg("fault slow-bulk=%u: held an echo write up",
				    toaster_fault_slow_bulk_ms(g));
		b->in_writing = true;
		pthread_mutex_unlock(&g->lock);

		/* blocks until the host reads it all (or we are interrupted) */
		n = s->len ? write(fd, s->data, s->len) : 0;
		zlp_failed = n >= 0 && s->zlp && write(fd, s->data, 0) < 0;

		pthread_mutex_lock(&g->lock);
		b->in_writing = false;
		pthread_cond_broadcast(&g->io_cond);
		if (n >= 0 && !zlp_failed) {
			toaster_bulk_wrote(g, s, n);
		} else if (errno != EINTR) {
			toaster_dbg("bulk IN: %s", strerror(errno));
			while (!g->io_stop)
				pthread_cond_wait(&g->io_cond, &g->lock);
		} else if (zlp_failed) {
			/* the data went; its ZLP is still to go */
			s->len = 0;
		}
		/* interrupted: by a flush (the top of the loop drops it) or a stop */
	}
	pthread_mutex_unlock(&g->lock);
	toaster_worker_exit(g, &b->in);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* main's side */

/*
 * Under lock: interrupts w until *ack reaches gen, as a worker blocked in
 * read() or write() only sees a sync when that returns.  False if it
 * never did.
 */
static bool toaster_bulk_poke(struct toaster_gadget *g, struct toaster_worker *w,
			      const unsigned int *ack, unsigned int gen)
{
	int64_t end = toaster_now_ns() + TOASTER_BULK_SYNC_MS * TOASTER_NS_PER_MS;
	struct timespec ts;

	while (w->started && !w->exited && (int)(*ack - gen) < 0) {
		if (toaster_now_ns() > end) {
			toaster_err("the %s worker did not answer in %d ms", w->name,
				    TOASTER_BULK_SYNC_MS);
			return false;
		}
		pthread_cond_broadcast(&g->io_cond);
		pthread_kill(w->tid, SIGUSR1);
		ts = toaster_timespec(toaster_now_ns() +
				      TOASTER_BULK_POKE_MS * TOASTER_NS_PER_MS);
		pthread_cond_timedwait(&g->io_cond, &g->lock, &ts);
	}
	return true;
}

static bool toaster_bulk_running(const struct toaster_gadget *g)
{
	return g->bulk.out.started && !g->bulk.out.exited;
}

/* Under lock: the out worker has taken in all that came before. */
static void toaster_bulk_barrier(struct toaster_gadget *g)
{
	struct toaster_bulk *b = &g->bulk;

	b->sync_asked++;
	if (!toaster_bulk_poke(g, &b->out, &b->out_ack, b->sync_asked))
		b->out_ack = b->sync_asked;
}

void toaster_bulk_loopback(struct toaster_gadget *g, bool on)
{
	struct toaster_bulk *b = &g->bulk;

	if (!toaster_bulk_running(g)) {
		b->loopback = on;
		return;
	}
	b->switching = true;
	b->want_loopback = on;
	toaster_bulk_barrier(g);
	if (b->switching) {
		/* the out worker never got there: switch for it */
		b->loopback = on;
		b->switching = false;
	}
	b->flush_asked++;
	toaster_bulk_poke(g, &b->in, &b->in_ack, b->flush_asked);
	b->flushing = false;
	pthread_cond_broadcast(&g->io_cond);
}

void toaster_bulk_sync(struct toaster_gadget *g)
{
	struct toaster_bulk *b = &g->bulk;
	int64_t end = toaster_now_ns() + TOASTER_BULK_IDLE_MS * TOASTER_NS_PER_MS;

	if (!toaster_bulk_running(g))
		return;
	toaster_bulk_barrier(g);
	/* an echo the host has read may not be counted yet */
	while ((b->count || b->in_writing) && toaster_now_ns() < end) {
		if (toaster_bulk_wait_until(g, end))
			break;
	}
}

void toaster_bulk_kick(struct toaster_gadget *g)
{
	pthread_mutex_lock(&g->lock);
	pthread_cond_broadcast(&g->io_cond);
	pthread_mutex_unlock(&g->lock);
}

void toaster_bulk_reset(struct toaster_gadget *g)
{
	struct toaster_bulk *b = &g->bulk;

	/* loopback mode ends with the host's session */
	b->loopback = false;
	b->switching = b->flushing = b->drop_echo = b->in_writing = false;
	b->out_ack = b->sync_asked;
	b->in_ack = b->flush_asked;
	b->head = b->count = 0;
	b->in_queued = b->in_sent = b->in_pieces = 0;
	b->in_polling = false;
	b->xfer = 0;
	toaster_model_set_loopback(&g->model, toaster_now_ns(), 0);
	toaster_publish(g);
}

int toaster_bulk_start(struct toaster_gadget *g)
{
	struct toaster_bulk *b = &g->bulk;

	b->out.name = "bulk OUT";
	b->in.name = "bulk IN";
	if (g->ops->queues_bulk) {
		if (toaster_bulk_queued_init(b) < 0)
			return -1;
		b->out.main = toaster_out_queued_main;
		b->in.main = toaster_in_queued_main;
	} else {
		b->out.main = toaster_out_main;
		b->in.main = toaster_in_main;
	}
	if (toaster_worker_start(g, &b->out) < 0)
		return -1;
	return toaster_worker_start(g, &b->in);
}

void toaster_bulk_stop(struct toaster_gadget *g)
{
	toaster_worker_stop(g, &g->bulk.out);
	toaster_worker_stop(g, &g->bulk.in);
	toaster_bulk_queued_exit(&g->bulk);
}
