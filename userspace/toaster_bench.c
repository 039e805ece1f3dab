// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-bench: what the toaster costs through its driver, measured from
 * a program the way a program uses /dev/toasterN, for scripts/bench (the
 * guest side is scripts/guest/bench).  One measurement per run, each
 * repetition printed as a line of its own (toaster_bench_lib.h); nothing
 * here summarises, and nothing here decides what is fast enough.
 *
 * Every result is checked before it is printed: a status must be one the
 * protocol allows, a BURN call must succeed, a LOOPBACK echo must match
 * what was sent byte for byte.  A check that fails prints a "failure"
 * line and exits 1.
 *
 * C where the timing is: a shell loop would measure the shell.
 */
#define _GNU_SOURCE /* pread(), O_CLOEXEC, pthreads, CPU affinity, realpath() */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "toaster_bench_lib.h"
#include "toaster_clock.h"
#include "toaster_ioctl.h"
#include "toaster_proto.h"

/*
 * One LOOPBACK or BURN call's buffer is at most this: many transfers per
 * call (the point of the COUNT field) without a guest of 2 GB running short.
 */
#define BENCH_CALL_BYTES_MAX	(32u << 20)
/* A wake-up that does not come in this long is a failure, not a sample. */
#define BENCH_WAIT_MS		5000
/*
 * Before a write: for the poller to be asleep in poll() when it lands;
 * and so wake-floor's sleep unless --interval-ms says otherwise.
 */
#define BENCH_ARM_MS		2
/*
 * After one: a write changes the status twice over, by the GET_STATUS
 * reply the driver asks for and by the toaster's notification, in either
 * order; the later one is let arrive (and thrown away) before the next.
 */
#define BENCH_SETTLE_MS		20
/* notify-latency: how long one phase of a toast may take to end. */
#define BENCH_PHASE_MS		20000

static const char *bench_prog = "toaster-bench";

struct bench_opts {
	const char	*dev;
	uint64_t	count;
	unsigned int	reps;
	double		seconds;
	uint64_t	sizes[TOASTER_BENCH_LIST_MAX];
	unsigned int	nsizes;
	const char	*tracefs;
	const char	*marker;
	unsigned int	interval_ms;
};

__attribute__((format(printf, 2, 3)))
static int bench_fail(const char *what, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s: %s\n", bench_prog, what, detail);
	/* the detail is ours, never has a quote or a backslash in it */
	toaster_bench_emit("failure", "\"program\":\"%s\",\"what\":\"%s\",\"detail\":\"%s\"",
			   bench_prog, what, detail);
	return 1;
}

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: toaster-bench COMMAND [-d DEV] [OPTIONS]\n"
		"Measures the toaster through its driver (default /dev/toaster0) and\n"
		"prints one line per repetition, \"BENCH {json}\", for scripts/bench.\n"
		"\n"
		"  status-ioctl    TOASTER_IOC_GET_STATUS in a loop: ns per call\n"
		"  status-read     open + read to end + close, as cat does: ns per call\n"
		"  write-latency   a write that changes the status (\"darkness 4\"/\"6\")\n"
		"                  to a poller's wake-up, in another thread\n"
		"  notify-latency  the toaster's notification (the toaster_notify\n"
		"                  tracepoint, trace_clock mono) to the poller's wake-up,\n"
		"                  through the notifications of a toast at darkness 1\n"
		"                  (heating, then cooling after a cancel)\n"
		"  wake-floor      no toaster: a timerfd's expiry (an hrtimer, in\n"
		"                  interrupt context as the toaster's notification is in\n"
		"                  softirq) to poll()'s wake-up, and an eventfd written on\n"
		"                  another CPU to poll()'s wake-up: what any wake-up costs\n"
		"  burn            TOASTER_IOC_BURN, COUNT transfers per call\n"
		"  loopback        TOASTER_IOC_LOOPBACK in one loopback session, every\n"
		"                  echo compared with what was sent\n"
		"\n"
		"  -d, --device DEV   the toaster's node\n"
		"  -r, --reps N       repetitions (default 5)\n"
		"  -c, --count N      at least N calls (status), samples (latency) or\n"
		"                     transfers per call (burn, loopback) (default 1)\n"
		"  -s, --seconds S    make each repetition last about S seconds: status\n"
		"                     calls go on, burn and loopback calls carry as many\n"
		"                     transfers as a warm-up call says fit (default 0)\n"
		"  -z, --sizes LIST   burn, loopback: bytes per transfer, e.g. 4K,64K,1M\n"
		"  -t, --tracefs DIR  notify-latency: tracefs (default /sys/kernel/tracing)\n"
		"  -m, --marker FILE  notify-latency: write each wake-up to FILE, a\n"
		"                     tracefs instance's trace_marker\n"
		"  -i, --interval-ms N  wake-floor: each wake-up after N ms asleep\n"
		"                     (default %d)\n", BENCH_ARM_MS);
}

/* ------------------------------------------------------------------ */
/* status reads */

static int bench_check_status(const struct toaster_status *st)
{
	if (st->state >= TOASTER_STATE_COUNT || !toaster_darkness_valid(st->darkness) ||
	    st->safety_lock > 1 || st->reserved)
		return bench_fail("status", "GET_STATUS gave state %u darkness %u lock %u reserved %u",
				  st->state, st->darkness, st->safety_lock, st->reserved);
	return 0;
}

