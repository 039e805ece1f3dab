// SPDX-License-Identifier: GPL-2.0
/*
 * The bulk endpoints: bulk OUT takes burn patterns, or, with loopback on,
 * packets that bulk IN echoes back ended as they came.  Everything else
 * reaches this side through the entry points in firmware.h: start and
 * stop with the endpoints (io.c), toaster_bulk_loopback() when
 * SET_LOOPBACK is carried out (ep0.c), and the slow-bulk fault as
 * faults.c reports it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "firmware.h"

static size_t toaster_bulk_maxp(const struct toaster_gadget *g)
{
	return g->speed == USB_SPEED_HIGH ? TOASTER_BULK_MAXP_HS
					  : TOASTER_BULK_MAXP_FS;
}

/*
 * slow-bulk: waits the fault's time before a bulk transfer goes on, the
 * host seeing NAKs meanwhile.  Cut short when the endpoints go down.
 * Returns whether they are.
 */
static bool toaster_bulk_delay(struct toaster_gadget *g, const char *what)
{
	struct timespec ts;
	unsigned int ms;
	bool stop;

	pthread_mutex_lock(&g->lock);
	ms = toaster_fault_slow_bulk_ms(g);
	if (ms && !g->io_stop) {
		toaster_dbg("fault slow-bulk=%u: holding %s up", ms, what);
		ts = toaster_timespec(toaster_now_ns() + (int64_t)ms * TOASTER_NS_PER_MS);
		while (!g->io_stop &&
		       pthread_cond_timedwait(&g->io_cond, &g->lock, &ts) != ETIMEDOUT)
			;
	}
	stop = g->io_stop;
	pthread_mutex_unlock(&g->lock);
	return stop;
}

/* Under lock: whatever waits to be echoed goes. */
static void toaster_echo_flush(struct toaster_gadget *g)
{
	g->bulk.echo.head = 0;
	g->bulk.echo.count = 0;
	pthread_cond_broadcast(&g->io_cond);
}

void toaster_bulk_loopback(struct toaster_gadget *g, bool on)
{
	g->bulk.loopback = on;
	if (!on)
		toaster_echo_flush(g);
}

void toaster_bulk_reset(struct toaster_gadget *g)
{
	toaster_echo_flush(g);
}

/*
 * Queues a packet for the echo if loopback is on, waiting for room (a
 * full queue holds the host off with NAKs, like real hardware).  Returns
 * whether it did.
 */
static bool toaster_echo_queue(struct toaster_gadget *g, const uint8_t *buf,
			       size_t n)
{
	struct toaster_echo *e = &g->bulk.echo;
	unsigned int slot;
	bool queued;

	pthread_mutex_lock(&g->lock);
	while (!g->io_stop && g->bulk.loopback && e->count == TOASTER_ECHO_SLOTS)
		pthread_cond_wait(&g->io_cond, &g->lock);
	queued = g->bulk.loopback && !g->io_stop;
	if (queued) {
		slot = (e->head + e->count) % TOASTER_ECHO_SLOTS;
		memcpy(e->data[slot], buf, n);
		e->len[slot] = (uint16_t)n;
		e->count++;
		pthread_cond_broadcast(&g->io_cond);
	}
	pthread_mutex_unlock(&g->lock);
	return queued;
}

/* A burn pattern so far, *burn bytes long, got n more of maxp at most. */
static void toaster_burn_account(size_t *burn, size_t n, size_t maxp)
{
	*burn += n;
	if (n == maxp)
		return;
	/* a short packet ends it */
	if (*burn > TOASTER_BURN_MAX)
		toaster_dbg("burn pattern of %zu bytes, over the %d byte limit: ignored",
			    *burn, TOASTER_BURN_MAX);
	else
		toaster_dbg("burn pattern of %zu bytes", *burn);
	*burn = 0;
}

