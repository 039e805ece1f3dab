// SPDX-License-Identifier: GPL-2.0
/*
 * The hostile toasters, one row each: what it shows and does, and what a
 * correct driver must make of it.  The expectation is a judgement about
 * the driver, not a record of what it does today: a row fails until the
 * driver does the right thing.
 *
 * What usbcore does first matters (drivers/usb/core/config.c): it drops
 * endpoint descriptors it cannot use (endpoint zero, too short, a second
 * one at an address), stores no more endpoints than bNumEndpoints says,
 * clamps a wMaxPacketSize over the speed's largest, and puts an interrupt
 * bInterval out of range back in it.  Those rows are bound or refused for
 * what the driver is left with.  A refusal is one line from the driver
 * (the driver core's "probe ... failed with error" counts: a user reads
 * two lines); a bound toaster logs its attach and its disconnect, and only
 * as much more as its row allows.
 */
#include <errno.h>

#include <asm/byteorder.h>

#include "hostile.h"

#define LE16(v)	__cpu_to_le16(v)
#define LE32(v)	__cpu_to_le32(v)

#define NEEDS	"needs a bulk IN, a bulk OUT and an interrupt IN endpoint"
#define NO_INFO	"cannot read the device information"
#define NO_STATUS "cannot read the status"
#define INT_SMALL "interrupt IN endpoint too small"

/* The steps that use each of the toaster's endpoints once. */
#define EVERY_ENDPOINT	(S(READ) | S(DARKNESS) | S(NOTIFY) | S(LOOPBACK2))
#define DATA		(S(LOOPBACK2) | S(BURN))

static const __u8 cs_interface[] = { 5, 0x24, 0x00, 0x10, 0x01 };
static const __u8 cs_endpoint[] = { 5, 0x25, 0x01, 0x00, 0x00 };
static const __u8 vendor_junk[] = { 6, 0xff, 0xde, 0xad, 0xbe, 0xef };
static const __u8 length_zero[] = { 0, 0xff };

#define RAW(bytes)	{ .raw = bytes, .raw_len = sizeof(bytes) }

static const struct toaster_wire_info info_protocol_2 = {
	.protocol_version = LE16(2), .firmware_version = LE16(0x0200),
	.model = "Toaster 2", .serial = "future",
};

static const struct toaster_wire_info info_unterminated = {
	.protocol_version = LE16(TOASTER_PROTOCOL_VERSION),
	.firmware_version = LE16(0x0102), .slots = 2,
	.model = { 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H',
		   'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P' },
	.serial = { '0', '1', '2', '3', '4', '5', '6', '7',
		    '8', '9', 'a', 'b', 'c', 'd', 'e', 'f' },
};

static const struct toaster_wire_info info_control_chars = {
	.protocol_version = LE16(TOASTER_PROTOCOL_VERSION),
	.firmware_version = LE16(0x0102), .slots = 2,
	.model = "Bad\nModel\x1b[31m", .serial = "S\x7f\x01\t2",
};

/* Latin-1 bytes: to a terminal reading UTF-8, broken sequences. */
static const struct toaster_wire_info info_high_bytes = {
	.protocol_version = LE16(TOASTER_PROTOCOL_VERSION),
	.firmware_version = LE16(0x0102), .slots = 2,
	.model = "Caf\xe9 Toaster", .serial = "\xc0\xff\xee-1",
};

static const struct toaster_wire_status status_extremes = {
	.state = TOASTER_STATE_DONE, .darkness = TOASTER_DARKNESS_MAX,
	.flags = TOASTER_FLAG_LOCKED, .temperature_c = LE16(0x8000),
	.seq = LE16(0xffff), .remaining_ms = LE32(0xffffffff),
	.toasts = LE32(0xffffffff), .errors = LE32(0xfffffffe),
};

static const struct toaster_wire_status status_toasting = {
	.state = TOASTER_STATE_TOASTING, .darkness = 9,
	.temperature_c = LE16(180), .seq = LE16(7), .remaining_ms = LE32(12345),
	.toasts = LE32(3),
};

/* 27 endpoints the toaster does not have, then its own three. */
#define DECOY_OUT(n)	{ .addr = (n), .attr = USB_ENDPOINT_XFER_ISOC, .maxp = MAXP(1024) }
#define DECOY_INT_OUT(n) { .addr = (n), .attr = USB_ENDPOINT_XFER_INT }
#define DECOY_IN(n)	{ .addr = USB_DIR_IN | (n), .attr = USB_ENDPOINT_XFER_ISOC }

