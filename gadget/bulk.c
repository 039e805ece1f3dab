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
 *
 * A sync (SET_LOOPBACK, "stats") must see every OUT request the host
 * completed before it, and the events of those may not have come yet.
 * So it cancels every queued read and waits for all their events: a read
 * the host filled reports its data, an empty one -ECONNRESET, and none is
 * left to report later.  A switch then flushes, either way: queued echo
 * writes are cancelled, waiting ones dropped, so that no echo of before
 * reaches a later call.  Only then does main answer the request.  A
 * transfer the host left open at that moment is cut there (the driver
 * always closes one first).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "firmware.h"

/* aio_data of an echo write; a read's is its slot number */
#define TOASTER_AIO_WRITE	(1ULL << 32)
/* How long main waits for a sync before it gives up on the bulk thread. */
#define TOASTER_BULK_SYNC_MS	2000
/* Before queueing again what the kernel had no memory for. */
#define TOASTER_BULK_RETRY_MS	10
/* How long the thread waits for its cancelled requests when it stops. */
#define TOASTER_BULK_DRAIN_MS	2000

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

static struct toaster_bulk_io toaster_bulk_io;
static uint8_t toaster_bulk_bufs[TOASTER_BULK_SLOTS][TOASTER_BULK_REQ_LEN]
	__attribute__((aligned(4096)));

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

static void toaster_slot_idle(struct toaster_slot *s, int64_t now)
{
	s->state = TOASTER_SLOT_IDLE;
	s->since = now;
}

