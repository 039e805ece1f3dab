/* SPDX-License-Identifier: GPL-2.0 */
/*
 * toaster-gadget's insides, shared by the firmware proper
 * (toaster_gadget.c: the model, the endpoint workers, the vendor requests,
 * the control FIFO, the main loop) and the two ways it reaches the bus:
 * gadgetfs (toaster_gadgetfs.c) and FunctionFS over configfs
 * (toaster_ffs.c).  A backend owns ep0's transport, its events and the
 * endpoint files; everything the toaster *does* is common.
 */
#ifndef TOASTER_GADGET_H
#define TOASTER_GADGET_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/usb/ch9.h>

#include "toaster_proto.h"
#include "toaster_model.h"

#define TOASTER_MANUFACTURER		"Toaster Project"
#define TOASTER_MODEL			"TS-1000"
#define TOASTER_DEFAULT_SERIAL		"TS1000-000001"
#define TOASTER_FIRMWARE_VERSION	0x0100
#define TOASTER_SLOTS			2

/* USB 2.0, and strings in English (US) only */
#define TOASTER_BCD_USB			0x0200
#define TOASTER_LANG_ID			0x0409

#define TOASTER_CONFIG_VALUE		1
#define TOASTER_MAX_POWER_2MA		50	/* the USB side only: 100 mA */
/* bus-powered: that is what dummy_hcd's GET_STATUS reports */
#define TOASTER_CONFIG_ATTRIBUTES	USB_CONFIG_ATT_ONE
/*
 * The endpoint addresses the firmware asks for, where the gadget API lets
 * it choose (gadgetfs).  They are not the protocol's (a host finds the
 * endpoints by type and direction): on FunctionFS the composite layer
 * numbers them itself (see toaster_ffs.c).
 */
#define TOASTER_EP_BULK_OUT		0x01
#define TOASTER_EP_BULK_IN		0x82
#define TOASTER_EP_INT_IN		0x83
#define TOASTER_BULK_MAXP_FS		64
#define TOASTER_BULK_MAXP_HS		512
/* One status per packet, so a notification is never split. */
#define TOASTER_INT_MAXP		32
/*
 * Loopback buffering, in packets: a host may write a whole transfer (up to
 * a burn pattern's worth at high speed) before it reads the echo.
 */
#define TOASTER_ECHO_SLOTS		(TOASTER_BURN_MAX / TOASTER_BULK_MAXP_HS)

enum toaster_ep_role {
	TOASTER_EP_ROLE_OUT,
	TOASTER_EP_ROLE_IN,
	TOASTER_EP_ROLE_INT,
	TOASTER_EP_ROLES,
};

struct toaster_ep {
	const char	*role;
	uint8_t		address;
	uint8_t		type;		/* USB_ENDPOINT_XFER_* */
	char		file[NAME_MAX + 1];	/* the backend's file for it */
	int		fd;
};

struct toaster_worker {
	const char	*name;
	void		*(*main)(void *);
	pthread_t	tid;
	bool		started;	/* main only */
	bool		exited;		/* under lock */
};

enum toaster_worker_id {
	TOASTER_WORKER_OUT,
	TOASTER_WORKER_IN,
	TOASTER_WORKER_INTR,
	TOASTER_WORKERS,
};

/* Packets received with loopback on, waiting to go back; a ring. */
struct toaster_echo {
	unsigned int	head;
	unsigned int	count;
	uint16_t	len[TOASTER_ECHO_SLOTS];
	uint8_t		data[TOASTER_ECHO_SLOTS][TOASTER_BULK_MAXP_HS];
};

struct toaster_faults {
	uint8_t		req[TOASTER_REQ_SLOTS];	/* enum toaster_fault_mode */
	bool		garbage_notify;
	bool		unplug_when_toasting;
	int		replug_ms;	/* after such an unplug; -1: on "plug" */
	unsigned int	slow_bulk_ms;	/* 0: off */
};

/* A control command: "fault unplug-when-toasting 1000" and the like. */
#define TOASTER_CTL_LINE_MAX		128

/* Descriptors and ep0 messages, built up a byte at a time. */
struct toaster_buf {
	uint8_t		data[256];
	size_t		len;
};

struct toaster_gadget;

/*
 * What differs between gadgetfs and FunctionFS.  Called from main only.
 * Between start() and stop() the toaster is plugged in unless unplug()
 * ran since the last start() or plug().
 */
struct toaster_backend {
	const char	*name;
	/* everything up to the first plug, which it does: 0 or -1 */
	int		(*start)(struct toaster_gadget *g);
	/* the cable back in: 0 or -errno */
	int		(*plug)(struct toaster_gadget *g);
	/* the cable out; the endpoint workers are stopped already */
	void		(*unplug)(struct toaster_gadget *g);
	/* undoes start(), unplugged or not: leaves nothing behind */
	void		(*stop)(struct toaster_gadget *g);
	/* what main polls for ep0's events, or -1 */
	int		(*ep0_poll_fd)(const struct toaster_gadget *g);
	/* that fd is ready: read and handle ep0's events; -1 is fatal */
	int		(*ep0_ready)(struct toaster_gadget *g, short revents);
	/* the endpoint files ready for the workers, before they start */
	int		(*io_open)(struct toaster_gadget *g);
	/* after the workers stopped */
	void		(*io_close)(struct toaster_gadget *g);
	/* standard control requests left to us, or NULL: stall them */
	const char	*(*setup_standard)(struct toaster_gadget *g,
					   const struct usb_ctrlrequest *c,
					   const char **name);
	/*
	 * Whether ep0 can still stall an OUT request once it handed us the
	 * SETUP of one with a data stage (gadgetfs has taken the data then).
	 */
	bool		stalls_out_data;
};

