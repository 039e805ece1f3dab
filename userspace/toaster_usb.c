// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-usb: drives the toaster from userspace through libusb-1.0 and
 * usbfs, taking the interface away from toaster.ko for as long as it runs.
 * It is both a tool (status, toast, ...) and the baseline a user would
 * write instead of a kernel driver (loopback).  Its device layer is also
 * the conformance checker's (tests/conformance/).
 */
#define _DEFAULT_SOURCE /* le16toh(), clock_gettime() */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "toaster_cli.h"
#include "toaster_clock.h"
#include "toaster_ioctl.h"
#include "toaster_usb_dev.h"

/* Notifications are read in slices this long, so a signal is noticed. */
#define TOASTER_USB_TICK_MS		200
/* A toast --wait gives up this long after the toast should have popped. */
#define TOASTER_USB_WAIT_SLACK_MS	60000
/* loopback's defaults, and its limits: usbfs holds 16 MiB of transfers by default */
#define TOASTER_USB_LB_SIZE		65536u
#define TOASTER_USB_LB_COUNT		64u
#define TOASTER_USB_LB_DEPTH		4u
#define TOASTER_USB_LB_SIZE_MAX		(16ul << 20)
#define TOASTER_USB_LB_DEPTH_MAX	64u
/* Where --help's descriptions begin. */
#define TOASTER_USB_USAGE_COLUMN	23

struct toaster_opts {
	const char	*serial;
	bool		verbose;
	bool		wait;
	bool		size_set, count_set, depth_set;
	size_t		size;
	unsigned int	count;
	unsigned int	depth;
};

enum toaster_cmd_id {
	TOASTER_CMD_STATUS,
	TOASTER_CMD_INFO,
	TOASTER_CMD_TOAST,
	TOASTER_CMD_CANCEL,
	TOASTER_CMD_LOCK,
	TOASTER_CMD_UNLOCK,
	TOASTER_CMD_DARKNESS,
	TOASTER_CMD_LOOPBACK,
};

