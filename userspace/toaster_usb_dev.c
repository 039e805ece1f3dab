// SPDX-License-Identifier: GPL-2.0
/*
 * The device layer of toaster-usb and toaster-conformance: finding the
 * toaster, claiming it away from whatever kernel driver has it, and every
 * kind of transfer the protocol uses.  Errors are libusb error codes
 * throughout; only the open path prints, since only it knows what the user
 * should do about a failure.
 */
#define _DEFAULT_SOURCE /* le16toh() and friends, clock_gettime(), sigaction() */
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "toaster_clock.h"
#include "toaster_usb_dev.h"

/* Long enough for a queued notification to come out even under TCG. */
#define TOASTER_USB_DRAIN_MS		50
/* Both drains give up here rather than spin on a device that never stops. */
#define TOASTER_USB_DRAIN_MAX		256

volatile sig_atomic_t toaster_usb_stop;

static void toaster_usb_on_signal(int sig)
{
	(void)sig;
	toaster_usb_stop = 1;
}

void toaster_usb_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = toaster_usb_on_signal;
	sigemptyset(&sa.sa_mask);
	/*
	 * The first signal only asks: the interface must still be released,
	 * or toaster.ko would not get the toaster back.
	 */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

const char *toaster_usb_speed_name(enum libusb_speed speed)
{
	switch (speed) {
	case LIBUSB_SPEED_HIGH:
		return "high";
	case LIBUSB_SPEED_FULL:
		return "full";
	default:
		return "other";
	}
}

const char *toaster_usb_event_name(unsigned int event)
{
	switch (event) {
	case TOASTER_EVENT_NONE:
		return "none";
	case TOASTER_EVENT_STATE:
		return "state";
	case TOASTER_EVENT_TEMPERATURE:
		return "temperature";
	case TOASTER_EVENT_SETTINGS:
		return "settings";
	default:
		return "?";
	}
}

int toaster_usb_exit_code(int rc)
{
	switch (rc) {
	case LIBUSB_SUCCESS:
		return TOASTER_EXIT_OK;
	case LIBUSB_ERROR_PIPE:
		return TOASTER_EXIT_REFUSED;
	case LIBUSB_ERROR_INTERRUPTED:
		return toaster_usb_stop ? TOASTER_EXIT_INTERRUPTED : TOASTER_EXIT_IO;
	default:
		return TOASTER_EXIT_IO;
	}
}

