/* SPDX-License-Identifier: GPL-2.0 */
/*
 * toaster-gadget's state, and the seams between its files.  Everything the
 * toaster *does* is common; a backend (gadgetfs.c, functionfs.c) owns only
 * ep0's transport, its events and the endpoint files, and keeps its own
 * state in a struct that embeds struct toaster_gadget, reached from the
 * struct toaster_gadget * its operations get with container_of().
 *
 * Threads and what they own:
 *   main   - ep0: the backend's event loop, every control request, and the
 *            endpoint files.  Also SIGTERM/SIGINT/SIGUSR2, taken
 *            synchronously through a signalfd, and the control FIFO
 *            (--control): plugging and unplugging change ep0's binding,
 *            so only the thread that owns it may do them.  Other threads
 *            that want one done ask through an eventfd (toaster_wake_main).
 *   clock  - advances the heating model exactly when its next event is due
 *            and turns model events into interrupt notifications (notify.c).
 *   out    - reads bulk OUT, 64 KiB a request: counts burn patterns, or
 *            queues what came for the echo when loopback is on (bulk.c).
 *   in     - writes the queued echo on bulk IN (bulk.c).
 *   intr   - writes the pending notification on interrupt IN (notify.c).
 * out, in and intr exist only while the device is configured (io.c).
 * main waits for out and in where a control request depends on what they
 * did (SET_LOOPBACK, "stats": toaster_bulk_sync()).
 *
 * Faults (--fault, or "fault" on the control FIFO) live under the lock
 * with the model, and each takes effect where the thing it breaks is done:
 * stall/hang/short in ep0.c, garbage-notify in the intr thread, slow-bulk
 * and halt in bulk.c (halt of the interrupt endpoint in notify.c),
 * unplug-when-toasting where the model's state changes.  Which
 * one fires when is faults.c's to decide; the others only ask.
 */
#ifndef TOASTER_FIRMWARE_H
#define TOASTER_FIRMWARE_H

#include <limits.h>
#include <pthread.h>
#include <time.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/aio_abi.h>
#include <linux/usb/ch9.h>

#include "toaster_proto.h"
#include "model.h"

#define TOASTER_MANUFACTURER		"Toaster Project"
#define TOASTER_MODEL			"TS-1000"
#define TOASTER_DEFAULT_SERIAL		"TS1000-000001"
#define TOASTER_FIRMWARE_VERSION	0x0100
#define TOASTER_SLOTS			2

/* strings in English (US) only */
#define TOASTER_LANG_ID			0x0409
#define TOASTER_CONFIG_VALUE		1

#define TOASTER_BULK_MAXP_FS		64
#define TOASTER_BULK_MAXP_HS		512
/* One status per packet, so a notification is never split. */
#define TOASTER_INT_MAXP		32

/* Where configfs keeps gadgets: the FunctionFS backend makes one there. */
#define TOASTER_CONFIGFS_GADGETS	"/sys/kernel/config/usb_gadget"

/* The interface's endpoints, in the order of its descriptors. */
enum toaster_ep_role {
	TOASTER_EP_ROLE_OUT,
	TOASTER_EP_ROLE_IN,
	TOASTER_EP_ROLE_INT,
	TOASTER_EP_ROLES,
};

