// SPDX-License-Identifier: GPL-2.0
/*
 * The bulk thread (bulk.c has what it does with the data), its syncs with
 * main, and main's side: starting and stopping it, SET_LOOPBACK, "stats"
 * and the faults' kick.  main asks through g->bulk under the lock and an
 * eventfd; the thread looks each time round its loop, between waits.
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
#include "bulk.h"

/* How long main waits for a sync before it gives up on the bulk thread. */
#define TOASTER_BULK_SYNC_MS	2000
/* How long the thread waits for its cancelled requests when it stops. */
#define TOASTER_BULK_DRAIN_MS	2000

static struct toaster_bulk_io toaster_bulk_io;
static uint8_t toaster_bulk_bufs[TOASTER_BULK_SLOTS][TOASTER_BULK_REQ_LEN]
	__attribute__((aligned(4096)));

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
