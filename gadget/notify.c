// SPDX-License-Identifier: GPL-2.0
/*
 * The clock thread and the interrupt notifications.  The clock thread
 * sleeps until the model's next event is due, exactly, and every change of
 * the model, its or a request's, goes through toaster_publish(): a state
 * change is logged and shown to faults.c, and while the endpoints are up
 * it becomes a notification for the intr thread to send.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "firmware.h"

_Static_assert(sizeof(struct toaster_wire_status) <= TOASTER_INT_MAXP,
	       "a notification must fit in one interrupt packet");

/*
 * Only one notification is ever pending: events merge into it, and the
 * intr thread snapshots the model when it sends, so the host always gets
 * the newest numbers and the most important reason (see
 * toaster_model_wire_event()).
 */
void toaster_publish(struct toaster_gadget *g)
{
	unsigned int ev = toaster_model_take_events(&g->model);

	if (!ev)
		return;
	if ((ev & TOASTER_MODEL_EV_STATE) && g->model.state != g->logged_state) {
		toaster_dbg("state %s -> %s (%d C)",
			    toaster_state_name(g->logged_state),
			    toaster_state_name(g->model.state),
			    (g->model.temp_mc + 500) / 1000);
		g->logged_state = g->model.state;
		toaster_fault_state_changed(g, g->model.state);
	}
	if (g->io_live) {
		g->notify_events |= ev;
		pthread_cond_broadcast(&g->io_cond);
	}
	/* a request may have moved the next deadline */
	pthread_cond_broadcast(&g->clock_cond);
}

static void *toaster_clock_main(void *arg)
{
	struct toaster_gadget *g = arg;
	int64_t deadline;
	struct timespec ts;

	pthread_mutex_lock(&g->lock);
	while (!g->quit) {
		toaster_model_advance(&g->model, toaster_now_ns());
		toaster_publish(g);
		deadline = toaster_model_next_deadline(&g->model);
		if (deadline == TOASTER_MODEL_NEVER) {
			pthread_cond_wait(&g->clock_cond, &g->lock);
		} else {
			ts = toaster_timespec(deadline);
			pthread_cond_timedwait(&g->clock_cond, &g->lock, &ts);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int toaster_clock_start(struct toaster_gadget *g)
{
	if (pthread_create(&g->clock_tid, NULL, toaster_clock_main, g) != 0) {
		toaster_err("cannot start the clock thread");
		return -1;
	}
	return 0;
}

void toaster_clock_stop(struct toaster_gadget *g)
{
	pthread_mutex_lock(&g->lock);
	g->quit = true;
	pthread_cond_broadcast(&g->clock_cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->clock_tid, NULL);
}

/*
 * Blocks until the host polls (beyond dummy_hcd's one-packet FIFO).
 * Meanwhile newer events only merge into notify_events, so the state
 * machine never waits on the host.  Returns 0 once sent; 1 when
 * interrupted, ev given back to be sent again unless told to stop; -1
 * when the host went away (after parking).
 */
static int toaster_intr_write(struct toaster_gadget *g, int fd,
			      const void *buf, size_t len, unsigned int ev)
{
	if (write(fd, buf, len) >= 0)
		return 0;
	if (errno == EINTR) {
		pthread_mutex_lock(&g->lock);
		g->notify_events |= ev;
		pthread_mutex_unlock(&g->lock);
		return 1;
	}
	toaster_dbg("interrupt IN: %s", strerror(errno));
	toaster_worker_park(g);
	return -1;
}

static void *toaster_intr_main(void *arg)
{
	struct toaster_gadget *g = arg;
	int fd = g->ep[TOASTER_EP_ROLE_INT].fd;
	struct toaster_wire_status st, bad;
	unsigned int ev, kind = 0;
	const char *what;
	bool garbage, halt;
	size_t len;
	int rc;

	toaster_worker_enter();
	for (;;) {
		pthread_mutex_lock(&g->lock);
		while (!g->io_stop && !g->notify_events)
			pthread_cond_wait(&g->io_cond, &g->lock);
		if (g->io_stop) {
			pthread_mutex_unlock(&g->lock);
			break;
		}
		ev = g->notify_events;
		g->notify_events = 0;
		toaster_model_status(&g->model, toaster_model_wire_event(ev), &st);
		garbage = toaster_fault_garbage_notify(g);
		/* between writes: nothing is queued on the endpoint now */
		halt = toaster_fault_halt(g, TOASTER_EP_ROLE_INT, false);
		pthread_mutex_unlock(&g->lock);

		/* the notification waits, queued, until the host clears it */
		if (halt)
			toaster_ep_halt(g, TOASTER_EP_ROLE_INT);

		if (garbage) {
			len = toaster_fault_garbage(&st, kind, &bad, &what);
			toaster_dbg("fault garbage-notify: a malformed notification (%s)",
				    what);
			rc = toaster_intr_write(g, fd, &bad, len, ev);
			if (rc < 0)
				break;
			if (rc > 0)
				continue;
			kind++;
		}
		if (toaster_intr_write(g, fd, &st, sizeof(st), ev) < 0)
			break;
	}
	toaster_worker_exit(g, &g->intr);
	return NULL;
}

void toaster_notify_reset(struct toaster_gadget *g)
{
	g->io_live = true;
	/* a new host session starts from GET_STATUS, not from old news */
	g->notify_events = 0;
}

int toaster_notify_start(struct toaster_gadget *g)
{
	g->intr.name = "interrupt IN";
	g->intr.main = toaster_intr_main;
	return toaster_worker_start(g, &g->intr);
}

void toaster_notify_stop(struct toaster_gadget *g)
{
	toaster_worker_stop(g, &g->intr);
}
