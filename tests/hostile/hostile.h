/* SPDX-License-Identifier: GPL-2.0 */
/*
 * toaster-hostile: malformed and misbehaving toasters, one after another,
 * played on Raw Gadget (the free dummy_udc.1) against toaster.ko.
 *
 * A device is a row of the table (table.c): the descriptors it shows, how
 * it answers each vendor request, what its interrupt and bulk endpoints do,
 * and what a correct driver must make of it: refuse it in probe with one
 * clear line in the kernel log, bind it and still be correct, or leave it
 * alone.  device.c plays the device in a child process (its ep0 loop, the
 * endpoints' threads); host.c is the driver's user: it watches the kernel
 * log and sysfs, opens /dev/toasterN and exercises it; toaster_hostile.c
 * runs the table and reports KTAP, one case per device.
 */
#ifndef TOASTER_HOSTILE_H
#define TOASTER_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>
#include <linux/usb/ch9.h>

#include "toaster_proto.h"

/*
 * Descriptor fields a row may set to any value, 0 included: the macro
 * marks the value as given, so that a zeroed field means "the toaster's".
 */
#define HD_SET		0x80000000u
#define MAXP(v)		(HD_SET | (v))
#define IVAL(v)		(HD_SET | (v))
#define NUM(v)		(HD_SET | (v))
#define CLS(c, s, p)	(HD_SET | (c) << 16 | (s) << 8 | (p))
#define HD_VAL(f)	((f) & 0xffffffu)

/*
 * One item of an interface's descriptors: an endpoint, or raw bytes (a
 * class-specific descriptor, junk).  An item with neither addr nor raw
 * ends the list.
 */
struct hd_ep {
	__u8 addr;		/* bEndpointAddress */
	__u8 attr;		/* bmAttributes */
	__u8 length;		/* bLength, 0 for USB_DT_ENDPOINT_SIZE */
	__u32 maxp;		/* MAXP(n); 0: the toaster's for the type */
	__u32 interval;		/* IVAL(n); 0: the toaster's */
	const __u8 *raw;	/* instead of an endpoint, these bytes */
	__u8 raw_len;
};

#define HD_MAX_EPS	34

struct hd_intf {
	__u8 number;		/* bInterfaceNumber */
	__u8 alt;		/* bAlternateSetting */
	__u32 cls;		/* CLS(c, s, p); 0: the toaster's 0xff/0/0 */
	__u32 num_eps;		/* NUM(n): bNumEndpoints; 0: counted */
	bool no_eps;		/* none at all, rather than the toaster's */
	struct hd_ep eps[HD_MAX_EPS];
};

/* The endpoints of the toaster the table starts from, as gadgetfs has them. */
#define EP_BULK_OUT	{ .addr = 0x01, .attr = USB_ENDPOINT_XFER_BULK }
#define EP_BULK_IN	{ .addr = 0x82, .attr = USB_ENDPOINT_XFER_BULK }
#define EP_INT_IN	{ .addr = 0x83, .attr = USB_ENDPOINT_XFER_INT }

/* How a device answers one of the vendor requests. */
enum hd_reply {
	HD_OK,			/* as a toaster does */
	HD_STALL,		/* refuses it */
	HD_NEVER,		/* no answer at all: the host must time out */
	HD_SHORT,		/* IN: fewer bytes than wLength */
	HD_LONG,		/* IN: more bytes than wLength (babble) */
	HD_ZERO,		/* IN: wLength zero bytes */
	HD_EMPTY,		/* IN: a zero-length data stage */
	HD_GARBAGE,		/* IN: wLength bytes of noise */
	HD_UNPLUG,		/* unplugged the moment it arrives */
};

struct hd_fault {
	enum hd_reply reply;
	__u8 nth;		/* only the nth of these requests; 0 every one */
};

/* What the interrupt endpoint sends before a notification the host asked for. */
enum hd_int {
	HD_INT_OK,
	HD_INT_FLOOD,		/* hundreds of good notifications, at once */
	HD_INT_FLOOD_BUSY,	/* ... flipping between heating and idle */
	HD_INT_GARBAGE,		/* hundreds of whole-sized nonsense ones */
	HD_INT_ZLP,		/* hundreds of zero-length packets */
	HD_INT_SHORT,		/* packets shorter than a status */
	HD_INT_BABBLE,		/* packets longer than a status */
	HD_INT_STALE,		/* notifications older than the status */
	HD_INT_STALL,		/* halts the endpoint once, first */
};

/* What the bulk endpoints do to the first BURN or LOOPBACK (the next is good). */
enum hd_bulk {
	HD_BULK_OK,
	HD_ECHO_SHORT,		/* echoes half of it */
	HD_ECHO_LONG,		/* echoes more than was sent */
	HD_ECHO_GARBAGE,	/* echoes as many bytes, all different */
	HD_ECHO_NEVER,		/* takes the data, never echoes it */
	HD_ECHO_EARLY,		/* "echoes" before it has taken any data */
	HD_ECHO_STALL,		/* halts bulk IN instead of echoing */
	HD_ECHO_UNPLUG,		/* unplugged as the data arrives */
	HD_BURN_STALL,		/* bulk OUT halted from the start */
	HD_BURN_NAK,		/* takes no data until told to */
	HD_BURN_UNPLUG,		/* unplugged as the data arrives */
};

