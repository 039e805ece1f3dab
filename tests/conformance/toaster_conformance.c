// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-conformance: the toaster's firmware checked against
 * include/uapi/toaster_proto.h over the wire, through libusb and usbfs,
 * with no driver in between.  A kselftest: KTAP on stdout, one result per
 * check, through the kernel's kselftest.h.
 *
 * Every check compares what the toaster did with what the protocol says,
 * so each can fail: a request that must stall is a failure when it
 * succeeds, a value that must change is read back.  Sections run in order
 * and each starts from the state the previous one left; the toaster's
 * settings are restored at the end whatever failed.  The plan counts every
 * check of every section; the checks a section could not get to after a
 * failure are reported as skipped, so the plan always adds up.
 */
#define _DEFAULT_SOURCE /* le16toh(), clock_gettime(), nanosleep() */
#include <endian.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/usb/ch9.h>

#include "kselftest.h"
#include "toaster_clock.h"
#include "toaster_usb_dev.h"

/*
 * A toast is watched from a cool start: the emulator heats at 20 C per
 * device second up to 200 C, so from 150 C or below the heating phase lasts
 * long enough (a quarter of a second at time scale 10) to be seen in the
 * notifications rather than merged into the toasting one.
 */
#define TOASTER_CONF_COOL_C		150
#define TOASTER_CONF_COOL_WAIT_MS	120000
/* How long after a toast is due its end may still be notified. */
#define TOASTER_CONF_TOAST_SLACK_MS	30000
#define TOASTER_CONF_NOTIFY_MS		5000
/* A burn pattern's echo would show up well within this. */
#define TOASTER_CONF_NO_ECHO_MS		500

struct toaster_conf {
	struct toaster_usb	*t;
	char			usb_serial[128];	/* "" if unreadable */
	/* the latest check that failed, for the ones skipped after it */
	char			failed[160];
};

__attribute__((format(printf, 4, 5)))
static bool toaster_conf_check(struct toaster_conf *c, bool ok, const char *what,
			       const char *why, ...)
{
	char text[512];
	va_list ap;

	if (ok) {
		ksft_test_result_pass("%s\n", what);
		return true;
	}
	va_start(ap, why);
	vsnprintf(text, sizeof(text), why, ap);
	va_end(ap);
	/* the why before the result, as KTAP has diagnostics */
	ksft_print_msg("%s: %s\n", what, text);
	ksft_test_result_fail("%s\n", what);
	snprintf(c->failed, sizeof(c->failed), "%s", what);
	return false;
}