/* Every command, once: the parser's and --help's. */
static const struct toaster_cli_cmd toaster_cmds[] = {
	{ "status", TOASTER_CMD_STATUS, 0, 0, "",
	  "one GET_STATUS, as \"key: value\" lines" },
	{ "info", TOASTER_CMD_INFO, 0, 0, "",
	  "one GET_INFO, as \"key: value\" lines" },
	{ "toast", TOASTER_CMD_TOAST, 0, 1, "[N] [--wait]",
	  "toast at darkness N (default: the current one); --wait prints every notification until the toast is done, cancelled or faults" },
	{ "cancel", TOASTER_CMD_CANCEL, 0, 0, "", "pop the toast up now" },
	{ "lock", TOASTER_CMD_LOCK, 0, 0, "", "the safety lock on" },
	{ "unlock", TOASTER_CMD_UNLOCK, 0, 0, "", "the safety lock off" },
	{ "darkness", TOASTER_CMD_DARKNESS, 1, 1, "N", "set the darkness" },
	{ "loopback", TOASTER_CMD_LOOPBACK, 0, 0, "[--size BYTES] [--count N] [--depth D]",
	  "echo N transfers of BYTES through bulk OUT/IN with D in flight, verify every byte and print the throughput in MB/s (10^6 bytes echoed per second)" },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static void toaster_usage(FILE *f)
{
	fprintf(f,
		"usage: toaster-usb [--serial S] [-v] COMMAND [ARGS]\n"
		"Talks to the toaster (%04x:%04x) directly through usbfs with libusb,\n"
		"detaching toaster.ko from its interface while it runs and giving\n"
		"the interface back when it exits.\n"
		"\n"
		"Commands:\n",
		TOASTER_VENDOR_ID, TOASTER_PRODUCT_ID);
	toaster_cli_usage(f, toaster_cmds, TOASTER_USB_USAGE_COLUMN);
	fprintf(f,
		"\n"
		"N of toast and darkness goes on the wire as it is: the toaster takes\n"
		"%d..%d.  loopback sends %u transfers of %u bytes, %u in flight, unless\n"
		"told otherwise (at most %lu bytes and %u in flight).\n"
		"\n"
		"Options:\n"
		"  -s, --serial S       the toaster whose USB serial number is S\n"
		"                       (default: the first one found)\n"
		"  -v, --verbose        say which device is used\n"
		"  -h, --help           this text\n"
		"\n"
		"Exit status:\n"
		"  0    success\n"
		"  1    loopback data came back wrong, or a waited-for toast was\n"
		"       cancelled or faulted\n"
		"  2    usage error\n"
		"  3    no toaster found, or it could not be opened or claimed\n"
		"  5    the toaster refused the request (stalled it)\n"
		"  6    any other USB error (timeout, device gone, ...)\n"
		"  130  interrupted by SIGINT or SIGTERM\n"
		"  (4 is never used: test harnesses read it as \"skipped\")\n",
		TOASTER_DARKNESS_MIN, TOASTER_DARKNESS_MAX, TOASTER_USB_LB_COUNT,
		TOASTER_USB_LB_SIZE, TOASTER_USB_LB_DEPTH, TOASTER_USB_LB_SIZE_MAX,
		TOASTER_USB_LB_DEPTH_MAX);
}

static bool toaster_parse_ulong(const char *s, unsigned long max,
				unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	/* decimal only: "08" is eight, not a bad octal number */
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out <= max;
}

/* Reports a failed request the way a user can act on. */
static int toaster_request_failed(const char *what, int rc)
{
	if (rc == LIBUSB_ERROR_PIPE)
		fprintf(stderr, "toaster-usb: the toaster refused %s (it stalled the request)\n",
			what);
	else if (rc == LIBUSB_ERROR_OVERFLOW)
		fprintf(stderr, "toaster-usb: %s: the reply is not the size the protocol says\n",
			what);
	else if (rc == LIBUSB_ERROR_NO_MEM)
		fprintf(stderr, "toaster-usb: %s: %s (usbfs allows 16 MB in flight by default: try a smaller --size or --depth)\n",
			what, libusb_strerror(rc));
	else
		fprintf(stderr, "toaster-usb: %s: %s\n", what, libusb_strerror(rc));
	return toaster_usb_exit_code(rc);
}

static void toaster_print_status(const struct toaster_host_status *st)
{
	/* the same text as a read() of /dev/toasterN, so scripts parse either */
	printf(TOASTER_STATUS_TEXT_FORMAT, toaster_state_name(st->state), st->darkness,
	       st->temperature_c, st->remaining_ms,
	       !!(st->flags & TOASTER_FLAG_LOCKED), st->toasts, st->errors);
}

/* A NUL-padded, maybe unterminated wire string, made printable. */
static void toaster_wire_string(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] <= 0x7e ? src[i] : '?';
	dst[i] = '\0';
}

static int toaster_cmd_status(struct toaster_usb *t)
{
	struct toaster_host_status st;
	int rc;

	rc = toaster_usb_get_status(t, &st);
	if (rc)
		return toaster_request_failed("GET_STATUS", rc);
	toaster_print_status(&st);
	return TOASTER_EXIT_OK;
}

static int toaster_cmd_info(struct toaster_usb *t)
{
	struct toaster_wire_info info;
	char model[TOASTER_MODEL_LEN + 1], serial[TOASTER_SERIAL_LEN + 1];
	unsigned int fw;
	int rc;

	rc = toaster_usb_get_info(t, &info);
	if (rc)
		return toaster_request_failed("GET_INFO", rc);
	toaster_wire_string(model, info.model, sizeof(info.model));
	toaster_wire_string(serial, info.serial, sizeof(info.serial));
	fw = le16toh(info.firmware_version);
	printf("model: %s\n"
	       "serial: %s\n"
	       "firmware_version: %x.%02x\n"
	       "slots: %u\n"
	       "protocol_version: %u\n",
	       model, serial, fw >> 8, fw & 0xff, info.slots,
	       le16toh(info.protocol_version));
	return TOASTER_EXIT_OK;
}

