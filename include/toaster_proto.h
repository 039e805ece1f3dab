/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The toaster's wire protocol: what travels over USB between the host's
 * driver (module/) and the toaster's firmware (gadget/).  Shared verbatim by
 * the kernel module, the emulator and the libusb harness, so this file is
 * the only place any of these numbers is written down.
 *
 * Multi-byte fields are little-endian on the wire, as USB is.
 */
#ifndef _TOASTER_PROTO_H
#define _TOASTER_PROTO_H

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
 * Vendor control requests, addressed to the interface
 * (bmRequestType USB_TYPE_VENDOR | USB_RECIP_INTERFACE, wIndex = interface).
 */
enum toaster_request {
	TOASTER_REQ_GET_INFO	= 0x01,	/* IN: struct toaster_wire_info */
	TOASTER_REQ_GET_STATUS	= 0x02,	/* IN: struct toaster_wire_status */
	TOASTER_REQ_SET_DARKNESS = 0x03,	/* OUT: wValue = darkness */
	TOASTER_REQ_TOAST	= 0x04,	/* OUT: wValue = darkness, 0 = current */
	TOASTER_REQ_CANCEL	= 0x05,	/* OUT: pop up now */
	TOASTER_REQ_SET_LOCK	= 0x06,	/* OUT: wValue = 1 lock, 0 unlock */
	/*
	 * OUT: wValue = 1 echoes each bulk OUT transfer as one bulk IN
	 * transfer, ended the same way (short or zero-length packet).
	 */
	TOASTER_REQ_SET_LOOPBACK = 0x07,
};

#define TOASTER_DARKNESS_MIN		1
#define TOASTER_DARKNESS_MAX		10
#define TOASTER_DARKNESS_DEFAULT	5

enum toaster_state {
	TOASTER_STATE_IDLE	= 0,
	TOASTER_STATE_HEATING	= 1,
	TOASTER_STATE_TOASTING	= 2,
	TOASTER_STATE_DONE	= 3,
	TOASTER_STATE_CANCELLED	= 4,
	TOASTER_STATE_FAULT	= 5,
	TOASTER_STATE_COUNT
};

/*
 * The name of each state: what /dev/toasterN and sysfs print, what the
 * tools show and parse.  Written down here, once, like the numbers.
 */
static inline const char *toaster_state_name(unsigned int state)
{
	static const char * const names[TOASTER_STATE_COUNT] = {
		[TOASTER_STATE_IDLE] = "idle",
		[TOASTER_STATE_HEATING] = "heating",
		[TOASTER_STATE_TOASTING] = "toasting",
		[TOASTER_STATE_DONE] = "done",
		[TOASTER_STATE_CANCELLED] = "cancelled",
		[TOASTER_STATE_FAULT] = "fault",
	};

	return state < TOASTER_STATE_COUNT ? names[state] : "unknown";
}

/* toaster_wire_status.flags */
#define TOASTER_FLAG_LOCKED		0x01
#define TOASTER_FLAG_LOOPBACK		0x02

/* Why an interrupt notification was sent (toaster_wire_status.event). */
enum toaster_event {
	TOASTER_EVENT_NONE		= 0,	/* a GET_STATUS reply */
	TOASTER_EVENT_STATE		= 1,
	TOASTER_EVENT_TEMPERATURE	= 2,
	TOASTER_EVENT_SETTINGS		= 3,	/* darkness or lock changed */
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

#endif /* _TOASTER_PROTO_H */