/* For a check's title: a formatted string that lives until the next call. */
__attribute__((format(printf, 1, 2)))
static const char *toaster_conf_what(const char *fmt, ...)
{
	static char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

/* A request's result in words; two may be used in one message. */
static const char *toaster_conf_rc(int rc)
{
	static char buf[2][48];
	static int which;

	which ^= 1;
	if (rc >= 0)
		snprintf(buf[which], sizeof(buf[which]), "success (%d bytes)", rc);
	else
		snprintf(buf[which], sizeof(buf[which]), "%s", libusb_error_name(rc));
	return buf[which];
}

static const char *toaster_conf_st(const struct toaster_host_status *st)
{
	static char buf[2][128];
	static int which;

	which ^= 1;
	snprintf(buf[which], sizeof(buf[which]),
		 "state %s, darkness %u, flags 0x%02x, %d C, %u ms left, seq %u",
		 toaster_state_name(st->state), st->darkness, st->flags,
		 st->temperature_c, st->remaining_ms, st->seq);
	return buf[which];
}

/* A status the checks depend on; its failure is a failed check too. */
static bool toaster_conf_get_status(struct toaster_conf *c, struct toaster_host_status *st)
{
	int rc = toaster_usb_get_status(c->t, st);

	if (rc)
		toaster_conf_check(c, false, "GET_STATUS", "%s", toaster_conf_rc(rc));
	return rc == 0;
}

static bool toaster_conf_expect_stall(struct toaster_conf *c, uint8_t type,
				      uint8_t request, uint16_t value, uint16_t index,
				      uint16_t len, const char *what)
{
	unsigned char buf[64];
	int rc;

	rc = toaster_usb_vendor_raw(c->t, type, request, value, index,
				    len ? buf : NULL, len);
	return toaster_conf_check(c, rc == LIBUSB_ERROR_PIPE, what,
				  "want a stall, got %s", toaster_conf_rc(rc));
}

/* ------------------------------------------------------------------ */
/* descriptors */

struct toaster_conf_cfg {
	uint16_t		total;
	uint8_t			num_interfaces;	/* as the header declares */
	unsigned int		interfaces;	/* as found */
	uint8_t			cls, subclass, protocol, num_endpoints;
	/*
	 * Every endpoint descriptor in the set, as libusb would parse them
	 * (wMaxPacketSize in host order), for toaster_usb_find_endpoints()
	 */
	unsigned int		endpoints;
	struct libusb_endpoint_descriptor ep[8];
	const char		*malformed;
};

/* Walks a configuration (or other-speed configuration) descriptor set. */
static void toaster_conf_parse_config(const unsigned char *b, int len,
				      struct toaster_conf_cfg *cfg)
{
	struct usb_config_descriptor config;
	struct usb_interface_descriptor intf;
	struct usb_endpoint_descriptor epd;
	struct libusb_endpoint_descriptor *ep;
	int i;

	memset(cfg, 0, sizeof(*cfg));
	if (len < USB_DT_CONFIG_SIZE) {
		cfg->malformed = "shorter than a configuration descriptor";
		return;
	}
	memcpy(&config, b, USB_DT_CONFIG_SIZE);
	cfg->total = le16toh(config.wTotalLength);
	cfg->num_interfaces = config.bNumInterfaces;
	for (i = 0; i + 2 <= len; i += b[i]) {
		if (b[i] < 2 || i + b[i] > len) {
			cfg->malformed = "a descriptor's bLength runs past the end";
			return;
		}
		switch (b[i + 1]) {
		case USB_DT_INTERFACE:
			if (b[i] < USB_DT_INTERFACE_SIZE) {
				cfg->malformed = "short interface descriptor";
				return;
			}
			memcpy(&intf, b + i, USB_DT_INTERFACE_SIZE);
			if (cfg->interfaces++ == 0) {
				cfg->num_endpoints = intf.bNumEndpoints;
				cfg->cls = intf.bInterfaceClass;
				cfg->subclass = intf.bInterfaceSubClass;
				cfg->protocol = intf.bInterfaceProtocol;
			}
			break;
		case USB_DT_ENDPOINT:
			if (b[i] < USB_DT_ENDPOINT_SIZE) {
				cfg->malformed = "short endpoint descriptor";
				return;
			}
			if (cfg->endpoints >= ARRAY_SIZE(cfg->ep)) {
				cfg->malformed = "too many endpoints";
				return;
			}
			memset(&epd, 0, sizeof(epd));
			memcpy(&epd, b + i, USB_DT_ENDPOINT_SIZE);
			ep = &cfg->ep[cfg->endpoints++];
			ep->bLength = epd.bLength;
			ep->bDescriptorType = epd.bDescriptorType;
			ep->bEndpointAddress = epd.bEndpointAddress;
			ep->bmAttributes = epd.bmAttributes;
			ep->wMaxPacketSize = le16toh(epd.wMaxPacketSize);
			ep->bInterval = epd.bInterval;
			break;
		default:
			break;
		}
	}
}

/* bits 12:11 are extra transactions per microframe, not the size */
static unsigned int toaster_conf_maxp(const struct libusb_endpoint_descriptor *ep)
{
	return ep->wMaxPacketSize & USB_ENDPOINT_MAXP_MASK;
}

/* Fetches configuration descriptor type (CONFIG or OTHER_SPEED_CONFIG). */
static int toaster_conf_get_config(struct toaster_conf *c, uint8_t type,
				   unsigned char *buf, int size)
{
	int rc, total;

	rc = libusb_get_descriptor(c->t->handle, type, 0, buf, USB_DT_CONFIG_SIZE);
	if (rc < USB_DT_CONFIG_SIZE)
		return rc < 0 ? rc : LIBUSB_ERROR_IO;
	total = buf[2] | buf[3] << 8;
	if (total > size)
		total = size;
	return libusb_get_descriptor(c->t->handle, type, 0, buf, total);
}

static void toaster_conf_check_config(struct toaster_conf *c, const char *label,
				      const unsigned char *buf, int len, bool high_speed)
{
	const struct libusb_endpoint_descriptor *out, *in, *intr;
	struct libusb_interface_descriptor alt;
	struct toaster_usb_eps eps;
	struct toaster_conf_cfg cfg;
	char problem[160], list[160];
	unsigned int i, j, num;
	bool ok;

	toaster_conf_parse_config(buf, len, &cfg);
	if (!toaster_conf_check(c, !cfg.malformed && cfg.total == len,
				toaster_conf_what("%s descriptors: well formed, wTotalLength %d bytes all there",
						  label, len),
				"%s", cfg.malformed ? cfg.malformed : "wTotalLength differs"))
		return;

	toaster_conf_check(c, cfg.num_interfaces == 1 && cfg.interfaces == 1 &&
			   cfg.cls == TOASTER_INTERFACE_CLASS &&
			   cfg.subclass == TOASTER_INTERFACE_SUBCLASS &&
			   cfg.protocol == TOASTER_INTERFACE_PROTOCOL &&
			   cfg.num_endpoints == 3,
			   toaster_conf_what("%s: one interface, class %02x/%02x/%02x, 3 endpoints", label,
					     TOASTER_INTERFACE_CLASS, TOASTER_INTERFACE_SUBCLASS,
					     TOASTER_INTERFACE_PROTOCOL),
			   "bNumInterfaces %u (%u found), class %02x/%02x/%02x, bNumEndpoints %u",
			   cfg.num_interfaces, cfg.interfaces, cfg.cls, cfg.subclass,
			   cfg.protocol, cfg.num_endpoints);

	/*
	 * The protocol fixes the kinds of endpoint, not their addresses: they
	 * are found by type and direction, as toaster-usb and the driver
	 * find them.
	 */
	memset(&alt, 0, sizeof(alt));
	alt.bNumEndpoints = (uint8_t)cfg.endpoints;
	alt.endpoint = cfg.ep;
	toaster_usb_find_endpoints(&alt, &eps);
	if (!toaster_conf_check(c, toaster_usb_eps_exact(&eps),
				toaster_conf_what("%s: exactly one bulk OUT, one bulk IN and one interrupt IN endpoint",
						  label),
				"%s (the endpoints: %s)",
				toaster_usb_eps_problem(&eps, problem, sizeof(problem)),
				toaster_usb_eps_list(&alt, list, sizeof(list))))
		return;
	out = eps.ep[TOASTER_USB_EP_BULK_OUT];
	in = eps.ep[TOASTER_USB_EP_BULK_IN];
	intr = eps.ep[TOASTER_USB_EP_INT_IN];

	/* USB 2.0 9.6.6: numbers 1..15, bits 6:4 reserved; one address each */
	ok = true;
	for (i = 0; i < cfg.endpoints; i++) {
		num = cfg.ep[i].bEndpointAddress & LIBUSB_ENDPOINT_ADDRESS_MASK;
		ok &= num != 0 && !(cfg.ep[i].bEndpointAddress & 0x70);
		for (j = 0; j < i; j++)
			ok &= cfg.ep[j].bEndpointAddress != cfg.ep[i].bEndpointAddress;
	}
	toaster_conf_check(c, ok,
			   toaster_conf_what("%s: endpoint addresses valid (numbers 1 to 15) and distinct",
					     label),
			   "%s", list);

	/* USB 2.0 5.8.3: high speed bulk is 512 exactly; full speed 8..64 */
	if (high_speed)
		toaster_conf_check(c, toaster_conf_maxp(out) == 512 && toaster_conf_maxp(in) == 512,
				   toaster_conf_what("%s: bulk wMaxPacketSize 512 at high speed", label),
				   "OUT %u, IN %u", toaster_conf_maxp(out), toaster_conf_maxp(in));
	else
		toaster_conf_check(c, (toaster_conf_maxp(out) == 8 || toaster_conf_maxp(out) == 16 ||
				       toaster_conf_maxp(out) == 32 || toaster_conf_maxp(out) == 64) &&
				   toaster_conf_maxp(out) == toaster_conf_maxp(in),
				   toaster_conf_what("%s: bulk wMaxPacketSize 8, 16, 32 or 64 at full speed",
						     label),
				   "OUT %u, IN %u", toaster_conf_maxp(out), toaster_conf_maxp(in));

	toaster_conf_check(c, toaster_conf_maxp(intr) >= sizeof(struct toaster_wire_status) &&
			   intr->bInterval == (high_speed ? TOASTER_INT_INTERVAL_HS
					       : TOASTER_INT_INTERVAL_FS),
			   toaster_conf_what("%s: interrupt IN holds a %zu byte status, bInterval %u",
					     label, sizeof(struct toaster_wire_status),
					     high_speed ? TOASTER_INT_INTERVAL_HS : TOASTER_INT_INTERVAL_FS),
			   "wMaxPacketSize %u, bInterval %u", toaster_conf_maxp(intr), intr->bInterval);
}

static void toaster_conf_descriptors(struct toaster_conf *c)
{
	static const char *const string_names[] = {
		"manufacturer", "product", "serial number",
	};
	libusb_device_handle *h = c->t->handle;
	bool high = c->t->speed == LIBUSB_SPEED_HIGH;
	struct usb_qualifier_descriptor qual;
	struct usb_device_descriptor dev;
	unsigned char buf[512], s[128];
	uint8_t strings[3];
	unsigned int i;
	int rc;

	rc = libusb_get_descriptor(h, LIBUSB_DT_DEVICE, 0, buf, USB_DT_DEVICE_SIZE);
	if (!toaster_conf_check(c, rc == USB_DT_DEVICE_SIZE && buf[1] == USB_DT_DEVICE,
				"GET_DESCRIPTOR(device) returns a device descriptor",
				"%s", toaster_conf_rc(rc)))
		return;
	memcpy(&dev, buf, USB_DT_DEVICE_SIZE);
	toaster_conf_check(c, le16toh(dev.idVendor) == TOASTER_VENDOR_ID &&
			   le16toh(dev.idProduct) == TOASTER_PRODUCT_ID,
			   toaster_conf_what("device: idVendor:idProduct %04x:%04x",
					     TOASTER_VENDOR_ID, TOASTER_PRODUCT_ID),
			   "%04x:%04x", le16toh(dev.idVendor), le16toh(dev.idProduct));
	toaster_conf_check(c, le16toh(dev.bcdDevice) == TOASTER_BCD_DEVICE,
			   toaster_conf_what("device: bcdDevice %04x", TOASTER_BCD_DEVICE),
			   "%04x", le16toh(dev.bcdDevice));
	toaster_conf_check(c, dev.bNumConfigurations == 1, "device: one configuration",
			   "bNumConfigurations %u", dev.bNumConfigurations);

	/* read back from the device, not from the kernel's copy */
	rc = toaster_conf_get_config(c, LIBUSB_DT_CONFIG, buf, sizeof(buf));
	if (toaster_conf_check(c, rc > 0, "GET_DESCRIPTOR(configuration)", "%s", toaster_conf_rc(rc)))
		toaster_conf_check_config(c, high ? "high speed configuration"
					  : "full speed configuration",
					  buf, rc, high);

	/* a high-speed capable device describes its other speed too */
	memset(&qual, 0, sizeof(qual));
	rc = libusb_get_descriptor(h, USB_DT_DEVICE_QUALIFIER, 0, buf, sizeof(qual));
	if (rc == (int)sizeof(qual))
		memcpy(&qual, buf, sizeof(qual));
	if (toaster_conf_check(c, rc == (int)sizeof(qual) &&
			       qual.bDescriptorType == USB_DT_DEVICE_QUALIFIER &&
			       qual.bNumConfigurations == 1,
			       "device qualifier: one other-speed configuration",
			       "%s, bNumConfigurations %u", toaster_conf_rc(rc),
			       qual.bNumConfigurations)) {
		rc = toaster_conf_get_config(c, USB_DT_OTHER_SPEED_CONFIG, buf, sizeof(buf));
		if (toaster_conf_check(c, rc > 0 && buf[1] == USB_DT_OTHER_SPEED_CONFIG,
				       "GET_DESCRIPTOR(other speed configuration)", "%s",
				       toaster_conf_rc(rc)))
			toaster_conf_check_config(c, high ? "full speed configuration (other speed)"
						  : "high speed configuration (other speed)",
						  buf, rc, !high);
	}

	strings[0] = dev.iManufacturer;
	strings[1] = dev.iProduct;
	strings[2] = dev.iSerialNumber;
	for (i = 0; i < 3; i++) {
		rc = strings[i] ? libusb_get_string_descriptor_ascii(h, strings[i], s, sizeof(s))
				: LIBUSB_ERROR_NOT_FOUND;
		toaster_conf_check(c, rc > 0, toaster_conf_what("string descriptor: %s", string_names[i]),
				   "index %u: %s", strings[i], toaster_conf_rc(rc));
		if (strings[i] == dev.iSerialNumber && rc > 0)
			snprintf(c->usb_serial, sizeof(c->usb_serial), "%s", (char *)s);
	}
}

/* ------------------------------------------------------------------ */
/* GET_INFO and GET_STATUS */

/* Printable, not empty, and NUL-padded to the end of the field. */
static bool toaster_conf_wire_string_ok(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i]) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
		i++;
	}
	if (!i)
		return false;
	for (; i < len; i++) {
		if (s[i])
			return false;
	}
	return true;
}