struct toaster_ep {
	const char	*role;
	uint8_t		address;	/* as the backend asks for it */
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

/*
 * What --fault and the control FIFO can break.  REQ modes act on one
 * vendor request each; a request has at most one of them at a time.
 */
enum toaster_fault_mode {
	TOASTER_FAULT_NONE,
	TOASTER_FAULT_STALL,		/* REQ: refuse it even when valid */
	TOASTER_FAULT_HANG,		/* REQ: never answer it */
	TOASTER_FAULT_SHORT,		/* REQ (IN only): answer it short */
	TOASTER_FAULT_GARBAGE_NOTIFY,	/* a malformed notification before each */
	TOASTER_FAULT_UNPLUG_WHEN_TOASTING, /* [MS]: unplug, replug after MS */
	TOASTER_FAULT_SLOW_BULK,	/* MS: hold each bulk request up */
	TOASTER_FAULT_HALT,		/* EP: halt it at its next transfer */
	TOASTER_FAULT_MODES,
};

struct toaster_faults {
	uint8_t		req[TOASTER_REQ_SLOTS];	/* enum toaster_fault_mode */
	bool		garbage_notify;
	bool		unplug_when_toasting;
	int		replug_ms;	/* after such an unplug; -1: on "plug" */
	unsigned int	slow_bulk_ms;	/* 0: off */
	uint8_t		halt;		/* 1 << enum toaster_ep_role, each once */
};

/* The command line, parsed before there is a backend to give it to. */
struct toaster_options {
	bool		functionfs;
	const char	*dir;		/* gadgetfs's mount point */
	const char	*udc;		/* NULL: the backend finds one */
	double		scale;
	const char	*serial;
	bool		verbose;
	const char	*control;	/* the control FIFO's path, or NULL */
	struct toaster_faults faults;	/* --fault */
};

/* A control command: "fault unplug-when-toasting 1000" and the like. */
#define TOASTER_CTL_LINE_MAX		128

/* The control FIFO (control.c); main only. */
struct toaster_ctl {
	int		fd;		/* the FIFO's read end, or -1 */
	int		ack_fd;		/* PATH.ack, or -1 */
	char		ack_path[PATH_MAX];
	char		line[TOASTER_CTL_LINE_MAX];
	size_t		len;
	bool		too_long;	/* dropping the rest of a long line */
};

/*
 * The bulk data path (bulk.c): requests of TOASTER_BULK_REQ_LEN and one
 * packet more, a whole number of packets at either speed, so that one
 * completing short tells where the host's transfer ended, so that a system
 * call moves 128 packets at high speed, and so that a transfer of 64 KiB
 * and the ZLP that ends it take one request, not two.  Echoes wait in
 * TOASTER_BULK_SLOTS buffers of that size (1 MiB and a little): a host
 * that writes before it reads is held off (NAKed) only after that.  On
 * gadgetfs one request is queued on each endpoint at a time (bulk.c says
 * why); FunctionFS takes TOASTER_BULK_QUEUE (bulk_queued.c).
 */
#define TOASTER_BULK_REQ_LEN		(64 * 1024)
#define TOASTER_BULK_BUF_LEN		(TOASTER_BULK_REQ_LEN + TOASTER_BULK_MAXP_HS)
#define TOASTER_BULK_SLOTS		16
/*
 * How many requests a backend that can take them back (FunctionFS) keeps
 * queued on each bulk endpoint: as many as toaster.ko keeps URBs in
 * flight, so that the host never waits for the firmware to come round.
 * With eight, the firmware was the bottleneck: on 6.12 under TCG,
 * medians of 9 in one boot, 16 KiB BURN through a driver keeping eight
 * URBs went from 97 to 122 MB/s and 16 KiB LOOPBACK from 46 to 52 MB/s
 * with sixteen, and libusb at depth 16 from 99 to 106 MB/s.
 */
#define TOASTER_BULK_QUEUE		16
/*
 * And how long each of those is.  FunctionFS allocates a kernel buffer of
 * a request's length for each AIO request, which Debian's kernels zero
 * (init_on_alloc), so a read's length is most of what it costs:
 * TOASTER_BULK_REQ_LEN and a packet, 66048 bytes, takes a 128 KiB block
 * from the page allocator, and each io_submit() took 250-600 us under
 * TCG, more than a 4 KiB transfer on the bus.  So the out worker's reads
 * follow the host's transfers (toaster_out_follow()): one packet more than
 * the last transfer, so that one read takes each transfer and its end,
 * from TOASTER_BULK_QUEUED_REQ_MIN up to TOASTER_BULK_QUEUED_REQ_LEN,
 * which exactly wastes nothing and comes from the per-CPU page lists.
 * Side by side in one boot, 32 KiB reads against 9-13 MB/s at 66048 took
 * 4 KiB BURN to 20-27, and reads of 4 KiB and a packet to 125 MB/s
 * against 46 at 32 KiB.  A transfer that fills a read whole is ended by a
 * later one, which its short packet or ZLP completes short; a read that
 * fills makes the next ones twice as long.
 */
#define TOASTER_BULK_QUEUED_REQ_LEN	(32 * 1024)
#define TOASTER_BULK_QUEUED_REQ_MIN	(4 * 1024 + TOASTER_BULK_MAXP_HS)

/* One endpoint's queue of kernel AIO requests (aio.c). */
struct toaster_aio_req {
	struct iocb	cb;
	long		res;		/* bytes, or -errno */
	bool		done;
};

struct toaster_aio {
	aio_context_t	ctx;
	int		fd;		/* the endpoint file */
	int		done_fd;	/* eventfd: a request completed */
	unsigned int	head, queued;	/* in the order they went in */
	struct toaster_aio_req req[TOASTER_BULK_QUEUE];
};

/* What the bulk endpoints did since the firmware started ("stats"). */
struct toaster_bulk_stats {
	uint64_t	patterns_burned;
	uint64_t	bytes_burned;
	uint64_t	oversized;	/* patterns over TOASTER_BURN_MAX */
	uint64_t	transfers_echoed;
	uint64_t	bytes_echoed;
	uint64_t	echoes_flushed;	/* echo writes that never reached the host */
};

/* One OUT request's data, waiting to go back; a ring of them. */
struct toaster_echo_slot {
	size_t		len;		/* the bytes to write back */
	bool		zlp;		/* then a ZLP: the host's ended it */
	bool		first;		/* begins its transfer */
	bool		last;		/* ends it, xfer bytes long */
	size_t		xfer;
	int64_t		since;		/* when it came (slow-bulk) */
	uint8_t		data[TOASTER_BULK_BUF_LEN];
};

/* The bulk endpoints' side (bulk.c). */
struct toaster_bulk {
	/* under lock: */
	bool		loopback;	/* the mode the data path is in */
	/*
	 * A sync: main bumps sync_asked (for a switch, with switching and
	 * want_loopback set) and interrupts the out worker until out_ack
	 * catches up; for a switch, then flush_asked and the in worker
	 * until in_ack does.  flushing holds the in worker meanwhile.
	 */
	unsigned int	sync_asked, out_ack;
	unsigned int	flush_asked, in_ack;
	bool		switching, want_loopback, flushing;
	bool		in_writing;	/* the in worker has a write out */
	unsigned int	head, count;	/* the echo ring */
	/*
	 * The queued in worker's: slots from the head with all their writes
	 * queued, the writes of the next one queued so far, and those of
	 * the head that completed.
	 */
	unsigned int	in_queued, in_sent, in_pieces;
	bool		in_polling;	/* the in worker waits on in_kick */
	int		in_kick;	/* eventfd: a slot to write came */
	size_t		xfer;		/* the OUT transfer so far */
	size_t		out_req_len;	/* the queued out worker's next read */
	bool		drop_echo;	/* halt=bulk-in: this transfer's goes */
	struct toaster_bulk_stats stats;

