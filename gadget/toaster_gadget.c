// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-gadget: the toaster's firmware, as a user-mode gadget driver on
 * gadgetfs (toaster_gadgetfs.c) or FunctionFS (toaster_ffs.c).  This file
 * is what the toaster does whichever carries it.
 *
 * Threads and what they own:
 *   main   - ep0: the backend's event loop, every control request, and the
 *            endpoint files.  Also SIGTERM/SIGINT/SIGUSR2, taken
 *            synchronously through a signalfd, and the control FIFO
 *            (--control): plugging and unplugging change ep0's binding,
 *            so only the thread that owns it may do them.  Other threads
 *            that want one done ask through an eventfd.
 *   clock  - advances the heating model exactly when its next event is due
 *            and turns model events into interrupt notifications.
 *   out    - reads bulk OUT: counts burn patterns, or queues packets for
 *            the echo when loopback is on.
 *   in     - writes queued echo packets on bulk IN.
 *   intr   - writes the pending notification on interrupt IN.
 * out, in and intr exist only while the device is configured.
 *
 * gadgetfs and FunctionFS endpoint I/O is synchronous and cannot be
 * polled, and a file being read by another thread is not released by
 * close(), so the only reliable way to get a worker out of a read()/write()
 * that the host will never complete is a signal: either then dequeues the
 * request and the call fails with EINTR.  Workers therefore run with
 * SIGUSR1 unblocked and a no-op handler installed without SA_RESTART;
 * everyone else blocks it.
 *
 * Faults (--fault, or "fault" on the control FIFO) live under the lock
 * with the model, and each takes effect where the thing it breaks is done:
 * stall/hang/short in the ep0 request handlers, garbage-notify in the intr
 * thread, slow-bulk in the out and in threads, unplug-when-toasting where
 * the model's state changes (which then asks main to unplug).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "toaster_gadget.h"

_Static_assert(sizeof(struct toaster_wire_status) <= TOASTER_INT_MAXP,
	       "a notification must fit in one interrupt packet");
/*
 * What --fault and the control FIFO can break.  REQ modes act on one
 * vendor request each; a request has at most one of them at a time.
 */
enum toaster_fault_mode {
	TOASTER_FAULT_NONE,
	TOASTER_FAULT_STALL,		/* REQ: refuse it even when valid */
	TOASTER_FAULT_HANG,		/* REQ: never answer it */
	TOASTER_FAULT_SHORT,		/* REQ (IN only): answer it short */
	TOASTER_FAULT_GARBAGE_NOTIFY,	/* a malformed notification before each */
	TOASTER_FAULT_UNPLUG_WHEN_TOASTING, /* [MS]: unplug, replug after MS */
	TOASTER_FAULT_SLOW_BULK,	/* MS: hold each bulk transfer up */
	TOASTER_FAULT_MODES,
};

/* No fault waits longer than an hour: an ARG past it is a typo. */
#define TOASTER_FAULT_MS_MAX		3600000
/* One MODE[=ARG], parsed. */
struct toaster_fault_spec {
	enum toaster_fault_mode mode;
	bool		has_arg;
	unsigned int	req;		/* REQ modes: bRequest */
	int		ms;		/* the other modes' ARG; -1 if none */
};

static bool toaster_verbose;

static void toaster_vlog(const char *fmt, va_list ap)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "toaster-gadget: ");
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* one write per line keeps threads from interleaving */
	fprintf(stderr, "%s\n", line);
}

void toaster_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	toaster_vlog(fmt, ap);
	va_end(ap);
}