static void toaster_conf_info(struct toaster_conf *c)
{
	union {
		struct toaster_wire_info	w;
		unsigned char			b[sizeof(struct toaster_wire_info) + 16];
	} u;
	unsigned char part[8];
	char serial[TOASTER_SERIAL_LEN + 1];
	unsigned int fw, i;
	bool zero = true;
	int rc;

	/* asked for more than there is: the reply must stop at its size */
	memset(&u, 0, sizeof(u));
	rc = toaster_usb_vendor_raw(c->t, TOASTER_USB_REQ_IN, TOASTER_REQ_GET_INFO, 0,
				    c->t->ifnum, u.b, sizeof(u.b));
	if (!toaster_conf_check(c, rc == (int)sizeof(u.w),
				toaster_conf_what("GET_INFO returns %zu bytes (asked for %zu)",
						  sizeof(u.w), sizeof(u.b)),
				"%s", toaster_conf_rc(rc)))
		return;

	toaster_conf_check(c, le16toh(u.w.protocol_version) == TOASTER_PROTOCOL_VERSION,
			   toaster_conf_what("GET_INFO: protocol_version %u", TOASTER_PROTOCOL_VERSION),
			   "%u", le16toh(u.w.protocol_version));
	fw = le16toh(u.w.firmware_version);
	toaster_conf_check(c, (fw & 0xf) <= 9 && (fw >> 4 & 0xf) <= 9 && (fw >> 8 & 0xf) <= 9 &&
			   (fw >> 12) <= 9,
			   "GET_INFO: firmware_version is BCD", "0x%04x", fw);
	toaster_conf_check(c, u.w.slots >= 1, "GET_INFO: at least one slot", "%u", u.w.slots);
	for (i = 0; i < sizeof(u.w.reserved); i++)
		zero &= u.w.reserved[i] == 0;
	toaster_conf_check(c, zero, "GET_INFO: reserved bytes are zero", "%02x %02x %02x",
			   u.w.reserved[0], u.w.reserved[1], u.w.reserved[2]);
	toaster_conf_check(c, toaster_conf_wire_string_ok(u.w.model, sizeof(u.w.model)),
			   "GET_INFO: model is printable and NUL-padded", "%.*s",
			   (int)sizeof(u.w.model), u.w.model);
	toaster_conf_check(c, toaster_conf_wire_string_ok(u.w.serial, sizeof(u.w.serial)),
			   "GET_INFO: serial is printable and NUL-padded", "%.*s",
			   (int)sizeof(u.w.serial), u.w.serial);
	memcpy(serial, u.w.serial, sizeof(u.w.serial));
	serial[sizeof(u.w.serial)] = '\0';
	if (c->usb_serial[0])
		toaster_conf_check(c, strcmp(serial, c->usb_serial) == 0,
				   "GET_INFO: serial matches the USB serial number string",
				   "'%s' vs '%s'", serial, c->usb_serial);
	else
		ksft_test_result_skip("GET_INFO: serial matches the USB serial number string: there is no USB serial number string\n");

	rc = toaster_usb_vendor_raw(c->t, TOASTER_USB_REQ_IN, TOASTER_REQ_GET_INFO, 0,
				    c->t->ifnum, part, sizeof(part));
	toaster_conf_check(c, rc == (int)sizeof(part) && memcmp(part, u.b, sizeof(part)) == 0,
			   toaster_conf_what("GET_INFO with wLength %zu returns the first %zu bytes",
					     sizeof(part), sizeof(part)),
			   "%s", toaster_conf_rc(rc));
}