const struct hd_device hd_devices[] = {
	/* --- the control: the toaster as it should be, on Raw Gadget --- */
	{ .name = "good-toaster", .what = "nothing wrong: every step",
	  .outcome = HD_BOUND },
	{ .name = "good-full-speed", .what = "a full-speed toaster (64-byte bulk)",
	  .speed = USB_SPEED_FULL, .outcome = HD_BOUND },

	/* --- endpoints missing, mistyped, swapped, duplicated --- */
	{ .name = "no-bulk-in", .what = "bulk OUT and interrupt IN only",
	  .eps = { EP_BULK_OUT, EP_INT_IN }, .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "no-bulk-out", .what = "bulk IN and interrupt IN only",
	  .eps = { EP_BULK_IN, EP_INT_IN }, .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "no-int-in", .what = "the bulk pair only",
	  .eps = { EP_BULK_OUT, EP_BULK_IN }, .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "no-endpoints", .what = "an interface with none",
	  .nintf = 1, .intf = { { .no_eps = true } },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "int-in-typed-bulk", .what = "the interrupt endpoint says bulk",
	  .eps = { EP_BULK_OUT, EP_BULK_IN, { .addr = 0x83, .attr = USB_ENDPOINT_XFER_BULK } },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "int-in-typed-iso", .what = "the interrupt endpoint says isochronous",
	  .eps = { EP_BULK_OUT, EP_BULK_IN, { .addr = 0x83, .attr = USB_ENDPOINT_XFER_ISOC } },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "bulk-out-typed-control", .what = "bulk OUT says control",
	  .eps = { { .addr = 0x01, .attr = USB_ENDPOINT_XFER_CONTROL }, EP_BULK_IN, EP_INT_IN },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "int-out-not-in", .what = "the interrupt endpoint points OUT",
	  .eps = { EP_BULK_OUT, EP_BULK_IN, { .addr = 0x03, .attr = USB_ENDPOINT_XFER_INT } },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "bulk-in-points-out", .what = "two bulk OUTs, no bulk IN",
	  .eps = { EP_BULK_OUT, { .addr = 0x02, .attr = USB_ENDPOINT_XFER_BULK }, EP_INT_IN },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "int-on-endpoint-zero", .what = "interrupt IN at address 0x80",
	  .eps = { EP_BULK_OUT, EP_BULK_IN, { .addr = 0x80, .attr = USB_ENDPOINT_XFER_INT } },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "int-shares-bulk-in-address", .what = "interrupt IN at 0x82, bulk IN's",
	  .eps = { EP_BULK_OUT, EP_BULK_IN, { .addr = 0x82, .attr = USB_ENDPOINT_XFER_INT } },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "types-swapped", .what = "interrupt at 0x82, bulk IN at 0x83",
	  .eps = { EP_BULK_OUT, { .addr = 0x82, .attr = USB_ENDPOINT_XFER_INT },
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_BULK } },
	  .outcome = HD_BOUND, .steps = EVERY_ENDPOINT },
	{ .name = "endpoints-reordered", .what = "interrupt IN first, bulk OUT last",
	  .eps = { EP_INT_IN, EP_BULK_IN, EP_BULK_OUT },
	  .outcome = HD_BOUND, .steps = EVERY_ENDPOINT },
	{ .name = "odd-addresses", .what = "bulk IN 0x81, bulk OUT 0x0f, interrupt 0x8e",
	  .eps = { { .addr = 0x0f, .attr = USB_ENDPOINT_XFER_BULK },
		   { .addr = 0x81, .attr = USB_ENDPOINT_XFER_BULK },
		   { .addr = 0x8e, .attr = USB_ENDPOINT_XFER_INT } },
	  .outcome = HD_BOUND, .steps = EVERY_ENDPOINT },
	{ .name = "address-reserved-bits", .what = "interrupt IN at 0xf3",
	  .eps = { EP_BULK_OUT, EP_BULK_IN, { .addr = 0xf3, .attr = USB_ENDPOINT_XFER_INT } },
	  .outcome = HD_BOUND, .steps = S(NOTIFY) },
	{ .name = "bulk-attr-high-bits", .what = "bulk with bmAttributes 0x3e",
	  .eps = { { .addr = 0x01, .attr = 0x3e }, { .addr = 0x82, .attr = 0x3e }, EP_INT_IN },
	  .outcome = HD_BOUND, .steps = DATA },
	{ .name = "bulk-in-twice", .what = "the same bulk IN descriptor twice",
	  .eps = { EP_BULK_OUT, EP_BULK_IN, EP_BULK_IN, EP_INT_IN },
	  .outcome = HD_BOUND, .steps = S(LOOPBACK2) },
	{ .name = "two-bulk-ins", .what = "bulk IN at 0x82 and 0x84: the first serves",
	  .eps = { EP_BULK_OUT, EP_BULK_IN, { .addr = 0x84, .attr = USB_ENDPOINT_XFER_BULK },
		   EP_INT_IN },
	  .outcome = HD_BOUND, .steps = S(LOOPBACK2) },
	{ .name = "many-endpoints", .what = "30 endpoints, the toaster's three last",
	  .eps = { DECOY_OUT(2), DECOY_OUT(3), DECOY_OUT(4), DECOY_OUT(5), DECOY_OUT(6),
		   DECOY_OUT(7), DECOY_INT_OUT(8), DECOY_INT_OUT(9), DECOY_INT_OUT(10),
		   DECOY_INT_OUT(11), DECOY_OUT(12), DECOY_OUT(13), DECOY_OUT(14),
		   DECOY_OUT(15), DECOY_IN(1), DECOY_IN(4), DECOY_IN(5), DECOY_IN(6),
		   DECOY_IN(7), DECOY_IN(8), DECOY_IN(9), DECOY_IN(10), DECOY_IN(11),
		   DECOY_IN(12), DECOY_IN(13), DECOY_IN(14), DECOY_IN(15),
		   EP_BULK_OUT, EP_BULK_IN, EP_INT_IN },
	  .outcome = HD_BOUND, .steps = EVERY_ENDPOINT },

	/* --- wMaxPacketSize --- */
	{ .name = "maxp-0-bulk-in", .what = "bulk IN wMaxPacketSize 0",
	  .eps = { EP_BULK_OUT, { .addr = 0x82, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(0) },
		   EP_INT_IN },
	  .outcome = HD_REFUSED, .line = "bulk endpoint with a packet size of 0" },
	{ .name = "maxp-0-bulk-out", .what = "bulk OUT wMaxPacketSize 0",
	  .eps = { { .addr = 0x01, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(0) },
		   EP_BULK_IN, EP_INT_IN },
	  .outcome = HD_REFUSED, .line = "bulk endpoint with a packet size of 0" },
	{ .name = "maxp-0-int-in", .what = "interrupt IN wMaxPacketSize 0",
	  .eps = { EP_BULK_OUT, EP_BULK_IN,
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .maxp = MAXP(0) } },
	  .outcome = HD_REFUSED, .line = INT_SMALL " (0 bytes)" },
	{ .name = "maxp-1-int-in", .what = "interrupt IN of one byte",
	  .eps = { EP_BULK_OUT, EP_BULK_IN,
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .maxp = MAXP(1) } },
	  .outcome = HD_REFUSED, .line = INT_SMALL },
	{ .name = "maxp-19-int-in", .what = "interrupt IN a byte short of a status",
	  .eps = { EP_BULK_OUT, EP_BULK_IN,
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .maxp = MAXP(19) } },
	  .outcome = HD_REFUSED, .line = INT_SMALL },
	{ .name = "maxp-mult-only-int-in", .what = "interrupt IN 0x1000: two per microframe of 0 bytes",
	  .eps = { EP_BULK_OUT, EP_BULK_IN,
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .maxp = MAXP(0x1000) } },
	  .outcome = HD_REFUSED, .line = INT_SMALL " (0 bytes)" },
	{ .name = "maxp-20-int-in", .what = "interrupt IN exactly a status long",
	  .eps = { EP_BULK_OUT, EP_BULK_IN,
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .maxp = MAXP(20) } },
	  .outcome = HD_BOUND, .steps = S(NOTIFY) },
	{ .name = "maxp-mult-int-in", .what = "high-bandwidth interrupt IN (0x0814)",
	  .eps = { EP_BULK_OUT, EP_BULK_IN,
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .maxp = MAXP(0x0814) } },
	  .outcome = HD_BOUND, .steps = S(NOTIFY) },
	{ .name = "maxp-2047-int-in", .what = "interrupt IN over the high-speed largest",
	  .eps = { EP_BULK_OUT, EP_BULK_IN,
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .maxp = MAXP(2047) } },
	  .outcome = HD_BOUND, .steps = S(NOTIFY) },
	{ .name = "maxp-1-bulk", .what = "both bulk endpoints of one byte",
	  .eps = { { .addr = 0x01, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(1) },
		   { .addr = 0x82, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(1) }, EP_INT_IN },
	  .outcome = HD_BOUND, .steps = DATA },
	{ .name = "maxp-odd-bulk", .what = "bulk of 511 and 7 bytes",
	  .eps = { { .addr = 0x01, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(511) },
		   { .addr = 0x82, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(7) }, EP_INT_IN },
	  .outcome = HD_BOUND, .steps = DATA },
	{ .name = "maxp-2048-bulk", .what = "bulk of 2048 bytes: clamped to 1024",
	  .eps = { { .addr = 0x01, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(2048) },
		   { .addr = 0x82, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(2048) }, EP_INT_IN },
	  .outcome = HD_BOUND, .steps = DATA },
	{ .name = "maxp-mult-bulk", .what = "bulk with high-bandwidth bits (0x1200)",
	  .eps = { { .addr = 0x01, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(0x1200) },
		   { .addr = 0x82, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(0x1200) }, EP_INT_IN },
	  .outcome = HD_BOUND, .steps = DATA },
	{ .name = "full-speed-bulk-512", .what = "full speed, bulk of 512: clamped to 64",
	  .speed = USB_SPEED_FULL,
	  .eps = { { .addr = 0x01, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(512) },
		   { .addr = 0x82, .attr = USB_ENDPOINT_XFER_BULK, .maxp = MAXP(512) }, EP_INT_IN },
	  .outcome = HD_BOUND, .steps = DATA },

	/* --- bInterval --- */
	{ .name = "interval-0", .what = "interrupt bInterval 0",
	  .eps = { EP_BULK_OUT, EP_BULK_IN,
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .interval = IVAL(0) } },
	  .outcome = HD_BOUND, .steps = S(NOTIFY) },
	{ .name = "interval-255", .what = "interrupt bInterval 255 at high speed",
	  .eps = { EP_BULK_OUT, EP_BULK_IN,
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .interval = IVAL(255) } },
	  .outcome = HD_BOUND, .steps = S(NOTIFY) },
	{ .name = "interval-255-full-speed", .what = "interrupt bInterval 255 ms",
	  .speed = USB_SPEED_FULL,
	  .eps = { EP_BULK_OUT, EP_BULK_IN,
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .interval = IVAL(255) } },
	  .outcome = HD_BOUND, .steps = S(NOTIFY) },

	/* --- bNumEndpoints, lengths, what lies between --- */
	{ .name = "num-endpoints-2-of-3", .what = "bNumEndpoints 2 before three",
	  .nintf = 1, .intf = { { .num_eps = NUM(2) } },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "num-endpoints-0-of-3", .what = "bNumEndpoints 0 before three",
	  .nintf = 1, .intf = { { .num_eps = NUM(0) } },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "num-endpoints-5-of-3", .what = "bNumEndpoints 5 before three",
	  .nintf = 1, .intf = { { .num_eps = NUM(5) } },
	  .outcome = HD_BOUND, .steps = EVERY_ENDPOINT },
	{ .name = "class-descriptors-between", .what = "class-specific descriptors around each",
	  .eps = { RAW(cs_interface), EP_BULK_OUT, RAW(cs_endpoint), EP_BULK_IN,
		   RAW(cs_endpoint), EP_INT_IN, RAW(cs_endpoint) },
	  .outcome = HD_BOUND, .steps = EVERY_ENDPOINT },
	{ .name = "vendor-junk-between", .what = "a vendor descriptor between endpoints",
	  .eps = { EP_BULK_OUT, RAW(vendor_junk), EP_BULK_IN, RAW(vendor_junk), EP_INT_IN },
	  .outcome = HD_BOUND, .steps = EVERY_ENDPOINT },
	{ .name = "audio-length-endpoints", .what = "endpoint descriptors of 9 bytes",
	  .eps = { { .addr = 0x01, .attr = USB_ENDPOINT_XFER_BULK, .length = 9 },
		   { .addr = 0x82, .attr = USB_ENDPOINT_XFER_BULK, .length = 9 },
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .length = 9 } },
	  .outcome = HD_BOUND, .steps = EVERY_ENDPOINT },
	{ .name = "length-0-descriptor", .what = "a descriptor of bLength 0 before interrupt IN",
	  .eps = { EP_BULK_OUT, EP_BULK_IN, RAW(length_zero), EP_INT_IN },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "short-endpoint-descriptor", .what = "interrupt IN's descriptor 6 bytes long",
	  .eps = { EP_BULK_OUT, EP_BULK_IN,
		   { .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT, .length = 6 } },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "total-length-short", .what = "wTotalLength cuts off interrupt IN",
	  .total_delta = -7, .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "total-length-long", .what = "wTotalLength 50 bytes over",
	  .total_delta = 50, .outcome = HD_BOUND, .steps = S(READ) | S(NOTIFY) },

	/* --- where the interface is --- */
	{ .name = "toaster-in-altsetting-1", .what = "altsetting 0 empty, the toaster in 1",
	  .nintf = 2, .intf = { { .no_eps = true }, { .alt = 1 } },
	  .outcome = HD_REFUSED, .line = NEEDS },
	{ .name = "junk-altsetting-1", .what = "the toaster in altsetting 0, junk in 1",
	  .nintf = 2, .intf = { { .alt = 0 },
				{ .alt = 1, .eps = { { .addr = 0x84, .attr = USB_ENDPOINT_XFER_ISOC },
						     { .addr = 0x82, .attr = USB_ENDPOINT_XFER_INT } } } },
	  .outcome = HD_BOUND, .steps = EVERY_ENDPOINT },
	{ .name = "only-altsetting-1", .what = "its one altsetting numbered 1",
	  .nintf = 1, .intf = { { .alt = 1 } },
	  .outcome = HD_BOUND, .steps = EVERY_ENDPOINT },
	{ .name = "second-interface", .what = "interface 1, after a vendor one of its own",
	  .nintf = 2, .intf = { { .number = 0, .cls = CLS(0xff, 0x01, 0x00),
				  .eps = { { .addr = 0x04, .attr = USB_ENDPOINT_XFER_BULK },
					   { .addr = 0x85, .attr = USB_ENDPOINT_XFER_BULK } } },
				{ .number = 1 } },
	  .outcome = HD_BOUND, .steps = EVERY_ENDPOINT | S(TOAST) | S(LOCK) },
	{ .name = "not-a-toaster-interface", .what = "the toaster's IDs, interface 0xff/0x01/0x00",
	  .nintf = 1, .intf = { { .cls = CLS(0xff, 0x01, 0x00) } }, .outcome = HD_IGNORED },

	/* --- GET_INFO and GET_STATUS during probe --- */
	{ .name = "info-stalled", .what = "GET_INFO stalled",
	  .fault = { [TOASTER_REQ_GET_INFO] = { HD_STALL } },
	  .outcome = HD_REFUSED, .line = NO_INFO },
	{ .name = "info-never", .what = "GET_INFO never answered",
	  .fault = { [TOASTER_REQ_GET_INFO] = { HD_NEVER } },
	  .outcome = HD_REFUSED, .line = NO_INFO },
	{ .name = "info-short", .what = "GET_INFO answered with half",
	  .fault = { [TOASTER_REQ_GET_INFO] = { HD_SHORT } },
	  .outcome = HD_REFUSED, .line = NO_INFO },
	{ .name = "info-long", .what = "GET_INFO answered with 16 bytes over",
	  .fault = { [TOASTER_REQ_GET_INFO] = { HD_LONG } },
	  .outcome = HD_REFUSED, .line = NO_INFO },
	{ .name = "info-empty", .what = "GET_INFO answered with nothing",
	  .fault = { [TOASTER_REQ_GET_INFO] = { HD_EMPTY } },
	  .outcome = HD_REFUSED, .line = NO_INFO },
	{ .name = "info-zero", .what = "GET_INFO all zero bytes",
	  .fault = { [TOASTER_REQ_GET_INFO] = { HD_ZERO } },
	  .outcome = HD_REFUSED, .line = "unsupported protocol version 0" },
	{ .name = "info-garbage", .what = "GET_INFO noise",
	  .fault = { [TOASTER_REQ_GET_INFO] = { HD_GARBAGE } },
	  .outcome = HD_REFUSED, .line = "unsupported protocol version" },
	{ .name = "info-protocol-2", .what = "a well-formed GET_INFO of protocol 2",
	  .info = &info_protocol_2,
	  .outcome = HD_REFUSED, .line = "unsupported protocol version 2" },
	{ .name = "status-stalled", .what = "GET_STATUS stalled",
	  .fault = { [TOASTER_REQ_GET_STATUS] = { HD_STALL } },
	  .outcome = HD_REFUSED, .line = NO_STATUS },
	{ .name = "status-never", .what = "GET_STATUS never answered",
	  .fault = { [TOASTER_REQ_GET_STATUS] = { HD_NEVER } },
	  .outcome = HD_REFUSED, .line = NO_STATUS },
	{ .name = "status-short", .what = "GET_STATUS answered with half",
	  .fault = { [TOASTER_REQ_GET_STATUS] = { HD_SHORT } },
	  .outcome = HD_REFUSED, .line = NO_STATUS },
	{ .name = "status-long", .what = "GET_STATUS answered with 16 bytes over",
	  .fault = { [TOASTER_REQ_GET_STATUS] = { HD_LONG } },
	  .outcome = HD_REFUSED, .line = NO_STATUS },
	{ .name = "status-zero", .what = "GET_STATUS all zero: darkness 0",
	  .fault = { [TOASTER_REQ_GET_STATUS] = { HD_ZERO } },
	  .outcome = HD_REFUSED, .line = "malformed status" },
	{ .name = "status-garbage", .what = "GET_STATUS noise: no such state",
	  .fault = { [TOASTER_REQ_GET_STATUS] = { HD_GARBAGE } },
	  .outcome = HD_REFUSED, .line = "malformed status" },
	{ .name = "unplug-in-get-info", .what = "unplugged as GET_INFO arrives",
	  .fault = { [TOASTER_REQ_GET_INFO] = { HD_UNPLUG } },
	  .outcome = HD_REFUSED, .line = NO_INFO },
	{ .name = "unplug-in-get-status", .what = "unplugged as GET_STATUS arrives",
	  .fault = { [TOASTER_REQ_GET_STATUS] = { HD_UNPLUG } },
	  .outcome = HD_REFUSED, .line = NO_STATUS },

	/* --- bound, with strange things to say --- */
	{ .name = "info-unterminated", .what = "model and serial fill their fields, no NUL",
	  .info = &info_unterminated, .outcome = HD_BOUND, .steps = S(INFO) },
	{ .name = "info-control-chars", .what = "escape sequences in model and serial",
	  .info = &info_control_chars, .outcome = HD_BOUND, .steps = S(INFO) },
	{ .name = "info-high-bytes", .what = "Latin-1 bytes in model and serial",
	  .info = &info_high_bytes, .outcome = HD_BOUND, .steps = S(INFO) },
	{ .name = "status-extremes", .what = "every status field at its limit",
	  .status = &status_extremes, .outcome = HD_BOUND, .steps = S(READ) | S(NOTIFY) },
	{ .name = "toasting-at-plug-in", .what = "plugged in mid-toast",
	  .status = &status_toasting, .outcome = HD_BOUND,
	  .steps = S(READ) | S(CANCEL) | S(NOTIFY) },

	/* --- requests refused, never answered, answered wrong --- */
	{ .name = "stall-every-command", .what = "every OUT request stalled",
	  .fault = { [TOASTER_REQ_SET_DARKNESS] = { HD_STALL }, [TOASTER_REQ_TOAST] = { HD_STALL },
		     [TOASTER_REQ_CANCEL] = { HD_STALL }, [TOASTER_REQ_SET_LOCK] = { HD_STALL },
		     [TOASTER_REQ_SET_LOOPBACK] = { HD_STALL } },
	  .outcome = HD_BOUND,
	  .steps = S(DARKNESS) | S(TOAST) | S(CANCEL) | S(LOCK) | S(LOOPBACK) | S(BURN) | S(READ),
	  .err = { [STEP_DARKNESS] = EIO, [STEP_TOAST] = EIO, [STEP_CANCEL] = EIO,
		   [STEP_LOCK] = EIO, [STEP_LOOPBACK] = EPIPE } },
	/* A command the toaster took succeeds, whatever the status read after it. */
	{ .name = "status-stalled-after-command", .what = "the GET_STATUS after a command stalled",
	  .fault = { [TOASTER_REQ_GET_STATUS] = { HD_STALL, 2 } },
	  .outcome = HD_BOUND, .steps = S(DARKNESS) | S(CANCEL) },
	{ .name = "status-garbage-after-command", .what = "the GET_STATUS after a command noise",
	  .fault = { [TOASTER_REQ_GET_STATUS] = { HD_GARBAGE, 2 } },
	  .outcome = HD_BOUND, .steps = S(DARKNESS) | S(CANCEL), .extra_lines = 1 },
	{ .name = "toast-never", .what = "TOAST never answered",
	  .fault = { [TOASTER_REQ_TOAST] = { HD_NEVER } },
	  .outcome = HD_BOUND, .steps = S(TOAST) | S(DARKNESS) | S(CANCEL),
	  .err = { [STEP_TOAST] = ETIMEDOUT } },
	{ .name = "set-loopback-never", .what = "SET_LOOPBACK never answered",
	  .fault = { [TOASTER_REQ_SET_LOOPBACK] = { HD_NEVER, 1 } },
	  .outcome = HD_BOUND, .steps = S(LOOPBACK) | S(LOOPBACK2),
	  .err = { [STEP_LOOPBACK] = ETIMEDOUT } },

	/* --- unplugged in the middle of each request --- */
	{ .name = "unplug-in-set-darkness", .what = "unplugged as SET_DARKNESS arrives",
	  .fault = { [TOASTER_REQ_SET_DARKNESS] = { HD_UNPLUG } },
	  .outcome = HD_BOUND, .steps = S(DARKNESS), .err = { [STEP_DARKNESS] = ERR_GONE } },
	{ .name = "unplug-in-toast", .what = "unplugged as TOAST arrives",
	  .fault = { [TOASTER_REQ_TOAST] = { HD_UNPLUG } },
	  .outcome = HD_BOUND, .steps = S(TOAST), .err = { [STEP_TOAST] = ERR_GONE } },
	{ .name = "unplug-in-cancel", .what = "unplugged as CANCEL arrives",
	  .fault = { [TOASTER_REQ_CANCEL] = { HD_UNPLUG } },
	  .outcome = HD_BOUND, .steps = S(CANCEL), .err = { [STEP_CANCEL] = ERR_GONE } },
	{ .name = "unplug-in-set-lock", .what = "unplugged as SET_LOCK arrives",
	  .fault = { [TOASTER_REQ_SET_LOCK] = { HD_UNPLUG } },
	  .outcome = HD_BOUND, .steps = S(LOCK), .err = { [STEP_LOCK] = ERR_GONE } },
	{ .name = "unplug-in-set-loopback", .what = "unplugged as SET_LOOPBACK arrives",
	  .fault = { [TOASTER_REQ_SET_LOOPBACK] = { HD_UNPLUG } },
	  .outcome = HD_BOUND, .steps = S(LOOPBACK), .err = { [STEP_LOOPBACK] = ERR_GONE } },
	{ .name = "unplug-in-status-refresh", .what = "unplugged as the GET_STATUS after a command arrives",
	  .fault = { [TOASTER_REQ_GET_STATUS] = { HD_UNPLUG, 2 } },
	  .outcome = HD_BOUND, .steps = S(DARKNESS), .err = { [STEP_DARKNESS] = ERR_TAKEN_GONE } },
	{ .name = "unplug-in-burn", .what = "unplugged as a burn pattern arrives",
	  .bulk_mode = HD_BURN_UNPLUG,
	  .outcome = HD_BOUND, .steps = S(BURN), .err = { [STEP_BURN] = ERR_GONE } },
	{ .name = "unplug-in-echo", .what = "unplugged as loopback data arrives",
	  .bulk_mode = HD_ECHO_UNPLUG,
	  .outcome = HD_BOUND, .steps = S(LOOPBACK), .err = { [STEP_LOOPBACK] = ERR_GONE } },

	/* --- the interrupt endpoint --- */
	{ .name = "int-flood", .what = "300 notifications at once",
	  .int_mode = HD_INT_FLOOD, .outcome = HD_BOUND, .steps = S(NOTIFY) | S(DARKNESS) },
	{ .name = "int-flood-busy", .what = "300 notifications flipping heating and idle",
	  .int_mode = HD_INT_FLOOD_BUSY, .outcome = HD_BOUND, .steps = S(NOTIFY) | S(DARKNESS) },
	{ .name = "int-garbage", .what = "300 status-sized notifications of noise",
	  .int_mode = HD_INT_GARBAGE, .outcome = HD_BOUND, .steps = S(NOTIFY),
	  .extra_lines = 10 },
	{ .name = "int-zero-length", .what = "300 zero-length packets",
	  .int_mode = HD_INT_ZLP, .outcome = HD_BOUND, .steps = S(NOTIFY), .extra_lines = 10 },
	{ .name = "int-short", .what = "50 notifications of 10 bytes",
	  .int_mode = HD_INT_SHORT, .outcome = HD_BOUND, .steps = S(NOTIFY), .extra_lines = 10 },
	/*
	 * Whether these reach the driver as malformed notifications, logged
	 * with the ratelimited line of the rows above, or never as whole
	 * ones, is the bus's timing: on the debug kernel none is logged, on
	 * PREEMPT_RT ten were.
	 */
	{ .name = "int-babble", .what = "50 notifications of 64 bytes",
	  .int_mode = HD_INT_BABBLE, .outcome = HD_BOUND, .steps = S(NOTIFY), .extra_lines = 10 },
	{ .name = "int-stale", .what = "50 notifications older than the status",
	  .int_mode = HD_INT_STALE, .outcome = HD_BOUND, .steps = S(NOTIFY) },
	{ .name = "int-stall", .what = "interrupt IN halted, then a notification",
	  .int_mode = HD_INT_STALL, .outcome = HD_BOUND, .steps = S(NOTIFY) },

	/* --- bulk answered wrongly --- */
	{ .name = "echo-short", .what = "echoes half the transfer",
	  .bulk_mode = HD_ECHO_SHORT, .outcome = HD_BOUND,
	  .steps = S(LOOPBACK) | S(LOOPBACK2), .err = { [STEP_LOOPBACK] = EIO } },
	{ .name = "echo-long", .what = "echoes 100 bytes more than sent",
	  .bulk_mode = HD_ECHO_LONG, .outcome = HD_BOUND,
	  .steps = S(LOOPBACK) | S(LOOPBACK2), .err = { [STEP_LOOPBACK] = EIO } },
	{ .name = "echo-garbage", .what = "echoes as many bytes, all different",
	  .bulk_mode = HD_ECHO_GARBAGE, .outcome = HD_BOUND,
	  .steps = S(LOOPBACK) | S(LOOPBACK2) },
	{ .name = "echo-never", .what = "takes loopback data, never echoes",
	  .bulk_mode = HD_ECHO_NEVER, .outcome = HD_BOUND,
	  .steps = S(LOOPBACK) | S(LOOPBACK2), .err = { [STEP_LOOPBACK] = ETIMEDOUT } },
	{ .name = "echo-before-data", .what = "\"echoes\" before taking any data",
	  .bulk_mode = HD_ECHO_EARLY, .outcome = HD_BOUND,
	  .steps = S(LOOPBACK) | S(LOOPBACK2), .err = { [STEP_LOOPBACK] = ERR_FAILS } },
	{ .name = "echo-stall", .what = "halts bulk IN instead of echoing",
	  .bulk_mode = HD_ECHO_STALL, .outcome = HD_BOUND,
	  .steps = S(LOOPBACK) | S(LOOPBACK2), .err = { [STEP_LOOPBACK] = EPIPE } },
	{ .name = "burn-stall", .what = "bulk OUT halted",
	  .bulk_mode = HD_BURN_STALL, .outcome = HD_BOUND,
	  .steps = S(BURN) | S(BURN2), .err = { [STEP_BURN] = EPIPE } },
	{ .name = "burn-nak", .what = "takes no burn pattern",
	  .bulk_mode = HD_BURN_NAK, .outcome = HD_BOUND,
	  .steps = S(BURN) | S(BURN2), .err = { [STEP_BURN] = ETIMEDOUT } },
};

const unsigned int hd_device_count = sizeof(hd_devices) / sizeof(hd_devices[0]);
