// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-gadget: the toaster's firmware, as a gadgetfs user-mode driver.
 *
 * Threads and what they own:
 *   main   - ep0: the gadgetfs event loop, every control request, and the
 *            endpoint files (opened on SET_CONFIGURATION, closed on
 *            unconfigure/reset/disconnect).  Also SIGTERM/SIGINT/SIGUSR2,
 *            taken synchronously through a signalfd.
 *   clock  - advances the heating model exactly when its next event is due
 *            and turns model events into interrupt notifications.
 *   out    - reads bulk OUT: counts burn patterns, or queues packets for
 *            the echo when loopback is on.
 *   in     - writes queued echo packets on bulk IN.
 *   intr   - writes the pending notification on interrupt IN.
 * out, in and intr exist only while the device is configured.
 *
 * gadgetfs endpoint I/O is synchronous and cannot be polled, and a file
 * being read by another thread is not released by close(), so the only
 * reliable way to get a worker out of a read()/write() that the host will
 * never complete is a signal: gadgetfs then dequeues the request and the
 * call fails with EINTR.  Workers therefore run with SIGUSR1 unblocked and a
 * no-op handler installed without SA_RESTART; everyone else blocks it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/usb/ch9.h>
#include <linux/usb/gadgetfs.h>

#include "toaster_proto.h"
#include "toaster_model.h"

#define TOASTER_MANUFACTURER		"Toaster Project"
#define TOASTER_MODEL			"TS-1000"
#define TOASTER_DEFAULT_SERIAL		"TS1000-000001"
#define TOASTER_FIRMWARE_VERSION	0x0100
#define TOASTER_SLOTS			2

#define TOASTER_CONFIG_VALUE		1
#define TOASTER_MAX_POWER_2MA		50	/* the USB side only: 100 mA */
#define TOASTER_BULK_MAXP_FS		64
#define TOASTER_BULK_MAXP_HS		512
/* One status per packet, so a notification is never split. */
#define TOASTER_INT_MAXP		32
_Static_assert(sizeof(struct toaster_wire_status) <= TOASTER_INT_MAXP,
	       "a notification must fit in one interrupt packet");
/* gadgetfs answers at most this much on ep0 (its RBUF_SIZE) */
_Static_assert(sizeof(struct toaster_wire_info) <= 256,
	       "GET_INFO must fit gadgetfs's ep0 buffer");
/*
 * Loopback buffering, in packets: a host may write a whole transfer (up to
 * a burn pattern's worth at high speed) before it reads the echo.
 */
#define TOASTER_ECHO_SLOTS		(TOASTER_BURN_MAX / TOASTER_BULK_MAXP_HS)

enum toaster_string_id {
	TOASTER_STR_LANGS = 0,
	TOASTER_STR_MANUFACTURER,
	TOASTER_STR_PRODUCT,
	TOASTER_STR_SERIAL,
};

enum toaster_ep_role {
	TOASTER_EP_ROLE_OUT,
	TOASTER_EP_ROLE_IN,
	TOASTER_EP_ROLE_INT,
	TOASTER_EP_ROLES,
};

struct toaster_ep {
	const char	*role;
	uint8_t		address;
	uint8_t		type;		/* USB_ENDPOINT_XFER_* */
	char		file[NAME_MAX + 1];	/* gadgetfs file chosen for it */
	int		fd;
};

struct toaster_worker {
	const char	*name;
	void		*(*main)(void *);
	pthread_t	tid;
	bool		started;	/* main only */
	bool		exited;		/* under lock */
};

enum toaster_worker_id {
	TOASTER_WORKER_OUT,
	TOASTER_WORKER_IN,
	TOASTER_WORKER_INTR,
	TOASTER_WORKERS,
};

/* Packets received with loopback on, waiting to go back; a ring. */
struct toaster_echo {
	unsigned int	head;
	unsigned int	count;
	uint16_t	len[TOASTER_ECHO_SLOTS];
	uint8_t		data[TOASTER_ECHO_SLOTS][TOASTER_BULK_MAXP_HS];
};

struct toaster_gadget {
	/* options, read-only once running */
	const char	*dir;
	const char	*udc;
	double		scale;
	const char	*serial;
	bool		verbose;