static void toaster_conf_status(struct toaster_conf *c)
{
	union {
		struct toaster_wire_status	w;
		unsigned char			b[sizeof(struct toaster_wire_status) + 16];
	} u;
	struct toaster_host_status st;
	int rc;

	memset(&u, 0, sizeof(u));
	rc = toaster_usb_vendor_raw(c->t, TOASTER_USB_REQ_IN, TOASTER_REQ_GET_STATUS, 0,
				    c->t->ifnum, u.b, sizeof(u.b));
	if (!toaster_conf_check(c, rc == (int)sizeof(u.w),
				toaster_conf_what("GET_STATUS returns %zu bytes (asked for %zu)",
						  sizeof(u.w), sizeof(u.b)),
				"%s", toaster_conf_rc(rc)))
		return;
	toaster_wire_status_decode(&u.w, &st);
	toaster_conf_check(c, st.state < TOASTER_STATE_COUNT, "GET_STATUS: a known state",
			   "%u", st.state);
	toaster_conf_check(c, st.darkness >= TOASTER_DARKNESS_MIN &&
			   st.darkness <= TOASTER_DARKNESS_MAX,
			   toaster_conf_what("GET_STATUS: darkness within %u..%u", TOASTER_DARKNESS_MIN,
					     TOASTER_DARKNESS_MAX),
			   "%u", st.darkness);
	toaster_conf_check(c, !(st.flags & ~(TOASTER_FLAG_LOCKED | TOASTER_FLAG_LOOPBACK)),
			   "GET_STATUS: no unknown flags", "0x%02x", st.flags);
	toaster_conf_check(c, st.event == TOASTER_EVENT_NONE,
			   "GET_STATUS: event NONE (it is a reply, not a notification)",
			   "%u", st.event);
	toaster_conf_check(c, st.temperature_c >= -50 && st.temperature_c <= 500,
			   "GET_STATUS: a temperature a toaster can have", "%d C",
			   st.temperature_c);
	toaster_conf_check(c, toaster_state_is_busy(st.state) ? st.remaining_ms > 0 : st.remaining_ms == 0,
			   "GET_STATUS: remaining_ms is 0 exactly when not heating or toasting",
			   "%s", toaster_conf_st(&st));
}

/* ------------------------------------------------------------------ */
/* requests that must work */

/*
 * Sends an OUT request that must be accepted and reads the status after it
 * into *st; the caller checks the effect.  Returns the request's result.
 */
static int toaster_conf_send(struct toaster_conf *c, uint8_t request, uint16_t value,
			     struct toaster_host_status *st)
{
	int rc = toaster_usb_out(c->t, request, value);
	int src = toaster_usb_get_status(c->t, st);

	if (src)
		memset(st, 0, sizeof(*st));
	return rc ? rc : src;
}

static void toaster_conf_settings(struct toaster_conf *c)
{
	static const uint16_t darkness[] = {
		TOASTER_DARKNESS_MIN, TOASTER_DARKNESS_MAX, TOASTER_DARKNESS_DEFAULT,
	};
	struct toaster_host_status before, st;
	uint16_t seq;
	unsigned int i;
	int rc;

	if (!toaster_conf_get_status(c, &before))
		return;
	seq = before.seq;
	for (i = 0; i < ARRAY_SIZE(darkness); i++) {
		rc = toaster_conf_send(c, TOASTER_REQ_SET_DARKNESS, darkness[i], &st);
		toaster_conf_check(c, rc == 0 && st.darkness == darkness[i] &&
				   (st.darkness == before.darkness || toaster_seq_after(st.seq, seq)),
				   toaster_conf_what("SET_DARKNESS %u: accepted, in the status, seq advances",
						     darkness[i]),
				   "%s; %s (seq was %u)", toaster_conf_rc(rc), toaster_conf_st(&st), seq);
		before = st;
		seq = st.seq;
	}

	rc = toaster_conf_send(c, TOASTER_REQ_SET_LOCK, 1, &st);
	toaster_conf_check(c, rc == 0 && (st.flags & TOASTER_FLAG_LOCKED) &&
			   toaster_seq_after(st.seq, seq),
			   "SET_LOCK 1: accepted, LOCKED in the status, seq advances",
			   "%s; %s", toaster_conf_rc(rc), toaster_conf_st(&st));
	before = st;
	rc = toaster_usb_out(c->t, TOASTER_REQ_TOAST, 0);
	toaster_conf_check(c, rc == LIBUSB_ERROR_PIPE, "TOAST while locked stalls",
			   "want a stall, got %s", toaster_conf_rc(rc));
	if (toaster_conf_get_status(c, &st))
		toaster_conf_check(c, st.state == before.state && (st.flags & TOASTER_FLAG_LOCKED),
				   "TOAST while locked changes nothing",
				   "%s, was %s", toaster_conf_st(&st), toaster_conf_st(&before));
	rc = toaster_conf_send(c, TOASTER_REQ_SET_LOCK, 0, &st);
	toaster_conf_check(c, rc == 0 && !(st.flags & TOASTER_FLAG_LOCKED),
			   "SET_LOCK 0: accepted, LOCKED cleared", "%s; %s", toaster_conf_rc(rc),
			   toaster_conf_st(&st));

	rc = toaster_conf_send(c, TOASTER_REQ_SET_LOOPBACK, 1, &st);
	toaster_conf_check(c, rc == 0 && (st.flags & TOASTER_FLAG_LOOPBACK),
			   "SET_LOOPBACK 1: accepted, LOOPBACK in the status", "%s; %s",
			   toaster_conf_rc(rc), toaster_conf_st(&st));
	rc = toaster_conf_send(c, TOASTER_REQ_SET_LOOPBACK, 0, &st);
	toaster_conf_check(c, rc == 0 && !(st.flags & TOASTER_FLAG_LOOPBACK),
			   "SET_LOOPBACK 0: accepted, LOOPBACK cleared", "%s; %s",
			   toaster_conf_rc(rc), toaster_conf_st(&st));

	before = st;
	rc = toaster_conf_send(c, TOASTER_REQ_CANCEL, 0, &st);
	toaster_conf_check(c, rc == 0 && st.state == before.state,
			   "CANCEL with nothing toasting: accepted, state unchanged",
			   "%s; %s, was %s", toaster_conf_rc(rc), toaster_conf_st(&st), toaster_conf_st(&before));
}

/* ------------------------------------------------------------------ */
/* requests that must stall */

static bool toaster_conf_known_request(unsigned int r)
{
	return toaster_request_name(r) != NULL;
}

/* Out of range: each must stall, and change nothing. */
static const struct {
	uint8_t		request;
	uint16_t	value;
	const char	*name;
} toaster_conf_bad[] = {
	{ TOASTER_REQ_SET_DARKNESS, TOASTER_DARKNESS_MIN - 1, "SET_DARKNESS" },
	{ TOASTER_REQ_SET_DARKNESS, TOASTER_DARKNESS_MAX + 1, "SET_DARKNESS" },
	{ TOASTER_REQ_SET_DARKNESS, 0xffff, "SET_DARKNESS" },
	{ TOASTER_REQ_TOAST, TOASTER_DARKNESS_MAX + 1, "TOAST" },
	{ TOASTER_REQ_TOAST, 0xffff, "TOAST" },
	{ TOASTER_REQ_SET_LOCK, 2, "SET_LOCK" },
	{ TOASTER_REQ_SET_LOCK, 0xffff, "SET_LOCK" },
	{ TOASTER_REQ_SET_LOOPBACK, 2, "SET_LOOPBACK" },
	{ TOASTER_REQ_SET_LOOPBACK, 0xffff, "SET_LOOPBACK" },
};

