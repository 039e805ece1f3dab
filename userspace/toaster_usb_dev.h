/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The toaster driven from userspace through libusb-1.0, with no kernel
 * driver involved: the device layer (toaster_usb_dev.c) that toaster-usb
 * and the conformance checker share.  The protocol itself is
 * include/uapi/toaster_proto.h.
 */
#ifndef TOASTER_USB_DEV_H
#define TOASTER_USB_DEV_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libusb.h>

#include "toaster_proto.h"
#include "toaster_usb_eps.h"

/* Exit statuses, as documented in --help. */
enum toaster_exit {
	TOASTER_EXIT_OK		= 0,
	TOASTER_EXIT_FAILED	= 1,	/* a check failed, data differed, toast did not finish */
	TOASTER_EXIT_USAGE	= 2,
	TOASTER_EXIT_NODEV	= 3,	/* no toaster, or it cannot be opened or claimed */
	/* 4 is never used: test harnesses read it as "skipped" (KSFT_SKIP) */
	TOASTER_EXIT_REFUSED	= 5,	/* the toaster stalled the request */
	TOASTER_EXIT_IO		= 6,	/* any other USB error: timeout, unplug, ... */
	TOASTER_EXIT_INTERRUPTED = 130,	/* SIGINT or SIGTERM */
};

/* bmRequestType of the protocol's vendor requests, to our interface */
#define TOASTER_USB_REQ_OUT \
	(LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_INTERFACE)
#define TOASTER_USB_REQ_IN \
	(LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_INTERFACE)

/* Generous: the test guest runs under TCG with KASAN. */
#define TOASTER_USB_CTRL_TIMEOUT_MS	5000
#define TOASTER_USB_BULK_TIMEOUT_MS	10000

struct toaster_usb {
	/* the program, which every message of the layer begins with: set it */
	const char		*prog;
	libusb_context		*ctx;
	libusb_device_handle	*handle;
	uint8_t			ifnum;
	bool			claimed;
	bool			verbose;
	enum libusb_speed	speed;
	uint8_t			bus;
	uint8_t			address;
	/*
	 * bEndpointAddress of each kind of endpoint, found by type in the
	 * active configuration's interface when the toaster is opened
	 */
	uint8_t			ep[TOASTER_USB_EP_KINDS];
	/* of the bulk endpoints, from the active configuration */
	uint16_t		bulk_maxp;
};

/* Set by SIGINT/SIGTERM: long waits check it and give up cleanly. */
extern volatile sig_atomic_t toaster_usb_stop;
/* Makes SIGINT and SIGTERM set toaster_usb_stop instead of killing us. */
void toaster_usb_catch_signals(void);

/* "high", "full" or "other" */
const char *toaster_usb_speed_name(enum libusb_speed speed);

/* Opens the first toaster (or the one whose USB serial is serial) and claims
 * its interface, detaching a kernel driver.  Returns an enum toaster_exit. */
int toaster_usb_open(struct toaster_usb *t, const char *serial);
/* Releases the interface, which gives it back to the kernel driver. */
void toaster_usb_close(struct toaster_usb *t);

/* An enum toaster_exit for a libusb error code. */
int toaster_usb_exit_code(int rc);

/* A finished asynchronous transfer's status as a LIBUSB_ERROR_* code (0: done). */
int toaster_usb_transfer_rc(const struct libusb_transfer *x);

/*
 * A vendor request with any direction and recipient, for the conformance
 * checks: returns bytes transferred or a libusb error.
 */
int toaster_usb_vendor_raw(struct toaster_usb *t, uint8_t request_type,
			   uint8_t request, uint16_t value, uint16_t index,
			   void *buf, uint16_t len);
/* Vendor requests as the protocol has them: to our interface. */
int toaster_usb_out(struct toaster_usb *t, uint8_t request, uint16_t value);
int toaster_usb_in(struct toaster_usb *t, uint8_t request, void *buf,
		   uint16_t len);

/* 0, a libusb error, or LIBUSB_ERROR_OVERFLOW for a reply of the wrong size. */
int toaster_usb_get_status(struct toaster_usb *t, struct toaster_host_status *st);
int toaster_usb_get_info(struct toaster_usb *t, struct toaster_wire_info *info);

/*
 * Waits up to timeout_ms for one interrupt IN notification.  Returns 0 with
 * *len set (the notification decoded into *st only when *len is its size),
 * LIBUSB_ERROR_TIMEOUT if none came, or another libusb error.
 */
int toaster_usb_notification(struct toaster_usb *t, struct toaster_host_status *st,
			     int *len, unsigned int timeout_ms);
/* Throws away notifications queued before now; returns how many. */
int toaster_usb_drain_notifications(struct toaster_usb *t);
/* Throws away whatever bulk IN still holds; returns bytes or a libusb error. */
int toaster_usb_drain_bulk_in(struct toaster_usb *t);

/*
 * One bulk OUT transfer of len bytes, ended by a zero-length packet when
 * len is a multiple of maxpacket (so the toaster sees where it ends).
 * Returns bytes sent or a libusb error.
 */
int toaster_usb_bulk_out(struct toaster_usb *t, const void *buf, size_t len,
			 unsigned int timeout_ms);
/* One bulk IN transfer of up to len bytes; *got is set even on timeout. */
int toaster_usb_bulk_in(struct toaster_usb *t, void *buf, size_t len,
			size_t *got, unsigned int timeout_ms);

struct toaster_loopback_result {
	unsigned int	done;		/* transfers verified */
	double		seconds;
	/* on a mismatch: where the first wrong byte was */
	bool		mismatch;
	unsigned int	bad_iteration;
	size_t		bad_offset;
	size_t		bad_length;	/* what came back, in that transfer */
	uint8_t		want, got;
};

/*
 * Sends count transfers of size bytes through the echo (loopback must be on),
 * depth of them in flight each way, and compares every byte that comes back.
 * Returns 0 (check res->mismatch), or a libusb error.
 */
int toaster_usb_loopback(struct toaster_usb *t, size_t size, unsigned int count,
			 unsigned int depth, struct toaster_loopback_result *res);

const char *toaster_usb_event_name(unsigned int event);

#endif /* TOASTER_USB_DEV_H */