static void *toaster_out_main(void *arg)
{
	struct toaster_gadget *g = arg;
	int fd = g->ep[TOASTER_EP_ROLE_OUT].fd;
	size_t maxp = toaster_bulk_maxp(g);
	uint8_t buf[TOASTER_BULK_MAXP_HS];
	size_t burn = 0;
	bool more = false;
	ssize_t n;

	toaster_worker_enter();
	while (!toaster_stopping(g)) {
		/*
		 * One packet per read: a bigger request would sit waiting for
		 * more data after a transfer that is an exact multiple of
		 * maxpacket, and the echo must not wait for that.  It also
		 * tells us where transfers end (at a short packet), which the
		 * echo reproduces.
		 */
		n = read(fd, buf, maxp);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			toaster_dbg("bulk OUT: %s", strerror(errno));
			toaster_worker_park(g);
			break;
		}
		/*
		 * slow-bulk holds the rest of each transfer up once.  Only
		 * the rest: the host's transfer ends when we take its last
		 * packet, and a read waiting here takes the first one the
		 * moment it comes, so a one-packet transfer goes through.
		 */
		if ((size_t)n == maxp && !more && toaster_bulk_delay(g, "bulk OUT"))
			break;
		more = (size_t)n == maxp;

		if (!toaster_echo_queue(g, buf, (size_t)n))
			toaster_burn_account(&burn, (size_t)n, maxp);
	}
	toaster_worker_exit(g, &g->bulk.out);
	return NULL;
}

/*
 * Takes queued packets for one write: full packets up to and including the
 * first short one, which ends the host's transfer as it ended ours.  A
 * zero-length packet goes alone, since neither gadgetfs nor FunctionFS
 * would add it to a longer write.  Called under lock with packets queued.
 */
static size_t toaster_echo_take(struct toaster_gadget *g, size_t maxp)
{
	struct toaster_echo *e = &g->bulk.echo;
	size_t len = 0, plen;

	while (e->count) {
		plen = e->len[e->head];
		if (plen == 0 && len)
			break;
		memcpy(g->bulk.echo_buf + len, e->data[e->head], plen);
		len += plen;
		e->head = (e->head + 1) % TOASTER_ECHO_SLOTS;
		e->count--;
		if (plen < maxp)
			break;
	}
	pthread_cond_broadcast(&g->io_cond);	/* room for the out worker */
	return len;
}

static void *toaster_in_main(void *arg)
{
	struct toaster_gadget *g = arg;
	int fd = g->ep[TOASTER_EP_ROLE_IN].fd;
	size_t maxp = toaster_bulk_maxp(g);
	size_t len;
	ssize_t n;

	toaster_worker_enter();
	for (;;) {
		pthread_mutex_lock(&g->lock);
		while (!g->io_stop && !g->bulk.echo.count)
			pthread_cond_wait(&g->io_cond, &g->lock);
		if (g->io_stop) {
			pthread_mutex_unlock(&g->lock);
			break;
		}
		len = toaster_echo_take(g, maxp);
		pthread_mutex_unlock(&g->lock);

		if (toaster_bulk_delay(g, "bulk IN"))
			break;
		/* blocks until the host reads it all (or we are stopped) */
		do {
			n = write(fd, g->bulk.echo_buf, len);
		} while (n < 0 && errno == EINTR && !toaster_stopping(g));
		if (n < 0) {
			if (errno == EINTR)
				break;
			toaster_dbg("bulk IN: %s", strerror(errno));
			toaster_worker_park(g);
			break;
		}
		toaster_dbg("loopback: echoed %zd bytes", n);
	}
	toaster_worker_exit(g, &g->bulk.in);
	return NULL;
}

int toaster_bulk_start(struct toaster_gadget *g)
{
	g->bulk.out.name = "bulk OUT";
	g->bulk.out.main = toaster_out_main;
	g->bulk.in.name = "bulk IN";
	g->bulk.in.main = toaster_in_main;
	if (toaster_worker_start(g, &g->bulk.out) < 0)
		return -1;
	return toaster_worker_start(g, &g->bulk.in);
}

void toaster_bulk_stop(struct toaster_gadget *g)
{
	toaster_worker_stop(g, &g->bulk.out);
	toaster_worker_stop(g, &g->bulk.in);
}