/*
 * The requests the protocol does not have that are worth trying: the
 * edges of the request space and the first number after ours.  Returns how
 * many, at most 4.
 */
static unsigned int toaster_conf_unknown_requests(unsigned int unknown[4])
{
	unsigned int n = 0, r, top = 0;

	for (r = 0; r < TOASTER_REQ_SLOTS; r++) {
		if (toaster_conf_known_request(r))
			top = r;
	}
	for (r = top + 1; r < TOASTER_REQ_SLOTS && toaster_conf_known_request(r); r++)
		;
	if (!toaster_conf_known_request(0))
		unknown[n++] = 0;
	if (r < 0x80)
		unknown[n++] = r;
	if (!toaster_conf_known_request(0x80))
		unknown[n++] = 0x80;
	if (!toaster_conf_known_request(0xff))
		unknown[n++] = 0xff;
	return n;
}

/* The errors section's checks follow the protocol's tables. */
static unsigned int toaster_conf_errors_checks(void)
{
	unsigned int unknown[4], r, known = 0;

	for (r = 0; r < TOASTER_REQ_SLOTS; r++)
		known += toaster_request_desc(r) != NULL;
	/* each unknown both ways, each known the wrong way, two misaddressed */
	return 2 * toaster_conf_unknown_requests(unknown) + known + 2 +
	       ARRAY_SIZE(toaster_conf_bad) + 1;
}

static void toaster_conf_errors(struct toaster_conf *c)
{
	unsigned int unknown[4], nunknown, r, i;
	uint16_t ifnum = c->t->ifnum;
	struct toaster_host_status before, st;

	nunknown = toaster_conf_unknown_requests(unknown);
	for (i = 0; i < nunknown; i++) {
		toaster_conf_expect_stall(c, TOASTER_USB_REQ_IN, (uint8_t)unknown[i], 0, ifnum,
					  sizeof(struct toaster_wire_status),
					  toaster_conf_what("unknown vendor request 0x%02x IN stalls",
							    unknown[i]));
		toaster_conf_expect_stall(c, TOASTER_USB_REQ_OUT, (uint8_t)unknown[i], 0, ifnum, 0,
					  toaster_conf_what("unknown vendor request 0x%02x OUT stalls",
							    unknown[i]));
	}

	/* a request the wrong way round is as unknown as any */
	for (r = 0; r < TOASTER_REQ_SLOTS; r++) {
		const struct toaster_request_desc *desc = toaster_request_desc(r);

		if (!desc)
			continue;
		if (desc->dir == TOASTER_REQ_DIR_IN)
			toaster_conf_expect_stall(c, TOASTER_USB_REQ_OUT, desc->request, 0, ifnum, 0,
						  toaster_conf_what("%s as an OUT request stalls",
								    desc->name));
		else
			toaster_conf_expect_stall(c, TOASTER_USB_REQ_IN, desc->request,
						  TOASTER_DARKNESS_DEFAULT, ifnum, 1,
						  toaster_conf_what("%s as an IN request stalls",
								    desc->name));
	}
	toaster_conf_expect_stall(c, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR |
				  LIBUSB_RECIPIENT_DEVICE, TOASTER_REQ_GET_STATUS, 0, 0,
				  sizeof(struct toaster_wire_status),
				  "GET_STATUS addressed to the device, not the interface, stalls");
	toaster_conf_expect_stall(c, TOASTER_USB_REQ_IN, TOASTER_REQ_GET_STATUS, 0,
				  (uint16_t)(ifnum + 1), sizeof(struct toaster_wire_status),
				  "GET_STATUS for an interface the toaster does not have stalls");

	if (!toaster_conf_get_status(c, &before))
		return;
	for (i = 0; i < ARRAY_SIZE(toaster_conf_bad); i++)
		toaster_conf_expect_stall(c, TOASTER_USB_REQ_OUT, toaster_conf_bad[i].request,
					  toaster_conf_bad[i].value, ifnum, 0,
					  toaster_conf_what("%s %u (out of range) stalls",
							    toaster_conf_bad[i].name,
							    toaster_conf_bad[i].value));
	if (toaster_conf_get_status(c, &st))
		toaster_conf_check(c, st.darkness == before.darkness && st.flags == before.flags &&
				   !toaster_state_is_busy(st.state),
				   "refused requests changed nothing", "%s, was %s",
				   toaster_conf_st(&st), toaster_conf_st(&before));
}

/* ------------------------------------------------------------------ */
/* toasting and its notifications */

static bool toaster_conf_cool(struct toaster_conf *c)
{
	struct toaster_host_status st;
	int64_t deadline = toaster_now_ms() + TOASTER_CONF_COOL_WAIT_MS;
	bool said = false;

	while (toaster_conf_get_status(c, &st)) {
		if (st.temperature_c <= TOASTER_CONF_COOL_C)
			return true;
		if (!said) {
			ksft_print_msg("waiting for the toaster to cool to %d C (it is %d C)\n",
				       TOASTER_CONF_COOL_C, st.temperature_c);
			said = true;
		}
		if (toaster_now_ms() > deadline || toaster_usb_stop)
			return toaster_conf_check(c, false, "the toaster cools down",
						  "still %d C after %d s", st.temperature_c,
						  TOASTER_CONF_COOL_WAIT_MS / 1000);
		toaster_sleep_ms(200);
	}
	return false;
}

/* Starts from a drained interrupt endpoint; returns the status before. */
static bool toaster_conf_quiet(struct toaster_conf *c, struct toaster_host_status *st)
{
	int rc = toaster_usb_drain_notifications(c->t);

	if (rc < 0)
		return toaster_conf_check(c, false, "reading interrupt IN", "%s", toaster_conf_rc(rc));
	return toaster_conf_get_status(c, st);
}

struct toaster_conf_watch {
	bool		poke_toasting;	/* send TOAST once toasting is notified */
	unsigned int	notifications;	/* about the toast */
	unsigned int	old;		/* older than the status before it */
	unsigned int	early;		/* the toaster cooling, before the toast began */
	bool		started;
	bool		seen_new;
	uint16_t	last_seq;
	unsigned int	bad_size;
	int		bad_len;
	unsigned int	no_event;
	unsigned int	unordered;	/* seq not after the previous one */
	unsigned int	silent_changes;	/* state changed, event not STATE */
	unsigned int	heating_temps;	/* TEMPERATURE events while heating */
	uint8_t		states[8];	/* each state notified, in order */
	unsigned int	nstates;
	uint8_t		state;		/* the latest known */
	bool		over;
	bool		tried_toasting;
	int		toasting_rc;
	struct toaster_host_status last;
};