	struct toaster_worker out;
	struct toaster_worker in;
	struct toaster_echo_slot echo[TOASTER_BULK_SLOTS];
	/* the out worker's, for burn patterns: one per queued request */
	uint8_t		burn_buf[TOASTER_BULK_QUEUE][TOASTER_BULK_BUF_LEN];
};

/* What a backend sends down: descriptors and strings, built up in order. */
struct toaster_buf {
	uint8_t		data[256];
	size_t		len;
	bool		overflow;	/* something did not fit */
};

struct toaster_gadget;

/* A backend's own state, from the struct toaster_gadget it embeds. */
#define toaster_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/*
 * What differs between gadgetfs and FunctionFS.  Called from main only.
 * Between start() and stop() the toaster is plugged in unless unplug()
 * ran since the last start() or plug().
 */
struct toaster_backend {
	const char	*name;
	/* the backend's one instance, its shared part set up from o */
	struct toaster_gadget *(*create)(const struct toaster_options *o);
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
	/*
	 * Whether answering a request waits for the host to finish its
	 * status stage (FunctionFS), which a host that gave up never does.
	 */
	bool		ep0_waits_for_host;
	/*
	 * Whether a request queued on a data endpoint can be taken back
	 * (FunctionFS: io_cancel()), so that the bulk workers may keep
	 * TOASTER_BULK_QUEUE of them queued; else one synchronous request
	 * at a time (gadgetfs: see bulk.c).
	 */
	bool		queues_bulk;
};

extern const struct toaster_backend toaster_gadgetfs_backend;
extern const struct toaster_backend toaster_functionfs_backend;

struct toaster_gadget {
	/* options, read-only once running */
	const struct toaster_backend *ops;
	const char	*udc;		/* --udc, or NULL */
	double		scale;
	const char	*serial;
	const char	*control;	/* the control FIFO's path, or NULL */

