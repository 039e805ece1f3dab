// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-usb-bench: the toaster without its driver, through libusb and
 * usbfs (toaster.ko detached while it runs), measured as toaster-bench
 * measures it through the driver, for scripts/bench: a GET_STATUS round
 * trip, and BURN and LOOPBACK at a number of transfers in flight.  One
 * line per repetition (toaster_bench_lib.h), every echo compared.
 *
 * The same packets as the driver puts on the wire: each transfer is one
 * USB transfer ended as the protocol ends one (a short packet, or a
 * zero-length one after whole packets), and each echo is read into room
 * for a packet more, so that its zero-length packet ends it as it ends
 * the driver's URB.  (toaster-usb loopback runs whole-packet transfers
 * together instead, and so sends fewer packets.)
 *
 * From toaster-usb's device layer (toaster_usb_dev.c, whose header is
 * being renamed from toaster_usb.h to toaster_usb_dev.h) this uses only:
 * struct toaster_usb's ctx, handle, ep[] and bulk_maxp, toaster_usb_open(),
 * toaster_usb_close(), toaster_usb_get_status(), toaster_usb_out(),
 * toaster_usb_drain_bulk_in() and toaster_usb_stop.
 */
#define _DEFAULT_SOURCE /* sigaction() */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if __has_include("toaster_usb_dev.h")
#include "toaster_usb_dev.h"
#else
#include "toaster_usb.h"
#endif
#include "toaster_bench_lib.h"
#include "toaster_clock.h"
#include "toaster_ioctl.h"

/* usbfs's own limit is raised for the deep ones (scripts/guest/bench). */
#define UBENCH_DEPTH_MAX	64
/* One repetition's transfers, at most: a slow one must still end. */
#define UBENCH_TRANSFERS_MAX	(1u << 20)
/*
 * A transfer's timeout runs from its submission, behind everything queued
 * ahead of it: generous, so that only a toaster that stopped is a timeout.
 */
#define UBENCH_TIMEOUT_MS	60000
/* Default --max-inflight: depths that would queue more are not tried. */
#define UBENCH_INFLIGHT_MAX	(4u << 20)

static const char *ubench_prog = "toaster-usb-bench";

struct ubench_opts {
	const char	*serial;
	uint64_t	count;
	unsigned int	reps;
	double		seconds;
	uint64_t	sizes[TOASTER_BENCH_LIST_MAX];
	unsigned int	nsizes;
	uint64_t	depths[TOASTER_BENCH_LIST_MAX];
	unsigned int	ndepths;
	uint64_t	max_inflight;
};

__attribute__((format(printf, 2, 3)))
static int ubench_fail(const char *what, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s: %s\n", ubench_prog, what, detail);
	toaster_bench_emit("failure", "\"program\":\"%s\",\"what\":\"%s\",\"detail\":\"%s\"",
			   ubench_prog, what, detail);
	return 1;
}

static void ubench_usage(FILE *f)
{
	fprintf(f,
		"usage: toaster-usb-bench COMMAND [--serial S] [OPTIONS]\n"
		"Measures the toaster through libusb with toaster.ko detached, and prints\n"
		"one line per repetition, \"BENCH {json}\", for scripts/bench.\n"
		"\n"
		"  status     a GET_STATUS control round trip in a loop: ns per call\n"
		"  burn       bulk OUT transfers, DEPTH in flight\n"
		"  loopback   bulk OUT echoed on bulk IN (loopback switched on once),\n"
		"             DEPTH of each in flight, every echo compared\n"
		"\n"
		"  -S, --serial S     the toaster with this USB serial (default: the first)\n"
		"  -r, --reps N       repetitions (default 5)\n"
		"  -c, --count N      at least N calls or transfers per repetition (default 1)\n"
		"  -s, --seconds S    make each repetition last about S seconds, as a\n"
		"                     warm-up says (default 0)\n"
		"  -z, --sizes LIST   bytes per transfer, e.g. 4K,64K,1M\n"
		"  -D, --depths LIST  transfers in flight, e.g. 1,2,4,8 (default 1)\n"
		"  -m, --max-inflight BYTES  leave out the depths that would have more\n"
		"                     than this in flight one way (default 4M): deeper\n"
		"                     only takes longer to measure\n");
}