	/*
	 * main only; workers read speed and the ep fds too, but main changes
	 * them only while no worker runs
	 */
	int		ep0_fd;
	int		sig_fd;
	enum usb_device_speed speed;
	bool		configured;
	struct toaster_ep ep[TOASTER_EP_ROLES];

	pthread_mutex_t	lock;
	/* under lock: */
	pthread_cond_t	clock_cond;	/* the model changed: new deadline */
	pthread_cond_t	io_cond;	/* notification, stop, worker exit */
	struct toaster_model model;
	bool		quit;		/* clock thread: leave */
	bool		io_live;	/* endpoints up: notifications wanted */
	bool		io_stop;	/* workers: leave */
	unsigned int	notify_events;	/* TOASTER_MODEL_EV_* not yet sent */
	struct toaster_echo echo;

	pthread_t	clock_tid;
	struct toaster_worker worker[TOASTER_WORKERS];
	/* the in worker's, kept off its stack */
	uint8_t		echo_buf[TOASTER_ECHO_SLOTS * TOASTER_BULK_MAXP_HS];
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

__attribute__((format(printf, 1, 2)))
static void toaster_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	toaster_vlog(fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 1, 2)))
static void toaster_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!toaster_verbose)
		return;
	va_start(ap, fmt);
	toaster_vlog(fmt, ap);
	va_end(ap);
}

static int64_t toaster_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec toaster_ts(int64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000LL,
		.tv_nsec = ns % 1000000000LL,
	};

	return ts;
}

/* ------------------------------------------------------------------ */
/* descriptors */

struct toaster_buf {
	uint8_t		data[256];
	size_t		len;
};

static void toaster_put8(struct toaster_buf *b, unsigned int v)
{
	if (b->len < sizeof(b->data))
		b->data[b->len++] = (uint8_t)v;
}

static void toaster_put16(struct toaster_buf *b, unsigned int v)
{
	toaster_put8(b, v & 0xff);
	toaster_put8(b, (v >> 8) & 0xff);
}

/* gadgetfs wants host-order message tags in front of descriptors */
static void toaster_put_tag(struct toaster_buf *b, uint32_t tag)
{
	if (b->len + sizeof(tag) <= sizeof(b->data)) {
		memcpy(b->data + b->len, &tag, sizeof(tag));
		b->len += sizeof(tag);
	}
}

static void toaster_put_endpoint(struct toaster_buf *b,
				 const struct toaster_ep *ep, bool hs)
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

static void toaster_put_config(struct toaster_buf *b,
			       const struct toaster_ep *eps, bool hs)
{
	size_t start = b->len, total;
	int i;

	toaster_put8(b, USB_DT_CONFIG_SIZE);
	toaster_put8(b, USB_DT_CONFIG);
	toaster_put16(b, 0);			/* wTotalLength, below */
	toaster_put8(b, 1);			/* bNumInterfaces */
	toaster_put8(b, TOASTER_CONFIG_VALUE);
	toaster_put8(b, 0);			/* iConfiguration */
	/* bus-powered: that is what dummy_hcd's GET_STATUS reports */
	toaster_put8(b, USB_CONFIG_ATT_ONE);
	toaster_put8(b, TOASTER_MAX_POWER_2MA);

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

	total = b->len - start;
	b->data[start + 2] = total & 0xff;
	b->data[start + 3] = (total >> 8) & 0xff;
}

static void toaster_put_device(struct toaster_buf *b)
{
	toaster_put8(b, USB_DT_DEVICE_SIZE);
	toaster_put8(b, USB_DT_DEVICE);
	toaster_put16(b, 0x0200);
	toaster_put8(b, 0);			/* class: per interface */
	toaster_put8(b, 0);
	toaster_put8(b, 0);
	toaster_put8(b, 64);			/* gadgetfs sets the real one */
	toaster_put16(b, TOASTER_VENDOR_ID);
	toaster_put16(b, TOASTER_PRODUCT_ID);
	toaster_put16(b, TOASTER_BCD_DEVICE);
	toaster_put8(b, TOASTER_STR_MANUFACTURER);
	toaster_put8(b, TOASTER_STR_PRODUCT);
	toaster_put8(b, TOASTER_STR_SERIAL);
	toaster_put8(b, 1);			/* bNumConfigurations */
}