static void toaster_conf_watch_one(struct toaster_conf *c, struct toaster_conf_watch *w,
				   const struct toaster_host_status *st)
{
	w->notifications++;
	if (st->event != TOASTER_EVENT_STATE && st->event != TOASTER_EVENT_TEMPERATURE &&
	    st->event != TOASTER_EVENT_SETTINGS)
		w->no_event++;
	if (st->state != w->state || !w->nstates) {
		if (st->state != w->state && st->event != TOASTER_EVENT_STATE)
			w->silent_changes++;
		if (w->nstates < sizeof(w->states))
			w->states[w->nstates] = st->state;
		w->nstates++;
	}
	w->state = st->state;
	if (st->state == TOASTER_STATE_HEATING && st->event == TOASTER_EVENT_TEMPERATURE)
		w->heating_temps++;
	/* the second refusal, at the other busy state */
	if (w->poke_toasting && st->state == TOASTER_STATE_TOASTING && !w->tried_toasting) {
		w->tried_toasting = true;
		w->toasting_rc = toaster_usb_out(c->t, TOASTER_REQ_TOAST, TOASTER_DARKNESS_MIN);
	}
	w->last = *st;
	w->over = st->state == TOASTER_STATE_DONE || st->state == TOASTER_STATE_CANCELLED ||
		  st->state == TOASTER_STATE_FAULT;
}

/*
 * Reads notifications newer than since until one shows a finished toast or
 * the deadline passes.  Returns 0 or a libusb error.
 */
static int toaster_conf_follow(struct toaster_conf *c, struct toaster_conf_watch *w,
			       const struct toaster_host_status *since, int64_t deadline)
{
	struct toaster_host_status st;
	int rc, len;

	w->last = *since;
	w->state = since->state;
	while (!w->over && toaster_now_ms() < deadline && !toaster_usb_stop) {
		rc = toaster_usb_notification(c->t, &st, &len, 100);
		if (rc == LIBUSB_ERROR_TIMEOUT)
			continue;
		if (rc)
			return rc;
		if ((size_t)len != sizeof(struct toaster_wire_status)) {
			w->bad_size++;
			w->bad_len = len;
			continue;
		}
		/* older than the status we started from: not about this toast */
		if (!w->seen_new && !toaster_seq_after(st.seq, since->seq)) {
			w->old++;
			continue;
		}
		if (w->seen_new && !toaster_seq_after(st.seq, w->last_seq))
			w->unordered++;
		w->seen_new = true;
		w->last_seq = st.seq;
		/*
		 * Snapshotted between that status and the TOAST: the toaster
		 * still cooling from the last one.  A state change, though,
		 * is news about the toast whatever the state.
		 */
		if (!w->started && !toaster_state_is_busy(st.state) &&
		    st.event != TOASTER_EVENT_STATE) {
			w->early++;
			continue;
		}
		w->started = true;
		toaster_conf_watch_one(c, w, &st);
	}
	return 0;
}

static const char *toaster_conf_states(const struct toaster_conf_watch *w)
{
	static char buf[128];
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < w->nstates && i < sizeof(w->states); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " -> " : "",
					toaster_state_name(w->states[i]));
	return w->nstates ? buf : "none";
}

static void toaster_conf_toast(struct toaster_conf *c)
{
	struct toaster_host_status before, st, after;
	struct toaster_conf_watch w;
	bool heating_seen, seq_ok;
	int rc;

	if (!toaster_conf_cool(c) || !toaster_conf_quiet(c, &before))
		return;
	rc = toaster_conf_send(c, TOASTER_REQ_TOAST, TOASTER_DARKNESS_MIN, &st);
	if (!toaster_conf_check(c, rc == 0 && toaster_state_is_busy(st.state) &&
				st.darkness == TOASTER_DARKNESS_MIN && st.remaining_ms > 0 &&
				toaster_seq_after(st.seq, before.seq),
				toaster_conf_what("TOAST %u: accepted, heating at darkness %u, time remaining, seq advances",
						  TOASTER_DARKNESS_MIN, TOASTER_DARKNESS_MIN),
				"%s; %s (seq was %u)", toaster_conf_rc(rc), toaster_conf_st(&st), before.seq))
		return;
	heating_seen = st.state == TOASTER_STATE_HEATING;
	rc = toaster_usb_out(c->t, TOASTER_REQ_TOAST, TOASTER_DARKNESS_MIN);
	toaster_conf_check(c, rc == LIBUSB_ERROR_PIPE,
			   heating_seen ? "TOAST while heating stalls"
			   : "TOAST while toasting stalls (heating was already over)",
			   "want a stall, got %s", toaster_conf_rc(rc));

	memset(&w, 0, sizeof(w));
	w.poke_toasting = true;
	rc = toaster_conf_follow(c, &w, &before,
				 toaster_now_ms() + 2 * (int64_t)st.remaining_ms + TOASTER_CONF_TOAST_SLACK_MS);
	if (!toaster_conf_check(c, rc == 0, "reading notifications on interrupt IN", "%s",
				toaster_conf_rc(rc)))
		return;
	if (w.old || w.early)
		ksft_print_msg("%u notification(s) from before the toast skipped\n", w.old + w.early);
	toaster_conf_check(c, w.over, "the toast ends and a notification says so",
			   "%u notifications, states %s, last %s", w.notifications,
			   toaster_conf_states(&w), toaster_conf_st(&w.last));
	toaster_conf_check(c, !w.bad_size,
			   toaster_conf_what("notifications are %zu bytes, one status each",
					     sizeof(struct toaster_wire_status)),
			   "%u of %d bytes", w.bad_size, w.bad_len);
	seq_ok = w.seen_new && !w.unordered;
	toaster_conf_check(c, seq_ok, "notification seq strictly increases",
			   "%u notifications, %u not after the one before",
			   w.notifications + w.early, w.unordered);
	toaster_conf_check(c, w.notifications && !w.no_event,
			   "notifications carry an event (state, temperature or settings)",
			   "%u without", w.no_event);
	toaster_conf_check(c, w.nstates == 3 && w.states[0] == TOASTER_STATE_HEATING &&
			   w.states[1] == TOASTER_STATE_TOASTING && w.states[2] == TOASTER_STATE_DONE,
			   "notified states: heating -> toasting -> done", "%s",
			   toaster_conf_states(&w));
	toaster_conf_check(c, w.notifications && !w.silent_changes,
			   "every state change is notified with event STATE",
			   "%u changes with another event", w.silent_changes);
	toaster_conf_check(c, w.heating_temps > 0, "temperature notifications while heating",
			   "none among %u notifications", w.notifications);
	toaster_conf_check(c, w.tried_toasting && w.toasting_rc == LIBUSB_ERROR_PIPE,
			   "TOAST while toasting stalls", "%s",
			   w.tried_toasting ? toaster_conf_rc(w.toasting_rc) : "never saw toasting");

	if (!toaster_conf_get_status(c, &after))
		return;
	toaster_conf_check(c, after.state == TOASTER_STATE_DONE && after.remaining_ms == 0 &&
			   after.toasts == before.toasts + 1 &&
			   !toaster_seq_after(w.last.seq, after.seq),
			   "after the toast: done, nothing remaining, one more toast counted",
			   "%s, toasts %u (was %u), last notification seq %u", toaster_conf_st(&after),
			   after.toasts, before.toasts, w.last.seq);
}