static void toaster_print_notification(const struct toaster_host_status *st)
{
	printf("seq=%u event=%s state=%s darkness=%u temperature_c=%d remaining_ms=%u safety_lock=%d toasts=%u errors=%u\n",
	       st->seq, toaster_usb_event_name(st->event),
	       toaster_state_name(st->state), st->darkness,
	       st->temperature_c, st->remaining_ms,
	       !!(st->flags & TOASTER_FLAG_LOCKED), st->toasts, st->errors);
	/* whoever reads a pipe wants each line as it happens */
	fflush(stdout);
}

static bool toaster_is_over(unsigned int state)
{
	return state == TOASTER_STATE_DONE || state == TOASTER_STATE_CANCELLED ||
	       state == TOASTER_STATE_FAULT;
}

/*
 * Follows notifications newer than seq until the toast is over, or until
 * well after remaining_ms, when it should have been.
 */
static int toaster_wait_toast(struct toaster_usb *t, uint16_t seq,
			      uint32_t remaining_ms)
{
	struct toaster_host_status st;
	int64_t deadline;
	int rc, len;

	deadline = toaster_now_ms() + remaining_ms + TOASTER_USB_WAIT_SLACK_MS;
	while (!toaster_usb_stop) {
		if (toaster_now_ms() > deadline) {
			fprintf(stderr, "toaster-usb: the toast did not end within %u ms of when it was due\n",
				TOASTER_USB_WAIT_SLACK_MS);
			return TOASTER_EXIT_IO;
		}
		rc = toaster_usb_notification(t, &st, &len, TOASTER_USB_TICK_MS);
		if (rc == LIBUSB_ERROR_TIMEOUT)
			continue;
		if (rc)
			return toaster_request_failed("reading a notification", rc);
		if ((size_t)len != sizeof(struct toaster_wire_status)) {
			fprintf(stderr, "toaster-usb: a notification of %d bytes (want %zu): ignored\n",
				len, sizeof(struct toaster_wire_status));
			continue;
		}
		/* queued before our toast: old news */
		if (!toaster_seq_after(st.seq, seq))
			continue;
		seq = st.seq;
		toaster_print_notification(&st);
		if (toaster_is_over(st.state))
			return st.state == TOASTER_STATE_DONE ? TOASTER_EXIT_OK
							      : TOASTER_EXIT_FAILED;
	}
	return TOASTER_EXIT_INTERRUPTED;
}

static int toaster_cmd_toast(struct toaster_usb *t, unsigned int darkness,
			     bool wait)
{
	struct toaster_host_status before, st;
	int rc;

	/* what is queued now predates the toast; the status says how far */
	if (wait) {
		rc = toaster_usb_drain_notifications(t);
		if (rc < 0)
			return toaster_request_failed("reading notifications", rc);
	}
	rc = toaster_usb_get_status(t, &before);
	if (rc)
		return toaster_request_failed("GET_STATUS", rc);
	rc = toaster_usb_out(t, TOASTER_REQ_TOAST, (uint16_t)darkness);
	if (rc == LIBUSB_ERROR_PIPE) {
		/* the stall carries no reason; the status usually has it */
		if (before.flags & TOASTER_FLAG_LOCKED)
			fprintf(stderr, "toaster-usb: the toaster refused TOAST: the safety lock is on\n");
		else if (toaster_state_is_busy(before.state))
			fprintf(stderr, "toaster-usb: the toaster refused TOAST: it is already %s\n",
				toaster_state_name(before.state));
		else
			fprintf(stderr, "toaster-usb: the toaster refused TOAST %u (darkness out of range?)\n",
				darkness);
		return TOASTER_EXIT_REFUSED;
	}
	if (rc)
		return toaster_request_failed("TOAST", rc);
	if (!wait)
		return TOASTER_EXIT_OK;

	/*
	 * Only for how long to wait: notifications from between the two
	 * statuses are this toast's, so newness counts from before it.
	 */
	rc = toaster_usb_get_status(t, &st);
	if (rc)
		return toaster_request_failed("GET_STATUS", rc);
	return toaster_wait_toast(t, before.seq, st.remaining_ms);
}