static void toaster_stats_add(struct toaster_bulk_stats *to,
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

static void toaster_bulk_take(struct toaster_bulk_io *io, int64_t now)
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

/* Whatever completed; false if the context failed. */
static bool toaster_bulk_reap(struct toaster_bulk_io *io)
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
static void toaster_bulk_echo(struct toaster_gadget *g,
			      struct toaster_bulk_io *io, int64_t now,
			      int64_t *next)
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
static void toaster_bulk_read(struct toaster_bulk_io *io, int64_t now,
			      int64_t *next)
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
/* syncs, and the thread */

static void toaster_bulk_cancel(struct toaster_bulk_io *io, bool reads,
				bool writes)
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

/* Drops every echo not yet queued, and cancels those that are. */
static void toaster_bulk_flush(struct toaster_bulk_io *io, int64_t now)
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

/* A sync's next step; true once it is done. */
static bool toaster_bulk_sync_step(struct toaster_bulk_io *io, int64_t now)
{
	if (!io->cancelled) {
		toaster_bulk_cancel(io, true, false);
		io->cancelled = true;
	}
	if (io->reading || io->order_count)
		return false;
	if (!io->switching)
		return true;
	if (!io->flushed) {
		toaster_bulk_flush(io, now);
		io->flushed = true;
	}
	if (io->writing)
		return false;
	if (io->loopback != io->want)
		toaster_dbg("loopback %s", io->want ? "on" : "off");
	io->loopback = io->want;
	return true;
}

/* Under lock: what main asked for, and the faults; false: stop. */
static bool toaster_bulk_look(struct toaster_gadget *g,
			      struct toaster_bulk_io *io)
{
	struct toaster_bulk *b = &g->bulk;

	toaster_stats_add(&b->stats, &io->delta);
	if (io->syncing)
		return !g->io_stop;
	io->ms = toaster_fault_slow_bulk_ms(g);
	io->halt_out = toaster_fault_halt(g, TOASTER_EP_ROLE_OUT, true);
	io->halt_in = toaster_fault_halt(g, TOASTER_EP_ROLE_IN, true);
	if (b->sync_done != b->sync_asked) {
		io->syncing = true;
		io->sync_gen = b->sync_asked;
		io->switching = b->switching;
		io->want = b->want_loopback;
		io->cancelled = io->flushed = false;
		b->switching = false;
	}
	return !g->io_stop;
}

static void toaster_bulk_synced(struct toaster_gadget *g,
				struct toaster_bulk_io *io)
{
	pthread_mutex_lock(&g->lock);
	toaster_stats_add(&g->bulk.stats, &io->delta);
	if (io->switching)
		g->bulk.loopback = io->loopback;
	g->bulk.sync_done = io->sync_gen;
	pthread_cond_broadcast(&g->io_cond);
	pthread_mutex_unlock(&g->lock);
	io->syncing = false;
}

/* halt=bulk-out fires between transfers: the host's next one is stalled. */
static void toaster_bulk_halt_out(struct toaster_gadget *g,
				  struct toaster_bulk_io *io)
{
	bool fire;

	if (!io->halt_out || io->xfer || io->order_count != io->reading)
		return;
	pthread_mutex_lock(&g->lock);
	fire = toaster_fault_halt(g, TOASTER_EP_ROLE_OUT, false);
	pthread_mutex_unlock(&g->lock);
	io->halt_out = false;
	if (fire)
		toaster_ep_halt(g, TOASTER_EP_ROLE_OUT);
}

/* Does what can be done now; returns when to look again, or NEVER. */
static int64_t toaster_bulk_step(struct toaster_gadget *g,
				 struct toaster_bulk_io *io)
{
	int64_t now = toaster_now_ns(), next = TOASTER_MODEL_NEVER;

	toaster_bulk_take(io, now);
	if (io->syncing) {
		if (!toaster_bulk_sync_step(io, now))
			return next;
		/* before main hears of it: "fault halt bulk-out" waits */
		toaster_bulk_halt_out(g, io);
		toaster_bulk_synced(g, io);
	}
	toaster_bulk_halt_out(g, io);
	toaster_bulk_echo(g, io, now, &next);
	toaster_bulk_read(io, now, &next);
	return next;
}

/* Sleeps until something completes, main wakes us, or next. */
static bool toaster_bulk_wait(struct toaster_gadget *g,
			      struct toaster_bulk_io *io, int64_t next)
{
	struct pollfd pfd[2] = {
		{ .fd = io->aio.efd, .events = POLLIN },
		{ .fd = g->bulk.wake_fd, .events = POLLIN },
	};
	struct timespec ts, *tsp = NULL;
	int64_t left;
	uint64_t count;

	if (next != TOASTER_MODEL_NEVER) {
		left = next - toaster_now_ns();
		if (left < 0)
			left = 0;
		ts.tv_sec = (time_t)(left / TOASTER_NS_PER_S);
		ts.tv_nsec = (long)(left % TOASTER_NS_PER_S);
		tsp = &ts;
	}
	if (ppoll(pfd, 2, tsp, NULL) < 0) {
		if (errno == EINTR)
			return true;
		toaster_err("bulk: poll: %s", strerror(errno));
		return false;
	}
	if ((pfd[1].revents & POLLIN) &&
	    read(g->bulk.wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		toaster_err("bulk: eventfd: %s", strerror(errno));
	if (pfd[0].revents & POLLIN)
		return toaster_bulk_reap(io);
	return true;
}

/* Stopping: nothing may stay queued on buffers that outlive the thread. */
static void toaster_bulk_drain(struct toaster_gadget *g,
			       struct toaster_bulk_io *io)
{
	int64_t end = toaster_now_ns() + TOASTER_BULK_DRAIN_MS * TOASTER_NS_PER_MS;

	toaster_bulk_cancel(io, true, true);
	while ((io->reading || io->writing) && toaster_now_ns() < end &&
	       toaster_bulk_wait(g, io, end))
		;
	toaster_aio_close(&io->aio);
	io->echo_count = io->order_count = 0;
}

static void *toaster_bulk_main(void *arg)
{
	struct toaster_gadget *g = arg;
	struct toaster_bulk_io *io = g->bulk.io;
	bool go;

	toaster_worker_enter();
	do {
		pthread_mutex_lock(&g->lock);
		go = toaster_bulk_look(g, io);
		pthread_mutex_unlock(&g->lock);
	} while (go && toaster_bulk_wait(g, io, toaster_bulk_step(g, io)));
	toaster_bulk_drain(g, io);

	pthread_mutex_lock(&g->lock);
	toaster_stats_add(&g->bulk.stats, &io->delta);
	g->bulk.serving = false;
	pthread_mutex_unlock(&g->lock);
	toaster_worker_exit(g, &g->bulk.worker);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* main's side */

void toaster_bulk_reset(struct toaster_gadget *g)
{
	/* loopback mode ends with the host's session */
	g->bulk.loopback = false;
	toaster_model_set_loopback(&g->model, toaster_now_ns(), 0);
	toaster_publish(g);
}

void toaster_bulk_kick(struct toaster_gadget *g)
{
	uint64_t one = 1;

	if (g->bulk.wake_fd >= 0 &&
	    write(g->bulk.wake_fd, &one, sizeof(one)) < 0)
		toaster_err("waking the bulk thread: %s", strerror(errno));
}

void toaster_bulk_sync(struct toaster_gadget *g)
{
	struct toaster_bulk *b = &g->bulk;
	unsigned int gen = ++b->sync_asked;
	struct timespec ts;

	ts = toaster_timespec(toaster_now_ns() +
			      TOASTER_BULK_SYNC_MS * TOASTER_NS_PER_MS);
	toaster_bulk_kick(g);
	while (b->serving && (int)(b->sync_done - gen) < 0) {
		if (pthread_cond_timedwait(&g->io_cond, &g->lock, &ts) == ETIMEDOUT) {
			toaster_err("bulk: no answer from the bulk thread in %d ms",
				    TOASTER_BULK_SYNC_MS);
			break;
		}
	}
	/* not serving: nothing queued, nothing to wait for */
	b->sync_done = b->sync_asked;
}

void toaster_bulk_loopback(struct toaster_gadget *g, bool on)
{
	if (!g->bulk.serving) {
		g->bulk.loopback = on;
		return;
	}
	g->bulk.switching = true;
	g->bulk.want_loopback = on;
	toaster_bulk_sync(g);
}

int toaster_bulk_start(struct toaster_gadget *g)
{
	struct toaster_bulk_io *io = &toaster_bulk_io;
	int64_t now = toaster_now_ns();
	unsigned int i;

	if (g->bulk.wake_fd < 0) {
		g->bulk.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (g->bulk.wake_fd < 0) {
			toaster_err("eventfd: %s", strerror(errno));
			return -1;
		}
	}
	memset(io, 0, sizeof(*io));
	if (toaster_aio_open(&io->aio, TOASTER_BULK_SLOTS + TOASTER_BULK_IN_DEPTH) < 0)
		return -1;
	io->fd[0] = g->ep[TOASTER_EP_ROLE_OUT].fd;
	io->fd[1] = g->ep[TOASTER_EP_ROLE_IN].fd;
	io->maxp = g->speed == USB_SPEED_HIGH ? TOASTER_BULK_MAXP_HS
					      : TOASTER_BULK_MAXP_FS;
	io->loopback = g->bulk.loopback;
	for (i = 0; i < TOASTER_BULK_SLOTS; i++) {
		io->slot[i].buf = toaster_bulk_bufs[i];
		toaster_slot_idle(&io->slot[i], now);
	}
	g->bulk.io = io;
	g->bulk.worker.name = "bulk";
	g->bulk.worker.main = toaster_bulk_main;
	pthread_mutex_lock(&g->lock);
	g->bulk.serving = true;
	g->bulk.sync_done = g->bulk.sync_asked;
	g->bulk.switching = false;
	pthread_mutex_unlock(&g->lock);
	if (toaster_worker_start(g, &g->bulk.worker) < 0) {
		pthread_mutex_lock(&g->lock);
		g->bulk.serving = false;
		pthread_mutex_unlock(&g->lock);
		toaster_aio_close(&io->aio);
		return -1;
	}
	return 0;
}

void toaster_bulk_stop(struct toaster_gadget *g)
{
	toaster_bulk_kick(g);
	toaster_worker_stop(g, &g->bulk.worker);
}