/* String descriptor idx as UTF-16LE; -1 if there is none. */
static int toaster_string(const struct toaster_gadget *g, unsigned int idx,
			  struct toaster_buf *b)
{
	const char *s;
	size_t i, n;

	switch (idx) {
	case TOASTER_STR_LANGS:
		toaster_put8(b, 4);
		toaster_put8(b, USB_DT_STRING);
		toaster_put16(b, 0x0409);	/* English (US) */
		return 0;
	case TOASTER_STR_MANUFACTURER:
		s = TOASTER_MANUFACTURER;
		break;
	case TOASTER_STR_PRODUCT:
		s = TOASTER_MODEL;
		break;
	case TOASTER_STR_SERIAL:
		s = g->serial;
		break;
	default:
		return -1;
	}
	n = strlen(s);		/* printable ASCII, checked at startup */
	toaster_put8(b, 2 + 2 * n);
	toaster_put8(b, USB_DT_STRING);
	for (i = 0; i < n; i++)
		toaster_put16(b, (unsigned char)s[i]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* choosing endpoint files */

/*
 * How well a gadgetfs endpoint file named name suits ep: 3 for a fixed
 * endpoint with our number, 2 for a configurable one ("ep-bin"), 1 for a
 * fixed one of the right direction and type but another number (dummy_hcd
 * routes by the descriptor's address, so it still works there), 0 not at
 * all.
 */
static int toaster_ep_score(const struct toaster_ep *ep, const char *name)
{
	bool want_in = ep->address & USB_DIR_IN;
	const char *p, *type;
	char *end;
	unsigned long num;
	bool in;

	if (strncmp(name, "ep", 2) != 0)
		return 0;
	p = name + 2;
	if (p[0] == '-') {
		if (!p[1])
			return 0;
		p += 2;		/* the letter */
		if (strcmp(p, "in") == 0)
			in = true;
		else if (strcmp(p, "out") == 0)
			in = false;
		else
			return 0;
		return in == want_in ? 2 : 0;
	}

	num = strtoul(p, &end, 10);
	if (end == p || num == 0)
		return 0;
	p = end;
	if (strncmp(p, "in", 2) == 0) {
		in = true;
		p += 2;
	} else if (strncmp(p, "out", 3) == 0) {
		in = false;
		p += 3;
	} else {
		return 0;
	}
	if (in != want_in)
		return 0;
	if (*p == '-') {
		type = p + 1;
		if (strcmp(type, ep->type == USB_ENDPOINT_XFER_INT ? "int" : "bulk"))
			return 0;
	} else if (*p) {
		return 0;
	}
	return num == (ep->address & USB_ENDPOINT_NUMBER_MASK) ? 3 : 1;
}

static int toaster_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int toaster_choose_endpoints(struct toaster_gadget *g)
{
	char *names[64];
	size_t n = 0, i;
	struct dirent *de;
	bool taken[64] = { false };
	DIR *d;
	int r, rc = 0;

	d = opendir(g->dir);
	if (!d) {
		toaster_err("%s: %s", g->dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) && n < 64) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, g->udc) == 0)
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	/* readdir order is arbitrary; ties must not be */
	qsort(names, n, sizeof(names[0]), toaster_cmp_names);