static int toaster_cmd_simple(struct toaster_usb *t, const char *name,
			      uint8_t request, unsigned int value)
{
	int rc = toaster_usb_out(t, request, (uint16_t)value);

	return rc ? toaster_request_failed(name, rc) : TOASTER_EXIT_OK;
}

static int toaster_cmd_loopback(struct toaster_usb *t, const struct toaster_opts *o)
{
	struct toaster_loopback_result res;
	struct toaster_host_status st;
	double total = (double)o->size * o->count;
	int rc, off_rc, drained;

	rc = toaster_usb_out(t, TOASTER_REQ_SET_LOOPBACK, 1);
	if (rc)
		return toaster_request_failed("SET_LOOPBACK 1", rc);
	/* an earlier session's unread echo would look like corruption */
	drained = toaster_usb_drain_bulk_in(t);
	if (drained < 0) {
		rc = drained;
	} else {
		if (drained > 0 && t->verbose)
			fprintf(stderr, "toaster-usb: threw away %d stale bytes on bulk IN\n",
				drained);
		rc = toaster_usb_loopback(t, o->size, o->count, o->depth, &res);
	}
	/* always, even after an error: the toaster must not stay in loopback */
	off_rc = toaster_usb_out(t, TOASTER_REQ_SET_LOOPBACK, 0);
	if (rc)
		return toaster_request_failed("loopback", rc);
	if (res.mismatch) {
		fprintf(stderr, "toaster-usb: loopback: transfer %u came back wrong: ",
			res.bad_iteration);
		if (res.bad_offset < res.bad_length)
			fprintf(stderr, "byte %zu is 0x%02x, sent 0x%02x\n",
				res.bad_offset, res.got, res.want);
		else
			fprintf(stderr, "%zu of %zu bytes came back\n",
				res.bad_length, o->size);
		printf("verified_bytes: %.0f\n", (double)o->size * res.done);
		return TOASTER_EXIT_FAILED;
	}
	if (off_rc)
		return toaster_request_failed("SET_LOOPBACK 0", off_rc);
	rc = toaster_usb_get_status(t, &st);
	if (rc)
		return toaster_request_failed("GET_STATUS", rc);
	if (st.flags & TOASTER_FLAG_LOOPBACK) {
		fprintf(stderr, "toaster-usb: loopback is still on after SET_LOOPBACK 0\n");
		return TOASTER_EXIT_FAILED;
	}
	printf("size: %zu\n"
	       "count: %u\n"
	       "depth: %u\n"
	       "verified_bytes: %.0f\n"
	       "seconds: %.3f\n"
	       "throughput_mb_s: %.2f\n",
	       o->size, o->count, o->depth, total, res.seconds,
	       res.seconds > 0 ? total / 1e6 / res.seconds : 0.0);
	return TOASTER_EXIT_OK;
}