void toaster_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!toaster_verbose)
		return;
	va_start(ap, fmt);
	toaster_vlog(fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* faults */

static const char *const toaster_fault_names[TOASTER_FAULT_MODES] = {
	[TOASTER_FAULT_NONE] = "none",
	[TOASTER_FAULT_STALL] = "stall",
	[TOASTER_FAULT_HANG] = "hang",
	[TOASTER_FAULT_SHORT] = "short",
	[TOASTER_FAULT_GARBAGE_NOTIFY] = "garbage-notify",
	[TOASTER_FAULT_UNPLUG_WHEN_TOASTING] = "unplug-when-toasting",
	[TOASTER_FAULT_SLOW_BULK] = "slow-bulk",
};

static bool toaster_req_is_in(unsigned int req)
{
	const struct toaster_request_desc *desc = toaster_request_desc(req);

	return desc && desc->dir == TOASTER_REQ_DIR_IN;
}

static bool toaster_fault_per_req(enum toaster_fault_mode mode)
{
	return mode == TOASTER_FAULT_STALL || mode == TOASTER_FAULT_HANG ||
	       mode == TOASTER_FAULT_SHORT;
}

/* A request as a fault's ARG spells it: "set_lock". */
static const char *toaster_req_arg(unsigned int req, char *buf, size_t size)
{
	const char *name = toaster_request_name(req);
	size_t i;

	for (i = 0; name[i] && i + 1 < size; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	return buf;
}

/*
 * The requests of one direction (TOASTER_REQ_DIR_*, or -1 for all), as
 * faults spell them: "get_info, get_status".  Into buf; returns buf.
 */
static const char *toaster_req_list(int dir, char *buf, size_t size)
{
	char arg[16];
	size_t len = 0;
	unsigned int i;
	int n;

	buf[0] = '\0';
	for (i = 0; i < TOASTER_REQ_SLOTS && len < size; i++) {
		const struct toaster_request_desc *desc = toaster_request_desc(i);

		if (!desc || (dir >= 0 && desc->dir != dir))
			continue;
		n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
			     toaster_req_arg(i, arg, sizeof(arg)));
		if (n > 0)
			len += (size_t)n;
	}
	return buf;
}

/*
 * Parses text as MODE or MODE=ARG, or, from the control FIFO, MODE with
 * the ARG apart (arg, else NULL).  For "clear" (clearing), ARG is optional
 * and only for a REQ mode: the one request to free of it.  Returns 0, or
 * -1 with why filled in.
 */
static int toaster_fault_parse(const char *text, const char *arg,
			       bool clearing, struct toaster_fault_spec *f,
			       char *why, size_t size)
{
	const char *eq = strchr(text, '=');
	size_t len = eq ? (size_t)(eq - text) : strlen(text);
	char mode[32], list[128];
	unsigned int i;
	char *end;
	long v;

	memset(f, 0, sizeof(*f));
	f->ms = -1;
	if (eq) {
		if (arg) {
			snprintf(why, size, "ARG given twice");
			return -1;
		}
		arg = eq + 1;
	}
	for (i = 1; i < TOASTER_FAULT_MODES; i++) {
		if (len == strlen(toaster_fault_names[i]) &&
		    strncasecmp(text, toaster_fault_names[i], len) == 0)
			break;
	}
	if (i == TOASTER_FAULT_MODES) {
		snprintf(mode, sizeof(mode), "%.*s", (int)len, text);
		snprintf(why, size, "unknown fault '%s'", mode);
		return -1;
	}
	f->mode = (enum toaster_fault_mode)i;
	f->has_arg = arg != NULL;

	if (toaster_fault_per_req(f->mode)) {
		if (!arg) {
			if (clearing)
				return 0;
			snprintf(why, size, "%s wants a request: %s=REQ",
				 toaster_fault_names[f->mode],
				 toaster_fault_names[f->mode]);
			return -1;
		}
		for (i = 0; i < TOASTER_REQ_SLOTS; i++) {
			if (toaster_request_name(i) &&
			    strcasecmp(arg, toaster_request_name(i)) == 0)
				break;
		}
		if (i == TOASTER_REQ_SLOTS) {
			snprintf(why, size, "unknown request '%s' (%s)", arg,
				 toaster_req_list(-1, list, sizeof(list)));
			return -1;
		}
		/* an OUT request has no data stage to cut short */
		if (f->mode == TOASTER_FAULT_SHORT && !toaster_req_is_in(i) &&
		    !clearing) {
			snprintf(why, size, "short applies to %s only",
				 toaster_req_list(TOASTER_REQ_DIR_IN, list,
						  sizeof(list)));
			return -1;
		}
		f->req = i;
		return 0;
	}

	if (clearing || f->mode == TOASTER_FAULT_GARBAGE_NOTIFY) {
		if (arg) {
			snprintf(why, size, "%s takes no ARG%s",
				 toaster_fault_names[f->mode],
				 clearing ? " to clear it" : "");
			return -1;
		}
		return 0;
	}
	if (!arg) {
		if (f->mode == TOASTER_FAULT_UNPLUG_WHEN_TOASTING)
			return 0;
		snprintf(why, size, "%s wants milliseconds: %s=MS",
			 toaster_fault_names[f->mode], toaster_fault_names[f->mode]);
		return -1;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > TOASTER_FAULT_MS_MAX) {
		snprintf(why, size, "%s: want milliseconds from 0 to %d, not '%s'",
			 toaster_fault_names[f->mode], TOASTER_FAULT_MS_MAX, arg);
		return -1;
	}
	f->ms = (int)v;
	return 0;
}

/* Under lock once threads run. */
static void toaster_fault_set(struct toaster_faults *faults,
			      const struct toaster_fault_spec *f)
{
	switch (f->mode) {
	case TOASTER_FAULT_STALL:
	case TOASTER_FAULT_HANG:
	case TOASTER_FAULT_SHORT:
		faults->req[f->req] = (uint8_t)f->mode;
		break;
	case TOASTER_FAULT_GARBAGE_NOTIFY:
		faults->garbage_notify = true;
		break;
	case TOASTER_FAULT_UNPLUG_WHEN_TOASTING:
		faults->unplug_when_toasting = true;
		faults->replug_ms = f->ms;
		break;
	case TOASTER_FAULT_SLOW_BULK:
		faults->slow_bulk_ms = (unsigned int)f->ms;
		break;
	default:
		break;
	}
}

/* Under lock.  f NULL: every fault. */
static void toaster_fault_clear(struct toaster_faults *faults,
				const struct toaster_fault_spec *f)
{
	unsigned int i;

	if (!f) {
		memset(faults, 0, sizeof(*faults));
		faults->replug_ms = -1;
		return;
	}
	switch (f->mode) {
	case TOASTER_FAULT_STALL:
	case TOASTER_FAULT_HANG:
	case TOASTER_FAULT_SHORT:
		for (i = 1; i < TOASTER_REQ_SLOTS; i++) {
			if (faults->req[i] == f->mode && (!f->has_arg || i == f->req))
				faults->req[i] = TOASTER_FAULT_NONE;
		}
		break;
	case TOASTER_FAULT_GARBAGE_NOTIFY:
		faults->garbage_notify = false;
		break;
	case TOASTER_FAULT_UNPLUG_WHEN_TOASTING:
		faults->unplug_when_toasting = false;
		faults->replug_ms = -1;
		break;
	case TOASTER_FAULT_SLOW_BULK:
		faults->slow_bulk_ms = 0;
		break;
	default:
		break;
	}
}

__attribute__((format(printf, 4, 5)))
static void toaster_append(char *buf, size_t size, size_t *len,
			   const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n;
}

/* "stall=toast slow-bulk=100", or "none", for the log.  Under lock. */
static void toaster_faults_describe(const struct toaster_faults *faults,
				    char *buf, size_t size)
{
	char arg[16];
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 1; i < TOASTER_REQ_SLOTS; i++) {
		if (faults->req[i])
			toaster_append(buf, size, &len, "%s%s=%s", len ? " " : "",
				       toaster_fault_names[faults->req[i]],
				       toaster_req_arg(i, arg, sizeof(arg)));
	}
	if (faults->garbage_notify)
		toaster_append(buf, size, &len, "%sgarbage-notify", len ? " " : "");
	if (faults->unplug_when_toasting) {
		toaster_append(buf, size, &len, "%sunplug-when-toasting", len ? " " : "");
		if (faults->replug_ms >= 0)
			toaster_append(buf, size, &len, "=%d", faults->replug_ms);
	}
	if (faults->slow_bulk_ms)
		toaster_append(buf, size, &len, "%sslow-bulk=%u", len ? " " : "",
			       faults->slow_bulk_ms);
	if (!len)
		snprintf(buf, size, "none");
}

/* Asks main to look at what the other threads left for it. */
static void toaster_wake_main(struct toaster_gadget *g)
{
	uint64_t one = 1;

	if (write(g->wake_fd, &one, sizeof(one)) < 0)
		toaster_err("waking the main thread: %s", strerror(errno));
}

/* ------------------------------------------------------------------ */
/* descriptors */

void toaster_put8(struct toaster_buf *b, unsigned int v)
{
	if (b->len < sizeof(b->data))
		b->data[b->len++] = (uint8_t)v;
}

void toaster_put16(struct toaster_buf *b, unsigned int v)
{
	toaster_put8(b, v & 0xff);
	toaster_put8(b, (v >> 8) & 0xff);
}

void toaster_put32(struct toaster_buf *b, uint32_t v)
{
	toaster_put16(b, v & 0xffff);
	toaster_put16(b, v >> 16);
}