	/*
	 * main only; workers read speed and the ep fds too, but main changes
	 * them only while no worker runs
	 */
	int		ep0_fd;		/* -1 while there is none */
	int		sig_fd;
	/* SIGUSR1 to main, to bound a wait on ep0 (ep0.c); valid if ep0_timed */
	timer_t		ep0_timer;
	bool		ep0_timed;
	bool		plugged;
	enum usb_device_speed speed;
	bool		configured;
	struct toaster_ep ep[TOASTER_EP_ROLES];

	/* main only: the state of the request in hand on ep0 */
	const char	*ep0_hung;	/* left unanswered (hang), or NULL */
	bool		ep0_stale;	/* a new SETUP replaced the one in hand */
	/*
	 * It may have had an answer already (gadgetfs after a hang, see
	 * gadgetfs.c): no fault fires on it and a failed answer is no news.
	 */
	bool		ep0_blind;
	/* what answering it did, when that takes more than a literal */
	char		ep0_result[80];

	/* main only */
	int		wake_fd;	/* eventfd: another thread wants main */
	struct toaster_ctl ctl;
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
	enum toaster_state logged_state;	/* the last one logged */
	struct toaster_faults faults;
	bool		unplug_due;	/* main: unplug-when-toasting fired */
	struct toaster_bulk bulk;

