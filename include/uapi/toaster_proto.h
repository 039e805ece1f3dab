/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The toaster's wire protocol: what travels over USB between the host's
 * driver (module/) and the toaster's firmware (gadget/).  Shared verbatim by
 * the kernel module, the emulator and the libusb harness, so this file is
 * the only place any of these numbers, and the rules that go with them, is
 * written down.
 *
 * Multi-byte fields are little-endian on the wire, as USB is.  Plain C90
 * throughout (no inline, no designators, no // comments), as the kernel's
 * exported headers are, so that it compiles wherever it is included.
 */
#ifndef _TOASTER_PROTO_H
#define _TOASTER_PROTO_H

#include <asm/byteorder.h>
#include <linux/types.h>

/*
 * pid.codes' test VID:PID, reserved for private testing: nothing else a
 * user owns will claim it by accident.
 */
#define TOASTER_VENDOR_ID		0x1209
#define TOASTER_PRODUCT_ID		0x0001
#define TOASTER_BCD_DEVICE		0x0100

/*
 * One vendor-specific interface with three endpoints: one bulk OUT (burn
 * patterns, loopback data), one bulk IN (the loopback echo) and one
 * interrupt IN (status notifications).  Their addresses are not part of
 * the protocol: a device controller, or the gadget API in front of it, may
 * number them as it likes, so a host finds each by its transfer type and
 * direction in the interface descriptor, as the driver does
 * (usb_find_common_endpoints()).
 */
#define TOASTER_INTERFACE_CLASS		0xff	/* USB_CLASS_VENDOR_SPEC */
#define TOASTER_INTERFACE_SUBCLASS	0x00
#define TOASTER_INTERFACE_PROTOCOL	0x00
/* Interrupt endpoint polling interval: 2^(n-1) frames or microframes. */
#define TOASTER_INT_INTERVAL_HS		4	/* 1 ms at high speed */
#define TOASTER_INT_INTERVAL_FS		1	/* 1 ms at full speed */

/*
 * The vendor control requests, addressed to the interface
 * (bmRequestType USB_TYPE_VENDOR | USB_RECIP_INTERFACE, wIndex = interface),
 * one row each: X(name, bRequest, direction, wLength).  An IN request is
 * answered with exactly wLength bytes; an OUT one has no data stage and
 * carries its argument in wValue:
 *   SET_DARKNESS  the darkness
 *   TOAST         the darkness, 0 for the current one
 *   CANCEL        nothing: pop up now
 *   SET_LOCK      1 lock, 0 unlock
 *   SET_LOOPBACK  1: echo each bulk OUT transfer as one bulk IN transfer,
 *                 ended the same way (short or zero-length packet); 0: off
 * Everything that lists the requests (the enum below, the firmware, the
 * tracepoints, the conformance checks) is made from this table.  The
 * wLength column names the reply structures: expand the table only where
 * they are defined.
 */
#define TOASTER_REQUESTS(X)						\
	X(GET_INFO,	0x01, IN,  sizeof(struct toaster_wire_info))	\
	X(GET_STATUS,	0x02, IN,  sizeof(struct toaster_wire_status))	\
	X(SET_DARKNESS,	0x03, OUT, 0)					\
	X(TOAST,	0x04, OUT, 0)					\
	X(CANCEL,	0x05, OUT, 0)					\
	X(SET_LOCK,	0x06, OUT, 0)					\
	X(SET_LOOPBACK,	0x07, OUT, 0)

/* A request's direction, as bit 7 of bmRequestType (USB_DIR_IN) has it. */
#define TOASTER_REQ_DIR_IN		0x80
#define TOASTER_REQ_DIR_OUT		0x00

#define TOASTER_REQ_ENUM_ENTRY(name, nr, dir, len)	TOASTER_REQ_##name = nr,
enum toaster_request {
	TOASTER_REQUESTS(TOASTER_REQ_ENUM_ENTRY)
	/* bRequest is a byte: arrays indexed by request have this many */
	TOASTER_REQ_SLOTS = 256
};

#undef TOASTER_REQ_ENUM_ENTRY

#define TOASTER_DARKNESS_MIN		1
#define TOASTER_DARKNESS_MAX		10
#define TOASTER_DARKNESS_DEFAULT	5

/*
 * The toaster's states, numbered from 0 in this order on the wire, with
 * the name /dev/toasterN, sysfs and the tools print: X(name, text).
 */
#define TOASTER_STATES(X)						\
	X(IDLE,		"idle")						\
	X(HEATING,	"heating")					\
	X(TOASTING,	"toasting")					\
	X(DONE,		"done")						\
	X(CANCELLED,	"cancelled")					\
	X(FAULT,	"fault")

#define TOASTER_STATE_ENUM_ENTRY(name, text)	TOASTER_STATE_##name,
enum toaster_state {
	TOASTER_STATES(TOASTER_STATE_ENUM_ENTRY)
	TOASTER_STATE_COUNT
};

#undef TOASTER_STATE_ENUM_ENTRY

/* toaster_wire_status.flags */
#define TOASTER_FLAG_LOCKED		0x01
#define TOASTER_FLAG_LOOPBACK		0x02

/* Why an interrupt notification was sent (toaster_wire_status.event). */
enum toaster_event {
	TOASTER_EVENT_NONE		= 0,	/* a GET_STATUS reply */
	TOASTER_EVENT_STATE		= 1,
	TOASTER_EVENT_TEMPERATURE	= 2,
	TOASTER_EVENT_SETTINGS		= 3	/* darkness or lock changed */
};

/*
 * The status, both the GET_STATUS reply and every interrupt IN
 * notification.  Naturally aligned: no padding on any ABI.
 */
struct toaster_wire_status {
	__u8	state;		/* enum toaster_state */
	__u8	darkness;
	__u8	flags;		/* TOASTER_FLAG_* */
	__u8	event;		/* enum toaster_event */
	__le16	temperature_c;
	/*
	 * Incremented (wrapping) on every change the toaster reports, so the
	 * host can drop a notification older than a status it already holds.
	 */
	__le16	seq;
	__le32	remaining_ms;	/* until the toast pops, 0 when not toasting */
	__le32	toasts;		/* completed since power-on */
	__le32	errors;		/* faults since power-on */
};

#define TOASTER_MODEL_LEN		16
#define TOASTER_SERIAL_LEN		16

/* The GET_INFO reply.  Strings are NUL-padded, not necessarily terminated. */
struct toaster_wire_info {
	__le16	protocol_version;
	__le16	firmware_version;	/* BCD, 0x0102 is 1.2 */
	__u8	slots;
	__u8	reserved[3];		/* zero */
	char	model[TOASTER_MODEL_LEN];
	char	serial[TOASTER_SERIAL_LEN];
};

#define TOASTER_PROTOCOL_VERSION	1

/* The largest burn pattern the toaster accepts on bulk OUT. */
#define TOASTER_BURN_MAX		(64 * 1024)

/* struct toaster_wire_status in host byte order. */
struct toaster_host_status {
	__u8	state;
	__u8	darkness;
	__u8	flags;
	__u8	event;
	__s16	temperature_c;
	__u16	seq;
	__u32	remaining_ms;
	__u32	toasts;
	__u32	errors;
};

#define TOASTER_STATE_NAME_ENTRY(name, text)	text,
/* What /dev/toasterN, sysfs and the tools call a state. */
static __inline__ const char *toaster_state_name(unsigned int state)
{
	static const char * const names[TOASTER_STATE_COUNT] = {
		TOASTER_STATES(TOASTER_STATE_NAME_ENTRY)
	};

	return state < TOASTER_STATE_COUNT ? names[state] : "unknown";
}

#undef TOASTER_STATE_NAME_ENTRY

/* A toast in progress: a new one is refused, and the toaster kept awake. */
static __inline__ int toaster_state_is_busy(unsigned int state)
{
	return state == TOASTER_STATE_HEATING ||
	       state == TOASTER_STATE_TOASTING;
}

static __inline__ int toaster_darkness_valid(unsigned int darkness)
{
	return darkness >= TOASTER_DARKNESS_MIN &&
	       darkness <= TOASTER_DARKNESS_MAX;
}

/*
 * Whether a status numbered @a came strictly after one numbered @b: seq
 * wraps at 16 bits, so "after" means less than half the space ahead.
 */
static __inline__ int toaster_seq_after(__u16 a, __u16 b)
{
	__u16 ahead = (__u16)((a - b) & 0xffff);

	return ahead != 0 && ahead < 0x8000;
}

/* One row of TOASTER_REQUESTS(), for code that looks a request up. */
struct toaster_request_desc {
	const char	*name;		/* "GET_INFO" */
	__u8		request;	/* bRequest */
	__u8		dir;		/* TOASTER_REQ_DIR_* */
	__u16		len;		/* wLength */
};

#define TOASTER_REQ_DESC_ENTRY(name, nr, dir, len)			\
	{ #name, nr, TOASTER_REQ_DIR_##dir, len },
/* The row of @request, or NULL for a request the protocol does not have. */
static __inline__ const struct toaster_request_desc *
toaster_request_desc(unsigned int request)
{
	static const struct toaster_request_desc descs[] = {
		TOASTER_REQUESTS(TOASTER_REQ_DESC_ENTRY)
		{ (const char *)0, 0, 0, 0 }
	};
	const struct toaster_request_desc *desc;

	for (desc = descs; desc->name; desc++) {
		if (desc->request == request)
			return desc;
	}
	return (const struct toaster_request_desc *)0;
}

#undef TOASTER_REQ_DESC_ENTRY

/* A request's name as the table spells it ("GET_INFO"), or NULL. */
static __inline__ const char *toaster_request_name(unsigned int request)
{
	const struct toaster_request_desc *desc = toaster_request_desc(request);

	return desc ? desc->name : (const char *)0;
}

/*
 * Whether a status from the other end may be believed: a known state and
 * a darkness in range.  Its length is the caller's to check: a status is
 * exactly sizeof(struct toaster_wire_status), never more or less.
 */
static __inline__ int
toaster_wire_status_valid(const struct toaster_wire_status *w)
{
	return w->state < TOASTER_STATE_COUNT &&
	       toaster_darkness_valid(w->darkness);
}

static __inline__ void
toaster_wire_status_decode(const struct toaster_wire_status *w,
			   struct toaster_host_status *h)
{
	h->state = w->state;
	h->darkness = w->darkness;
	h->flags = w->flags;
	h->event = w->event;
	h->temperature_c = (__s16)__le16_to_cpu(w->temperature_c);
	h->seq = __le16_to_cpu(w->seq);
	h->remaining_ms = __le32_to_cpu(w->remaining_ms);
	h->toasts = __le32_to_cpu(w->toasts);
	h->errors = __le32_to_cpu(w->errors);
}

static __inline__ void
toaster_wire_status_encode(const struct toaster_host_status *h,
			   struct toaster_wire_status *w)
{
	w->state = h->state;
	w->darkness = h->darkness;
	w->flags = h->flags;
	w->event = h->event;
	w->temperature_c = __cpu_to_le16((__u16)h->temperature_c);
	w->seq = __cpu_to_le16(h->seq);
	w->remaining_ms = __cpu_to_le32(h->remaining_ms);
	w->toasts = __cpu_to_le32(h->toasts);
	w->errors = __cpu_to_le32(h->errors);
}

#endif /* _TOASTER_PROTO_H */