void toaster_put_endpoint(struct toaster_buf *b, const struct toaster_ep *ep,
			  bool hs)
{
	unsigned int maxp, interval = 0;

	if (ep->type == USB_ENDPOINT_XFER_INT) {
		maxp = TOASTER_INT_MAXP;
		interval = hs ? TOASTER_INT_INTERVAL_HS : TOASTER_INT_INTERVAL_FS;
	} else {
		maxp = hs ? TOASTER_BULK_MAXP_HS : TOASTER_BULK_MAXP_FS;
	}
	toaster_put8(b, USB_DT_ENDPOINT_SIZE);
	toaster_put8(b, USB_DT_ENDPOINT);
	toaster_put8(b, ep->address);
	toaster_put8(b, ep->type);
	toaster_put16(b, maxp);
	toaster_put8(b, interval);
}

void toaster_put_interface(struct toaster_buf *b, const struct toaster_ep *eps,
			   bool hs)
{
	int i;

	toaster_put8(b, USB_DT_INTERFACE_SIZE);
	toaster_put8(b, USB_DT_INTERFACE);
	toaster_put8(b, 0);			/* bInterfaceNumber */
	toaster_put8(b, 0);			/* bAlternateSetting */
	toaster_put8(b, TOASTER_EP_ROLES);
	toaster_put8(b, TOASTER_INTERFACE_CLASS);
	toaster_put8(b, TOASTER_INTERFACE_SUBCLASS);
	toaster_put8(b, TOASTER_INTERFACE_PROTOCOL);
	toaster_put8(b, 0);			/* iInterface */

	for (i = 0; i < TOASTER_EP_ROLES; i++)
		toaster_put_endpoint(b, &eps[i], hs);
}

/* ------------------------------------------------------------------ */
/* notifications */

/*
 * Called under lock after anything touched the model.  Only one
 * notification is ever pending: events merge into it, and the intr thread
 * snapshots the model when it sends, so the host always gets the newest
 * numbers and the most important reason (see toaster_model_wire_event()).
 */