	pthread_t	clock_tid;
	struct toaster_worker intr;
};

/* main.c */
void toaster_gadget_init(struct toaster_gadget *g,
			 const struct toaster_backend *ops,
			 const struct toaster_options *o);
/* Asks main to look at what the other threads left for it. */
void toaster_wake_main(struct toaster_gadget *g);

/* log.c: one line each, "toaster-gadget: " first */
void toaster_log_verbose(bool on);
__attribute__((format(printf, 1, 2)))
void toaster_err(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void toaster_dbg(const char *fmt, ...);
/* Appends to buf, *len bytes long, as far as size allows. */
__attribute__((format(printf, 4, 5)))
void toaster_append(char *buf, size_t size, size_t *len, const char *fmt, ...);
const char *toaster_speed_name(enum usb_device_speed s);

/* descriptors.c */
extern const struct usb_device_descriptor toaster_device_desc;
extern const struct usb_config_descriptor toaster_config_desc;
/* The interface's descriptors, each endpoint's included: for FunctionFS. */
#define TOASTER_INTERFACE_DESCS		(1 + TOASTER_EP_ROLES)
void toaster_buf_put(struct toaster_buf *b, const void *data, size_t len);
/* eps as the descriptors have them (role, type, direction), unopened. */
void toaster_descs_init_eps(struct toaster_ep *eps);
/* One endpoint's descriptor at full or high speed, numbered address. */
void toaster_put_endpoint(struct toaster_buf *b, enum toaster_ep_role r,
			  bool hs, uint8_t address);
/* The interface and its endpoints: what a configuration holds. */
void toaster_put_interface(struct toaster_buf *b, const struct toaster_ep *eps,
			   bool hs);
/* A whole configuration: its descriptor first, wTotalLength filled in. */
void toaster_put_config(struct toaster_buf *b, const struct toaster_ep *eps,
			bool hs);

/* io.c: the data endpoints, (re)started on configuration */
int toaster_io_start(struct toaster_gadget *g);
void toaster_io_stop(struct toaster_gadget *g);
/* The host configured the toaster, or set its interface again. */
void toaster_configured(struct toaster_gadget *g);
/* The host let go: unconfigured, reset, disconnected. */
void toaster_deconfigured(struct toaster_gadget *g);
/* For the threads io.c starts, bulk.c's and notify.c's. */
void toaster_worker_enter(void);
void toaster_worker_park(struct toaster_gadget *g);
void toaster_worker_exit(struct toaster_gadget *g, struct toaster_worker *w);
bool toaster_stopping(struct toaster_gadget *g);
/* Halts an endpoint, as halt=EP does; the host clears it. */
void toaster_ep_halt(struct toaster_gadget *g, enum toaster_ep_role r);
int toaster_worker_start(struct toaster_gadget *g, struct toaster_worker *w);
void toaster_worker_stop(struct toaster_gadget *g, struct toaster_worker *w);

/* aio.c: kernel AIO on an endpoint file; 0 or -errno */
int toaster_aio_init(struct toaster_aio *q, int fd);
int toaster_aio_submit(struct toaster_aio *q, bool write, void *buf,
		       size_t len);
/* Until a request completes, also_fd (if >= 0) polls readable, or a signal. */
int toaster_aio_wait(struct toaster_aio *q, int also_fd);
/* A completed request, as toaster_aio_next() hands it out. */
struct toaster_aio_done {
	void		*buf;
	size_t		len;		/* what it moved */
	size_t		asked;		/* what it was queued for */
};

/*
 * The oldest request, if it completed with data; then it goes.  Requests
 * that failed go too: the first error into *err (if it holds none yet),
 * but not a drain's -ECONNRESET.
 */
bool toaster_aio_next(struct toaster_aio *q, struct toaster_aio_done *d, int *err);
bool toaster_aio_drain(struct toaster_aio *q);
void toaster_aio_exit(struct toaster_aio *q);

/* bulk.c: burn patterns and loopback */
/* Under lock, before the workers start: a new host session. */
void toaster_bulk_reset(struct toaster_gadget *g);
int toaster_bulk_start(struct toaster_gadget *g);
/* After io_stop is set. */
void toaster_bulk_stop(struct toaster_gadget *g);
/*
 * Under lock, main: SET_LOOPBACK was taken.  Returns once the data path
 * has taken in every OUT request the host completed, in the old mode,
 * flushed the echo and switched to the new one.
 */
void toaster_bulk_loopback(struct toaster_gadget *g, bool on);
/*
 * Under lock, main: the same wait, switching nothing, and then until the
 * echo queued so far went (or a moment passed); for "stats".
 */
void toaster_bulk_sync(struct toaster_gadget *g);
/* Faults changed: the bulk workers look again (slow-bulk, halt). */
void toaster_bulk_kick(struct toaster_gadget *g);

/* notify.c: the clock thread and interrupt notifications */
int toaster_clock_start(struct toaster_gadget *g);
void toaster_clock_stop(struct toaster_gadget *g);
/* Under lock, after anything touched the model. */
void toaster_publish(struct toaster_gadget *g);
/* Under lock, before the worker starts: a new host session. */
void toaster_notify_reset(struct toaster_gadget *g);
int toaster_notify_start(struct toaster_gadget *g);
void toaster_notify_stop(struct toaster_gadget *g);

/* ep0.c: answers, each returning what it did for the log */
const char *toaster_ep0_failed(struct toaster_gadget *g, const char *what);
const char *toaster_ep0_ack(struct toaster_gadget *g);
const char *toaster_ep0_reply(struct toaster_gadget *g,
			      const struct usb_ctrlrequest *c,
			      const void *data, size_t len);
const char *toaster_ep0_stall(struct toaster_gadget *g,
			      const struct usb_ctrlrequest *c);
/* Whether the protocol has req, as an IN request. */
bool toaster_req_is_in(unsigned int req);
/* The request in hand is gone, with any answer it still owed. */
void toaster_ep0_forget(struct toaster_gadget *g);
/* Answers a control request the backend handed over. */
const char *toaster_setup_request(struct toaster_gadget *g,
				  const struct usb_ctrlrequest *c,
				  const char **name);
void toaster_setup_log(const struct usb_ctrlrequest *c, const char *name,
		       const char *result, const char *note);

/* faults.c */
void toaster_faults_init(struct toaster_faults *faults);
/*
 * text is MODE or MODE=ARG, or, from the control FIFO, MODE with the ARG
 * apart (arg, else NULL); clearing: for "clear".  Adds the fault to
 * faults, or takes it (every one if text is NULL) away.  Returns 0, or -1
 * with why filled in.  Under lock once threads run.
 */
int toaster_faults_change(struct toaster_faults *faults, const char *text,
			  const char *arg, bool clearing, char *why,
			  size_t size);
/* "stall=toast slow-bulk=100", or "none", for the log.  Under lock. */
void toaster_faults_describe(const struct toaster_faults *faults,
			     char *buf, size_t size);
/*
 * The requests of one direction (TOASTER_REQ_DIR_*, or -1 for all), as
 * faults spell them: "get_info, get_status".  Into buf; returns buf.
 */
const char *toaster_req_list(int dir, char *buf, size_t size);
/* The stall, hang or short fault set on req, if any; logged as it fires. */
enum toaster_fault_mode toaster_fault_request(struct toaster_gadget *g,
					      unsigned int req);
/* Under lock: whether a malformed notification goes before each good one. */
bool toaster_fault_garbage_notify(const struct toaster_gadget *g);
/* The kind-th of those, made from good, and what is wrong with it: its length. */
size_t toaster_fault_garbage(const struct toaster_wire_status *good,
			     unsigned int kind, struct toaster_wire_status *bad,
			     const char **what);
/* slow-bulk's delay in ms, 0 if none.  Under lock. */
unsigned int toaster_fault_slow_bulk_ms(const struct toaster_gadget *g);
/* Under lock: whether halt=EP is set for r; peek leaves it set, else fires. */
bool toaster_fault_halt(struct toaster_gadget *g, enum toaster_ep_role r,
			bool peek);
/* Under lock: the model's state became state (unplug-when-toasting). */
void toaster_fault_state_changed(struct toaster_gadget *g,
				 enum toaster_state state);
/* main: whatever faults left for it to do now. */
void toaster_faults_run(struct toaster_gadget *g);
/* Milliseconds until toaster_faults_run() has a timer due, for poll(). */
int toaster_faults_timeout_ms(const struct toaster_gadget *g);

/* control.c: the cable, the heater, and the FIFO that works them */
void toaster_unplug(struct toaster_gadget *g);
int toaster_plug(struct toaster_gadget *g);
void toaster_overheat(struct toaster_gadget *g);
int toaster_ctl_open(struct toaster_gadget *g);
void toaster_ctl_close(struct toaster_gadget *g);
void toaster_ctl_read(struct toaster_gadget *g);

#endif /* TOASTER_FIRMWARE_H */