static int bench_status_ioctl(const struct bench_opts *o)
{
	struct toaster_bench_cpu a, b;
	struct toaster_status st;
	char cpu[160];
	uint64_t calls, i;
	unsigned int rep;
	int fd, rc = 0;

	fd = open(o->dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bench_fail("open", "%s: %s", o->dev, strerror(errno));
	for (rep = 0; rep < o->reps && !rc; rep++) {
		calls = 0;
		toaster_bench_cpu_now(&a);
		do {
			/* in batches: reading the clock must not be what is measured */
			for (i = 0; i < 256 || calls + i < o->count; i++) {
				if (ioctl(fd, TOASTER_IOC_GET_STATUS, &st)) {
					rc = bench_fail("status-ioctl", "TOASTER_IOC_GET_STATUS: %s",
							strerror(errno));
					goto out;
				}
			}
			calls += i;
		} while ((double)(toaster_now_ns() - a.wall_ns) < o->seconds * TOASTER_NS_PER_S);
		toaster_bench_cpu_now(&b);
		/* the last one stands for all: the cache cannot change its kind */
		rc = bench_check_status(&st);
		if (!rc)
			toaster_bench_emit("status", "\"path\":\"ioctl\",\"rep\":%u,\"calls\":%llu,\"ns_per_call\":%.1f,%s",
					   rep, (unsigned long long)calls,
					   (double)(b.wall_ns - a.wall_ns) / (double)calls,
					   toaster_bench_cpu_json(&a, &b, cpu, sizeof(cpu)));
	}
out:
	close(fd);
	return rc;
}

/* open, read to the end, close: one snapshot as cat takes it. */
static int bench_read_once(const char *dev, char *text, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bench_fail("status-read", "open %s: %s", dev, strerror(errno));
	do {
		n = read(fd, text + len, size - 1 - len);
		if (n > 0)
			len += (size_t)n;
	} while (n > 0 && len < size - 1);
	if (n < 0) {
		close(fd);
		return bench_fail("status-read", "read %s: %s", dev, strerror(errno));
	}
	close(fd);
	text[len] = '\0';
	return 0;
}

static int bench_status_read(const struct bench_opts *o)
{
	struct toaster_bench_cpu a, b;
	char text[512], cpu[160];
	uint64_t calls;
	unsigned int rep;
	int rc = 0;

	for (rep = 0; rep < o->reps && !rc; rep++) {
		calls = 0;
		toaster_bench_cpu_now(&a);
		do {
			rc = bench_read_once(o->dev, text, sizeof(text));
			calls++;
		} while (!rc && (calls < o->count ||
			 (double)(toaster_now_ns() - a.wall_ns) < o->seconds * TOASTER_NS_PER_S));
		toaster_bench_cpu_now(&b);
		if (rc)
			break;
		/* the format is fixed (TOASTER_STATUS_TEXT_FORMAT): all seven lines */
		if (strncmp(text, "state: ", 7) || !strstr(text, "\nerrors: "))
			return bench_fail("status-read", "the snapshot is not a status: '%.60s'", text);
		toaster_bench_emit("status", "\"path\":\"read\",\"rep\":%u,\"calls\":%llu,\"ns_per_call\":%.1f,%s",
				   rep, (unsigned long long)calls,
				   (double)(b.wall_ns - a.wall_ns) / (double)calls,
				   toaster_bench_cpu_json(&a, &b, cpu, sizeof(cpu)));
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* event latency */

/* "[12.5,13.0]": a repetition's samples, in microseconds. */
static void bench_us_list(char *buf, size_t size, const int64_t *ns, unsigned int n)
{
	size_t len = 0;
	unsigned int i;

	len += (size_t)snprintf(buf, size, "[");
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%.3f", i ? "," : "",
					(double)ns[i] / 1000);
	if (len < size)
		snprintf(buf + len, size - len, "]");
}

/* Reads the news this file has not read yet, if any: consumes poll()'s POLLIN. */
static int bench_drain(int fd)
{
	char text[512];
	ssize_t n;

	while ((n = pread(fd, text, sizeof(text), 0)) > 0)
		;
	return n < 0 && errno != EAGAIN ? -errno : 0;
}

enum bench_poller_state { BENCH_POLLER_BUSY, BENCH_POLLER_ARMED, BENCH_POLLER_WOKE };

struct bench_poller {
	int		fd;
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	enum bench_poller_state state;
	bool		go, quit;
	int64_t		enter_ns, wake_ns;
	int		err;
};

/* Sleeps in poll() until the status changes, and says when it woke. */
static void *bench_poller_main(void *arg)
{
	struct bench_poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	int64_t wake;
	int n, err;

	pthread_mutex_lock(&p->lock);
	while (!p->quit) {
		pthread_mutex_unlock(&p->lock);
		err = bench_drain(p->fd);
		pthread_mutex_lock(&p->lock);
		if (err) {
			p->err = err;
			break;
		}
		p->state = BENCH_POLLER_ARMED;
		p->enter_ns = toaster_now_ns();
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);

		n = poll(&pfd, 1, BENCH_WAIT_MS);
		wake = toaster_now_ns();

		pthread_mutex_lock(&p->lock);
		if (n != 1 || !(pfd.revents & POLLIN)) {
			p->err = n < 0 ? -errno : -ETIMEDOUT;
			break;
		}
		p->wake_ns = wake;
		p->state = BENCH_POLLER_WOKE;
		pthread_cond_broadcast(&p->cond);
		while (!p->go && !p->quit)
			pthread_cond_wait(&p->cond, &p->lock);
		p->go = false;
		p->state = BENCH_POLLER_BUSY;
	}
	p->state = BENCH_POLLER_WOKE;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Waits, p->lock held, for the poller to reach @state or to fail. */
static int bench_poller_wait(struct bench_poller *p, enum bench_poller_state state)
{
	struct timespec until = toaster_timespec(toaster_now_ns() +
						 (int64_t)BENCH_WAIT_MS * TOASTER_NS_PER_MS);

	while (p->state != state && !p->err) {
		if (pthread_cond_timedwait(&p->cond, &p->lock, &until) == ETIMEDOUT)
			return -ETIMEDOUT;
	}
	return p->err;
}

static int bench_write_latency(const struct bench_opts *o)
{
	struct bench_poller p = { .state = BENCH_POLLER_BUSY };
	pthread_condattr_t ca;
	pthread_t thread;
	int64_t *wake, *took, t0, t1;
	char wl[8192], tl[8192];
	uint64_t samples = o->count < 5 ? 5 : o->count, i;
	unsigned int rep, darkness = 4;
	char cmd[32];
	int wfd, rc = 0, err;
	ssize_t n;

	if (samples > 200)
		samples = 200;
	wake = calloc(samples, sizeof(*wake));
	took = calloc(samples, sizeof(*took));
	wfd = open(o->dev, O_WRONLY | O_CLOEXEC);
	p.fd = open(o->dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (!wake || !took || wfd < 0 || p.fd < 0) {
		rc = bench_fail("write-latency", "open %s: %s", o->dev, strerror(errno));
		goto out;
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p.cond, &ca);
	if (pthread_create(&thread, NULL, bench_poller_main, &p)) {
		rc = bench_fail("write-latency", "cannot start the poller thread");
		goto out;
	}

	pthread_mutex_lock(&p.lock);
	for (rep = 0; rep < o->reps && !rc; rep++) {
		for (i = 0; i < samples; i++) {
			err = bench_poller_wait(&p, BENCH_POLLER_ARMED);
			if (err) {
				rc = bench_fail("write-latency", "the poller: %s", strerror(-err));
				break;
			}
			pthread_mutex_unlock(&p.lock);
			toaster_sleep_ms(BENCH_ARM_MS);
			darkness = darkness == 4 ? 6 : 4;
			snprintf(cmd, sizeof(cmd), "darkness %u\n", darkness);
			t0 = toaster_now_ns();
			n = write(wfd, cmd, strlen(cmd));
			t1 = toaster_now_ns();
			pthread_mutex_lock(&p.lock);
			if (n != (ssize_t)strlen(cmd)) {
				rc = bench_fail("write-latency", "write '%.12s': %s", cmd,
						n < 0 ? strerror(errno) : "short");
				break;
			}
			err = bench_poller_wait(&p, BENCH_POLLER_WOKE);
			if (err) {
				rc = bench_fail("write-latency", "no wake-up after '%.12s': %s",
						cmd, strerror(-err));
				break;
			}
			if (p.enter_ns >= t0) {
				rc = bench_fail("write-latency", "the poller was not asleep when the write began");
				break;
			}
			wake[i] = p.wake_ns - t0;
			took[i] = t1 - t0;
			pthread_mutex_unlock(&p.lock);
			toaster_sleep_ms(BENCH_SETTLE_MS);
			pthread_mutex_lock(&p.lock);
			p.go = true;
			pthread_cond_broadcast(&p.cond);
		}
		if (rc)
			break;
		bench_us_list(wl, sizeof(wl), wake, (unsigned int)samples);
		bench_us_list(tl, sizeof(tl), took, (unsigned int)samples);
		toaster_bench_emit("latency", "\"what\":\"write_to_wake\",\"rep\":%u,\"samples_us\":%s,\"write_us\":%s",
				   rep, wl, tl);
	}
	p.quit = true;
	pthread_cond_broadcast(&p.cond);
	pthread_mutex_unlock(&p.lock);
	/* as the stack left it; the change also ends the poller's last poll() */
	if (write(wfd, "darkness 5\n", 11) != 11 && !rc)
		rc = bench_fail("write-latency", "darkness 5: %s", strerror(errno));
	pthread_join(thread, NULL);
out:
	if (wfd >= 0)
		close(wfd);
	if (p.fd >= 0)
		close(p.fd);
	free(wake);
	free(took);
	return rc;
}

/* --- notify-latency: the toaster_notify tracepoint's end of it --- */

struct bench_tracefs {
	const char	*dir;
	char		old_clock[32];
};

static int bench_tracefs_write(const struct bench_tracefs *t, const char *file,
			       const char *text, int flags)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	n = text ? write(fd, text, strlen(text)) : 0;
	close(fd);
	return n < 0 ? -errno : 0;
}

/* The whole of a tracefs file (trace, trace_clock), NUL-terminated; free it. */
static char *bench_tracefs_read(const struct bench_tracefs *t, const char *file)
{
	char path[PATH_MAX], *buf = NULL, *more;
	size_t len = 0, size = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	do {
		if (size - len < 4096) {
			size = size ? size * 2 : 65536;
			more = realloc(buf, size);
			if (!more) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = more;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n > 0)
			len += (size_t)n;
	} while (n > 0);
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* Timestamps the poller can compare with CLOCK_MONOTONIC; the old clock kept. */
static int bench_tracefs_start(struct bench_tracefs *t)
{
	char *clocks = bench_tracefs_read(t, "trace_clock"), *open_br, *close_br;
	int err;

	if (!clocks)
		return -errno;
	open_br = strchr(clocks, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (open_br && close_br && close_br - open_br - 1 < (long)sizeof(t->old_clock))
		snprintf(t->old_clock, sizeof(t->old_clock), "%.*s",
			 (int)(close_br - open_br - 1), open_br + 1);
	free(clocks);
	err = bench_tracefs_write(t, "trace_clock", "mono", 0);
	if (!err)
		err = bench_tracefs_write(t, "events/toaster/toaster_notify/enable", "1", 0);
	if (!err)
		err = bench_tracefs_write(t, "tracing_on", "1", 0);
	return err;
}

static void bench_tracefs_stop(const struct bench_tracefs *t)
{
	bench_tracefs_write(t, "events/toaster/toaster_notify/enable", "0", 0);
	if (t->old_clock[0])
		bench_tracefs_write(t, "trace_clock", t->old_clock, 0);
	bench_tracefs_write(t, "trace", NULL, O_TRUNC);
}

struct bench_notify {
	int64_t		ts_ns;
	bool		taken;		/* status=0 and result=0: it changed the status */
};

/*
 * The toaster_notify events of the interface @intf in the trace:
 *   "<task>-<pid> [cpu] flags 123.456789: toaster_notify: 1-1:1.0 status=0 ... result=0"
 * The mono clock prints microseconds.  Returns how many, into *out (free it).
 */
static size_t bench_parse_trace(const char *trace, const char *intf,
				struct bench_notify **out)
{
	static const char tag[] = ": toaster_notify: ";
	struct bench_notify *ev = NULL, *more;
	const char *line = trace, *p, *q, *nl;
	size_t n = 0, size = 0, ilen = strlen(intf);
	unsigned long long sec, usec;
	int status, result;

	for (; *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		p = strstr(line, tag);
		if (!p || (nl && p > nl) || *line == '#')
			continue;
		/* back from the ':' over "123.456789" */
		for (q = p; q > line && q[-1] != ' '; q--)
			;
		if (sscanf(q, "%llu.%6llu", &sec, &usec) != 2)
			continue;
		p += sizeof(tag) - 1;
		if (strncmp(p, intf, ilen) || p[ilen] != ' ')
			continue;
		q = strstr(p, " status=");
		if (!q || (nl && q > nl) || sscanf(q, " status=%d", &status) != 1)
			continue;
		q = strstr(p, " result=");
		if (!q || (nl && q > nl) || sscanf(q, " result=%d", &result) != 1)
			continue;
		if (n == size) {
			size = size ? size * 2 : 256;
			more = realloc(ev, size * sizeof(*ev));
			if (!more)
				break;
			ev = more;
		}
		ev[n].ts_ns = (int64_t)sec * TOASTER_NS_PER_S + (int64_t)usec * 1000;
		ev[n].taken = status == 0 && result == 0;
		n++;
	}
	*out = ev;
	return n;
}

/* The interface behind a node: what the tracepoints call the toaster. */
static int bench_intf_name(const char *dev, char *name, size_t size)
{
	char real[PATH_MAX], link[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	if (!realpath(dev, real))
		return -errno;
	snprintf(link, sizeof(link), "/sys/class/usbmisc/%s/device", basename(real));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	snprintf(name, size, "%s", basename(target));
	return 0;
}

struct bench_wake {
	int64_t		enter_ns, wake_ns;
};

/*
 * Wakes the poller until @done says so: the status after each wake-up is
 * read by ioctl for it.  Each wake-up is also written to @marker_fd, if
 * it is open: a trace_marker, which puts the moment the program had its
 * wake-up in a trace beside the scheduler's events.  Returns 0, or a
 * negative errno.
 */
static int bench_collect(int fd, int marker_fd, struct bench_wake *w,
			 unsigned int max, unsigned int *n,
			 bool (*done)(const struct toaster_status *, int), int arg)
{
	static const char woke[] = "toaster-bench: woke\n";
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct toaster_status st;
	int64_t until = toaster_now_ns() + (int64_t)BENCH_PHASE_MS * TOASTER_NS_PER_MS;
	int64_t enter;
	int err, r;

	for (;;) {
		err = bench_drain(fd);
		if (err)
			return err;
		if (ioctl(fd, TOASTER_IOC_GET_STATUS, &st))
			return -errno;
		if (done(&st, arg))
			return 0;
		if (toaster_now_ns() > until)
			return -ETIMEDOUT;
		enter = toaster_now_ns();
		r = poll(&pfd, 1, BENCH_WAIT_MS);
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		if (*n < max) {
			w[*n].enter_ns = enter;
			w[*n].wake_ns = toaster_now_ns();
			(*n)++;
		}
		if (marker_fd >= 0 && write(marker_fd, woke, sizeof(woke) - 1) < 0)
			return -errno;
	}
}

static bool bench_heated(const struct toaster_status *st, int unused)
{
	(void)unused;
	return st->state != TOASTER_STATE_HEATING;
}

static bool bench_cooled(const struct toaster_status *st, int ambient)
{
	return !toaster_state_is_busy(st->state) && st->temperature_c <= ambient;
}

#define BENCH_WAKES_MAX		256

static int bench_notify_latency(const struct bench_opts *o)
{
	struct bench_tracefs t = { .dir = o->tracefs };
	struct bench_wake w[BENCH_WAKES_MAX];
	struct bench_notify *ev = NULL;
	struct toaster_status st;
	int64_t lat[BENCH_WAKES_MAX], woke_by[BENCH_WAKES_MAX], prev;
	char intf[64], list[8192], spacing[8192], *trace;
	unsigned int rep, nw, i, nlat, unmatched, awake;
	size_t nev, e;
	uint32_t darkness = 1;
	int fd, cfd, marker_fd = -1, err, rc = 0, ambient;

	err = bench_intf_name(o->dev, intf, sizeof(intf));
	if (err)
		return bench_fail("notify-latency", "which interface is %s: %s", o->dev,
				  strerror(-err));
	/*
	 * Two files: the poller's, non-blocking for its drain, and one for the
	 * commands, which on a non-blocking file would fail with EAGAIN
	 * whenever the driver is busy with the toaster.
	 */
	fd = open(o->dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	cfd = open(o->dev, O_RDWR | O_CLOEXEC);
	if (fd < 0 || cfd < 0) {
		rc = bench_fail("notify-latency", "open %s: %s", o->dev, strerror(errno));
		goto out;
	}
	if (o->marker) {
		marker_fd = open(o->marker, O_WRONLY | O_CLOEXEC);
		if (marker_fd < 0) {
			rc = bench_fail("notify-latency", "open %s: %s", o->marker, strerror(errno));
			goto out;
		}
	}
	if (ioctl(fd, TOASTER_IOC_GET_STATUS, &st)) {
		rc = bench_fail("notify-latency", "GET_STATUS: %s", strerror(errno));
		goto out;
	}
	/* cooled down is as warm as it was at the start */
	ambient = st.temperature_c;
	err = bench_tracefs_start(&t);
	if (err) {
		rc = bench_fail("notify-latency", "tracefs %s (trace_clock mono, events/toaster/toaster_notify): %s",
				o->tracefs, strerror(-err));
		goto out;
	}
	for (rep = 0; rep < o->reps && !rc; rep++) {
		nw = 0;
		bench_tracefs_write(&t, "trace", NULL, O_TRUNC);
		/*
		 * The toast and the cancel are the host's; what they start,
		 * temperature steps and phase changes, the toaster's.
		 */
		if (ioctl(cfd, TOASTER_IOC_TOAST, &darkness)) {
			rc = bench_fail("notify-latency", "TOAST: %s", strerror(errno));
			break;
		}
		err = bench_collect(fd, marker_fd, w, BENCH_WAKES_MAX, &nw, bench_heated, 0);
		if (!err && ioctl(cfd, TOASTER_IOC_CANCEL))
			err = -errno;
		if (!err)
			err = bench_collect(fd, marker_fd, w, BENCH_WAKES_MAX, &nw, bench_cooled,
					    ambient);
		if (err) {
			ioctl(cfd, TOASTER_IOC_CANCEL);
			rc = bench_fail("notify-latency", "a toast at darkness 1, heating then cooling: %s",
					strerror(-err));
			break;
		}
		trace = bench_tracefs_read(&t, "trace");
		if (!trace) {
			rc = bench_fail("notify-latency", "reading %s/trace: %s", o->tracefs,
					strerror(errno));
			break;
		}
		nev = bench_parse_trace(trace, intf, &ev);
		free(trace);

		/*
		 * Each wake-up against the first notification that changed
		 * the status since the one before: that one woke it.  None:
		 * the wake-up was a GET_STATUS reply's (the toast's, the
		 * cancel's), not the toaster's doing.  One from before the
		 * poller went to sleep: it never slept, and that is no
		 * wake-up latency either.
		 */
		nlat = unmatched = awake = 0;
		prev = INT64_MIN;
		e = 0;
		for (i = 0; i < nw; i++) {
			while (e < nev && (ev[e].ts_ns <= prev || !ev[e].taken))
				e++;
			if (e == nev || ev[e].ts_ns > w[i].wake_ns)
				unmatched++;
			else if (ev[e].ts_ns < w[i].enter_ns)
				awake++;
			else {
				woke_by[nlat] = ev[e].ts_ns;
				lat[nlat++] = w[i].wake_ns - ev[e].ts_ns;
			}
			prev = w[i].wake_ns;
		}
		free(ev);
		ev = NULL;
		if (!nlat) {
			rc = bench_fail("notify-latency", "%u wake-ups, %zu notifications traced on %s, none matched",
					nw, nev, intf);
			break;
		}
		bench_us_list(list, sizeof(list), lat, nlat);
		/*
		 * How long the poller slept before each of those: a wake-up
		 * costs more after a longer sleep (wake-floor --interval-ms),
		 * so the floor is measured at this spacing too.
		 */
		for (i = 1; i < nlat; i++)
			woke_by[i - 1] = woke_by[i] - woke_by[i - 1];
		bench_us_list(spacing, sizeof(spacing), woke_by, nlat - 1);
		toaster_bench_emit("latency", "\"what\":\"notify_to_wake\",\"rep\":%u,\"samples_us\":%s,\"spacing_us\":%s,\"wakeups\":%u,\"notifications\":%zu,\"not_the_toasters\":%u,\"not_asleep\":%u,\"trace_resolution_us\":1",
				   rep, list, spacing, nw, nev, unmatched, awake);
	}
	bench_tracefs_stop(&t);
out:
	if (fd >= 0)
		close(fd);
	if (cfd >= 0)
		close(cfd);
	if (marker_fd >= 0)
		close(marker_fd);
	return rc;
}

/* --- wake-floor: the same wake-up with no USB in it --- */

/*
 * An absolute CLOCK_MONOTONIC timerfd, o->interval_ms ahead, and poll() on
 * it: the time from the expiry to the poller running again is the wake-up
 * of notify-latency less everything the toaster and USB add, so the part
 * of that figure no driver can take away on this machine.  It depends on
 * how long the CPU was idle: after 25 ms a wake-up under TCG costs two or
 * three times what it does after 2 ms, so it is measured at both.
 */
static int bench_timer_floor(const struct bench_opts *o, uint64_t samples)
{
	int64_t lat[BENCH_WAKES_MAX], at;
	struct itimerspec its = { 0 };
	struct pollfd pfd;
	char list[8192];
	unsigned int rep;
	uint64_t i, ticks;
	int fd, rc = 0;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0)
		return bench_fail("wake-floor", "timerfd_create: %s", strerror(errno));
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (rep = 0; rep < o->reps && !rc; rep++) {
		for (i = 0; i < samples; i++) {
			at = toaster_now_ns() + (int64_t)o->interval_ms * TOASTER_NS_PER_MS;
			its.it_value = toaster_timespec(at);
			if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL)) {
				rc = bench_fail("wake-floor", "timerfd_settime: %s", strerror(errno));
				break;
			}
			if (poll(&pfd, 1, BENCH_WAIT_MS) != 1) {
				rc = bench_fail("wake-floor", "the timer did not wake poll()");
				break;
			}
			lat[i] = toaster_now_ns() - at;
			if (read(fd, &ticks, sizeof(ticks)) != (ssize_t)sizeof(ticks) || ticks != 1) {
				rc = bench_fail("wake-floor", "the timerfd did not expire once");
				break;
			}
		}
		if (rc)
			break;
		bench_us_list(list, sizeof(list), lat, (unsigned int)samples);
		toaster_bench_emit("latency", "\"what\":\"timer_to_wake\",\"rep\":%u,\"interval_ms\":%u,\"samples_us\":%s",
				   rep, o->interval_ms, list);
	}
	close(fd);
	return rc;
}

/*
 * Most of the toaster's notifications wake a poller on the other CPU from
 * the one whose softirq completed the interrupt URB; a timerfd wakes its
 * own.  So the other floor: a thread on one CPU writes an eventfd every
 * interval, and the poller, pinned to the other, is timed from the write
 * to its return from poll().
 */
struct bench_remote {
	int		efd;
	int		ack_efd;	/* the poller's: it took that one */
	int		cpu;
	unsigned int	interval_ms;
	uint64_t	samples;
	int64_t		written_ns[BENCH_WAKES_MAX];
	int		err;
};

static int bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *bench_remote_waker(void *arg)
{
	struct bench_remote *r = arg;
	uint64_t i, one = 1;
	struct timespec at;

	r->err = bench_pin(r->cpu);
	for (i = 0; i < r->samples && !r->err; i++) {
		at = toaster_timespec(toaster_now_ns() +
				      (int64_t)r->interval_ms * TOASTER_NS_PER_MS);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR)
			;
		r->written_ns[i] = toaster_now_ns();
		if (write(r->efd, &one, sizeof(one)) != (ssize_t)sizeof(one) ||
		    read(r->ack_efd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			r->err = -errno;
	}
	return NULL;
}

static int bench_remote_floor(const struct bench_opts *o, uint64_t samples)
{
	struct bench_remote r = {
		.efd = -1, .ack_efd = -1,
		.interval_ms = o->interval_ms, .samples = samples,
	};
	int64_t woke[BENCH_WAKES_MAX], slept[BENCH_WAKES_MAX], lat[BENCH_WAKES_MAX];
	struct pollfd pfd;
	pthread_t waker;
	char list[8192];
	unsigned int rep, n, awake;
	uint64_t i, ticks, one = 1;
	int err, rc = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "%s: wake-floor: one CPU, no other CPU's wake-up to time\n",
			bench_prog);
		return 0;
	}
	err = bench_pin(0);
	if (err)
		return bench_fail("wake-floor", "pinning to CPU 0: %s", strerror(-err));
	r.cpu = 1;
	r.efd = eventfd(0, EFD_CLOEXEC);
	r.ack_efd = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
	if (r.efd < 0 || r.ack_efd < 0) {
		rc = bench_fail("wake-floor", "eventfd: %s", strerror(errno));
		goto out;
	}
	pfd.fd = r.efd;
	pfd.events = POLLIN;
	for (rep = 0; rep < o->reps && !rc; rep++) {
		if (pthread_create(&waker, NULL, bench_remote_waker, &r)) {
			rc = bench_fail("wake-floor", "cannot start the waker thread");
			break;
		}
		for (i = 0; i < samples; i++) {
			slept[i] = toaster_now_ns();
			if (poll(&pfd, 1, BENCH_WAIT_MS) != 1) {
				rc = bench_fail("wake-floor", "the eventfd did not wake poll()");
				break;
			}
			woke[i] = toaster_now_ns();
			if (read(r.efd, &ticks, sizeof(ticks)) != (ssize_t)sizeof(ticks) ||
			    write(r.ack_efd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
				rc = bench_fail("wake-floor", "the eventfds: %s", strerror(errno));
				break;
			}
		}
		/* on a failure, every ack the waker has still to wait for */
		if (rc && write(r.ack_efd, &samples, sizeof(samples)) != (ssize_t)sizeof(samples))
			rc = bench_fail("wake-floor", "cannot stop the waker: %s", strerror(errno));
		pthread_join(waker, NULL);
		if (rc)
			break;
		if (r.err) {
			rc = bench_fail("wake-floor", "the waker on CPU %d: %s", r.cpu,
					strerror(-r.err));
			break;
		}
		/* a write before the poller was back in poll() woke nothing */
		for (i = 0, n = 0, awake = 0; i < samples; i++) {
			if (slept[i] >= r.written_ns[i])
				awake++;
			else
				lat[n++] = woke[i] - r.written_ns[i];
		}
		if (!n) {
			rc = bench_fail("wake-floor", "the poller was never asleep when the eventfd was written");
			break;
		}
		bench_us_list(list, sizeof(list), lat, n);
		toaster_bench_emit("latency", "\"what\":\"remote_to_wake\",\"rep\":%u,\"interval_ms\":%u,\"poller_cpu\":0,\"waker_cpu\":%d,\"samples_us\":%s,\"not_asleep\":%u",
				   rep, o->interval_ms, r.cpu, list, awake);
	}
out:
	if (r.efd >= 0)
		close(r.efd);
	if (r.ack_efd >= 0)
		close(r.ack_efd);
	return rc;
}

static int bench_wake_floor(const struct bench_opts *o)
{
	uint64_t samples = o->count < 5 ? 5 : o->count;
	int rc;

	if (samples > BENCH_WAKES_MAX)
		samples = BENCH_WAKES_MAX;
	rc = bench_timer_floor(o, samples);
	return rc ? rc : bench_remote_floor(o, samples);
}

/* ------------------------------------------------------------------ */
/* bulk throughput */

/*
 * One size's BURN or LOOPBACK calls, each of @count transfers of @size
 * bytes, timed by a and b around the ioctl alone: LOOPBACK's patterns are
 * filled before and its echo checked after, transfer numbers going on
 * from the totals'.
 */
struct bench_call {
	int		fd;
	bool		loopback;
	uint8_t		*buf;
	uint64_t	size;
	struct toaster_bench_totals *totals;
	struct toaster_bench_cpu a, b;
};

static int bench_call_run(void *ctx, uint64_t count, int64_t *took_ns)
{
	struct bench_call *c = ctx;
	const char *op = c->loopback ? "loopback" : "burn";
	uint64_t first = c->totals->transfers, size = c->size, i;
	struct toaster_buffer ub = {
		.data = (uintptr_t)c->buf,
		.len = (uint32_t)size,
		.count = (uint32_t)count,
	};
	size_t at;
	int ret;

	if (c->loopback) {
		for (i = 0; i < count; i++)
			toaster_bench_fill(c->buf + i * size, size, first + i);
	}
	toaster_bench_cpu_now(&c->a);
	ret = ioctl(c->fd, c->loopback ? TOASTER_IOC_LOOPBACK : TOASTER_IOC_BURN, &ub);
	toaster_bench_cpu_now(&c->b);
	if (ret)
		return bench_fail(op, "%llu x %llu bytes: %s", (unsigned long long)count,
				  (unsigned long long)size, strerror(errno));
	/* the echo comes back in place, over what was sent */
	for (i = 0; c->loopback && i < count; i++) {
		at = toaster_bench_check(c->buf + i * size, size, first + i);
		if (at != size)
			return bench_fail(op, "transfer %llu of %llu bytes: the echo differs at byte %zu",
					  (unsigned long long)(first + i),
					  (unsigned long long)size, at);
	}
	toaster_bench_count(c->totals, count, size);
	*took_ns = c->b.wall_ns - c->a.wall_ns;
	return 0;
}

static int bench_xfer(const struct bench_opts *o, bool loopback)
{
	const char *op = loopback ? "loopback" : "burn";
	struct toaster_bench_totals totals = { 0 };
	struct bench_call c = { .loopback = loopback, .totals = &totals };
	uint64_t size, cap, per_call;
	unsigned int s, rep;
	int64_t took;
	char cpu[160];
	uint32_t on = 1;
	int rc = 0;

	c.fd = open(o->dev, O_RDWR | O_CLOEXEC);
	if (c.fd < 0)
		return bench_fail(op, "open %s: %s", o->dev, strerror(errno));
	/* a session: the toaster is switched to loopback once, not per call */
	if (loopback && ioctl(c.fd, TOASTER_IOC_SET_LOOPBACK, &on)) {
		rc = bench_fail(op, "TOASTER_IOC_SET_LOOPBACK 1: %s", strerror(errno));
		goto out;
	}
	for (s = 0; s < o->nsizes && !rc; s++) {
		size = o->sizes[s];
		cap = BENCH_CALL_BYTES_MAX / size;
		if (cap > TOASTER_STREAM_MAX / size)
			cap = TOASTER_STREAM_MAX / size;
		if (!cap)
			cap = 1;
		per_call = o->count < cap ? o->count : cap;
		free(c.buf);
		c.buf = malloc(cap * size);
		if (!c.buf) {
			rc = bench_fail(op, "no memory for %llu bytes", (unsigned long long)(cap * size));
			break;
		}
		c.size = size;
		/* a burn pattern is any bytes: these */
		toaster_bench_fill(c.buf, cap * size, UINT64_MAX);
		/* warm-ups, which say how many transfers last o->seconds */
		if (o->seconds > 0) {
			rc = toaster_bench_calibrate(bench_call_run, &c, per_call, cap,
						     o->seconds, &per_call);
			if (rc)
				break;
		}
		for (rep = 0; rep < o->reps && !rc; rep++) {
			rc = bench_call_run(&c, per_call, &took);
			if (rc)
				break;
			toaster_bench_emit("xfer", "\"path\":\"driver\",\"op\":\"%s\",\"size\":%llu,\"rep\":%u,\"calls\":1,\"transfers\":%llu,\"bytes\":%llu,\"mb_s\":%.3f,\"verified\":true,%s",
					   op, (unsigned long long)size, rep,
					   (unsigned long long)per_call,
					   (unsigned long long)(per_call * size),
					   (double)(per_call * size) * 1000 / (double)took,
					   toaster_bench_cpu_json(&c.a, &c.b, cpu, sizeof(cpu)));
		}
	}
	on = 0;
	if (loopback && ioctl(c.fd, TOASTER_IOC_SET_LOOPBACK, &on) && !rc)
		rc = bench_fail(op, "TOASTER_IOC_SET_LOOPBACK 0: %s", strerror(errno));
	if (!rc)
		toaster_bench_emit_total("driver", op, &totals);
out:
	free(c.buf);
	close(c.fd);
	return rc;
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "reps", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 's' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "tracefs", required_argument, NULL, 't' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "marker", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = {
		.dev = "/dev/toaster0",
		.count = 1,
		.reps = 5,
		.tracefs = "/sys/kernel/tracing",
		.interval_ms = BENCH_ARM_MS,
	};
	const char *cmd;
	uint64_t n;
	int c;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			bench_usage(stdout);
			return 0;
		}
		bench_usage(stderr);
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "d:r:c:s:z:t:i:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.dev = optarg;
			break;
		case 'r':
			if (!toaster_bench_parse_size(optarg, 1000, &n)) {
				fprintf(stderr, "%s: --reps: want 1 to 1000\n", bench_prog);
				return 2;
			}
			o.reps = (unsigned int)n;
			break;
		case 'c':
			if (!toaster_bench_parse_size(optarg, UINT32_MAX, &o.count)) {
				fprintf(stderr, "%s: --count: want a positive number\n", bench_prog);
				return 2;
			}
			break;
		case 's':
			if (!toaster_bench_parse_seconds(optarg, &o.seconds)) {
				fprintf(stderr, "%s: --seconds: want 0 to 3600\n", bench_prog);
				return 2;
			}
			break;
		case 'z':
			o.nsizes = toaster_bench_parse_list(optarg, TOASTER_XFER_MAX, o.sizes);
			if (!o.nsizes) {
				fprintf(stderr, "%s: --sizes: want up to %d sizes of 1 to %d bytes, e.g. 4K,64K,1M\n",
					bench_prog, TOASTER_BENCH_LIST_MAX, TOASTER_XFER_MAX);
				return 2;
			}
			break;
		case 't':
			o.tracefs = optarg;
			break;
		case 'm':
			o.marker = optarg;
			break;
		case 'i':
			if (!toaster_bench_parse_size(optarg, 1000, &n)) {
				fprintf(stderr, "%s: --interval-ms: want 1 to 1000\n", bench_prog);
				return 2;
			}
			o.interval_ms = (unsigned int)n;
			break;
		case 'h':
			bench_usage(stdout);
			return 0;
		default:
			bench_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		bench_usage(stderr);
		return 2;
	}

	if (!strcmp(cmd, "status-ioctl"))
		return bench_status_ioctl(&o);
	if (!strcmp(cmd, "status-read"))
		return bench_status_read(&o);
	if (!strcmp(cmd, "write-latency"))
		return bench_write_latency(&o);
	if (!strcmp(cmd, "notify-latency"))
		return bench_notify_latency(&o);
	if (!strcmp(cmd, "wake-floor"))
		return bench_wake_floor(&o);
	if (!strcmp(cmd, "burn") || !strcmp(cmd, "loopback")) {
		if (!o.nsizes) {
			fprintf(stderr, "%s: %s wants --sizes\n", bench_prog, cmd);
			return 2;
		}
		return bench_xfer(&o, !strcmp(cmd, "loopback"));
	}
	fprintf(stderr, "%s: unknown command '%s'\n", bench_prog, cmd);
	bench_usage(stderr);
	return 2;
}