static void toaster_publish(struct toaster_gadget *g)
{
	unsigned int ev = toaster_model_take_events(&g->model);
	static unsigned int last_state = TOASTER_STATE_IDLE;

	if (!ev)
		return;
	if ((ev & TOASTER_MODEL_EV_STATE) && g->model.state != last_state) {
		toaster_dbg("state %s -> %s (%d C)",
			    toaster_state_name(last_state),
			    toaster_state_name(g->model.state),
			    (g->model.temp_mc + 500) / 1000);
		last_state = g->model.state;
		/* a cable pulled mid-toast; only main may close ep0 */
		if (last_state == TOASTER_STATE_TOASTING &&
		    g->faults.unplug_when_toasting) {
			g->unplug_due = true;
			toaster_wake_main(g);
		}
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

/* ------------------------------------------------------------------ */
/* endpoint workers */

static void toaster_sigusr1(int sig)
{
	(void)sig;	/* only here to make blocking I/O fail with EINTR */
}

static void toaster_worker_enter(void)
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
static void toaster_worker_park(struct toaster_gadget *g)
{
	pthread_mutex_lock(&g->lock);
	while (!g->io_stop)
		pthread_cond_wait(&g->io_cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static void toaster_worker_exit(struct toaster_gadget *g,
				struct toaster_worker *w)
{
	pthread_mutex_lock(&g->lock);
	w->exited = true;
	pthread_cond_broadcast(&g->io_cond);
	pthread_mutex_unlock(&g->lock);
}

static bool toaster_stopping(struct toaster_gadget *g)
{
	bool stop;

	pthread_mutex_lock(&g->lock);
	stop = g->io_stop;
	pthread_mutex_unlock(&g->lock);
	return stop;
}

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
	ms = g->faults.slow_bulk_ms;
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

/* Called under lock: loopback went off, or the endpoints were reset. */
static void toaster_echo_flush(struct toaster_gadget *g)
{
	g->echo.head = 0;
	g->echo.count = 0;
	pthread_cond_broadcast(&g->io_cond);
}

static void *toaster_out_main(void *arg)
{
	struct toaster_gadget *g = arg;
	struct toaster_echo *e = &g->echo;
	int fd = g->ep[TOASTER_EP_ROLE_OUT].fd;
	size_t maxp = toaster_bulk_maxp(g);
	uint8_t buf[TOASTER_BULK_MAXP_HS];
	size_t burn = 0;
	unsigned int slot;
	bool queued, more = false;
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

		pthread_mutex_lock(&g->lock);
		/* a full queue holds the host off (NAK), like real hardware */
		while (!g->io_stop && g->model.loopback &&
		       e->count == TOASTER_ECHO_SLOTS)
			pthread_cond_wait(&g->io_cond, &g->lock);
		queued = g->model.loopback && !g->io_stop;
		if (queued) {
			slot = (e->head + e->count) % TOASTER_ECHO_SLOTS;
			memcpy(e->data[slot], buf, (size_t)n);
			e->len[slot] = (uint16_t)n;
			e->count++;
			pthread_cond_broadcast(&g->io_cond);
		}
		pthread_mutex_unlock(&g->lock);
		if (queued)
			continue;

		burn += (size_t)n;
		if ((size_t)n < maxp) {		/* a short packet ends it */
			if (burn > TOASTER_BURN_MAX)
				toaster_dbg("burn pattern of %zu bytes, over the %d byte limit: ignored",
					    burn, TOASTER_BURN_MAX);
			else
				toaster_dbg("burn pattern of %zu bytes", burn);
			burn = 0;
		}
	}
	toaster_worker_exit(g, &g->worker[TOASTER_WORKER_OUT]);
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
	struct toaster_echo *e = &g->echo;
	size_t len = 0, plen;

	while (e->count) {
		plen = e->len[e->head];
		if (plen == 0 && len)
			break;
		memcpy(g->echo_buf + len, e->data[e->head], plen);
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
		while (!g->io_stop && !g->echo.count)
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
			n = write(fd, g->echo_buf, len);
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
	toaster_worker_exit(g, &g->worker[TOASTER_WORKER_IN]);
	return NULL;
}

/*
 * garbage-notify: a notification no host may believe, of each kind in
 * turn.  It carries the seq of the good one sent right after it, so a host
 * that took it would drop the good one as old news and go on showing the
 * garbage, for a test to see.
 */
static size_t toaster_garbage(const struct toaster_wire_status *good,
			      unsigned int kind, struct toaster_wire_status *bad,
			      const char **what)
{
	*bad = *good;
	switch (kind % 5) {
	case 0:
		*what = "7 bytes";
		return 7;
	case 1:
		*what = "0 bytes";
		return 0;
	case 2:
		bad->state = TOASTER_STATE_COUNT;
		*what = "state out of range";
		break;
	case 3:
		bad->darkness = TOASTER_DARKNESS_MAX + 1;
		*what = "darkness above the maximum";
		break;
	default:
		bad->darkness = 0;
		*what = "darkness 0";
		break;
	}
	return sizeof(*bad);
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
	bool garbage;
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
		garbage = g->faults.garbage_notify;
		pthread_mutex_unlock(&g->lock);

		if (garbage) {
			len = toaster_garbage(&st, kind, &bad, &what);
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
	toaster_worker_exit(g, &g->worker[TOASTER_WORKER_INTR]);
	return NULL;
}

static void toaster_worker_stop(struct toaster_gadget *g,
				struct toaster_worker *w)
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

/* Tears the data endpoints down: on unconfigure, reset, disconnect, exit. */
void toaster_io_stop(struct toaster_gadget *g)
{
	int r;

	pthread_mutex_lock(&g->lock);
	g->io_stop = true;
	g->io_live = false;
	g->notify_events = 0;
	pthread_cond_broadcast(&g->io_cond);
	pthread_mutex_unlock(&g->lock);

	for (r = 0; r < TOASTER_WORKERS; r++)
		toaster_worker_stop(g, &g->worker[r]);
	g->ops->io_close(g);
}

int toaster_io_start(struct toaster_gadget *g)
{
	int r;

	if (g->ops->io_open(g) < 0) {
		toaster_io_stop(g);
		return -1;
	}

	pthread_mutex_lock(&g->lock);
	g->io_stop = false;
	g->io_live = true;
	/* a new host session starts from GET_STATUS, not from old news */
	g->notify_events = 0;
	toaster_echo_flush(g);
	for (r = 0; r < TOASTER_WORKERS; r++)
		g->worker[r].exited = false;
	pthread_mutex_unlock(&g->lock);

	for (r = 0; r < TOASTER_WORKERS; r++) {
		struct toaster_worker *w = &g->worker[r];

		if (pthread_create(&w->tid, NULL, w->main, g) != 0) {
			toaster_err("cannot start the %s thread", w->name);
			toaster_io_stop(g);
			return -1;
		}
		w->started = true;
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

/* ------------------------------------------------------------------ */
/* ep0 */

/*
 * gadgetfs's protocol for finishing a delegated control request, which
 * FunctionFS copied: data moves in the request's direction; a zero-length
 * read ACKs an OUT request without data; I/O "the wrong way" stalls.
 *
 * An answer that fails with EIDRM did nothing: a new SETUP replaced the
 * request while we worked on it (the host gave up on it).  FunctionFS has
 * dropped it then; gadgetfs needs toaster_ep0_recover().  After that
 * recovery, the request in hand may have had its answer already, and this
 * one failing is no news.
 */
const char *toaster_ep0_failed(struct toaster_gadget *g,
				      const char *what)
{
	static char why[64];

	if (errno == EIDRM) {
		g->ep0_stale = true;
		return "not sent: a new request replaced this one";
	}
	snprintf(why, sizeof(why), "%s failed: %s", what, strerror(errno));
	if (!g->ep0_blind)
		toaster_err("ep0: %s", why);
	return why;
}

const char *toaster_ep0_ack(struct toaster_gadget *g)
{
	char dummy;

	if (read(g->ep0_fd, &dummy, 0) < 0)
		return toaster_ep0_failed(g, "ack");
	return "ok";
}

const char *toaster_ep0_reply(struct toaster_gadget *g,
			      const struct usb_ctrlrequest *c,
			      const void *data, size_t len)
{
	static char what[32];
	size_t wlen = le16toh(c->wLength);
	ssize_t n;

	if (len > wlen)
		len = wlen;
	n = write(g->ep0_fd, data, len);
	if (n < 0)
		return toaster_ep0_failed(g, "reply");
	snprintf(what, sizeof(what), "%zd bytes", n);
	return what;
}

const char *toaster_ep0_stall(struct toaster_gadget *g,
			      const struct usb_ctrlrequest *c)
{
	uint8_t buf[256];
	ssize_t n;

	if (c->bRequestType & USB_DIR_IN) {
		n = read(g->ep0_fd, buf, 0);
	} else if (le16toh(c->wLength) == 0 || g->ops->stalls_out_data) {
		n = write(g->ep0_fd, buf, 0);
	} else {
		/*
		 * gadgetfs has already accepted the data stage and cannot
		 * stall it any more: take the data and ignore the request.
		 */
		n = read(g->ep0_fd, buf, sizeof(buf));
		if (n < 0)
			toaster_err("ep0: draining OUT data: %s", strerror(errno));
		return "ignored (OUT data cannot be stalled)";
	}
	if (n < 0 && errno == EL2HLT)
		return "stall";
	if (n < 0)
		return toaster_ep0_failed(g, "stall");
	toaster_err("ep0: stall failed: not stalled");
	return "stall failed";
}

static const char *toaster_ep0_result(struct toaster_gadget *g,
				      const struct usb_ctrlrequest *c, int rc)
{
	return rc == 0 ? toaster_ep0_ack(g) : toaster_ep0_stall(g, c);
}

/* The host is done with the request in hand, answered or not. */
void toaster_ep0_forget(struct toaster_gadget *g)
{
	if (g->ep0_hung)
		toaster_dbg("ep0: %s never answered, and no longer asked",
			    g->ep0_hung);
	g->ep0_hung = NULL;
	g->ep0_stale = false;
	g->ep0_blind = false;
}

/*
 * The stall, hang or short fault set on this request, if any: logged as it
 * fires.  Not on the request after a blind answer (toaster_setup_blind()),
 * which may well have had its answer already.
 */
static enum toaster_fault_mode toaster_req_fault(struct toaster_gadget *g,
						 unsigned int req)
{
	enum toaster_fault_mode mode;
	char arg[16];

	if (g->ep0_blind)
		return TOASTER_FAULT_NONE;
	pthread_mutex_lock(&g->lock);
	mode = (enum toaster_fault_mode)g->faults.req[req];
	pthread_mutex_unlock(&g->lock);
	if (mode != TOASTER_FAULT_NONE)
		toaster_dbg("fault %s=%s fires", toaster_fault_names[mode],
			    toaster_req_arg(req, arg, sizeof(arg)));
	return mode;
}

static const char *toaster_setup_vendor(struct toaster_gadget *g,
					const struct usb_ctrlrequest *c,
					const char **name)
{
	unsigned int value = le16toh(c->wValue);
	bool in = c->bRequestType & USB_DIR_IN;
	struct toaster_wire_status st;
	struct toaster_wire_info info;
	enum toaster_fault_mode fault;
	size_t len;
	int64_t now;
	int rc;

	*name = toaster_request_name(c->bRequest);
	if (!*name) {
		*name = "vendor";
		return toaster_ep0_stall(g, c);
	}

	/* interface requests mean nothing before SET_CONFIGURATION */
	if ((c->bRequestType & USB_RECIP_MASK) != USB_RECIP_INTERFACE ||
	    le16toh(c->wIndex) != 0 || !g->configured ||
	    in != toaster_req_is_in(c->bRequest) ||
	    (!in && le16toh(c->wLength) != 0))
		return toaster_ep0_stall(g, c);

	/* a valid request from here on: what faults are about */
	fault = toaster_req_fault(g, c->bRequest);
	if (fault == TOASTER_FAULT_STALL)
		return toaster_ep0_stall(g, c);
	if (fault == TOASTER_FAULT_HANG) {
		/* not carried out either: the firmware choked on it */
		g->ep0_hung = *name;
		return "no answer (hang)";
	}

	now = toaster_now_ns();
	switch (c->bRequest) {
	case TOASTER_REQ_GET_INFO:
		memset(&info, 0, sizeof(info));
		info.protocol_version = htole16(TOASTER_PROTOCOL_VERSION);
		info.firmware_version = htole16(TOASTER_FIRMWARE_VERSION);
		info.slots = TOASTER_SLOTS;
		strncpy(info.model, TOASTER_MODEL, sizeof(info.model));
		/* NUL padding, and no terminator when it fills the field */
		memcpy(info.serial, g->serial, strnlen(g->serial, sizeof(info.serial)));
		len = sizeof(info);
		if (fault == TOASTER_FAULT_SHORT)
			len = (len < le16toh(c->wLength) ? len : le16toh(c->wLength)) / 2;
		return toaster_ep0_reply(g, c, &info, len);

	case TOASTER_REQ_GET_STATUS:
		pthread_mutex_lock(&g->lock);
		toaster_model_advance(&g->model, now);
		toaster_publish(g);
		toaster_model_status(&g->model, TOASTER_EVENT_NONE, &st);
		pthread_mutex_unlock(&g->lock);
		len = sizeof(st);
		if (fault == TOASTER_FAULT_SHORT)
			len = (len < le16toh(c->wLength) ? len : le16toh(c->wLength)) / 2;
		return toaster_ep0_reply(g, c, &st, len);

	default:
		break;
	}

	pthread_mutex_lock(&g->lock);
	switch (c->bRequest) {
	case TOASTER_REQ_SET_DARKNESS:
		rc = toaster_model_set_darkness(&g->model, now, value);
		break;
	case TOASTER_REQ_TOAST:
		rc = toaster_model_toast(&g->model, now, value);
		break;
	case TOASTER_REQ_CANCEL:
		rc = toaster_model_cancel(&g->model, now);
		break;
	case TOASTER_REQ_SET_LOCK:
		rc = toaster_model_set_lock(&g->model, now, value);
		break;
	case TOASTER_REQ_SET_LOOPBACK:
		rc = toaster_model_set_loopback(&g->model, now, value);
		if (!g->model.loopback)
			toaster_echo_flush(g);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	toaster_publish(g);
	pthread_mutex_unlock(&g->lock);
	return toaster_ep0_result(g, c, rc);
}

const char *toaster_setup_request(struct toaster_gadget *g,
				  const struct usb_ctrlrequest *c,
				  const char **name)
{
	switch (c->bRequestType & USB_TYPE_MASK) {
	case USB_TYPE_STANDARD:
		if (g->ops->setup_standard)
			return g->ops->setup_standard(g, c, name);
		*name = "standard";
		break;
	case USB_TYPE_VENDOR:
		return toaster_setup_vendor(g, c, name);
	default:
		*name = "class";
		break;
	}
	return toaster_ep0_stall(g, c);
}

void toaster_setup_log(const struct usb_ctrlrequest *c, const char *name,
		       const char *result, const char *note)
{
	toaster_dbg("ep0: %02x %02x v%04x i%04x l%u %s: %s%s",
		    c->bRequestType, c->bRequest, le16toh(c->wValue),
		    le16toh(c->wIndex), le16toh(c->wLength), name, result, note);
}

const char *toaster_speed_name(enum usb_device_speed s)
{
	switch (s) {
	case USB_SPEED_LOW:
		return "low";
	case USB_SPEED_FULL:
		return "full";
	case USB_SPEED_HIGH:
		return "high";
	case USB_SPEED_SUPER:
		return "super";
	default:
		return "unknown";
	}
}

static int toaster_signals(struct toaster_gadget *g)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = toaster_sigusr1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: blocked I/O must return */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* before any thread exists, so all inherit it */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	sigdelset(&set, SIGUSR1);
	g->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (g->sig_fd < 0) {
		toaster_err("signalfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* unplugging */

/*
 * Like pulling the cable: the backend unbinds the gadget from the
 * controller and the host sees the toaster go.  The toaster itself, model
 * and clock, carries on.  The workers stop first: an endpoint going away
 * under a transfer is the host's doing at most, never ours.
 */
static void toaster_unplug(struct toaster_gadget *g)
{
	toaster_deconfigured(g);
	toaster_ep0_forget(g);
	g->ops->unplug(g);
	g->plugged = false;
	toaster_dbg("unplugged");
}

/* Returns 0 or -errno. */
static int toaster_plug(struct toaster_gadget *g)
{
	int rc = g->ops->plug(g);

	if (rc == 0) {
		g->plugged = true;
		toaster_dbg("plugged in");
	}
	return rc;
}

static void toaster_overheat(struct toaster_gadget *g)
{
	pthread_mutex_lock(&g->lock);
	toaster_model_fault(&g->model, toaster_now_ns());
	toaster_publish(g);
	pthread_mutex_unlock(&g->lock);
}

/* What the other threads asked of main: unplug-when-toasting. */
static void toaster_woken(struct toaster_gadget *g)
{
	uint64_t count;
	int replug_ms;
	bool due;

	if (read(g->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		toaster_err("eventfd: %s", strerror(errno));
	pthread_mutex_lock(&g->lock);
	due = g->unplug_due;
	g->unplug_due = false;
	replug_ms = g->faults.replug_ms;
	pthread_mutex_unlock(&g->lock);
	if (!due || !g->plugged)
		return;

	if (replug_ms < 0)
		toaster_dbg("fault unplug-when-toasting fires: unplugged until \"plug\"");
	else
		toaster_dbg("fault unplug-when-toasting=%d fires: unplugged for %d ms",
			    replug_ms, replug_ms);
	toaster_unplug(g);
	g->replug_at = replug_ms < 0 ? TOASTER_MODEL_NEVER
				     : toaster_now_ns() + replug_ms * TOASTER_NS_PER_MS;
}

/* The end of an unplug-when-toasting=MS. */
static void toaster_replug(struct toaster_gadget *g)
{
	g->replug_at = TOASTER_MODEL_NEVER;
	if (g->plugged)
		return;
	toaster_dbg("unplug-when-toasting: plugging back in");
	if (toaster_plug(g) < 0)
		toaster_err("cannot plug back in; waiting for \"plug\"");
}

/* Milliseconds until main has something to do by itself, for poll(). */
static int toaster_poll_timeout(const struct toaster_gadget *g)
{
	int64_t left;

	if (g->replug_at == TOASTER_MODEL_NEVER)
		return -1;
	left = g->replug_at - toaster_now_ns();
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* ------------------------------------------------------------------ */
/* the control FIFO */

/*
 * Makes (or reuses) the FIFO and the acknowledgement file, emptied: a test
 * waiting for "ok CMD" must not find one from an earlier run.
 */
static int toaster_ctl_open(struct toaster_gadget *g)
{
	struct stat st;

	if (strlen(g->control) + sizeof(".ack") > sizeof(g->ack_path)) {
		toaster_err("--control: path too long");
		return -1;
	}
	snprintf(g->ack_path, sizeof(g->ack_path), "%s.ack", g->control);
	if (mkfifo(g->control, 0600) < 0 &&
	    (errno != EEXIST || stat(g->control, &st) < 0 || !S_ISFIFO(st.st_mode))) {
		toaster_err("%s: %s", g->control,
			    errno == EEXIST ? "exists and is not a FIFO" : strerror(errno));
		return -1;
	}
	/* before anyone can write a command, so no ack ever waits for it */
	g->ack_fd = open(g->ack_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
			 0600);
	if (g->ack_fd < 0) {
		toaster_err("%s: %s", g->ack_path, strerror(errno));
		unlink(g->control);
		return -1;
	}
	/* or open() waits for a writer and read() for a whole line */
	g->ctl_fd = open(g->control, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (g->ctl_fd < 0) {
		toaster_err("%s: %s", g->control, strerror(errno));
		close(g->ack_fd);
		g->ack_fd = -1;
		unlink(g->control);
		return -1;
	}
	return 0;
}

static void toaster_ctl_close(struct toaster_gadget *g)
{
	if (!g->control)
		return;
	/* a writer that finds no FIFO fails; one that finds no reader waits */
	unlink(g->control);
	if (g->ctl_fd >= 0)
		close(g->ctl_fd);
	if (g->ack_fd >= 0)
		close(g->ack_fd);
	g->ctl_fd = g->ack_fd = -1;
}

/* The command is carried out: one line in PATH.ack says how it went. */
static void toaster_ctl_ack(struct toaster_gadget *g, const char *cmd, int rc,
			    const char *why)
{
	char line[TOASTER_CTL_LINE_MAX + 256];
	size_t len = 0;

	if (rc == 0) {
		toaster_append(line, sizeof(line), &len, "ok %s\n", cmd);
	} else {
		toaster_err("control: %s: %s", cmd, why);
		toaster_append(line, sizeof(line), &len, "error %s: %s\n", cmd, why);
	}
	if (len >= sizeof(line)) {
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	/* one write, appended: a reader never sees half a line */
	if (write(g->ack_fd, line, len) != (ssize_t)len)
		toaster_err("%s: %s", g->ack_path, strerror(errno));
}

static int toaster_cmd_fault(struct toaster_gadget *g, int argc, char **argv,
			     bool clearing, char *why, size_t size)
{
	struct toaster_fault_spec f;
	char now[256];

	if (argc > 3 || (!clearing && argc < 2)) {
		snprintf(why, size, "usage: %s", clearing ? "clear [MODE [ARG]]"
							  : "fault MODE [ARG]");
		return -1;
	}
	if (argc > 1 && toaster_fault_parse(argv[1], argc > 2 ? argv[2] : NULL,
					    clearing, &f, why, size) < 0)
		return -1;

	pthread_mutex_lock(&g->lock);
	if (!clearing)
		toaster_fault_set(&g->faults, &f);
	else
		toaster_fault_clear(&g->faults, argc > 1 ? &f : NULL);
	toaster_faults_describe(&g->faults, now, sizeof(now));
	pthread_mutex_unlock(&g->lock);
	toaster_dbg("faults now: %s", now);
	return 0;
}

/* Carries out one line from the FIFO (which it cuts into words). */
static void toaster_ctl_command(struct toaster_gadget *g, char *line)
{
	char *argv[4], *word, *save = NULL;
	char cmd[TOASTER_CTL_LINE_MAX], why[256] = "";
	size_t len = 0;
	int argc = 0, rc = 0;

	cmd[0] = '\0';
	for (word = strtok_r(line, " \t\r", &save); word;
	     word = strtok_r(NULL, " \t\r", &save)) {
		if (argc < 4)
			argv[argc] = word;
		argc++;
		/* acknowledged as normalised: "ok fault hang toast" */
		toaster_append(cmd, sizeof(cmd), &len, "%s%s", len ? " " : "", word);
	}
	if (!argc)
		return;
	toaster_dbg("control: %s", cmd);

	if (argc > 4) {
		rc = -1;
		snprintf(why, sizeof(why), "too many words");
	} else if (strcmp(argv[0], "unplug") == 0 && argc == 1) {
		g->replug_at = TOASTER_MODEL_NEVER;
		if (g->plugged)
			toaster_unplug(g);
		else
			toaster_dbg("already unplugged");
	} else if (strcmp(argv[0], "plug") == 0 && argc == 1) {
		g->replug_at = TOASTER_MODEL_NEVER;
		if (!g->plugged) {
			rc = toaster_plug(g);
			if (rc < 0)
				snprintf(why, sizeof(why), "%s", strerror(-rc));
		} else {
			toaster_dbg("already plugged in");
		}
	} else if (strcmp(argv[0], "fault") == 0) {
		rc = toaster_cmd_fault(g, argc, argv, false, why, sizeof(why));
	} else if (strcmp(argv[0], "clear") == 0) {
		rc = toaster_cmd_fault(g, argc, argv, true, why, sizeof(why));
	} else if (strcmp(argv[0], "overheat") == 0 && argc == 1) {
		toaster_dbg("overheat: injecting a heater fault");
		toaster_overheat(g);
	} else {
		rc = -1;
		snprintf(why, sizeof(why), "unknown command, ignored");
	}
	toaster_ctl_ack(g, cmd, rc, why);
}

static void toaster_ctl_input(struct toaster_gadget *g, const char *buf,
			      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] != '\n' && buf[i] != '\0') {
			if (g->ctl_len + 1 < sizeof(g->ctl_line))
				g->ctl_line[g->ctl_len++] = buf[i];
			else
				g->ctl_too_long = true;
			continue;
		}
		g->ctl_line[g->ctl_len] = '\0';
		if (g->ctl_too_long)
			toaster_ctl_ack(g, g->ctl_line, -1, "line too long, ignored");
		else
			toaster_ctl_command(g, g->ctl_line);
		g->ctl_len = 0;
		g->ctl_too_long = false;
	}
}

static void toaster_ctl_read(struct toaster_gadget *g)
{
	char buf[256];
	ssize_t n;
	int fd;

	for (;;) {
		n = read(g->ctl_fd, buf, sizeof(buf));
		if (n > 0) {
			toaster_ctl_input(g, buf, (size_t)n);
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		/* EAGAIN: a writer still has it open */
		if (errno != EAGAIN)
			toaster_err("%s: %s", g->control, strerror(errno));
		return;
	}

	/* EOF: every writer has gone, and a line without its newline ends */
	if (g->ctl_len || g->ctl_too_long)
		toaster_ctl_input(g, "\n", 1);
	/*
	 * A read end at EOF stays readable for good: open another.  First,
	 * then close this one, so the FIFO is never without a reader, which
	 * would fail the write() of someone who just opened it with EPIPE.
	 */
	fd = open(g->control, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		toaster_err("%s: %s; no more control commands", g->control,
			    strerror(errno));
	close(g->ctl_fd);
	g->ctl_fd = fd;
}

/* ------------------------------------------------------------------ */
/* the main loop */

/*
 * Runs until SIGTERM/SIGINT (returns 0) or ep0 fails (-1).  Without an ep0
 * to watch (gadgetfs, unplugged) the rest goes on.
 */
static int toaster_main_loop(struct toaster_gadget *g)
{
	enum { P_SIG, P_EP0, P_CTL, P_WAKE, P_FDS };
	struct signalfd_siginfo si;
	struct pollfd pfd[P_FDS];

	for (;;) {
		/* poll() skips negative fds: no ep0, no --control */
		pfd[P_SIG] = (struct pollfd){ .fd = g->sig_fd, .events = POLLIN };
		pfd[P_EP0] = (struct pollfd){ .fd = g->ops->ep0_poll_fd(g),
					      .events = POLLIN };
		pfd[P_CTL] = (struct pollfd){ .fd = g->ctl_fd, .events = POLLIN };
		pfd[P_WAKE] = (struct pollfd){ .fd = g->wake_fd, .events = POLLIN };
		if (poll(pfd, P_FDS, toaster_poll_timeout(g)) < 0) {
			if (errno == EINTR)
				continue;
			toaster_err("poll: %s", strerror(errno));
			return -1;
		}

		if (pfd[P_SIG].revents & POLLIN) {
			if (read(g->sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo != SIGUSR2) {
					toaster_dbg("signal %u: shutting down",
						    si.ssi_signo);
					return 0;
				}
				toaster_dbg("SIGUSR2: injecting a heater fault");
				toaster_overheat(g);
			}
		}

		if (pfd[P_EP0].revents &&
		    g->ops->ep0_ready(g, pfd[P_EP0].revents) < 0)
			return -1;

		/* after ep0's events, which these may leave without an ep0 */
		if (pfd[P_WAKE].revents & POLLIN)
			toaster_woken(g);
		if (g->replug_at != TOASTER_MODEL_NEVER &&
		    toaster_now_ns() >= g->replug_at)
			toaster_replug(g);
		if (pfd[P_CTL].revents & (POLLIN | POLLHUP))
			toaster_ctl_read(g);
	}
}

static void toaster_usage(FILE *f)
{
	char all[128], in[64];

	toaster_req_list(-1, all, sizeof(all));
	toaster_req_list(TOASTER_REQ_DIR_IN, in, sizeof(in));
	fprintf(f,
		"usage: toaster-gadget [--gadgetfs DIR | --functionfs] [--udc NAME]\n"
		"                      [--time-scale X] [--serial STR] [--control PATH]\n"
		"                      [--fault MODE[=ARG]]... [-v]\n"
		"Emulates the toaster on gadgetfs (mounted at DIR, default /dev/gadget).\n"
		"  --functionfs      on FunctionFS instead, as a configfs gadget of its own\n"
		"                    (%s/toaster.PID), so that gadgetfs's\n"
		"                    toaster can be plugged in beside it; it mounts\n"
		"                    FunctionFS itself, and leaves nothing behind\n"
		"  --udc NAME        gadgetfs: the controller file in DIR (default: the one\n"
		"                    *_udc); FunctionFS: the controller in /sys/class/udc\n"
		"                    (default: the first no gadget has)\n"
		"  --time-scale X    run the toaster's clock X times faster (default 1)\n"
		"  --serial STR      serial number, up to %d printable ASCII characters\n"
		"  --control PATH    make a FIFO at PATH (removed on exit; an existing FIFO\n"
		"                    is reused) and take commands from it, one a line.  Once\n"
		"                    carried out, each is acknowledged by a line \"ok CMD\" or\n"
		"                    \"error CMD: WHY\" appended to PATH.ack (emptied at start):\n"
		"      unplug              disconnect, as if the cable were pulled; the\n"
		"                          toaster keeps its state and goes on toasting\n"
		"      plug                connect again: the host enumerates it anew\n"
		"      fault MODE [ARG]    inject a fault, as --fault MODE=ARG\n"
		"      clear [MODE [ARG]]  remove every fault, one mode's, or one request's\n"
		"      overheat            a heater fault, as SIGUSR2\n"
		"  --fault MODE[=ARG] inject a fault from the start (repeatable).  REQ is a\n"
		"                    vendor request, named as in toaster_proto.h without the\n"
		"                    prefix, in any case; one of\n"
		"        %s.\n"
		"                    A request has one of stall, hang and short at a time.\n"
		"      stall=REQ           refuse (stall) REQ even when it is valid\n"
		"      hang=REQ            never answer REQ, nor carry it out: the host times\n"
		"                          out.  gadgetfs: the request after (which gadgetfs\n"
		"                          shows only once answered) is refused: an OUT one\n"
		"                          stalled, an IN one answered with nothing.  Then\n"
		"                          all is well.  FunctionFS drops the hung request\n"
		"                          when the next one comes.\n"
		"      short=REQ           answer REQ (%s) with half its\n"
		"                          reply, cut to what the host asked for\n"
		"      garbage-notify      send a malformed notification (wrong length, state\n"
		"                          or darkness out of range) before each good one\n"
		"      unplug-when-toasting[=MS]  unplug when a toast starts toasting; plug\n"
		"                          in again after MS ms (default: on \"plug\")\n"
		"      slow-bulk=MS        hold each bulk IN transfer, and each bulk OUT one\n"
		"                          longer than a packet, up for MS ms\n"
		"  -v, --verbose     log every control request, state change and fault\n"
		"SIGTERM/SIGINT disconnect and exit; SIGUSR2 injects a heater fault.\n",
		TOASTER_CONFIGFS_GADGETS, TOASTER_SERIAL_LEN, all, in);
}

static int toaster_parse(struct toaster_gadget *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "gadgetfs", required_argument, NULL, 'g' },
		{ "functionfs", no_argument, NULL, 'F' },
		{ "udc", required_argument, NULL, 'u' },
		{ "time-scale", required_argument, NULL, 't' },
		{ "serial", required_argument, NULL, 's' },
		{ "control", required_argument, NULL, 'c' },
		{ "fault", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct toaster_fault_spec f;
	char why[256];
	const char *p;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			g->dir = optarg;
			break;
		case 'F':
			g->ops = &toaster_ffs_backend;
			break;
		case 'u':
			g->udc = optarg;
			break;
		case 't':
			errno = 0;
			g->scale = strtod(optarg, &end);
			/* bounded so device time fits in 64-bit nanoseconds */
			if (errno || end == optarg || *end ||
			    !(g->scale >= 0.01 && g->scale <= 10000)) {
				toaster_err("--time-scale: want a number from 0.01 to 10000");
				return -1;
			}
			break;
		case 's':
			g->serial = optarg;
			if (!*optarg || strlen(optarg) > TOASTER_SERIAL_LEN) {
				toaster_err("--serial: 1 to %d characters",
					    TOASTER_SERIAL_LEN);
				return -1;
			}
			for (p = optarg; *p; p++) {
				if (*p < 0x20 || *p > 0x7e) {
					toaster_err("--serial: printable ASCII only");
					return -1;
				}
			}
			break;
		case 'c':
			g->control = optarg;
			if (!*optarg) {
				toaster_err("--control: want a path");
				return -1;
			}
			break;
		case 'f':
			/* no threads yet: no lock */
			if (toaster_fault_parse(optarg, NULL, false, &f, why,
						sizeof(why)) < 0) {
				toaster_err("--fault %s: %s", optarg, why);
				return -1;
			}
			toaster_fault_set(&g->faults, &f);
			break;
		case 'v':
			g->verbose = true;
			break;
		case 'h':
			toaster_usage(stdout);
			exit(0);
		default:
			toaster_usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		toaster_usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct toaster_gadget gadget = {
		.ops = &toaster_gadgetfs_backend,
		.dir = "/dev/gadget",
		.scale = 1.0,
		.serial = TOASTER_DEFAULT_SERIAL,
		.ep0_fd = -1,
		.sig_fd = -1,
		.wake_fd = -1,
		.ctl_fd = -1,
		.ack_fd = -1,
		.replug_at = TOASTER_MODEL_NEVER,
		.faults = { .replug_ms = -1 },
		.ffs = { .ev_fd = -1 },
		.speed = USB_SPEED_HIGH,
		.ep = {
			[TOASTER_EP_ROLE_OUT] = { "bulk OUT", TOASTER_EP_BULK_OUT,
						  USB_ENDPOINT_XFER_BULK, "", -1 },
			[TOASTER_EP_ROLE_IN] = { "bulk IN", TOASTER_EP_BULK_IN,
						 USB_ENDPOINT_XFER_BULK, "", -1 },
			[TOASTER_EP_ROLE_INT] = { "interrupt IN", TOASTER_EP_INT_IN,
						  USB_ENDPOINT_XFER_INT, "", -1 },
		},
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.worker = {
			[TOASTER_WORKER_OUT] = { .name = "bulk OUT",
						 .main = toaster_out_main },
			[TOASTER_WORKER_IN] = { .name = "bulk IN",
						.main = toaster_in_main },
			[TOASTER_WORKER_INTR] = { .name = "interrupt IN",
						  .main = toaster_intr_main },
		},
	};
	struct toaster_gadget *g = &gadget;
	char faults[256];
	pthread_condattr_t ca;
	int rc = -1;

	if (toaster_parse(g, argc, argv) < 0)
		return 2;
	toaster_verbose = g->verbose;

	/* deadlines are CLOCK_MONOTONIC, like the model's timestamps */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->clock_cond, &ca);
	pthread_cond_init(&g->io_cond, &ca);
	pthread_condattr_destroy(&ca);
	toaster_model_init(&g->model, g->scale, toaster_now_ns());

	if (toaster_signals(g) < 0)
		return 1;
	g->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (g->wake_fd < 0) {
		toaster_err("eventfd: %s", strerror(errno));
		return 1;
	}
	/* before plugging in: whoever waits for the toaster finds it ready */
	if (g->control && toaster_ctl_open(g) < 0)
		return 1;
	if (pthread_create(&g->clock_tid, NULL, toaster_clock_main, g) != 0) {
		toaster_err("cannot start the clock thread");
		goto out_ctl;
	}
	toaster_faults_describe(&g->faults, faults, sizeof(faults));
	toaster_dbg("%04x:%04x %s serial %s on %s, time scale %g, faults: %s",
		    TOASTER_VENDOR_ID, TOASTER_PRODUCT_ID, TOASTER_MODEL,
		    g->serial, g->ops->name, g->scale, faults);
	if (g->ops->start(g) == 0) {
		g->plugged = true;
		rc = toaster_main_loop(g);
		/* the host sees it unplugged; a request left hanging goes with it */
		if (g->plugged)
			toaster_unplug(g);
		g->ops->stop(g);
	}

	pthread_mutex_lock(&g->lock);
	g->quit = true;
	pthread_cond_broadcast(&g->clock_cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->clock_tid, NULL);
	toaster_dbg("bye");
out_ctl:
	toaster_ctl_close(g);
	return rc < 0 ? 1 : 0;
}