/* A message to the user, after the program's name. */
__attribute__((format(printf, 2, 3)))
static void toaster_usb_say(const struct toaster_usb *t, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", t->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void toaster_usb_err(const struct toaster_usb *t, const char *what, int rc)
{
	toaster_usb_say(t, "%s: %s\n", what, libusb_strerror(rc));
}

/* What the user can do about an open or claim failure. */
static const char *toaster_usb_hint(int rc)
{
	switch (rc) {
	case LIBUSB_ERROR_ACCESS:
		return " (run as root, or give yourself access to /dev/bus/usb)";
	case LIBUSB_ERROR_BUSY:
		return " (another program has the interface: toaster-usb or toaster-conformance?)";
	case LIBUSB_ERROR_NO_DEVICE:
		return " (it was unplugged)";
	default:
		return "";
	}
}

/*
 * The toaster's interface in the active configuration, and its endpoints:
 * by type and direction, since the protocol does not fix their addresses
 * (a FunctionFS toaster has the controller's numbers).
 */
static int toaster_usb_find_interface(struct toaster_usb *t, libusb_device *dev)
{
	struct libusb_config_descriptor *cfg;
	const struct libusb_interface_descriptor *alt = NULL;
	struct toaster_usb_eps eps;
	char problem[160], list[160];
	unsigned int k;
	int rc, i;

	rc = libusb_get_active_config_descriptor(dev, &cfg);
	if (rc) {
		toaster_usb_say(t, "reading the configuration: %s%s\n",
			libusb_strerror(rc),
			rc == LIBUSB_ERROR_NOT_FOUND ? " (the device is not configured)" : "");
		return rc;
	}
	for (i = 0; i < cfg->bNumInterfaces && !alt; i++) {
		if (cfg->interface[i].num_altsetting < 1)
			continue;
		if (cfg->interface[i].altsetting[0].bInterfaceClass == TOASTER_INTERFACE_CLASS)
			alt = &cfg->interface[i].altsetting[0];
	}
	if (!alt) {
		toaster_usb_say(t, "%04x:%04x has no interface of class 0x%02x\n",
			TOASTER_VENDOR_ID, TOASTER_PRODUCT_ID, TOASTER_INTERFACE_CLASS);
		rc = LIBUSB_ERROR_NOT_FOUND;
		goto out;
	}
	t->ifnum = alt->bInterfaceNumber;
	if (!toaster_usb_find_endpoints(alt, &eps)) {
		toaster_usb_say(t, "interface %u of %04x:%04x is not a toaster's: %s (it has %s; the protocol wants one bulk OUT, one bulk IN and one interrupt IN)\n",
			t->ifnum, TOASTER_VENDOR_ID, TOASTER_PRODUCT_ID,
			toaster_usb_eps_problem(&eps, problem, sizeof(problem)),
			toaster_usb_eps_list(alt, list, sizeof(list)));
		rc = LIBUSB_ERROR_NOT_FOUND;
		goto out;
	}
	for (k = 0; k < TOASTER_USB_EP_KINDS; k++)
		t->ep[k] = eps.ep[k]->bEndpointAddress;
	/* bits 12:11 are extra transactions per microframe, not the size */
	t->bulk_maxp = eps.ep[TOASTER_USB_EP_BULK_IN]->wMaxPacketSize & 0x7ff;
	/* a zero maxpacket would divide by zero; 64 is right at any speed */
	if (!t->bulk_maxp)
		t->bulk_maxp = 64;
	rc = 0;
out:
	libusb_free_config_descriptor(cfg);
	return rc;
}

/* Whether an opened device's USB serial number string is serial. */
static bool toaster_usb_serial_is(libusb_device_handle *h, uint8_t index,
				  const char *serial)
{
	unsigned char buf[128];
	int n;

	if (!index)
		return false;
	n = libusb_get_string_descriptor_ascii(h, index, buf, sizeof(buf));
	return n >= 0 && (size_t)n == strlen(serial) &&
	       memcmp(buf, serial, (size_t)n) == 0;
}

int toaster_usb_open(struct toaster_usb *t, const char *serial)
{
	struct libusb_device_descriptor d;
	libusb_device **list, *dev = NULL;
	libusb_device_handle *h = NULL;
	int rc, open_rc = 0, candidates = 0;
	ssize_t n, i;

	rc = libusb_init(&t->ctx);
	if (rc) {
		toaster_usb_err(t, "cannot initialise libusb", rc);
		t->ctx = NULL;
		return TOASTER_EXIT_NODEV;
	}
	n = libusb_get_device_list(t->ctx, &list);
	if (n < 0) {
		toaster_usb_err(t, "listing USB devices", (int)n);
		return TOASTER_EXIT_NODEV;
	}
	for (i = 0; i < n && !h; i++) {
		if (libusb_get_device_descriptor(list[i], &d) ||
		    d.idVendor != TOASTER_VENDOR_ID || d.idProduct != TOASTER_PRODUCT_ID)
			continue;
		candidates++;
		rc = libusb_open(list[i], &h);
		if (rc) {
			open_rc = rc;
			h = NULL;
			continue;
		}
		if (serial && !toaster_usb_serial_is(h, d.iSerialNumber, serial)) {
			libusb_close(h);
			h = NULL;
			continue;
		}
		dev = list[i];
	}
	if (h) {
		t->bus = libusb_get_bus_number(dev);
		t->address = libusb_get_device_address(dev);
		t->speed = libusb_get_device_speed(dev);
		rc = toaster_usb_find_interface(t, dev);
	}
	libusb_free_device_list(list, 1);

	if (!h) {
		if (open_rc)
			toaster_usb_say(t, "cannot open the toaster: %s%s\n",
				libusb_strerror(open_rc), toaster_usb_hint(open_rc));
		else if (candidates && serial)
			toaster_usb_say(t, "no toaster with serial '%s' (%d others found)\n",
				serial, candidates);
		else
			toaster_usb_say(t, "no toaster (%04x:%04x) is plugged in\n",
				TOASTER_VENDOR_ID, TOASTER_PRODUCT_ID);
		return TOASTER_EXIT_NODEV;
	}
	t->handle = h;
	if (rc)
		return TOASTER_EXIT_NODEV;

	/*
	 * Whatever driver has the interface (toaster.ko, usbtest) is detached
	 * on claim and re-attached on release, so we work either way and
	 * leave things as we found them.  Not every platform can do it.
	 */
	rc = libusb_set_auto_detach_kernel_driver(h, 1);
	if (rc && rc != LIBUSB_ERROR_NOT_SUPPORTED) {
		toaster_usb_err(t, "enabling kernel driver auto-detach", rc);
		return TOASTER_EXIT_NODEV;
	}
	rc = libusb_claim_interface(h, t->ifnum);
	if (rc) {
		toaster_usb_say(t, "cannot claim interface %u: %s%s\n",
			t->ifnum, libusb_strerror(rc), toaster_usb_hint(rc));
		return TOASTER_EXIT_NODEV;
	}
	t->claimed = true;
	if (t->verbose)
		toaster_usb_say(t, "bus %03u device %03u, interface %u, %s speed, bulk OUT 0x%02x, bulk IN 0x%02x, interrupt IN 0x%02x\n",
			t->bus, t->address, t->ifnum,
			toaster_usb_speed_name(t->speed),
			t->ep[TOASTER_USB_EP_BULK_OUT], t->ep[TOASTER_USB_EP_BULK_IN],
			t->ep[TOASTER_USB_EP_INT_IN]);
	return TOASTER_EXIT_OK;
}

void toaster_usb_close(struct toaster_usb *t)
{
	int rc;

	if (t->claimed) {
		rc = libusb_release_interface(t->handle, t->ifnum);
		if (rc && rc != LIBUSB_ERROR_NO_DEVICE)
			toaster_usb_err(t, "releasing the interface", rc);
		t->claimed = false;
	}
	if (t->handle) {
		libusb_close(t->handle);
		t->handle = NULL;
	}
	if (t->ctx) {
		libusb_exit(t->ctx);
		t->ctx = NULL;
	}
}

int toaster_usb_vendor_raw(struct toaster_usb *t, uint8_t request_type,
			   uint8_t request, uint16_t value, uint16_t index,
			   void *buf, uint16_t len)
{
	return libusb_control_transfer(t->handle, request_type, request, value,
				       index, buf, len, TOASTER_USB_CTRL_TIMEOUT_MS);
}

int toaster_usb_out(struct toaster_usb *t, uint8_t request, uint16_t value)
{
	return toaster_usb_vendor_raw(t, TOASTER_USB_REQ_OUT, request, value,
				      t->ifnum, NULL, 0);
}

int toaster_usb_in(struct toaster_usb *t, uint8_t request, void *buf,
		   uint16_t len)
{
	return toaster_usb_vendor_raw(t, TOASTER_USB_REQ_IN, request, 0,
				      t->ifnum, buf, len);
}

int toaster_usb_get_status(struct toaster_usb *t, struct toaster_host_status *st)
{
	struct toaster_wire_status w;
	int n;

	n = toaster_usb_in(t, TOASTER_REQ_GET_STATUS, &w, sizeof(w));
	if (n < 0)
		return n;
	if ((size_t)n != sizeof(w))
		return LIBUSB_ERROR_OVERFLOW;
	toaster_wire_status_decode(&w, st);
	return 0;
}

int toaster_usb_get_info(struct toaster_usb *t, struct toaster_wire_info *info)
{
	int n;

	n = toaster_usb_in(t, TOASTER_REQ_GET_INFO, info, sizeof(*info));
	if (n < 0)
		return n;
	return (size_t)n == sizeof(*info) ? 0 : LIBUSB_ERROR_OVERFLOW;
}

int toaster_usb_notification(struct toaster_usb *t, struct toaster_host_status *st,
			     int *len, unsigned int timeout_ms)
{
	/* room for more than a status: a longer packet must show, not overflow */
	union {
		struct toaster_wire_status	w;
		unsigned char			b[64];
	} buf;
	int rc, n = 0;

	rc = libusb_interrupt_transfer(t->handle, t->ep[TOASTER_USB_EP_INT_IN],
				       buf.b, sizeof(buf.b), &n, timeout_ms);
	/* a timeout that raced a completion still delivered it */
	if (rc == LIBUSB_ERROR_TIMEOUT && n == 0)
		return rc;
	if (rc && rc != LIBUSB_ERROR_TIMEOUT)
		return rc;
	*len = n;
	if ((size_t)n == sizeof(buf.w))
		toaster_wire_status_decode(&buf.w, st);
	return 0;
}

int toaster_usb_drain_notifications(struct toaster_usb *t)
{
	struct toaster_host_status st;
	int rc, len, n;

	for (n = 0; n < TOASTER_USB_DRAIN_MAX; n++) {
		rc = toaster_usb_notification(t, &st, &len, TOASTER_USB_DRAIN_MS);
		if (rc == LIBUSB_ERROR_TIMEOUT)
			return n;
		if (rc)
			return rc;
	}
	return n;
}

int toaster_usb_drain_bulk_in(struct toaster_usb *t)
{
	static unsigned char buf[TOASTER_BURN_MAX];
	size_t got;
	int rc, i, total = 0;

	for (i = 0; i < TOASTER_USB_DRAIN_MAX; i++) {
		rc = toaster_usb_bulk_in(t, buf, sizeof(buf), &got,
					 TOASTER_USB_DRAIN_MS);
		total += (int)got;
		if (rc == LIBUSB_ERROR_TIMEOUT && !got)
			return total;
		if (rc && rc != LIBUSB_ERROR_TIMEOUT)
			return rc;
	}
	return total;
}

int toaster_usb_transfer_rc(const struct libusb_transfer *x)
{
	switch (x->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		return 0;
	case LIBUSB_TRANSFER_TIMED_OUT:
		return LIBUSB_ERROR_TIMEOUT;
	case LIBUSB_TRANSFER_STALL:
		return LIBUSB_ERROR_PIPE;
	case LIBUSB_TRANSFER_NO_DEVICE:
		return LIBUSB_ERROR_NO_DEVICE;
	case LIBUSB_TRANSFER_OVERFLOW:
		return LIBUSB_ERROR_OVERFLOW;
	case LIBUSB_TRANSFER_CANCELLED:
		return LIBUSB_ERROR_INTERRUPTED;
	default:
		return LIBUSB_ERROR_IO;
	}
}

static void LIBUSB_CALL toaster_usb_flag_done(struct libusb_transfer *x)
{
	*(int *)x->user_data = 1;
}

int toaster_usb_bulk_out(struct toaster_usb *t, const void *buf, size_t len,
			 unsigned int timeout_ms)
{
	struct libusb_transfer *x;
	int rc, done = 0;

	/* the synchronous API cannot ask for the terminating zero-length packet */
	x = libusb_alloc_transfer(0);
	if (!x)
		return LIBUSB_ERROR_NO_MEM;
	libusb_fill_bulk_transfer(x, t->handle, t->ep[TOASTER_USB_EP_BULK_OUT],
				  (unsigned char *)(uintptr_t)buf, (int)len,
				  toaster_usb_flag_done, &done, timeout_ms);
	if (len % t->bulk_maxp == 0)
		x->flags |= LIBUSB_TRANSFER_ADD_ZERO_PACKET;
	rc = libusb_submit_transfer(x);
	if (rc) {
		libusb_free_transfer(x);
		return rc;
	}
	while (!done) {
		rc = libusb_handle_events_completed(t->ctx, &done);
		if (rc < 0 && rc != LIBUSB_ERROR_INTERRUPTED) {
			libusb_cancel_transfer(x);
			while (!done)
				libusb_handle_events_completed(t->ctx, &done);
			libusb_free_transfer(x);
			return rc;
		}
	}
	rc = toaster_usb_transfer_rc(x);
	if (!rc)
		rc = x->actual_length;
	libusb_free_transfer(x);
	return rc;
}

int toaster_usb_bulk_in(struct toaster_usb *t, void *buf, size_t len,
			size_t *got, unsigned int timeout_ms)
{
	int rc, n = 0;

	rc = libusb_bulk_transfer(t->handle, t->ep[TOASTER_USB_EP_BULK_IN], buf,
				  (int)len, &n, timeout_ms);
	*got = n > 0 ? (size_t)n : 0;
	return rc;
}

/* ------------------------------------------------------------------ */
/* loopback */

struct toaster_lb_slot {
	struct libusb_transfer	*xfer[2];	/* OUT, IN */
	unsigned char		*buf[2];
	unsigned int		iteration;
	int			pending;
};

static void LIBUSB_CALL toaster_lb_done(struct libusb_transfer *x)
{
	struct toaster_lb_slot *s = x->user_data;

	s->pending--;
}

/*
 * Seeded per transfer, so data echoed into the wrong transfer, twice, or
 * from a previous run cannot pass for the right data.
 */
static void toaster_lb_pattern(unsigned char *buf, size_t len,
			       unsigned int iteration)
{
	uint32_t x = iteration * 2654435761u ^ 0x70a57e25u;
	size_t i;

	if (!x)
		x = 1;
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)(x >> 24);
	}
}