	for (r = 0; r < TOASTER_EP_ROLES; r++) {
		struct toaster_ep *ep = &g->ep[r];
		int best = 0, score;
		size_t pick = 0;

		for (i = 0; i < n; i++) {
			if (taken[i])
				continue;
			score = toaster_ep_score(ep, names[i]);
			if (score > best) {
				best = score;
				pick = i;
			}
		}
		if (!best) {
			toaster_err("no endpoint in %s suits %s (0x%02x)",
				    g->dir, ep->role, ep->address);
			rc = -1;
			break;
		}
		taken[pick] = true;
		snprintf(ep->file, sizeof(ep->file), "%s", names[pick]);
		toaster_dbg("%s endpoint 0x%02x on %s", ep->role, ep->address,
			    ep->file);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return rc;
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
			ts = toaster_ts(deadline);
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
	bool queued;
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
 * zero-length packet goes alone, since gadgetfs would not add it to a
 * longer write.  Called under lock with packets queued.
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

static void *toaster_intr_main(void *arg)
{
	struct toaster_gadget *g = arg;
	int fd = g->ep[TOASTER_EP_ROLE_INT].fd;
	struct toaster_wire_status st;
	unsigned int ev;
	ssize_t n;

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
		pthread_mutex_unlock(&g->lock);

		/*
		 * Blocks until the host polls (beyond dummy_hcd's one-packet
		 * FIFO).  Meanwhile newer events only merge into
		 * notify_events, so the state machine never waits on the host.
		 */
		n = write(fd, &st, sizeof(st));
		if (n < 0) {
			if (errno == EINTR) {
				/* not sent: send it again unless told to stop */
				pthread_mutex_lock(&g->lock);
				g->notify_events |= ev;
				pthread_mutex_unlock(&g->lock);
				continue;
			}
			toaster_dbg("interrupt IN: %s", strerror(errno));
			toaster_worker_park(g);
			break;
		}
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
		ts = toaster_ts(toaster_now_ns() + 20 * 1000000LL);
		pthread_cond_timedwait(&g->io_cond, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	pthread_join(w->tid, NULL);
	w->started = false;
}

/* Tears the data endpoints down: on unconfigure, reset, disconnect, exit. */
static void toaster_io_stop(struct toaster_gadget *g)
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

	/* only now: a file still in a worker's read() would not be released */
	for (r = 0; r < TOASTER_EP_ROLES; r++) {
		if (g->ep[r].fd >= 0) {
			close(g->ep[r].fd);
			g->ep[r].fd = -1;
		}
	}
}

static int toaster_ep_open(struct toaster_gadget *g, struct toaster_ep *ep)
{
	struct toaster_buf b = { .len = 0 };
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", g->dir, ep->file);
	ep->fd = open(path, O_RDWR | O_CLOEXEC);
	if (ep->fd < 0) {
		toaster_err("%s: %s", path, strerror(errno));
		return -1;
	}
	toaster_put_tag(&b, 1);
	toaster_put_endpoint(&b, ep, false);
	toaster_put_endpoint(&b, ep, true);
	n = write(ep->fd, b.data, b.len);
	if (n != (ssize_t)b.len) {
		toaster_err("%s: configuring %s: %s", path, ep->role,
			    n < 0 ? strerror(errno) : "short write");
		close(ep->fd);
		ep->fd = -1;
		return -1;
	}
	return 0;
}

static int toaster_io_start(struct toaster_gadget *g)
{
	int r;

	for (r = 0; r < TOASTER_EP_ROLES; r++) {
		if (toaster_ep_open(g, &g->ep[r]) < 0) {
			toaster_io_stop(g);
			return -1;
		}
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
	toaster_dbg("endpoints up (%s speed)",
		    g->speed == USB_SPEED_HIGH ? "high" : "full");
	return 0;
}

/* ------------------------------------------------------------------ */
/* ep0 */

/*
 * gadgetfs's protocol for finishing a delegated control request: data
 * moves in the request's direction; a zero-length read ACKs an OUT request
 * without data; I/O "the wrong way" stalls.
 */
static const char *toaster_ep0_ack(struct toaster_gadget *g)
{
	char dummy;

	if (read(g->ep0_fd, &dummy, 0) < 0) {
		toaster_err("ep0: ack failed: %s", strerror(errno));
		return "ack failed";
	}
	return "ok";
}

static const char *toaster_ep0_reply(struct toaster_gadget *g,
				     const struct usb_ctrlrequest *c,
				     const void *data, size_t len)
{
	static char what[32];
	size_t wlen = le16toh(c->wLength);
	ssize_t n;

	if (len > wlen)
		len = wlen;
	n = write(g->ep0_fd, data, len);
	if (n < 0) {
		toaster_err("ep0: reply failed: %s", strerror(errno));
		return "reply failed";
	}
	snprintf(what, sizeof(what), "%zd bytes", n);
	return what;
}

static const char *toaster_ep0_stall(struct toaster_gadget *g,
				     const struct usb_ctrlrequest *c)
{
	uint8_t buf[256];
	ssize_t n;

	if (c->bRequestType & USB_DIR_IN) {
		n = read(g->ep0_fd, buf, 0);
	} else if (le16toh(c->wLength) == 0) {
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
	if (n >= 0 || errno != EL2HLT) {
		toaster_err("ep0: stall failed: %s",
			    n < 0 ? strerror(errno) : "not stalled");
		return "stall failed";
	}
	return "stall";
}

static const char *toaster_ep0_result(struct toaster_gadget *g,
				      const struct usb_ctrlrequest *c, int rc)
{
	return rc == 0 ? toaster_ep0_ack(g) : toaster_ep0_stall(g, c);
}

static const char *toaster_setup_standard(struct toaster_gadget *g,
					  const struct usb_ctrlrequest *c,
					  const char **name)
{
	unsigned int value = le16toh(c->wValue);
	unsigned int index = le16toh(c->wIndex);
	struct toaster_buf b = { .len = 0 };
	uint8_t alt = 0;

	switch (c->bRequest) {
	case USB_REQ_GET_DESCRIPTOR:
		*name = "GET_DESCRIPTOR";
		if (c->bRequestType != USB_DIR_IN || (value >> 8) != USB_DT_STRING)
			break;
		*name = "GET_DESCRIPTOR(string)";
		if (toaster_string(g, value & 0xff, &b) < 0)
			break;
		return toaster_ep0_reply(g, c, b.data, b.len);

	case USB_REQ_SET_CONFIGURATION:
		/* gadgetfs checked the value; it cannot be stalled here */
		*name = "SET_CONFIGURATION";
		toaster_io_stop(g);
		g->configured = false;
		if ((value & 0xff) == TOASTER_CONFIG_VALUE) {
			/* up before the ACK, so the host's first I/O finds them */
			if (toaster_io_start(g) == 0)
				g->configured = true;
		}
		return toaster_ep0_ack(g);

	case USB_REQ_SET_INTERFACE:
		*name = "SET_INTERFACE";
		if (c->bRequestType != USB_RECIP_INTERFACE || !g->configured ||
		    index != 0 || value != 0)
			break;
		/* re-enabling resets halts and data toggles, as required */
		toaster_io_stop(g);
		g->configured = toaster_io_start(g) == 0;
		return toaster_ep0_ack(g);

	case USB_REQ_GET_INTERFACE:
		*name = "GET_INTERFACE";
		if (c->bRequestType != (USB_DIR_IN | USB_RECIP_INTERFACE) ||
		    !g->configured || index != 0)
			break;
		return toaster_ep0_reply(g, c, &alt, 1);

	default:
		*name = "standard";
		break;
	}
	return toaster_ep0_stall(g, c);
}

static const char *toaster_setup_vendor(struct toaster_gadget *g,
					const struct usb_ctrlrequest *c,
					const char **name)
{
	static const char *const names[] = {
		[TOASTER_REQ_GET_INFO] = "GET_INFO",
		[TOASTER_REQ_GET_STATUS] = "GET_STATUS",
		[TOASTER_REQ_SET_DARKNESS] = "SET_DARKNESS",
		[TOASTER_REQ_TOAST] = "TOAST",
		[TOASTER_REQ_CANCEL] = "CANCEL",
		[TOASTER_REQ_SET_LOCK] = "SET_LOCK",
		[TOASTER_REQ_SET_LOOPBACK] = "SET_LOOPBACK",
	};
	unsigned int value = le16toh(c->wValue);
	bool in = c->bRequestType & USB_DIR_IN;
	bool want_in = c->bRequest == TOASTER_REQ_GET_INFO ||
		       c->bRequest == TOASTER_REQ_GET_STATUS;
	struct toaster_wire_status st;
	struct toaster_wire_info info;
	int64_t now;
	int rc;

	*name = "vendor";
	if (c->bRequest < sizeof(names) / sizeof(names[0]) && names[c->bRequest])
		*name = names[c->bRequest];
	else
		return toaster_ep0_stall(g, c);

	/* interface requests mean nothing before SET_CONFIGURATION */
	if ((c->bRequestType & USB_RECIP_MASK) != USB_RECIP_INTERFACE ||
	    le16toh(c->wIndex) != 0 || !g->configured || in != want_in ||
	    (!in && le16toh(c->wLength) != 0))
		return toaster_ep0_stall(g, c);

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
		return toaster_ep0_reply(g, c, &info, sizeof(info));

	case TOASTER_REQ_GET_STATUS:
		pthread_mutex_lock(&g->lock);
		toaster_model_advance(&g->model, now);
		toaster_publish(g);
		toaster_model_status(&g->model, TOASTER_EVENT_NONE, &st);
		pthread_mutex_unlock(&g->lock);
		return toaster_ep0_reply(g, c, &st, sizeof(st));

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

static void toaster_setup(struct toaster_gadget *g,
			  const struct usb_ctrlrequest *c)
{
	const char *name = "?", *result;

	switch (c->bRequestType & USB_TYPE_MASK) {
	case USB_TYPE_STANDARD:
		result = toaster_setup_standard(g, c, &name);
		break;
	case USB_TYPE_VENDOR:
		result = toaster_setup_vendor(g, c, &name);
		break;
	default:
		name = "class";
		result = toaster_ep0_stall(g, c);
		break;
	}
	toaster_dbg("ep0: %02x %02x v%04x i%04x l%u %s: %s",
		    c->bRequestType, c->bRequest, le16toh(c->wValue),
		    le16toh(c->wIndex), le16toh(c->wLength), name, result);
}

static const char *toaster_speed_name(enum usb_device_speed s)
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

static void toaster_event(struct toaster_gadget *g,
			  const struct usb_gadgetfs_event *ev)
{
	switch (ev->type) {
	case GADGETFS_CONNECT:
		/* a reset may have cost us the DISCONNECT: start clean */
		toaster_io_stop(g);
		g->configured = false;
		g->speed = ev->u.speed;
		toaster_dbg("connected at %s speed", toaster_speed_name(g->speed));
		break;
	case GADGETFS_DISCONNECT:
		/* also what a bus reset looks like */
		toaster_io_stop(g);
		g->configured = false;
		toaster_dbg("disconnected");
		break;
	case GADGETFS_SUSPEND:
		/* mains powered: the toaster keeps toasting */
		toaster_dbg("suspended");
		break;
	case GADGETFS_SETUP:
		toaster_setup(g, &ev->u.setup);
		break;
	case GADGETFS_NOP:
		break;
	default:
		toaster_dbg("unknown gadgetfs event %d", ev->type);
		break;
	}
}

/* Runs until SIGTERM/SIGINT (returns 0) or gadgetfs fails (-1). */
static int toaster_ep0_loop(struct toaster_gadget *g)
{
	struct usb_gadgetfs_event ev[5];
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	ssize_t n;
	size_t i;

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = g->ep0_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = g->sig_fd, .events = POLLIN };
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			toaster_err("poll: %s", strerror(errno));
			return -1;
		}

		if (pfd[1].revents & POLLIN) {
			if (read(g->sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo != SIGUSR2) {
					toaster_dbg("signal %u: shutting down",
						    si.ssi_signo);
					return 0;
				}
				toaster_dbg("SIGUSR2: injecting a heater fault");
				pthread_mutex_lock(&g->lock);
				toaster_model_fault(&g->model, toaster_now_ns());
				toaster_publish(g);
				pthread_mutex_unlock(&g->lock);
			}
		}

		/* POLLHUP alone only reports an aborted request: no event */
		if (!(pfd[0].revents & POLLIN))
			continue;
		n = read(g->ep0_fd, ev, sizeof(ev));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EIDRM)
				continue;
			toaster_err("ep0: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < (size_t)n / sizeof(ev[0]); i++)
			toaster_event(g, &ev[i]);
	}
}

/* ------------------------------------------------------------------ */
/* setup */

static int toaster_find_udc(struct toaster_gadget *g, char *buf, size_t size)
{
	struct dirent *de;
	size_t len, udcs = 0, files = 0;
	char udc[NAME_MAX + 1] = "", any[NAME_MAX + 1] = "";
	DIR *d;

	d = opendir(g->dir);
	if (!d) {
		toaster_err("%s: %s (is gadgetfs mounted there?)", g->dir,
			    strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		files++;
		snprintf(any, sizeof(any), "%s", de->d_name);
		len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, "_udc") == 0) {
			udcs++;
			snprintf(udc, sizeof(udc), "%s", de->d_name);
		}
	}
	closedir(d);

	/* before binding, the controller's ep0 file is gadgetfs's only file */
	if (udcs == 1)
		snprintf(buf, size, "%s", udc);
	else if (udcs == 0 && files == 1)
		snprintf(buf, size, "%s", any);
	else {
		toaster_err("%s: %s; name the controller with --udc", g->dir,
			    udcs ? "several *_udc files" : "no *_udc file");
		return -1;
	}
	return 0;
}

static int toaster_ep0_open(struct toaster_gadget *g)
{
	struct toaster_buf b = { .len = 0 };
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", g->dir, g->udc);
	g->ep0_fd = open(path, O_RDWR | O_CLOEXEC);
	if (g->ep0_fd < 0) {
		toaster_err("%s: %s%s", path, strerror(errno),
			    errno == EBUSY ? " (another gadget driver has it open)" : "");
		return -1;
	}

	toaster_put_tag(&b, 0);
	toaster_put_config(&b, g->ep, false);
	toaster_put_config(&b, g->ep, true);
	toaster_put_device(&b);
	/* binds to the controller: the host may enumerate from here on */
	n = write(g->ep0_fd, b.data, b.len);
	if (n != (ssize_t)b.len) {
		toaster_err("%s: writing descriptors: %s", path,
			    n < 0 ? strerror(errno) : "short write");
		close(g->ep0_fd);
		g->ep0_fd = -1;
		return -1;
	}
	return 0;
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

static void toaster_usage(FILE *f)
{
	fprintf(f,
		"usage: toaster-gadget [--gadgetfs DIR] [--udc NAME] [--time-scale X]\n"
		"                      [--serial STR] [-v]\n"
		"Emulates the toaster on gadgetfs (mounted at DIR, default /dev/gadget).\n"
		"  --udc NAME        controller file in DIR (default: the one *_udc)\n"
		"  --time-scale X    run the toaster's clock X times faster (default 1)\n"
		"  --serial STR      serial number, up to %d printable ASCII characters\n"
		"  -v, --verbose     log every control request and state change\n"
		"SIGTERM/SIGINT disconnect and exit; SIGUSR2 injects a heater fault.\n",
		TOASTER_SERIAL_LEN);
}

static int toaster_parse(struct toaster_gadget *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "gadgetfs", required_argument, NULL, 'g' },
		{ "udc", required_argument, NULL, 'u' },
		{ "time-scale", required_argument, NULL, 't' },
		{ "serial", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *p;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			g->dir = optarg;
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
		.dir = "/dev/gadget",
		.scale = 1.0,
		.serial = TOASTER_DEFAULT_SERIAL,
		.ep0_fd = -1,
		.sig_fd = -1,
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
	char udc[NAME_MAX + 1];
	pthread_condattr_t ca;
	int rc;

	if (toaster_parse(g, argc, argv) < 0)
		return 2;
	toaster_verbose = g->verbose;
	if (!g->udc) {
		if (toaster_find_udc(g, udc, sizeof(udc)) < 0)
			return 1;
		g->udc = udc;
	}

	/* deadlines are CLOCK_MONOTONIC, like the model's timestamps */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->clock_cond, &ca);
	pthread_cond_init(&g->io_cond, &ca);
	pthread_condattr_destroy(&ca);
	toaster_model_init(&g->model, g->scale, toaster_now_ns());

	if (toaster_signals(g) < 0)
		return 1;
	if (toaster_ep0_open(g) < 0)
		return 1;
	/* the endpoint files appear once ep0's descriptors bound us */
	if (toaster_choose_endpoints(g) < 0) {
		close(g->ep0_fd);
		return 1;
	}
	if (pthread_create(&g->clock_tid, NULL, toaster_clock_main, g) != 0) {
		toaster_err("cannot start the clock thread");
		close(g->ep0_fd);
		return 1;
	}
	toaster_dbg("%04x:%04x %s serial %s on %s/%s, time scale %g",
		    TOASTER_VENDOR_ID, TOASTER_PRODUCT_ID, TOASTER_MODEL,
		    g->serial, g->dir, g->udc, g->scale);

	rc = toaster_ep0_loop(g);

	toaster_io_stop(g);
	/* closing ep0 unbinds the gadget: the host sees it unplugged */
	close(g->ep0_fd);
	g->ep0_fd = -1;

	pthread_mutex_lock(&g->lock);
	g->quit = true;
	pthread_cond_broadcast(&g->clock_cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->clock_tid, NULL);
	toaster_dbg("bye");
	return rc < 0 ? 1 : 0;
}