/* What the host side does with a bound toaster, in this order. */
enum hd_step {
	STEP_READ,		/* read(): the status as text */
	STEP_INFO,		/* TOASTER_IOC_GET_INFO */
	STEP_DARKNESS,		/* write "darkness 7" */
	STEP_TOAST,		/* TOASTER_IOC_TOAST 3 */
	STEP_CANCEL,		/* TOASTER_IOC_CANCEL */
	STEP_LOCK,		/* SET_LOCK 1, TOAST refused with EPERM, SET_LOCK 0 */
	STEP_NOTIFY,		/* a notification reaches poll() and read() */
	STEP_LOOPBACK,		/* one 1000-byte transfer echoed */
	STEP_LOOPBACK2,		/* three more, after whatever the first met */
	STEP_BURN,		/* one 1000-byte burn pattern */
	STEP_BURN2,		/* another */
	STEP_COUNT
};

#define S(step)		(1u << STEP_##step)
#define ALL_STEPS	((1u << STEP_COUNT) - 1)
/* A step the device's own unplug ends: EIO or ENODEV, and then it is gone. */
#define ERR_GONE	(-1)
/* A step that must fail, whichever way. */
#define ERR_FAILS	(-2)
/*
 * A command the device took and then unplugged in the reply's wake:
 * success (the driver does not make a caller who retries send it twice),
 * and then it is gone.
 */
#define ERR_TAKEN_GONE	(-3)

enum hd_outcome {
	HD_REFUSED,		/* probe fails, with one clear line */
	HD_BOUND,		/* bound, and everything in steps works as told */
	HD_IGNORED,		/* not the driver's: no probe, no line */
};

struct hd_device {
	const char *name;
	const char *what;		/* how it misbehaves, in a few words */
	enum hd_outcome outcome;
	const char *line;		/* refused: what its one line says */
	enum usb_device_speed speed;	/* 0 for high speed */

	/* descriptors: eps of the one toaster interface, or intf[] */
	struct hd_ep eps[HD_MAX_EPS];
	int nintf;
	struct hd_intf intf[3];
	int total_delta;		/* wTotalLength lies by this much */

	/* the vendor requests, by bRequest */
	struct hd_fault fault[TOASTER_REQ_SET_LOOPBACK + 1];
	const struct toaster_wire_info *info;	/* NULL: a good one */
	const struct toaster_wire_status *status; /* NULL: idle, 5, 20 C */
	enum hd_int int_mode;
	enum hd_bulk bulk_mode;

	/* the host's side of a bound one */
	unsigned int steps;		/* 0: ALL_STEPS */
	int err[STEP_COUNT];		/* each step's errno, 0 for success */
	int extra_lines;		/* log lines allowed besides attach, detach */
};

extern const struct hd_device hd_devices[];
extern const unsigned int hd_device_count;

/*
 * What the device process tells the host side, in memory both share:
 * what it was asked and what it did, for the host to check that the
 * driver sent what it should have.
 */
struct hd_log {
	int configured;			/* SET_CONFIGURATION seen */
	int64_t activity_ms;		/* the last request, on the monotonic clock */
	int pending;			/* a request left unanswered */
	unsigned int requests[TOASTER_REQ_SET_LOOPBACK + 1];
	unsigned int bad_requests;	/* wrong type, recipient or wIndex */
	char bad[128];			/* the first of them */
	__u16 last_value[TOASTER_REQ_SET_LOOPBACK + 1];
	unsigned int burns;		/* bulk OUT transfers outside loopback */
	unsigned int burn_bytes;
	__u32 burn_hash;		/* of the last one */
	unsigned int echoes;
	unsigned int notifications;
	unsigned int recovered;		/* HD_CMD_RECOVERs carried out */
	char error[160];		/* why the device gave up, if it did */
};

/* A device as it is played: the row, and what this run changes. */
struct hd_run {
	const struct hd_device *dev;
	unsigned int unplug_after;	/* > 0: unplug at the nth event (stress) */
	unsigned int seed;
};

/* The device side (device.c): forks the device; returns its pid. */
pid_t hd_device_start(const struct hd_run *run, struct hd_log *log, int *ctl_fd);

/* Commands the host sends the device on ctl_fd, one byte each. */
#define HD_CMD_NOTIFY	'n'	/* send a notification: temperature 42 */
#define HD_CMD_RECOVER	'r'	/* drop a request left unanswered, let data in */

/* The descriptors (desc.c). */
size_t hd_device_descriptor(__u8 *buf, size_t size);
size_t hd_config_descriptor(const struct hd_device *dev, __u8 *buf, size_t size);
void hd_default_info(const struct hd_device *dev, struct toaster_wire_info *info);
void hd_default_status(struct toaster_wire_status *status);
/* The endpoint of each of the toaster's roles, as the driver will find it. */
struct hd_roles {
	struct hd_ep bulk_out, bulk_in, int_in;	/* addr 0: none */
	__u8 ifnum;
};
void hd_find_roles(const struct hd_device *dev, struct hd_roles *roles);
int hd_intf_count(const struct hd_device *dev);
const struct hd_intf *hd_intf(const struct hd_device *dev, int i, struct hd_intf *scratch);
__u16 hd_ep_maxp(const struct hd_device *dev, const struct hd_ep *ep);
__u8 hd_ep_interval(const struct hd_device *dev, const struct hd_ep *ep);

/* The host side (host.c): runs one device, prints its KTAP line. */
struct hd_host;
struct hd_host *hd_host_open(void);
bool hd_host_run(struct hd_host *host, const struct hd_run *run, char *why,
		 size_t size);
unsigned int hd_io_timeout_ms(void);

/* The data the host's BURN and LOOPBACK send, and what the device sees. */
void hd_pattern(__u8 *buf, size_t len, unsigned int salt);
__u32 hd_hash(const __u8 *buf, size_t len);

#endif /* TOASTER_HOSTILE_H */