static int toaster_lb_submit(struct toaster_lb_slot *s, unsigned int iteration,
			     size_t size)
{
	int rc;

	s->iteration = iteration;
	toaster_lb_pattern(s->buf[0], size, iteration);
	memset(s->buf[1], 0, size);
	/* IN first, so the echo always has somewhere to go */
	rc = libusb_submit_transfer(s->xfer[1]);
	if (rc)
		return rc;
	s->pending++;
	rc = libusb_submit_transfer(s->xfer[0]);
	if (rc)
		return rc;
	s->pending++;
	return 0;
}

static double toaster_lb_now(void)
{
	return (double)toaster_now_ns() / TOASTER_NS_PER_S;
}

/* Records where the echo of slot s differs from what was sent. */
static bool toaster_lb_verify(const struct toaster_lb_slot *s, size_t size,
			      unsigned char *expect,
			      struct toaster_loopback_result *res)
{
	size_t got = (size_t)s->xfer[1]->actual_length, i, n;

	toaster_lb_pattern(expect, size, s->iteration);
	if (got == size && memcmp(expect, s->buf[1], size) == 0)
		return true;

	n = got < size ? got : size;
	for (i = 0; i < n && expect[i] == s->buf[1][i]; i++)
		;
	res->mismatch = true;
	res->bad_iteration = s->iteration;
	res->bad_offset = i;
	res->bad_length = got;
	res->want = expect[i < size ? i : size - 1];
	res->got = i < got ? s->buf[1][i] : 0;
	return false;
}