static void toaster_conf_cancel(struct toaster_conf *c)
{
	struct toaster_host_status before, st;
	struct toaster_conf_watch w;
	int rc;

	if (!toaster_conf_quiet(c, &before))
		return;
	rc = toaster_conf_send(c, TOASTER_REQ_TOAST, TOASTER_DARKNESS_MAX, &st);
	if (!toaster_conf_check(c, rc == 0 && toaster_state_is_busy(st.state) &&
				st.darkness == TOASTER_DARKNESS_MAX,
				toaster_conf_what("TOAST %u: accepted, at darkness %u", TOASTER_DARKNESS_MAX,
						  TOASTER_DARKNESS_MAX),
				"%s; %s", toaster_conf_rc(rc), toaster_conf_st(&st)))
		return;
	rc = toaster_conf_send(c, TOASTER_REQ_CANCEL, 0, &st);
	toaster_conf_check(c, rc == 0 && st.state == TOASTER_STATE_CANCELLED &&
			   st.remaining_ms == 0 && st.toasts == before.toasts,
			   "CANCEL while toasting: cancelled, nothing remaining, no toast counted",
			   "%s; %s, toasts %u (was %u)", toaster_conf_rc(rc), toaster_conf_st(&st),
			   st.toasts, before.toasts);
	memset(&w, 0, sizeof(w));
	rc = toaster_conf_follow(c, &w, &before, toaster_now_ms() + TOASTER_CONF_NOTIFY_MS);
	toaster_conf_check(c, rc == 0 && w.over && w.last.state == TOASTER_STATE_CANCELLED &&
			   w.last.event == TOASTER_EVENT_STATE,
			   "CANCEL is notified: state cancelled, event STATE", "%s; states %s",
			   toaster_conf_rc(rc), toaster_conf_states(&w));

	/* TOAST 0 cooks at whatever the knob says */
	rc = toaster_usb_out(c->t, TOASTER_REQ_SET_DARKNESS, TOASTER_DARKNESS_MIN + 1);
	if (rc == 0)
		rc = toaster_conf_send(c, TOASTER_REQ_TOAST, 0, &st);
	toaster_conf_check(c, rc == 0 && toaster_state_is_busy(st.state) &&
			   st.darkness == TOASTER_DARKNESS_MIN + 1,
			   toaster_conf_what("TOAST 0 toasts at the current darkness (%u)",
					     TOASTER_DARKNESS_MIN + 1),
			   "%s; %s", toaster_conf_rc(rc), toaster_conf_st(&st));
	rc = toaster_conf_send(c, TOASTER_REQ_CANCEL, 0, &st);
	toaster_conf_check(c, rc == 0 && !toaster_state_is_busy(st.state), "CANCEL stops it",
			   "%s; %s", toaster_conf_rc(rc), toaster_conf_st(&st));
}

/* ------------------------------------------------------------------ */
/* bulk: loopback and burn patterns */

static void toaster_conf_loopback(struct toaster_conf *c)
{
	static const size_t sizes[] = { 1, 511, 512, 513, 4096, 65536 };
	struct toaster_loopback_result res;
	struct toaster_host_status st;
	unsigned int i;
	int rc;

	rc = toaster_conf_send(c, TOASTER_REQ_SET_LOOPBACK, 1, &st);
	if (!toaster_conf_check(c, rc == 0 && (st.flags & TOASTER_FLAG_LOOPBACK),
				"SET_LOOPBACK 1 for the loopback checks", "%s; %s",
				toaster_conf_rc(rc), toaster_conf_st(&st)))
		return;
	rc = toaster_usb_drain_bulk_in(c->t);
	if (rc > 0)
		ksft_print_msg("%d stale bytes on bulk IN thrown away\n", rc);
	for (i = 0; i < ARRAY_SIZE(sizes) && !toaster_usb_stop; i++) {
		/* two in flight: the second must not run into the first */
		rc = toaster_usb_loopback(c->t, sizes[i], 2, 2, &res);
		if (rc || !res.mismatch)
			toaster_conf_check(c, rc == 0 && res.done == 2,
					   toaster_conf_what("loopback: 2 x %zu bytes echoed intact",
							     sizes[i]),
					   "%s after %u transfers", toaster_conf_rc(rc), res.done);
		else
			toaster_conf_check(c, false,
					   toaster_conf_what("loopback: 2 x %zu bytes echoed intact",
							     sizes[i]),
					   "transfer %u: %zu bytes back, first difference at byte %zu (0x%02x, sent 0x%02x)",
					   res.bad_iteration, res.bad_length, res.bad_offset,
					   res.got, res.want);
		/* whatever a failure left behind must not fail the next size */
		if (rc || res.mismatch)
			toaster_usb_drain_bulk_in(c->t);
	}
	rc = toaster_conf_send(c, TOASTER_REQ_SET_LOOPBACK, 0, &st);
	toaster_conf_check(c, rc == 0 && !(st.flags & TOASTER_FLAG_LOOPBACK),
			   "SET_LOOPBACK 0 after the loopback checks", "%s; %s", toaster_conf_rc(rc),
			   toaster_conf_st(&st));
}

static void toaster_conf_burn(struct toaster_conf *c)
{
	static unsigned char buf[TOASTER_BURN_MAX];
	static const size_t sizes[] = { 100, TOASTER_BURN_MAX };
	struct toaster_host_status st;
	size_t got, i;
	int rc;

	if (!toaster_conf_get_status(c, &st) ||
	    !toaster_conf_check(c, !(st.flags & TOASTER_FLAG_LOOPBACK),
				"loopback is off for the burn patterns", "%s", toaster_conf_st(&st)))
		return;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + (i >> 8));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		rc = toaster_usb_bulk_out(c->t, buf, sizes[i], TOASTER_USB_BULK_TIMEOUT_MS);
		toaster_conf_check(c, rc == (int)sizes[i],
				   toaster_conf_what("burn pattern of %zu bytes accepted on bulk OUT%s",
						     sizes[i], sizes[i] == TOASTER_BURN_MAX ?
						     " (TOASTER_BURN_MAX)" : ""),
				   "%s", toaster_conf_rc(rc));
	}
	rc = toaster_usb_bulk_in(c->t, buf, sizeof(buf), &got, TOASTER_CONF_NO_ECHO_MS);
	toaster_conf_check(c, rc == LIBUSB_ERROR_TIMEOUT && got == 0,
			   "burn patterns are not echoed on bulk IN",
			   "%s, %zu bytes came back", toaster_conf_rc(rc), got);
}

/* ------------------------------------------------------------------ */

static int toaster_conf_restore(struct toaster_conf *c, struct toaster_host_status *st)
{
	int rc;

	rc = toaster_usb_out(c->t, TOASTER_REQ_CANCEL, 0);
	if (!rc)
		rc = toaster_usb_out(c->t, TOASTER_REQ_SET_LOCK, 0);
	if (!rc)
		rc = toaster_usb_out(c->t, TOASTER_REQ_SET_DARKNESS, TOASTER_DARKNESS_DEFAULT);
	if (!rc)
		rc = toaster_usb_out(c->t, TOASTER_REQ_SET_LOOPBACK, 0);
	if (!rc)
		rc = toaster_usb_get_status(c->t, st);
	return rc;
}

static bool toaster_conf_restored(const struct toaster_host_status *st)
{
	return st->darkness == TOASTER_DARKNESS_DEFAULT && !st->flags &&
	       !toaster_state_is_busy(st->state);
}

/*
 * The sections, in the order they run.  Each is counted for the checks it
 * makes when every one passes, so that the plan is known before the first:
 * a count that is wrong fails the run, whatever the toaster did.
 */