extern const struct toaster_backend toaster_gadgetfs_backend;
extern const struct toaster_backend toaster_ffs_backend;

/* Where configfs keeps gadgets: the FunctionFS backend makes one there. */
#define TOASTER_CONFIGFS_GADGETS	"/sys/kernel/config/usb_gadget"

/* FunctionFS and configfs: what toaster_ffs.c made, to undo it. */
struct toaster_ffs {
	char		name[32];	/* gadget, function instance, mount */
	char		gadget[PATH_MAX];	/* configfs: usb_gadget/NAME */
	char		mnt[PATH_MAX];		/* where FunctionFS is mounted */
	char		udc[NAME_MAX + 1];	/* the controller bound to */
	int		ev_fd;		/* eventfd: FunctionFS queued an event */
	unsigned int	made;		/* TOASTER_FFS_MADE_* */
	bool		bound;		/* the UDC is ours */
};

struct toaster_gadget {
	/* options, read-only once running */
	const struct toaster_backend *ops;
	const char	*dir;		/* gadgetfs */
	const char	*udc;
	double		scale;
	const char	*serial;
	bool		verbose;
	const char	*control;	/* the control FIFO's path, or NULL */

	/*
	 * main only; workers read speed and the ep fds too, but main changes
	 * them only while no worker runs
	 */
	int		ep0_fd;		/* -1 while there is none */
	int		sig_fd;
	bool		plugged;
	enum usb_device_speed speed;
	bool		configured;
	struct toaster_ep ep[TOASTER_EP_ROLES];

	/* main only: the state of the request in hand on ep0 */
	const char	*ep0_hung;	/* left unanswered (hang), or NULL */
	bool		ep0_stale;	/* a new SETUP replaced the one in hand */
	/*
	 * It may have had an answer already (gadgetfs after a hang, see
	 * toaster_gadgetfs.c): no fault fires on it and a failed answer is
	 * no news.
	 */
	bool		ep0_blind;
	/* gadgetfs: the blind answer's request was an OUT one */
	bool		ep0_blind_out;
	char		ep0_note[192];	/* a log line for when there is time */
	struct toaster_ffs ffs;

	/* main only: control FIFO and timers */
	int		wake_fd;	/* eventfd: another thread wants main */
	int		ctl_fd;		/* the FIFO's read end, or -1 */
	int		ack_fd;		/* PATH.ack, or -1 */
	char		ack_path[PATH_MAX];
	char		ctl_line[TOASTER_CTL_LINE_MAX];
	size_t		ctl_len;
	bool		ctl_too_long;	/* dropping the rest of a long line */
	int64_t		replug_at;	/* plug in again then, or NEVER */

	pthread_mutex_t	lock;
	/* under lock: */
	pthread_cond_t	clock_cond;	/* the model changed: new deadline */
	pthread_cond_t	io_cond;	/* notification, stop, worker exit */
	struct toaster_model model;
	bool		quit;		/* clock thread: leave */
	bool		io_live;	/* endpoints up: notifications wanted */
	bool		io_stop;	/* workers: leave */
	unsigned int	notify_events;	/* TOASTER_MODEL_EV_* not yet sent */
	struct toaster_echo echo;
	struct toaster_faults faults;
	bool		unplug_due;	/* main: unplug-when-toasting fired */

	pthread_t	clock_tid;
	struct toaster_worker worker[TOASTER_WORKERS];
	/* the in worker's, kept off its stack */
	uint8_t		echo_buf[TOASTER_ECHO_SLOTS * TOASTER_BULK_MAXP_HS];
};

__attribute__((format(printf, 1, 2)))
void toaster_err(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void toaster_dbg(const char *fmt, ...);

void toaster_put8(struct toaster_buf *b, unsigned int v);
void toaster_put16(struct toaster_buf *b, unsigned int v);
void toaster_put32(struct toaster_buf *b, uint32_t v);
void toaster_put_endpoint(struct toaster_buf *b, const struct toaster_ep *ep,
			  bool hs);
/* The interface and its endpoints: what a configuration holds. */
void toaster_put_interface(struct toaster_buf *b, const struct toaster_ep *eps,
			   bool hs);

const char *toaster_speed_name(enum usb_device_speed s);

/* Data endpoints: (re)started on configuration, stopped on its loss. */
int toaster_io_start(struct toaster_gadget *g);
void toaster_io_stop(struct toaster_gadget *g);
/* The host configured the toaster, or set its interface again. */
void toaster_configured(struct toaster_gadget *g);
/* The host let go: unconfigured, reset, disconnected. */
void toaster_deconfigured(struct toaster_gadget *g);

/* ep0 answers, each returning what it did for the log */
const char *toaster_ep0_failed(struct toaster_gadget *g, const char *what);
const char *toaster_ep0_ack(struct toaster_gadget *g);
const char *toaster_ep0_reply(struct toaster_gadget *g,
			      const struct usb_ctrlrequest *c,
			      const void *data, size_t len);
const char *toaster_ep0_stall(struct toaster_gadget *g,
			      const struct usb_ctrlrequest *c);
/* The request in hand is gone, with any answer it still owed. */
void toaster_ep0_forget(struct toaster_gadget *g);

/* Answers a control request the backend handed over. */
const char *toaster_setup_request(struct toaster_gadget *g,
				  const struct usb_ctrlrequest *c,
				  const char **name);
void toaster_setup_log(const struct usb_ctrlrequest *c, const char *name,
		       const char *result, const char *note);

#endif /* TOASTER_GADGET_H */