int toaster_usb_loopback(struct toaster_usb *t, size_t size, unsigned int count,
			 unsigned int depth, struct toaster_loopback_result *res)
{
	struct timeval tick = { .tv_sec = 0, .tv_usec = 100000 };
	struct toaster_lb_slot *slots, *s;
	unsigned char *expect;
	unsigned int next = 0, i, d;
	bool busy, zlp;
	double start;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (!size || !count)
		return LIBUSB_ERROR_INVALID_PARAM;
	if (depth > count)
		depth = count;
	if (!depth)
		depth = 1;

	slots = calloc(depth, sizeof(*slots));
	expect = malloc(size);
	if (!slots || !expect) {
		rc = LIBUSB_ERROR_NO_MEM;
		goto out;
	}
	/*
	 * A transfer of whole packets ends with a zero-length one, as the
	 * protocol has it: the toaster's requests are bigger than a packet
	 * and would wait for more.  Its echo ends the same way, so each IN
	 * transfer has a packet's room more, or it would be full before the
	 * ZLP and leave it for the next one to take as a transfer of its own.
	 */
	zlp = size % t->bulk_maxp == 0;
	for (i = 0; i < depth; i++) {
		s = &slots[i];
		for (d = 0; d < 2; d++) {
			s->xfer[d] = libusb_alloc_transfer(0);
			s->buf[d] = malloc(size + (zlp ? t->bulk_maxp : 0));
			if (!s->xfer[d] || !s->buf[d]) {
				rc = LIBUSB_ERROR_NO_MEM;
				goto out;
			}
		}
		libusb_fill_bulk_transfer(s->xfer[0], t->handle,
					  t->ep[TOASTER_USB_EP_BULK_OUT],
					  s->buf[0], (int)size, toaster_lb_done, s,
					  TOASTER_USB_BULK_TIMEOUT_MS);
		if (zlp)
			s->xfer[0]->flags |= LIBUSB_TRANSFER_ADD_ZERO_PACKET;
		libusb_fill_bulk_transfer(s->xfer[1], t->handle,
					  t->ep[TOASTER_USB_EP_BULK_IN], s->buf[1],
					  (int)(size + (zlp ? t->bulk_maxp : 0)),
					  toaster_lb_done, s, TOASTER_USB_BULK_TIMEOUT_MS);
	}

	start = toaster_lb_now();
	for (; next < depth; next++) {
		rc = toaster_lb_submit(&slots[next], next, size);
		if (rc)
			goto cancel;
	}
	while (res->done < count) {
		/* both directions complete in submission order */
		s = &slots[res->done % depth];
		while (s->pending) {
			if (toaster_usb_stop) {
				rc = LIBUSB_ERROR_INTERRUPTED;
				goto cancel;
			}
			rc = libusb_handle_events_timeout_completed(t->ctx, &tick, NULL);
			if (rc < 0 && rc != LIBUSB_ERROR_INTERRUPTED)
				goto cancel;
			rc = 0;
		}
		rc = toaster_usb_transfer_rc(s->xfer[0]);
		if (!rc)
			rc = toaster_usb_transfer_rc(s->xfer[1]);
		if (!rc && (size_t)s->xfer[0]->actual_length != size)
			rc = LIBUSB_ERROR_IO;
		if (rc)
			goto cancel;
		if (!toaster_lb_verify(s, size, expect, res))
			goto cancel;
		res->done++;
		if (next < count) {
			rc = toaster_lb_submit(s, next++, size);
			if (rc)
				goto cancel;
		}
	}
	res->seconds = toaster_lb_now() - start;

cancel:
	for (i = 0; i < depth; i++) {
		if (slots[i].pending) {
			libusb_cancel_transfer(slots[i].xfer[0]);
			libusb_cancel_transfer(slots[i].xfer[1]);
		}
	}
	/* the buffers may not go while the kernel still writes to them */
	do {
		busy = false;
		for (i = 0; i < depth; i++)
			busy |= slots[i].pending > 0;
		if (busy)
			libusb_handle_events_timeout_completed(t->ctx, &tick, NULL);
	} while (busy);
out:
	for (i = 0; slots && i < depth; i++) {
		for (d = 0; d < 2; d++) {
			libusb_free_transfer(slots[i].xfer[d]);
			free(slots[i].buf[d]);
		}
	}
	free(slots);
	free(expect);
	return rc;
}