static const struct toaster_conf_section {
	const char	*name;
	void		(*run)(struct toaster_conf *c);
	unsigned int	checks;
	unsigned int	(*count)(void);		/* instead of checks, if set */
} toaster_conf_sections[] = {
	{ "descriptors", toaster_conf_descriptors, 22, NULL },
	{ "GET_INFO", toaster_conf_info, 9, NULL },
	{ "GET_STATUS", toaster_conf_status, 7, NULL },
	{ "settings", toaster_conf_settings, 10, NULL },
	{ "refused requests", toaster_conf_errors, 0, toaster_conf_errors_checks },
	{ "toast", toaster_conf_toast, 12, NULL },
	{ "cancel", toaster_conf_cancel, 5, NULL },
	{ "loopback", toaster_conf_loopback, 8, NULL },
	{ "burn patterns", toaster_conf_burn, 4, NULL },
};

/* Besides the sections': the reset before them and the restore after. */
#define TOASTER_CONF_FRAME_CHECKS	2

static unsigned int toaster_conf_section_checks(const struct toaster_conf_section *s)
{
	return s->count ? s->count() : s->checks;
}

static unsigned int toaster_conf_plan(void)
{
	unsigned int i, n = TOASTER_CONF_FRAME_CHECKS;

	for (i = 0; i < ARRAY_SIZE(toaster_conf_sections); i++)
		n += toaster_conf_section_checks(&toaster_conf_sections[i]);
	return n;
}

/*
 * Runs one section and makes up its count: what a failure (or a signal)
 * kept it from checking is skipped.  Fewer checks with nothing to explain
 * them, or more, mean the section's count is wrong, and fail.
 */
static void toaster_conf_section(struct toaster_conf *c,
				 const struct toaster_conf_section *s)
{
	unsigned int want = toaster_conf_section_checks(s), ran;
	unsigned int before = ksft_test_num();
	int failed_before = ksft_get_fail_cnt();
	bool failed;

	if (!toaster_usb_stop)
		s->run(c);
	ran = ksft_test_num() - before;
	failed = ksft_get_fail_cnt() > failed_before;
	if (ran > want)
		ksft_print_msg("the %s section made %u checks, not the %u it is counted for\n",
			       s->name, ran, want);
	for (; ran < want; ran++) {
		if (toaster_usb_stop)
			ksft_test_result_skip("%s: not checked: interrupted\n", s->name);
		else if (failed)
			ksft_test_result_skip("%s: not checked after '%s' failed\n", s->name,
					      c->failed);
		else
			ksft_test_result_fail("%s: a check counted for but never made\n",
					      s->name);
	}
}

enum toaster_conf_end {
	TOASTER_CONF_FINISHED,
	TOASTER_CONF_BAILED,		/* why in c->failed */
	TOASTER_CONF_INTERRUPTED,
};

static enum toaster_conf_end toaster_conf_run(struct toaster_conf *c)
{
	struct toaster_usb *t = c->t;
	struct toaster_host_status st = { 0 };
	size_t i;
	int rc;

	ksft_print_header();
	ksft_set_plan(toaster_conf_plan());
	ksft_print_msg("%04x:%04x on bus %03u device %03u, interface %u, %s speed\n",
		       TOASTER_VENDOR_ID, TOASTER_PRODUCT_ID, t->bus, t->address, t->ifnum,
		       toaster_usb_speed_name(t->speed));
	/* from a known state: whatever ran before may have left it toasting */
	rc = toaster_conf_restore(c, &st);
	if (!toaster_conf_check(c, rc == 0 && toaster_conf_restored(&st),
				toaster_conf_what("reset: CANCEL, SET_LOCK 0, SET_DARKNESS %u, SET_LOOPBACK 0",
						  TOASTER_DARKNESS_DEFAULT),
				"%s; %s", toaster_conf_rc(rc), toaster_conf_st(&st))) {
		snprintf(c->failed, sizeof(c->failed),
			 "the toaster cannot be put in a known state");
		return TOASTER_CONF_BAILED;
	}

	for (i = 0; i < ARRAY_SIZE(toaster_conf_sections); i++) {
		toaster_conf_section(c, &toaster_conf_sections[i]);
		if (toaster_usb_get_status(t, &st) == LIBUSB_ERROR_NO_DEVICE) {
			snprintf(c->failed, sizeof(c->failed), "the toaster went away");
			return TOASTER_CONF_BAILED;
		}
	}

	rc = toaster_conf_restore(c, &st);
	toaster_conf_check(c, rc == 0 && toaster_conf_restored(&st),
			   toaster_conf_what("settings restored: unlocked, darkness %u, loopback off, not toasting",
					     TOASTER_DARKNESS_DEFAULT),
			   "%s; %s", toaster_conf_rc(rc), toaster_conf_st(&st));
	return toaster_usb_stop ? TOASTER_CONF_INTERRUPTED : TOASTER_CONF_FINISHED;
}

static void toaster_conf_usage(FILE *f)
{
	fprintf(f,
		"usage: toaster-conformance [--serial S] [-v]\n"
		"Checks the toaster (%04x:%04x) against its protocol over the wire,\n"
		"through usbfs with libusb, with toaster.ko detached from its interface\n"
		"while it runs.  Reports KTAP, one result per check, and leaves the\n"
		"toaster unlocked, at darkness %d, loopback off, not toasting.\n"
		"\n"
		"Options:\n"
		"  -s, --serial S       the toaster whose USB serial number is S\n"
		"                       (default: the first one found)\n"
		"  -v, --verbose        say which device and endpoints are used\n"
		"  -h, --help           this text\n"
		"\n"
		"Exit status:\n"
		"  0    every check passed (or was skipped)\n"
		"  1    a check failed, or the toaster could not be put in a known\n"
		"       state, or went away (\"Bail out!\")\n"
		"  2    usage error\n"
		"  3    no toaster found, or it could not be opened or claimed\n"
		"  130  interrupted by SIGINT or SIGTERM\n"
		"  (4 is never used: test harnesses read it as \"skipped\")\n",
		TOASTER_VENDOR_ID, TOASTER_PRODUCT_ID, TOASTER_DARKNESS_DEFAULT);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "serial", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct toaster_usb t;
	struct toaster_conf c;
	enum toaster_conf_end end;
	const char *serial = NULL;
	bool verbose = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "s:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			serial = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			toaster_conf_usage(stdout);
			return TOASTER_EXIT_OK;
		default:
			toaster_conf_usage(stderr);
			return TOASTER_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "toaster-conformance: no arguments, only options (see --help)\n");
		return TOASTER_EXIT_USAGE;
	}

	toaster_usb_catch_signals();
	memset(&t, 0, sizeof(t));
	t.prog = "toaster-conformance";
	t.verbose = verbose;
	rc = toaster_usb_open(&t, serial);
	if (rc) {
		toaster_usb_close(&t);
		return rc;
	}
	memset(&c, 0, sizeof(c));
	c.t = &t;
	end = toaster_conf_run(&c);
	/* before exiting: the release gives the interface back to toaster.ko */
	toaster_usb_close(&t);
	switch (end) {
	case TOASTER_CONF_BAILED:
		ksft_exit_fail_msg("%s\n", c.failed);
	case TOASTER_CONF_INTERRUPTED:
		ksft_print_cnts();
		return TOASTER_EXIT_INTERRUPTED;
	default:
		ksft_finished();
	}
}