/* Parses ARGS for the command; usage errors are found before any I/O. */
static int toaster_run(struct toaster_usb *t, const struct toaster_opts *o,
		       int argc, char **argv)
{
	const struct toaster_cli_cmd *cmd;
	unsigned long n = 0;
	int rc;

	cmd = toaster_cli_find(toaster_cmds, argv[0]);
	if (!cmd) {
		fprintf(stderr, "toaster-usb: unknown command '%s' (see --help)\n", argv[0]);
		return TOASTER_EXIT_USAGE;
	}
	if (!toaster_cli_nargs_ok(cmd, (unsigned int)argc - 1)) {
		fprintf(stderr, "toaster-usb: %s: wrong number of arguments (see --help)\n",
			cmd->name);
		return TOASTER_EXIT_USAGE;
	}
	if (o->wait && cmd->id != TOASTER_CMD_TOAST) {
		fprintf(stderr, "toaster-usb: --wait goes with toast only\n");
		return TOASTER_EXIT_USAGE;
	}
	if ((o->size_set || o->count_set || o->depth_set) &&
	    cmd->id != TOASTER_CMD_LOOPBACK) {
		fprintf(stderr, "toaster-usb: --size, --count and --depth go with loopback only\n");
		return TOASTER_EXIT_USAGE;
	}
	/*
	 * Any 16-bit value goes on the wire as typed: the toaster, not this
	 * tool, decides what is out of range.
	 */
	if (argc > 1 && !toaster_parse_ulong(argv[1], UINT16_MAX, &n)) {
		fprintf(stderr, "toaster-usb: %s: '%s' is not a number from 0 to %u\n",
			cmd->name, argv[1], UINT16_MAX);
		return TOASTER_EXIT_USAGE;
	}

	rc = toaster_usb_open(t, o->serial);
	if (rc)
		return rc;
	switch ((enum toaster_cmd_id)cmd->id) {
	case TOASTER_CMD_STATUS:
		return toaster_cmd_status(t);
	case TOASTER_CMD_INFO:
		return toaster_cmd_info(t);
	case TOASTER_CMD_TOAST:
		return toaster_cmd_toast(t, (unsigned int)n, o->wait);
	case TOASTER_CMD_CANCEL:
		return toaster_cmd_simple(t, "CANCEL", TOASTER_REQ_CANCEL, 0);
	case TOASTER_CMD_LOCK:
		return toaster_cmd_simple(t, "SET_LOCK 1", TOASTER_REQ_SET_LOCK, 1);
	case TOASTER_CMD_UNLOCK:
		return toaster_cmd_simple(t, "SET_LOCK 0", TOASTER_REQ_SET_LOCK, 0);
	case TOASTER_CMD_DARKNESS:
		return toaster_cmd_simple(t, "SET_DARKNESS", TOASTER_REQ_SET_DARKNESS,
					  (unsigned int)n);
	case TOASTER_CMD_LOOPBACK:
		return toaster_cmd_loopback(t, o);
	}
	return TOASTER_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "serial", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "wait", no_argument, NULL, 'w' },
		{ "size", required_argument, NULL, 'S' },
		{ "count", required_argument, NULL, 'c' },
		{ "depth", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct toaster_opts o = {
		.size = TOASTER_USB_LB_SIZE,
		.count = TOASTER_USB_LB_COUNT,
		.depth = TOASTER_USB_LB_DEPTH,
	};
	struct toaster_usb t;
	unsigned long n;
	int c, rc;

	/* options may come before or after the command */
	while ((c = getopt_long(argc, argv, "s:vhw", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.serial = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			toaster_usage(stdout);
			return TOASTER_EXIT_OK;
		case 'w':
			o.wait = true;
			break;
		case 'S':
			if (!toaster_parse_ulong(optarg, TOASTER_USB_LB_SIZE_MAX, &n) || !n) {
				fprintf(stderr, "toaster-usb: --size: want 1 to %lu bytes\n",
					TOASTER_USB_LB_SIZE_MAX);
				return TOASTER_EXIT_USAGE;
			}
			o.size = n;
			o.size_set = true;
			break;
		case 'c':
			if (!toaster_parse_ulong(optarg, UINT_MAX, &n) || !n) {
				fprintf(stderr, "toaster-usb: --count: want a positive number\n");
				return TOASTER_EXIT_USAGE;
			}
			o.count = (unsigned int)n;
			o.count_set = true;
			break;
		case 'D':
			if (!toaster_parse_ulong(optarg, TOASTER_USB_LB_DEPTH_MAX, &n) || !n) {
				fprintf(stderr, "toaster-usb: --depth: want 1 to %u\n",
					TOASTER_USB_LB_DEPTH_MAX);
				return TOASTER_EXIT_USAGE;
			}
			o.depth = (unsigned int)n;
			o.depth_set = true;
			break;
		default:
			toaster_usage(stderr);
			return TOASTER_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		toaster_usage(stderr);
		return TOASTER_EXIT_USAGE;
	}

	toaster_usb_catch_signals();
	memset(&t, 0, sizeof(t));
	t.prog = "toaster-usb";
	t.verbose = o.verbose;
	rc = toaster_run(&t, &o, argc - optind, argv + optind);
	toaster_usb_close(&t);
	if (toaster_usb_stop && rc != TOASTER_EXIT_FAILED)
		rc = TOASTER_EXIT_INTERRUPTED;
	return rc;
}