static int ubench_libusb_fail(const char *what, int rc)
{
	return ubench_fail(what, "%s", libusb_strerror(rc));
}

/* ------------------------------------------------------------------ */

static int ubench_status(struct toaster_usb *t, const struct ubench_opts *o)
{
	struct toaster_bench_cpu a, b;
	struct toaster_host_status st;
	uint64_t calls;
	unsigned int rep;
	char cpu[160];
	int rc;

	for (rep = 0; rep < o->reps; rep++) {
		calls = 0;
		toaster_bench_cpu_now(&a);
		do {
			rc = toaster_usb_get_status(t, &st);
			if (rc)
				return ubench_libusb_fail("GET_STATUS", rc);
			if (st.state >= TOASTER_STATE_COUNT || !toaster_darkness_valid(st.darkness))
				return ubench_fail("GET_STATUS", "state %u darkness %u", st.state,
						   st.darkness);
			calls++;
		} while (calls < o->count ||
			 (double)(toaster_now_ns() - a.wall_ns) < o->seconds * TOASTER_NS_PER_S);
		toaster_bench_cpu_now(&b);
		toaster_bench_emit("status", "\"path\":\"libusb\",\"rep\":%u,\"calls\":%llu,\"ns_per_call\":%.1f,%s",
				   rep, (unsigned long long)calls,
				   (double)(b.wall_ns - a.wall_ns) / (double)calls,
				   toaster_bench_cpu_json(&a, &b, cpu, sizeof(cpu)));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* bulk streams at a depth */

struct ubench_slot {
	struct libusb_transfer	*xfer[2];	/* OUT, IN (loopback only) */
	uint8_t			*buf[2];
	uint64_t		transfer;	/* its number in the whole run */
	int			pending;
};

struct ubench_stream {
	struct toaster_usb	*t;
	bool			loopback;
	size_t			size;
	unsigned int		depth;
	struct ubench_slot	*slots;
	uint64_t		next;		/* the run's next transfer number */
	struct toaster_bench_totals totals;
	struct toaster_bench_cpu a, b;	/* around the last run */
};

static void LIBUSB_CALL ubench_done(struct libusb_transfer *x)
{
	struct ubench_slot *s = x->user_data;

	s->pending--;
}

static void ubench_stream_free(struct ubench_stream *st)
{
	unsigned int i, d;

	for (i = 0; st->slots && i < st->depth; i++) {
		for (d = 0; d < 2; d++) {
			libusb_free_transfer(st->slots[i].xfer[d]);
			free(st->slots[i].buf[d]);
		}
	}
	free(st->slots);
	st->slots = NULL;
}

static int ubench_stream_alloc(struct ubench_stream *st)
{
	struct toaster_usb *t = st->t;
	unsigned int i, d, dirs = st->loopback ? 2 : 1;
	size_t room[2] = { st->size, st->size + t->bulk_maxp };
	uint8_t ep[2] = { t->ep[TOASTER_USB_EP_BULK_OUT], t->ep[TOASTER_USB_EP_BULK_IN] };

	st->slots = calloc(st->depth, sizeof(*st->slots));
	if (!st->slots)
		return LIBUSB_ERROR_NO_MEM;
	for (i = 0; i < st->depth; i++) {
		struct ubench_slot *s = &st->slots[i];

		for (d = 0; d < dirs; d++) {
			s->xfer[d] = libusb_alloc_transfer(0);
			s->buf[d] = malloc(room[d]);
			if (!s->xfer[d] || !s->buf[d])
				return LIBUSB_ERROR_NO_MEM;
			libusb_fill_bulk_transfer(s->xfer[d], t->handle, ep[d], s->buf[d],
						  (int)room[d], ubench_done, s,
						  UBENCH_TIMEOUT_MS);
		}
		/* as the protocol ends a transfer of whole packets */
		if (st->size % t->bulk_maxp == 0)
			s->xfer[0]->flags |= LIBUSB_TRANSFER_ADD_ZERO_PACKET;
		/* a burn pattern is any bytes */
		toaster_bench_fill(s->buf[0], st->size, UINT64_MAX);
	}
	return 0;
}

/* The next transfer into slot s: the pattern filled, IN first, then OUT. */
static int ubench_submit(struct ubench_stream *st, struct ubench_slot *s)
{
	int rc;

	s->transfer = st->next++;
	if (st->loopback) {
		toaster_bench_fill(s->buf[0], st->size, s->transfer);
		rc = libusb_submit_transfer(s->xfer[1]);
		if (rc)
			return rc;
		s->pending++;
	}
	rc = libusb_submit_transfer(s->xfer[0]);
	if (rc)
		return rc;
	s->pending++;
	return 0;
}

/* What the slot's transfers did: 0, a libusb error, or 1 for a wrong echo. */
static int ubench_finish(struct ubench_stream *st, struct ubench_slot *s)
{
	int rc = toaster_usb_transfer_rc(s->xfer[0]);
	size_t at;

	if (!rc && st->loopback)
		rc = toaster_usb_transfer_rc(s->xfer[1]);
	if (rc)
		return ubench_libusb_fail(st->loopback ? "loopback" : "burn", rc);
	if ((size_t)s->xfer[0]->actual_length != st->size)
		return ubench_fail(st->loopback ? "loopback" : "burn",
				   "transfer %llu: %d of %zu bytes went out",
				   (unsigned long long)s->transfer, s->xfer[0]->actual_length,
				   st->size);
	if (!st->loopback)
		return 0;
	if ((size_t)s->xfer[1]->actual_length != st->size)
		return ubench_fail("loopback", "transfer %llu: an echo of %d bytes, sent %zu",
				   (unsigned long long)s->transfer, s->xfer[1]->actual_length,
				   st->size);
	at = toaster_bench_check(s->buf[1], st->size, s->transfer);
	if (at != st->size)
		return ubench_fail("loopback", "transfer %llu of %zu bytes: the echo differs at byte %zu",
				   (unsigned long long)s->transfer, st->size, at);
	return 0;
}

/*
 * @count transfers, depth in flight; both directions complete in the
 * order they were submitted, so the oldest slot is always the next done.
 * A toaster_bench_run_fn on the stream @ctx: timed by st->a and st->b,
 * counted in st->totals; the pattern fill and the check are inside, as
 * the refill of a slot is what an application does while the others fly.
 */
static int ubench_run(void *ctx, uint64_t count, int64_t *took_ns)
{
	struct ubench_stream *st = ctx;
	struct timeval tick = { .tv_sec = 0, .tv_usec = 100000 };
	uint64_t submitted = 0, done = 0;
	struct ubench_slot *s;
	unsigned int i;
	bool busy;
	int rc = 0;

	toaster_bench_cpu_now(&st->a);
	for (i = 0; i < st->depth && submitted < count; i++, submitted++) {
		rc = ubench_submit(st, &st->slots[i]);
		if (rc) {
			rc = ubench_libusb_fail("submit", rc);
			goto cancel;
		}
	}
	while (done < count) {
		s = &st->slots[done % st->depth];
		while (s->pending) {
			if (toaster_usb_stop) {
				rc = ubench_fail("stream", "interrupted");
				goto cancel;
			}
			rc = libusb_handle_events_timeout_completed(st->t->ctx, &tick, NULL);
			if (rc < 0 && rc != LIBUSB_ERROR_INTERRUPTED) {
				rc = ubench_libusb_fail("handling events", rc);
				goto cancel;
			}
			rc = 0;
		}
		rc = ubench_finish(st, s);
		if (rc)
			goto cancel;
		done++;
		if (submitted < count) {
			rc = ubench_submit(st, s);
			if (rc) {
				rc = ubench_libusb_fail("submit", rc);
				goto cancel;
			}
			submitted++;
		}
	}
	toaster_bench_cpu_now(&st->b);
	toaster_bench_count(&st->totals, count, st->size);
	*took_ns = st->b.wall_ns - st->a.wall_ns;
	return 0;

cancel:
	for (i = 0; i < st->depth; i++) {
		if (st->slots[i].pending) {
			libusb_cancel_transfer(st->slots[i].xfer[0]);
			if (st->slots[i].xfer[1])
				libusb_cancel_transfer(st->slots[i].xfer[1]);
		}
	}
	/* the buffers may not go while the kernel still writes to them */
	do {
		busy = false;
		for (i = 0; i < st->depth; i++)
			busy |= st->slots[i].pending > 0;
		if (busy)
			libusb_handle_events_timeout_completed(st->t->ctx, &tick, NULL);
	} while (busy);
	return rc;
}

static int ubench_xfer(struct toaster_usb *t, const struct ubench_opts *o, bool loopback)
{
	const char *op = loopback ? "loopback" : "burn";
	struct ubench_stream st = { .t = t, .loopback = loopback };
	unsigned int s, d, rep;
	uint64_t count;
	int64_t took;
	char cpu[160];
	int rc = 0, off;

	if (loopback) {
		rc = toaster_usb_out(t, TOASTER_REQ_SET_LOOPBACK, 1);
		if (rc)
			return ubench_libusb_fail("SET_LOOPBACK 1", rc);
		/* an earlier run's unread echo would look like corruption */
		rc = toaster_usb_drain_bulk_in(t);
		if (rc < 0) {
			rc = ubench_libusb_fail("draining bulk IN", rc);
			goto off;
		}
		rc = 0;
	}
	for (s = 0; s < o->nsizes && !rc; s++) {
		for (d = 0; d < o->ndepths && !rc; d++) {
			st.size = o->sizes[s];
			st.depth = (unsigned int)o->depths[d];
			if (st.depth > 1 && st.size * st.depth > o->max_inflight)
				continue;
			rc = ubench_stream_alloc(&st);
			if (rc) {
				ubench_stream_free(&st);
				rc = ubench_libusb_fail("allocating transfers", rc);
				break;
			}
			/*
			 * Never fewer transfers than the depth, which would never
			 * have depth of them in flight; a warm-up says how many
			 * more last o->seconds.
			 */
			count = o->count > st.depth ? o->count : st.depth;
			if (o->seconds > 0)
				rc = toaster_bench_calibrate(ubench_run, &st, count,
							     UBENCH_TRANSFERS_MAX,
							     o->seconds, &count);
			for (rep = 0; rep < o->reps && !rc; rep++) {
				rc = ubench_run(&st, count, &took);
				if (rc)
					break;
				toaster_bench_emit("xfer", "\"path\":\"libusb\",\"op\":\"%s\",\"size\":%zu,\"depth\":%u,\"rep\":%u,\"transfers\":%llu,\"bytes\":%llu,\"mb_s\":%.3f,\"verified\":true,%s",
						   op, st.size, st.depth, rep,
						   (unsigned long long)count,
						   (unsigned long long)(count * st.size),
						   (double)(count * st.size) * 1000 / (double)took,
						   toaster_bench_cpu_json(&st.a, &st.b, cpu, sizeof(cpu)));
			}
			ubench_stream_free(&st);
		}
	}
off:
	/* always, even after an error: the toaster must not stay in loopback */
	if (loopback) {
		off = toaster_usb_out(t, TOASTER_REQ_SET_LOOPBACK, 0);
		if (off && !rc)
			rc = ubench_libusb_fail("SET_LOOPBACK 0", off);
	}
	/* everything sent, warm-ups too, for the firmware's counters */
	if (!rc)
		toaster_bench_emit_total("libusb", op, &st.totals);
	return rc;
}

/* ------------------------------------------------------------------ */

static void ubench_on_signal(int sig)
{
	(void)sig;
	toaster_usb_stop = 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serial", required_argument, NULL, 'S' },
		{ "reps", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 's' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "depths", required_argument, NULL, 'D' },
		{ "max-inflight", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ubench_opts o = {
		.count = 1,
		.reps = 5,
		.depths = { 1 },
		.ndepths = 1,
		.max_inflight = UBENCH_INFLIGHT_MAX,
	};
	struct toaster_usb t = { 0 };
	struct sigaction sa = { .sa_handler = ubench_on_signal };
	const char *cmd;
	uint64_t n;
	int c, rc;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			ubench_usage(stdout);
			return 0;
		}
		ubench_usage(stderr);
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "S:r:c:s:z:D:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			o.serial = optarg;
			break;
		case 'r':
			if (!toaster_bench_parse_size(optarg, 1000, &n)) {
				fprintf(stderr, "%s: --reps: want 1 to 1000\n", ubench_prog);
				return 2;
			}
			o.reps = (unsigned int)n;
			break;
		case 'c':
			if (!toaster_bench_parse_size(optarg, UBENCH_TRANSFERS_MAX, &o.count)) {
				fprintf(stderr, "%s: --count: want 1 to %u\n", ubench_prog,
					UBENCH_TRANSFERS_MAX);
				return 2;
			}
			break;
		case 's':
			if (!toaster_bench_parse_seconds(optarg, &o.seconds)) {
				fprintf(stderr, "%s: --seconds: want 0 to 3600\n", ubench_prog);
				return 2;
			}
			break;
		case 'z':
			/* what one libusb transfer may carry, as one driver transfer */
			o.nsizes = toaster_bench_parse_list(optarg, TOASTER_XFER_MAX, o.sizes);
			if (!o.nsizes) {
				fprintf(stderr, "%s: --sizes: want up to %d sizes of 1 to %d bytes\n",
					ubench_prog, TOASTER_BENCH_LIST_MAX, TOASTER_XFER_MAX);
				return 2;
			}
			break;
		case 'D':
			o.ndepths = toaster_bench_parse_list(optarg, UBENCH_DEPTH_MAX, o.depths);
			if (!o.ndepths) {
				fprintf(stderr, "%s: --depths: want up to %d depths of 1 to %d\n",
					ubench_prog, TOASTER_BENCH_LIST_MAX, UBENCH_DEPTH_MAX);
				return 2;
			}
			break;
		case 'm':
			if (!toaster_bench_parse_size(optarg, TOASTER_STREAM_MAX, &o.max_inflight)) {
				fprintf(stderr, "%s: --max-inflight: want 1 to %d bytes\n",
					ubench_prog, TOASTER_STREAM_MAX);
				return 2;
			}
			break;
		case 'h':
			ubench_usage(stdout);
			return 0;
		default:
			ubench_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (strcmp(cmd, "status") && !o.nsizes)) {
		if (optind == argc)
			fprintf(stderr, "%s: %s wants --sizes\n", ubench_prog, cmd);
		ubench_usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "status") && strcmp(cmd, "burn") && strcmp(cmd, "loopback")) {
		fprintf(stderr, "%s: unknown command '%s'\n", ubench_prog, cmd);
		return 2;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = toaster_usb_open(&t, o.serial);
	if (rc) {
		toaster_usb_close(&t);
		return ubench_fail("open", "cannot open and claim the toaster (toaster-usb exit status %d)",
				   rc);
	}
	if (!strcmp(cmd, "status"))
		rc = ubench_status(&t, &o);
	else
		rc = ubench_xfer(&t, &o, !strcmp(cmd, "loopback"));
	/* gives the interface back to toaster.ko */
	toaster_usb_close(&t);
	return rc ? 1 : 0;
}
