// SPDX-License-Identifier: GPL-2.0
/*
 * The data endpoints' lifetime: the backend's endpoint files and the
 * threads that use them (bulk.c's and notify.c's), up on configuration,
 * down on its loss.
 *
 * gadgetfs and FunctionFS endpoint files cannot be polled, and a file
 * being read by another thread is not released by close(), so the only
 * reliable way to get a worker out of a read()/write() that the host will
 * never complete is a signal: either then dequeues the request and the
 * call fails with EINTR.  Workers therefore run with SIGUSR1 unblocked and
 * a no-op handler installed without SA_RESTART (main.c); everyone else
 * blocks it.  bulk.c interrupts its workers the same way for a sync.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "firmware.h"

void toaster_worker_enter(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/*
 * After an I/O error other than EINTR (the host reset or went away) there
 * is nothing useful to retry: wait for main to tear the endpoints down.
 */
void toaster_worker_park(struct toaster_gadget *g)
{
	pthread_mutex_lock(&g->lock);
	while (!g->io_stop)
		pthread_cond_wait(&g->io_cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

void toaster_worker_exit(struct toaster_gadget *g, struct toaster_worker *w)
{
	pthread_mutex_lock(&g->lock);
	w->exited = true;
	pthread_cond_broadcast(&g->io_cond);
	pthread_mutex_unlock(&g->lock);
}

/*
 * Both gadget APIs halt an endpoint on I/O "the wrong way": a write on an
 * OUT endpoint, a read on an IN one, synchronous, failing with EBADMSG.
 * An IN endpoint must have no request queued: dummy_udc refuses to halt
 * one that has (-EAGAIN), which FunctionFS reports and gadgetfs does not.
 */
void toaster_ep_halt(struct toaster_gadget *g, enum toaster_ep_role r)
{
	struct toaster_ep *ep = &g->ep[r];
	uint8_t byte = 0;
	ssize_t n;

	if (ep->address & USB_DIR_IN)
		n = read(ep->fd, &byte, sizeof(byte));
	else
		n = write(ep->fd, &byte, sizeof(byte));
	if (n < 0 && errno == EBADMSG)
		toaster_dbg("fault halt: %s halted", ep->role);
	else
		toaster_err("fault halt: %s not halted: %s", ep->role,
			    n < 0 ? strerror(errno) : "the I/O went through");
}

bool toaster_stopping(struct toaster_gadget *g)
{
	bool stop;

	pthread_mutex_lock(&g->lock);
	stop = g->io_stop;
	pthread_mutex_unlock(&g->lock);
	return stop;
}

int toaster_worker_start(struct toaster_gadget *g, struct toaster_worker *w)
{
	pthread_mutex_lock(&g->lock);
	w->exited = false;
	pthread_mutex_unlock(&g->lock);
	if (pthread_create(&w->tid, NULL, w->main, g) != 0) {
		toaster_err("cannot start the %s thread", w->name);
		return -1;
	}
	w->started = true;
	return 0;
}

void toaster_worker_stop(struct toaster_gadget *g, struct toaster_worker *w)
{
	struct timespec ts;

	if (!w->started)
		return;
	pthread_mutex_lock(&g->lock);
	while (!w->exited) {
		/*
		 * Again and again: a signal that lands just before the worker
		 * enters read()/write() is spent before the call blocks.
		 */
		pthread_kill(w->tid, SIGUSR1);
		ts = toaster_timespec(toaster_now_ns() + 20 * TOASTER_NS_PER_MS);
		pthread_cond_timedwait(&g->io_cond, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	pthread_join(w->tid, NULL);
	w->started = false;
}

/* On unconfigure, reset, disconnect, exit; and when a start failed. */
void toaster_io_stop(struct toaster_gadget *g)
{
	pthread_mutex_lock(&g->lock);
	g->io_stop = true;
	g->io_live = false;
	g->notify_events = 0;
	pthread_cond_broadcast(&g->io_cond);
	pthread_mutex_unlock(&g->lock);

	toaster_bulk_stop(g);
	toaster_notify_stop(g);
	g->ops->io_close(g);
}

int toaster_io_start(struct toaster_gadget *g)
{
	if (g->ops->io_open(g) < 0) {
		toaster_io_stop(g);
		return -1;
	}

	pthread_mutex_lock(&g->lock);
	g->io_stop = false;
	/* first: what it changes in the model is no news to the new session */
	toaster_bulk_reset(g);
	toaster_notify_reset(g);
	pthread_mutex_unlock(&g->lock);

	if (toaster_bulk_start(g) < 0 || toaster_notify_start(g) < 0) {
		toaster_io_stop(g);
		return -1;
	}
	toaster_dbg("endpoints up (%s speed)", toaster_speed_name(g->speed));
	return 0;
}

void toaster_configured(struct toaster_gadget *g)
{
	toaster_io_stop(g);
	g->configured = toaster_io_start(g) == 0;
}

void toaster_deconfigured(struct toaster_gadget *g)
{
	toaster_io_stop(g);
	g->configured = false;
}
