// SPDX-License-Identifier: GPL-2.0
/*
 * USB toaster driver
 *
 * The function driver for the vendor-specific USB toaster of
 * include/uapi/toaster_proto.h.  Each toaster becomes /dev/toasterN: a read()
 * returns a status snapshot as text, a write() takes a command such as
 * "toast 7".  The status is kept current by the toaster's interrupt
 * endpoint, so reading it costs no USB round trip.
 *
 * Modelled on drivers/usb/usb-skeleton.c: the device state is reference
 * counted, every request runs under io_mutex and first checks the
 * disconnected flag, and disconnect deregisters the minor before anything
 * else so no open() can race with it.  Every URB we submit is anchored, so
 * disconnect, suspend and reset can stop them all; a waiting caller gives
 * up after io_timeout_ms or when killed.
 *
 * Also: an ioctl ABI (include/uapi/toaster_ioctl.h), sysfs attributes on the
 * interface, tracepoints (toaster_trace.h), poll, fasync and runtime PM.
 */

#include <linux/compat.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/usb.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "toaster_logic.h"
#include "toaster_ioctl.h"

#define CREATE_TRACE_POINTS
#include "toaster_trace.h"

/*
 * Minors 240..255, the first free one from here, unless the kernel has
 * CONFIG_USB_DYNAMIC_MINORS (Debian's do): then any free minor.
 */
#define TOASTER_MINOR_BASE	240

/*
 * 0 would fail every request at once, probe's included, and a huge value
 * is no timeout at all: a hung toaster must not hold a caller for more
 * than a minute.
 */
#define TOASTER_TIMEOUT_MIN_MS	10
#define TOASTER_TIMEOUT_MAX_MS	60000

static unsigned int io_timeout_ms = 2000;

static int toaster_set_timeout(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int ret;

	ret = kstrtouint(val, 0, &ms);
	if (ret)
		return ret;
	if (ms < TOASTER_TIMEOUT_MIN_MS || ms > TOASTER_TIMEOUT_MAX_MS)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, ms);
	return 0;
}

static const struct kernel_param_ops toaster_timeout_ops = {
	.set = toaster_set_timeout,
	.get = param_get_uint,
};

module_param_cb(io_timeout_ms, &toaster_timeout_ops, &io_timeout_ms, 0644);
MODULE_PARM_DESC(io_timeout_ms,
		 "How long a request may wait for the toaster to answer, in ms, 10 to 60000 (default 2000)");

/*
 * Fault injection where failslab and fail-nth cannot reach: usbcore's own
 * allocations behind a submission, and submissions from completion
 * handlers.  /sys/kernel/debug/toaster/fail_submit has the kernel's
 * fault_attr knobs (Documentation/fault-injection/); fail-nth counts this
 * site too, for a submission made in the caller's task.  Nothing at all
 * without CONFIG_FAULT_INJECTION, where 6.1's fault-inject.h declares
 * nothing at all (Debian's stock kernels).
 */
#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(toaster_fail_submit);
static struct dentry *toaster_debugfs;

static bool toaster_fail_submission(void)
{
	return should_fail(&toaster_fail_submit, 1);
}

static void toaster_fault_init(void)
{
	toaster_debugfs = debugfs_create_dir("toaster", NULL);
	fault_create_debugfs_attr("fail_submit", toaster_debugfs,
				  &toaster_fail_submit);
}

static void toaster_fault_exit(void)
{
	debugfs_remove_recursive(toaster_debugfs);
}
#else
static bool toaster_fail_submission(void)
{
	return false;
}

static void toaster_fault_init(void)
{
}

static void toaster_fault_exit(void)
{
}
#endif

static int toaster_submit_urb(struct urb *urb, gfp_t gfp)
{
	if (toaster_fail_submission())
		return -ENOMEM;
	return usb_submit_urb(urb, gfp);
}

/* io_timeout_ms in jiffies, as it is now: it may change at any time. */
static unsigned long toaster_timeout(void)
{
	return msecs_to_jiffies(READ_ONCE(io_timeout_ms));
}

static const struct usb_device_id toaster_table[] = {
	{ USB_DEVICE_AND_INTERFACE_INFO(TOASTER_VENDOR_ID, TOASTER_PRODUCT_ID,
					TOASTER_INTERFACE_CLASS,
					TOASTER_INTERFACE_SUBCLASS,
					TOASTER_INTERFACE_PROTOCOL) },
	{ }
};
MODULE_DEVICE_TABLE(usb, toaster_table);

struct toaster {
	struct usb_device *udev;
	struct usb_interface *intf;	/* not to be used once disconnected */
	u8 ifnum;
	struct kref kref;

	/* Held across every request; disconnect takes it to wait them out. */
	struct mutex io_mutex;
	/* Set under io_mutex and status_lock: either one suffices to read it. */
	bool disconnected;
	/*
	 * The runtime PM references open files hold; disconnect gives back
	 * those still held, as usbcore would not on a soft unbind.
	 */
	atomic_t open_refs;

	struct urb *int_urb;
	/*
	 * A whole packet of the endpoint, however large: a device that sends
	 * more than a status must not have the host controller babble.
	 */
	u8 *int_buf;
	/* Tries the interrupt URB again: after a back-off, or a halt cleared. */
	struct delayed_work int_work;
	/* Every other URB in flight, for disconnect, suspend and reset. */
	struct usb_anchor submitted;
	u8 bulk_in_addr;
	u8 bulk_out_addr;
	u16 bulk_in_maxp;
	u16 bulk_out_maxp;
	/* The file holding a loopback session, or NULL; under io_mutex. */
	struct toaster_file *loopback_owner;
	spinlock_t status_lock;		/* cache, disconnected */
	struct toaster_status_cache cache;
	/* Reads the status once a resume has restarted the interrupt URB. */
	struct work_struct refresh_work;
	/* TOASTER_RESYNC: that read is after a reset-resume. */
	unsigned long pending;
	wait_queue_head_t status_wait;
	struct fasync_struct *fasync;

	char model[TOASTER_MODEL_LEN + 1];
	char serial[TOASTER_SERIAL_LEN + 1];
	u16 firmware_version;
	u16 protocol_version;
	u8 slots;
};

/* One per open file: what this reader has seen. */
struct toaster_file {
	struct toaster *dev;
	/* The toaster is awake and its status current: toaster_file_ready(). */
	bool ready;
	struct mutex read_mutex;	/* text, len, partial, gen_read */
	char text[TOASTER_STATUS_TEXT_MAX];
	size_t len;
	/* A read() is part-way through text: see toaster_read(). */
	bool partial;
	u64 gen_read;
	bool has_read;
};

static struct usb_driver toaster_driver;

/* Bits of struct toaster's pending. */
enum {
	TOASTER_RESYNC,		/* the next refresh follows a reset-resume */
	TOASTER_INT_HALTED,	/* int_work clears the halt first */
};

static void toaster_delete(struct kref *kref)
{
	struct toaster *dev = container_of(kref, struct toaster, kref);

	usb_free_urb(dev->int_urb);
	kfree(dev->int_buf);
	usb_put_dev(dev->udev);
	kfree(dev);
}

/*-------------------------------------------------------------------------*/
/* Talking to the toaster: one request at a time, timed and killable */

/*
 * Errors from usbcore as a user of /dev/toasterN should see them.  -EPIPE
 * (a stall: the toaster refused) is left for the caller to explain.
 */
static int toaster_usb_error(int ret)
{
	switch (ret) {
	case 0:
	case -EPIPE:
	case -ETIMEDOUT:
	case -ENOMEM:
	case -ERESTARTSYS:
		return ret;
	case -ENODEV:
	case -ESHUTDOWN:
	case -EPERM:		/* the anchor was poisoned by disconnect */
		return -ENODEV;
	default:
		return -EIO;
	}
}

/*
 * Takes io_mutex for a request, or says why not: -EAGAIN for a
 * non-blocking caller that would wait, -ENODEV once disconnected.
 */
static int toaster_lock_io(struct toaster *dev, bool nonblock)
{
	int ret;

	if (nonblock) {
		if (!mutex_trylock(&dev->io_mutex))
			return -EAGAIN;
	} else {
		ret = mutex_lock_interruptible(&dev->io_mutex);
		if (ret)
			return ret;
	}
	if (dev->disconnected) {
		mutex_unlock(&dev->io_mutex);
		return -ENODEV;
	}
	return 0;
}

static void toaster_urb_done(struct urb *urb)
{
	complete(urb->context);
}

/*
 * Submits @urb, anchored so that disconnect, suspend and reset can stop
 * it, and waits for it: at most io_timeout_ms, and, if @killable, only as
 * long as the caller is willing, since a fatal signal ends the wait.  Not
 * killable is for the requests that put the toaster back as it was after
 * a call failed, which must be sent even for a caller that was killed.
 */
static int toaster_submit_wait(struct toaster *dev, struct urb *urb,
			       bool killable)
{
	struct completion done;
	long left;
	int ret;

	init_completion(&done);
	urb->context = &done;
	urb->complete = toaster_urb_done;
	usb_anchor_urb(urb, &dev->submitted);
	ret = toaster_submit_urb(urb, GFP_KERNEL);
	if (ret) {
		usb_unanchor_urb(urb);
		return ret;
	}
	if (killable)
		left = wait_for_completion_killable_timeout(&done,
							    toaster_timeout());
	else
		left = wait_for_completion_timeout(&done,
						   toaster_timeout());
	if (left <= 0) {
		/* Returns once the completion has run: done is ours again. */
		usb_kill_urb(urb);
		return left ? left : -ETIMEDOUT;
	}
	return urb->status;
}

/*
 * One vendor request to the toaster's interface.  IN replies must fill
 * @size exactly: a short reply is the device's error, not ours to pad.
 */
static int toaster_request(struct toaster *dev, u8 dir, u8 request, u16 value,
			   void *data, u16 size, bool killable)
{
	struct usb_ctrlrequest *setup;
	struct urb *urb;
	void *buf = NULL;
	unsigned int pipe;
	int ret = -ENOMEM;

	setup = kmalloc(sizeof(*setup), GFP_KERNEL);
	urb = usb_alloc_urb(0, GFP_KERNEL);
	if (size)
		buf = kmemdup(data, size, GFP_KERNEL);	/* DMA-able */
	if (!setup || !urb || (size && !buf))
		goto out;

	setup->bRequestType = dir | USB_TYPE_VENDOR | USB_RECIP_INTERFACE;
	setup->bRequest = request;
	setup->wValue = cpu_to_le16(value);
	setup->wIndex = cpu_to_le16(dev->ifnum);
	setup->wLength = cpu_to_le16(size);
	pipe = dir == USB_DIR_IN ? usb_rcvctrlpipe(dev->udev, 0) :
				   usb_sndctrlpipe(dev->udev, 0);
	usb_fill_control_urb(urb, dev->udev, pipe, (u8 *)setup, buf, size,
			     NULL, NULL);

	ret = toaster_submit_wait(dev, urb, killable);
	if (!ret && dir == USB_DIR_IN) {
		if (urb->actual_length == size)
			memcpy(data, buf, size);
		else
			ret = -EPROTO;
	}
out:
	trace_toaster_request(dev->intf, request, value, size, ret);
	kfree(buf);
	usb_free_urb(urb);
	kfree(setup);
	return toaster_usb_error(ret);
}

static int toaster_request_out(struct toaster *dev, u8 request, u16 value)
{
	return toaster_request(dev, USB_DIR_OUT, request, value, NULL, 0, true);
}

static int toaster_request_in(struct toaster *dev, u8 request, void *data,
			      u16 size)
{
	memset(data, 0, size);
	return toaster_request(dev, USB_DIR_IN, request, 0, data, size, true);
}

/* Loopback mode on or off; not @killable when undoing a failed call. */
static int toaster_set_loopback(struct toaster *dev, bool on, bool killable)
{
	return toaster_request(dev, USB_DIR_OUT, TOASTER_REQ_SET_LOOPBACK, on,
			       NULL, 0, killable);
}

/*-------------------------------------------------------------------------*/
/* Bulk streams: the data path of BURN and LOOPBACK */

/*
 * Each direction keeps up to TOASTER_STREAM_DEPTH URBs of up to
 * TOASTER_STREAM_URB bytes in flight, so that the bus never waits for
 * this side: whichever completes is refilled straight from (or emptied
 * straight into) the caller's buffer and sent again.  Sixteen, not eight:
 * a wake-up of this thread can take longer than eight URBs take on the
 * bus (under TCG; on a loaded machine too), and with sixteen BURN and
 * LOOPBACK at 16 and 64 KiB ran 12-19% faster against libusb's best on
 * the same boot.  At most 1 MiB a direction, and only during a call.
 */
#define TOASTER_STREAM_URB	(64 * 1024)
#define TOASTER_STREAM_DEPTH	16

enum toaster_stream_dir {
	TOASTER_STREAM_OUT,
	TOASTER_STREAM_IN,
	TOASTER_STREAM_DIRS,
};

struct toaster_stream;

struct toaster_stream_urb {
	struct toaster_stream *stream;
	struct urb *urb;
	enum toaster_stream_dir dir;
	struct toaster_chunk chunk;
	struct list_head done;		/* on stream->done, once completed */
};

struct toaster_stream {
	struct toaster *dev;
	u8 __user *data;
	struct toaster_stream_plan plan[TOASTER_STREAM_DIRS];
	u64 next[TOASTER_STREAM_DIRS];		/* chunk to submit next */
	u64 finished[TOASTER_STREAM_DIRS];	/* chunks done, in order */
	unsigned int nurbs[TOASTER_STREAM_DIRS];
	bool halted[TOASTER_STREAM_DIRS];	/* a URB of it got -EPIPE */
	struct toaster_stream_urb urbs[TOASTER_STREAM_DIRS][TOASTER_STREAM_DEPTH];
	spinlock_t lock;			/* done */
	struct list_head done;
	wait_queue_head_t wait;
};

static void toaster_stream_complete(struct urb *urb)
{
	struct toaster_stream_urb *su = urb->context;
	struct toaster_stream *s = su->stream;
	unsigned long flags;

	/*
	 * Woken under the lock the waiter takes to look, so that it cannot
	 * see this URB done and free the stream before the wake-up is over.
	 */
	spin_lock_irqsave(&s->lock, flags);
	list_add_tail(&su->done, &s->done);
	wake_up(&s->wait);
	spin_unlock_irqrestore(&s->lock, flags);
}

static struct toaster_stream_urb *toaster_stream_pop(struct toaster_stream *s)
{
	struct toaster_stream_urb *su;

	spin_lock_irq(&s->lock);
	su = list_first_entry_or_null(&s->done, struct toaster_stream_urb, done);
	if (su)
		list_del(&su->done);
	spin_unlock_irq(&s->lock);
	return su;
}

static bool toaster_stream_has_done(struct toaster_stream *s)
{
	bool done;

	spin_lock_irq(&s->lock);
	done = !list_empty(&s->done);
	spin_unlock_irq(&s->lock);
	return done;
}

/* Frees the URBs and their buffers; none may be in flight. */
static void toaster_stream_free(struct toaster_stream *s)
{
	struct toaster_stream_urb *su;
	unsigned int d, i;

	for (d = 0; d < TOASTER_STREAM_DIRS; d++) {
		for (i = 0; i < s->nurbs[d]; i++) {
			su = &s->urbs[d][i];
			kfree(su->urb->transfer_buffer);
			usb_free_urb(su->urb);
		}
	}
	kfree(s);
}

static struct toaster_stream *toaster_stream_alloc(struct toaster *dev,
						   const struct toaster_buffer *ub,
						   bool loopback)
{
	struct toaster_stream *s;
	u16 maxp[] = { dev->bulk_out_maxp, dev->bulk_in_maxp };
	unsigned int pipe[] = {
		usb_sndbulkpipe(dev->udev, dev->bulk_out_addr),
		usb_rcvbulkpipe(dev->udev, dev->bulk_in_addr),
	};
	unsigned int d, i;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->dev = dev;
	s->data = u64_to_user_ptr(ub->data);
	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->done);
	init_waitqueue_head(&s->wait);

	for (d = 0; d < (loopback ? TOASTER_STREAM_DIRS : 1); d++) {
		struct toaster_stream_plan *plan = &s->plan[d];
		u32 room;

		/*
		 * An IN URB may need a packet's room more than its chunk
		 * (struct toaster_chunk): its chunks are a packet shorter, so
		 * that no buffer is over TOASTER_STREAM_URB.
		 */
		ret = toaster_stream_plan(plan, ub->len, ub->count,
					  TOASTER_STREAM_URB -
					  (d == TOASTER_STREAM_IN ? maxp[d] : 0),
					  maxp[d]);
		if (ret)
			goto err;
		room = min(plan->urb_size, plan->len) +
		       (d == TOASTER_STREAM_IN ? plan->maxp : 0);
		for (i = 0; i < min_t(u64, plan->chunks, TOASTER_STREAM_DEPTH); i++) {
			struct toaster_stream_urb *su = &s->urbs[d][i];
			void *buf;

			su->urb = usb_alloc_urb(0, GFP_KERNEL);
			if (!su->urb) {
				ret = -ENOMEM;
				goto err;
			}
			buf = kmalloc(room, GFP_KERNEL);
			if (!buf) {
				usb_free_urb(su->urb);
				ret = -ENOMEM;
				goto err;
			}
			usb_fill_bulk_urb(su->urb, dev->udev, pipe[d], buf, room,
					  toaster_stream_complete, su);
			su->stream = s;
			su->dir = d;
			s->nurbs[d]++;
		}
	}
	if (!access_ok(s->data, (u64)s->plan[0].len * s->plan[0].count)) {
		ret = -EFAULT;
		goto err;
	}
	return s;

err:
	toaster_stream_free(s);
	return ERR_PTR(ret);
}

/* The next chunk of @su's direction, filled from the caller if OUT, sent. */
static int toaster_stream_submit(struct toaster_stream *s,
				 struct toaster_stream_urb *su)
{
	struct toaster_chunk *chunk = &su->chunk;
	struct urb *urb = su->urb;
	int ret;

	toaster_stream_chunk(&s->plan[su->dir], s->next[su->dir]++, chunk);
	if (su->dir == TOASTER_STREAM_OUT) {
		if (copy_from_user(urb->transfer_buffer, s->data + chunk->offset,
				   chunk->len))
			return -EFAULT;
		urb->transfer_buffer_length = chunk->len;
		/* Only the URB that ends a transfer may end in a short packet. */
		if (chunk->zero_packet)
			urb->transfer_flags |= URB_ZERO_PACKET;
		else
			urb->transfer_flags &= ~URB_ZERO_PACKET;
	} else {
		urb->transfer_buffer_length = chunk->room;
	}
	usb_anchor_urb(urb, &s->dev->submitted);
	ret = toaster_submit_urb(urb, GFP_KERNEL);
	if (ret) {
		usb_unanchor_urb(urb);
		return toaster_usb_error(ret);
	}
	return 0;
}

/* What one completed URB means; 0 to go on. */
static int toaster_stream_finish(struct toaster_stream *s,
				 struct toaster_stream_urb *su)
{
	struct urb *urb = su->urb;
	int ret = urb->status;

	trace_toaster_bulk(s->dev->intf, su->dir == TOASTER_STREAM_IN,
			   su->chunk.len, urb->actual_length, ret);
	if (ret == -EPIPE)
		s->halted[su->dir] = true;
	if (ret)
		return toaster_usb_error(ret);
	if (su->dir == TOASTER_STREAM_OUT) {
		if (urb->actual_length != su->chunk.len)
			return -EIO;
	} else {
		ret = toaster_chunk_received(&su->chunk, urb->actual_length);
		if (ret)
			return ret;
		if (copy_to_user(s->data + su->chunk.offset,
				 urb->transfer_buffer, su->chunk.len))
			return -EFAULT;
	}
	s->finished[su->dir]++;
	return 0;
}

/*
 * Whether every chunk of each of the @dirs directions has completed.  Not
 * IN's alone: a toaster that "echoes" before taking the data would end a
 * LOOPBACK whose data never went out.
 */
static bool toaster_stream_ended(struct toaster_stream *s, int dirs)
{
	int d;

	for (d = 0; d < dirs; d++) {
		if (s->finished[d] < s->plan[d].chunks)
			return false;
	}
	return true;
}

/*
 * Runs the stream to its end: @dirs is 1 for BURN (OUT only), 2 for
 * LOOPBACK, whose IN URBs go first so that the echo always has somewhere
 * to go.  On any failure every URB is stopped before this returns.
 */
static int toaster_stream_run(struct toaster_stream *s, int dirs)
{
	struct toaster_stream_urb *su;
	unsigned int i;
	long left;
	int d, ret = 0;

	for (d = dirs - 1; d >= 0 && !ret; d--) {
		for (i = 0; i < s->nurbs[d] && !ret; i++)
			ret = toaster_stream_submit(s, &s->urbs[d][i]);
	}
	while (!ret && !toaster_stream_ended(s, dirs)) {
		left = wait_event_killable_timeout(s->wait, toaster_stream_has_done(s),
						   toaster_timeout());
		if (left == 0)
			ret = -ETIMEDOUT;
		else if (left < 0)
			ret = -EINTR;
		while (!ret && (su = toaster_stream_pop(s))) {
			ret = toaster_stream_finish(s, su);
			if (!ret && s->next[su->dir] < s->plan[su->dir].chunks)
				ret = toaster_stream_submit(s, su);
		}
	}
	/* Kill, not unlink: returns once each completion has run. */
	for (d = 0; d < dirs; d++) {
		for (i = 0; i < s->nurbs[d]; i++)
			usb_kill_urb(s->urbs[d][i].urb);
	}
	/*
	 * What went out before the kill still counts, for
	 * toaster_stream_left_open(): it comes first, in order.
	 */
	while ((su = toaster_stream_pop(s))) {
		if (su->dir == TOASTER_STREAM_OUT && !su->urb->status)
			s->finished[su->dir]++;
	}
	return ret;
}

/*
 * Whether a transfer on bulk OUT was left without its end: a chunk of it
 * went, or part of one, but not the chunk that ends it.  The toaster would
 * take the next call's data as more of it.
 */
static bool toaster_stream_left_open(struct toaster_stream *s)
{
	unsigned int i;

	if (s->finished[TOASTER_STREAM_OUT] % s->plan[TOASTER_STREAM_OUT].per_transfer)
		return true;
	for (i = 0; i < s->nurbs[TOASTER_STREAM_OUT]; i++) {
		if (s->urbs[TOASTER_STREAM_OUT][i].urb->actual_length &&
		    s->urbs[TOASTER_STREAM_OUT][i].urb->status)
			return true;
	}
	return false;
}

/* Ends a transfer left open with a zero-length packet, as a short one. */
static int toaster_stream_close_transfer(struct toaster *dev)
{
	struct urb *urb;
	int ret;

	urb = usb_alloc_urb(0, GFP_KERNEL);
	if (!urb)
		return -ENOMEM;
	usb_fill_bulk_urb(urb, dev->udev,
			  usb_sndbulkpipe(dev->udev, dev->bulk_out_addr),
			  NULL, 0, NULL, NULL);
	ret = toaster_submit_wait(dev, urb, false);
	trace_toaster_bulk(dev->intf, false, 0, urb->actual_length, ret);
	usb_free_urb(urb);
	return toaster_usb_error(ret);
}

/*
 * A stream on the bulk endpoints, with io_mutex held and the device
 * connected: OUT only, or LOOPBACK's OUT and IN.  A stream that fails
 * leaves the toaster in no state to take the next one; this puts it
 * back: a transfer left open is ended, and in loopback mode the echo
 * still queued in the toaster is flushed by switching loopback off (and
 * on again, for a session).  These requests are sent even for a caller
 * that was killed.
 */
static int toaster_stream(struct toaster *dev, const struct toaster_buffer *ub,
			  bool loopback, bool session)
{
	struct toaster_stream *s;
	bool open, halted_out, halted_in;
	int ret;

	s = toaster_stream_alloc(dev, ub, loopback);
	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = toaster_stream_run(s, loopback ? TOASTER_STREAM_DIRS : 1);
	open = ret && toaster_stream_left_open(s);
	halted_out = s->halted[TOASTER_STREAM_OUT];
	halted_in = s->halted[TOASTER_STREAM_IN];
	toaster_stream_free(s);
	if (ret == -ENODEV)
		return ret;
	/*
	 * A halted endpoint refuses everything until the host clears it
	 * (which also resets both ends' data toggles).
	 */
	if (halted_out)
		usb_clear_halt(dev->udev,
			       usb_sndbulkpipe(dev->udev, dev->bulk_out_addr));
	if (halted_in)
		usb_clear_halt(dev->udev,
			       usb_rcvbulkpipe(dev->udev, dev->bulk_in_addr));
	if (open)
		toaster_stream_close_transfer(dev);
	if (ret && loopback && session &&
	    (toaster_set_loopback(dev, false, false) ||
	     toaster_set_loopback(dev, true, false))) {
		dev_warn(&dev->intf->dev,
			 "loopback session ended: the toaster did not take loopback mode back\n");
		dev->loopback_owner = NULL;
	}
	return ret;
}

/*-------------------------------------------------------------------------*/
/* The status, kept current by the interrupt endpoint */

/*
 * Carries out what toaster_cache_take() decided, outside the status lock.
 * May run in atomic context.
 */
static void toaster_apply(struct toaster *dev, const struct toaster_take *take)
{
	if (take->pm == TOASTER_PM_GET)
		usb_autopm_get_interface_no_resume(dev->intf);
	else if (take->pm == TOASTER_PM_PUT)
		usb_autopm_put_interface_async(dev->intf);
	if (take->changed) {
		wake_up_interruptible(&dev->status_wait);
		kill_fasync(&dev->fasync, SIGIO, POLL_IN);
	}
}

/* A GET_STATUS reply; see toaster_cache_take() for @resync. */
static void toaster_set_status(struct toaster *dev,
			       const struct toaster_snapshot *snap, bool resync)
{
	struct toaster_take take;
	unsigned long flags;

	spin_lock_irqsave(&dev->status_lock, flags);
	toaster_cache_take(&dev->cache, snap, resync, &take);
	spin_unlock_irqrestore(&dev->status_lock, flags);
	toaster_apply(dev, &take);
}

/*
 * A submission of the interrupt URB that failed.  -EPERM is the poison of
 * disconnect, suspend or reset, and -ENODEV the device gone: both meant.
 * -ENOMEM passes, so int_work tries again (toaster_int_stop() cancels it);
 * anything else leaves the status as it is until the next resume.
 */
static void toaster_int_failed(struct toaster *dev, int ret)
{
	if (!ret || ret == -EPERM || ret == -ENODEV)
		return;
	if (ret == -ENOMEM) {
		dev_warn_ratelimited(&dev->intf->dev,
				     "cannot submit interrupt IN: %d, trying again\n",
				     ret);
		schedule_delayed_work(&dev->int_work,
				      msecs_to_jiffies(TOASTER_INT_BACKOFF_MAX_MS));
		return;
	}
	dev_err(&dev->intf->dev,
		"cannot resubmit interrupt IN: %d, status is no longer updated\n",
		ret);
}

/* The decisions are toaster_int_receive()'s, which KUnit tests. */
static void toaster_int_complete(struct urb *urb)
{
	struct toaster *dev = urb->context;
	enum toaster_int_action action;
	struct toaster_take take;
	unsigned long flags;
	unsigned int delay_ms;
	int ret;

	spin_lock_irqsave(&dev->status_lock, flags);
	action = toaster_int_receive(&dev->cache, urb->status, dev->int_buf,
				     urb->actual_length, &take);
	delay_ms = dev->cache.int_delay_ms;
	spin_unlock_irqrestore(&dev->status_lock, flags);
	if (action == TOASTER_INT_STOP)
		return;

	/* The status fields only of a whole status: no stale bytes. */
	trace_toaster_notify(dev->intf, urb->status, urb->actual_length,
			     !urb->status && urb->actual_length ==
			     sizeof(struct toaster_wire_status) ?
			     (void *)dev->int_buf : NULL,
			     take.result);
	if (urb->status)
		dev_dbg(&dev->intf->dev, "interrupt IN status %d\n",
			urb->status);
	else if (take.result == -EPROTO)
		dev_warn_ratelimited(&dev->intf->dev,
				     "dropped a malformed notification (%u bytes)\n",
				     urb->actual_length);
	toaster_apply(dev, &take);

	switch (action) {
	case TOASTER_INT_RESUBMIT:
		ret = toaster_submit_urb(urb, GFP_ATOMIC);
		toaster_int_failed(dev, ret);
		break;
	case TOASTER_INT_CLEAR_HALT:
		set_bit(TOASTER_INT_HALTED, &dev->pending);
		schedule_delayed_work(&dev->int_work, 0);
		break;
	default:
		schedule_delayed_work(&dev->int_work, msecs_to_jiffies(delay_ms));
		break;
	}
}

/*
 * The interrupt URB, tried again from process context: a halt is cleared
 * first (a stalled endpoint stays halted until the host says otherwise),
 * as usbhid does.  Poisoned by disconnect, suspend and reset, so that this
 * submits nothing behind their backs.
 */
static void toaster_int_work(struct work_struct *work)
{
	struct toaster *dev = container_of(to_delayed_work(work), struct toaster,
					   int_work);
	int ret;

	if (test_and_clear_bit(TOASTER_INT_HALTED, &dev->pending)) {
		ret = usb_clear_halt(dev->udev, dev->int_urb->pipe);
		if (ret) {
			dev_warn(&dev->intf->dev,
				 "cannot clear the halt of interrupt IN: %d\n", ret);
			return;
		}
	}
	ret = toaster_submit_urb(dev->int_urb, GFP_KERNEL);
	toaster_int_failed(dev, ret);
}

static int toaster_int_start(struct toaster *dev, gfp_t gfp)
{
	int ret;

	ret = toaster_submit_urb(dev->int_urb, gfp);
	if (ret)
		dev_err(&dev->intf->dev, "cannot submit interrupt IN: %d\n", ret);
	return ret;
}

/* Stops the interrupt URB, and its retries, until toaster_int_restart(). */
static void toaster_int_stop(struct toaster *dev)
{
	usb_poison_urb(dev->int_urb);
	cancel_delayed_work_sync(&dev->int_work);
	clear_bit(TOASTER_INT_HALTED, &dev->pending);
}

/* Only after toaster_int_stop(): the two must pair up. */
static int toaster_int_restart(struct toaster *dev)
{
	usb_unpoison_urb(dev->int_urb);
	return toaster_int_start(dev, GFP_NOIO);
}

/*
 * Call with io_mutex held, or before the device is registered.  @resync:
 * the reply is believed whatever its count (after probe, a reset, a
 * reset-resume), not only if it is no older than what we hold.
 */
static int toaster_refresh_status(struct toaster *dev, bool resync)
{
	struct toaster_wire_status wire;
	struct toaster_snapshot snap = {};
	int ret;

	ret = toaster_request_in(dev, TOASTER_REQ_GET_STATUS, &wire,
				 sizeof(wire));
	if (ret)
		return ret;
	ret = toaster_decode_status(&wire, sizeof(wire), &snap);
	if (ret) {
		dev_warn(&dev->intf->dev, "malformed status reply\n");
		return -EBADMSG;
	}
	toaster_set_status(dev, &snap, resync);
	return 0;
}

/*
 * Notifications sent while the interrupt URB was stopped are lost, so a
 * resume must ask for the status.  It does so here, on a freezable
 * workqueue, rather than in the resume callback: a system resume then does
 * not wait on a round trip to the toaster, whose firmware may not be ready
 * to answer until the system is thawed (ours is a userspace program).
 * Readers that need the fresh status flush this work.  Disconnect cancels
 * it, so the interface is ours here.
 */
static void toaster_refresh_work(struct work_struct *work)
{
	struct toaster *dev = container_of(work, struct toaster, refresh_work);
	bool resync;
	int ret;

	ret = usb_autopm_get_interface(dev->intf);
	if (ret)
		return;
	resync = test_and_clear_bit(TOASTER_RESYNC, &dev->pending);
	mutex_lock(&dev->io_mutex);
	ret = dev->disconnected ? 0 : toaster_refresh_status(dev, resync);
	mutex_unlock(&dev->io_mutex);
	/* -ENODEV: unplugged meanwhile, and disconnect says so. */
	if (ret && ret != -ENODEV)
		dev_warn(&dev->intf->dev, "cannot read the status after resume: %d\n",
			 ret);
	usb_autopm_put_interface(dev->intf);
}

static void toaster_get_snapshot(struct toaster *dev,
				 struct toaster_snapshot *snap)
{
	spin_lock_irq(&dev->status_lock);
	*snap = dev->cache.status;
	spin_unlock_irq(&dev->status_lock);
}

/*
 * Wakes the toaster, and waits for the status read that waking it started,
 * so that what the caller reads next is current.  Undo with
 * usb_autopm_put_interface().
 */
static int toaster_autoresume(struct toaster *dev)
{
	int ret;

	ret = usb_autopm_get_interface(dev->intf);
	if (!ret)
		flush_work(&dev->refresh_work);
	return ret;
}

/* Device strings are NUL-padded and untrusted: keep the printable part. */
static void toaster_copy_string(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

static int toaster_read_info(struct toaster *dev)
{
	struct toaster_wire_info info;
	int ret;

	ret = toaster_request_in(dev, TOASTER_REQ_GET_INFO, &info, sizeof(info));
	if (ret) {
		dev_err(&dev->intf->dev, "cannot read the device information: %d\n",
			ret);
		return ret;
	}
	if (le16_to_cpu(info.protocol_version) != TOASTER_PROTOCOL_VERSION) {
		dev_err(&dev->intf->dev, "unsupported protocol version %u\n",
			le16_to_cpu(info.protocol_version));
		return -ENODEV;
	}
	toaster_copy_string(dev->model, info.model, sizeof(info.model));
	toaster_copy_string(dev->serial, info.serial, sizeof(info.serial));
	dev->firmware_version = le16_to_cpu(info.firmware_version);
	dev->protocol_version = le16_to_cpu(info.protocol_version);
	dev->slots = info.slots;
	return 0;
}

/*-------------------------------------------------------------------------*/
/* open and release */

/*
 * Waits for what open() started: the toaster awake, and its status read
 * afresh after a resume.  Once per file, from the first call that needs
 * the toaster; killable while it waits for io_mutex.
 */
static int toaster_file_ready(struct toaster_file *tf)
{
	struct toaster *dev = tf->dev;
	int ret;

	if (READ_ONCE(tf->ready))
		return 0;
	ret = toaster_lock_io(dev, false);
	if (ret)
		return ret;
	/* The file's reference is held already: this only waits. */
	ret = pm_runtime_resume(&dev->intf->dev);
	mutex_unlock(&dev->io_mutex);
	if (ret < 0)
		return ret;
	flush_work(&dev->refresh_work);
	WRITE_ONCE(tf->ready, true);
	return 0;
}

static int toaster_open(struct inode *inode, struct file *file)
{
	struct usb_interface *intf;
	struct toaster_file *tf;
	struct toaster *dev;
	int ret;

	/*
	 * usbcore holds its minor lock around this call, and disconnect
	 * deregisters the minor first: the device cannot go away under us
	 * until we hold our reference.
	 */
	intf = usb_find_interface(&toaster_driver, iminor(inode));
	if (!intf)
		return -ENODEV;
	dev = usb_get_intfdata(intf);
	if (!dev)
		return -ENODEV;

	tf = kzalloc(sizeof(*tf), GFP_KERNEL);
	if (!tf)
		return -ENOMEM;
	/*
	 * An open file keeps the toaster awake, so that its status stays
	 * current.  But the minor lock held around this call is every usbmisc
	 * driver's, and disconnect's: nothing here may wait on the device.
	 * The resume is only started, and the first call that needs the
	 * toaster waits for it (toaster_file_ready()).
	 */
	ret = usb_autopm_get_interface_async(intf);
	if (ret) {
		kfree(tf);
		return ret;
	}
	atomic_inc(&dev->open_refs);
	mutex_init(&tf->read_mutex);
	tf->dev = dev;
	kref_get(&dev->kref);
	file->private_data = tf;
	return 0;
}

static int toaster_release(struct inode *inode, struct file *file)
{
	struct toaster_file *tf = file->private_data;
	struct toaster *dev = tf->dev;

	/*
	 * After disconnect the interface is not ours to touch, and disconnect
	 * gave back this file's reference (toaster_give_back_pm()).
	 */
	mutex_lock(&dev->io_mutex);
	if (dev->loopback_owner == tf) {
		dev->loopback_owner = NULL;
		if (!dev->disconnected)
			toaster_set_loopback(dev, false, false);
	}
	if (!dev->disconnected) {
		atomic_dec(&dev->open_refs);
		usb_autopm_put_interface(dev->intf);
	}
	mutex_unlock(&dev->io_mutex);

	mutex_destroy(&tf->read_mutex);
	kfree(tf);
	kref_put(&dev->kref, toaster_delete);
	return 0;
}

/*-------------------------------------------------------------------------*/
/* read, poll and fasync: the status as text, and its changes */

/* Whether @tf has a status to read that it has not read yet. */
static bool toaster_has_news(struct toaster_file *tf)
{
	struct toaster *dev = tf->dev;
	bool news;

	spin_lock_irq(&dev->status_lock);
	news = dev->disconnected || !tf->has_read ||
	       dev->cache.gen != tf->gen_read;
	spin_unlock_irq(&dev->status_lock);
	return news;
}

/*
 * Reading from offset 0 takes a new snapshot; reading on returns the rest of
 * it, so cat prints one snapshot and ends.  A file that has read the current
 * status and comes back to offset 0 (pread, lseek) waits for the next change,
 * which is what poll() reports as readable.
 *
 * The file's snapshot is not replaced while it is part-read: a read at
 * offset 0 meanwhile starts that same snapshot again.  Otherwise two
 * threads reading one file in pieces would each end up with the head of
 * one snapshot and the tail of another.  And a snapshot counts as read only
 * once some of it reached the caller.
 */
static ssize_t toaster_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct toaster_file *tf = file->private_data;
	struct toaster *dev = tf->dev;
	char text[TOASTER_STATUS_TEXT_MAX];
	struct toaster_snapshot snap;
	size_t len;
	ssize_t ret;
	u64 gen;

	ret = toaster_file_ready(tf);
	if (ret)
		return ret;
	ret = mutex_lock_interruptible(&tf->read_mutex);
	if (ret)
		return ret;

	if (*ppos == 0 && !tf->partial) {
		while (!toaster_has_news(tf)) {
			if (file->f_flags & O_NONBLOCK) {
				ret = -EAGAIN;
				goto out;
			}
			ret = wait_event_interruptible(dev->status_wait,
						       toaster_has_news(tf));
			if (ret)
				goto out;
		}
		spin_lock_irq(&dev->status_lock);
		if (dev->disconnected) {
			spin_unlock_irq(&dev->status_lock);
			ret = -ENODEV;
			goto out;
		}
		snap = dev->cache.status;
		gen = dev->cache.gen;
		spin_unlock_irq(&dev->status_lock);
		len = toaster_format_status(&snap, text, sizeof(text));
		ret = simple_read_from_buffer(ubuf, count, ppos, text, len);
		if (ret < 0)
			goto out;
		memcpy(tf->text, text, len);
		tf->len = len;
		/* poll() reads these without the mutex. */
		WRITE_ONCE(tf->gen_read, gen);
		WRITE_ONCE(tf->has_read, true);
	} else {
		ret = simple_read_from_buffer(ubuf, count, ppos, tf->text, tf->len);
		if (ret < 0)
			goto out;
	}
	tf->partial = *ppos < tf->len;
out:
	mutex_unlock(&tf->read_mutex);
	return ret;
}

static __poll_t toaster_poll(struct file *file, poll_table *wait)
{
	struct toaster_file *tf = file->private_data;
	struct toaster *dev = tf->dev;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &dev->status_wait, wait);

	spin_lock_irq(&dev->status_lock);
	if (dev->disconnected)
		mask = EPOLLHUP | EPOLLERR;
	else if (!READ_ONCE(tf->has_read) ||
		 dev->cache.gen != READ_ONCE(tf->gen_read))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock_irq(&dev->status_lock);
	return mask;
}

static int toaster_fasync(int fd, struct file *file, int on)
{
	struct toaster_file *tf = file->private_data;

	return fasync_helper(fd, file, on, &tf->dev->fasync);
}

/*-------------------------------------------------------------------------*/
/* write and the ioctls: commands, burn patterns, loopback */

/*
 * The toaster stalled a request we thought valid: our cache was behind.
 * Ask it why, in the terms a user of the command understands.
 */
static int toaster_refused(struct toaster *dev,
			   const struct toaster_command *cmd)
{
	struct toaster_snapshot snap;
	int ret;

	if (toaster_refresh_status(dev, false))
		return -EIO;
	toaster_get_snapshot(dev, &snap);
	ret = toaster_command_check(&snap, cmd);
	return ret ? ret : -EIO;
}

/*
 * Call with io_mutex held and the device connected.  What the toaster
 * would refuse is refused here, by toaster_command_check(), and not sent.
 */
static int toaster_send_command(struct toaster *dev,
				const struct toaster_command *cmd)
{
	struct toaster_snapshot snap;
	int ret;

	toaster_get_snapshot(dev, &snap);
	ret = toaster_command_check(&snap, cmd);
	if (ret)
		return ret;
	switch (cmd->op) {
	case TOASTER_CMD_TOAST:
		return toaster_request_out(dev, TOASTER_REQ_TOAST, cmd->darkness);
	case TOASTER_CMD_CANCEL:
		return toaster_request_out(dev, TOASTER_REQ_CANCEL, 0);
	case TOASTER_CMD_DARKNESS:
		return toaster_request_out(dev, TOASTER_REQ_SET_DARKNESS,
					   cmd->darkness);
	case TOASTER_CMD_LOCK:
	case TOASTER_CMD_UNLOCK:
		return toaster_request_out(dev, TOASTER_REQ_SET_LOCK,
					   cmd->op == TOASTER_CMD_LOCK);
	}
	return -EINVAL;
}

static int toaster_execute(struct toaster *dev,
			   const struct toaster_command *cmd, bool nonblock)
{
	int ret;

	ret = toaster_lock_io(dev, nonblock);
	if (ret)
		return ret;

	ret = toaster_send_command(dev, cmd);
	if (ret == -EPIPE)
		ret = toaster_refused(dev, cmd);
	/*
	 * The notification of the change may still be on its way; fetch the
	 * new status now so that a read() right after this write() shows it.
	 * Success is the toaster's having taken the command: a refresh that
	 * fails must not make a caller who retries toast twice.  The
	 * notification puts the status right.
	 */
	if (!ret && toaster_refresh_status(dev, false))
		dev_dbg(&dev->intf->dev, "status not refreshed after a command\n");
	mutex_unlock(&dev->io_mutex);
	return ret;
}

static ssize_t toaster_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct toaster_file *tf = file->private_data;
	struct toaster_command cmd;
	char buf[TOASTER_CMD_MAX];
	int ret;

	/* Parse before anything else: bad input never reaches the device. */
	if (count > sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	ret = toaster_parse_command(buf, count, &cmd);
	if (ret)
		return ret;

	ret = toaster_file_ready(tf);
	if (!ret)
		ret = toaster_execute(tf->dev, &cmd, file->f_flags & O_NONBLOCK);
	return ret ? ret : count;
}

/* Burn patterns on bulk OUT; refused while a loopback session holds it. */
static int toaster_burn(struct toaster_file *tf, const struct toaster_buffer *ub,
			bool nonblock)
{
	struct toaster *dev = tf->dev;
	int ret;

	ret = toaster_lock_io(dev, nonblock);
	if (ret)
		return ret;
	ret = dev->loopback_owner ? -EBUSY : toaster_stream(dev, ub, false, false);
	mutex_unlock(&dev->io_mutex);
	return ret;
}

/*
 * The diagnostic loopback: the toaster echoes each bulk OUT transfer on
 * bulk IN, which measures the bulk path through the driver; the echo comes
 * back into the caller's buffer.  In a session (TOASTER_IOC_SET_LOOPBACK)
 * the toaster is in loopback mode already.  Without one, the call switches
 * it on and, whatever happens, off again: a killed caller too, and a burn
 * pattern is never echoed.
 */
static int toaster_loopback(struct toaster_file *tf,
			    const struct toaster_buffer *ub, bool nonblock)
{
	struct toaster *dev = tf->dev;
	bool session;
	int ret, off;

	ret = toaster_lock_io(dev, nonblock);
	if (ret)
		return ret;
	session = dev->loopback_owner == tf;
	if (dev->loopback_owner && !session) {
		ret = -EBUSY;
		goto unlock;
	}
	if (!session) {
		ret = toaster_set_loopback(dev, true, true);
		if (ret)
			goto off;
	}
	ret = toaster_stream(dev, ub, true, session);
off:
	if (!session && ret != -ENODEV) {
		off = toaster_set_loopback(dev, false, false);
		if (!ret)
			ret = off;
	}
unlock:
	mutex_unlock(&dev->io_mutex);
	return ret;
}

/* TOASTER_IOC_SET_LOOPBACK: a session held by @tf, or ended. */
static int toaster_loopback_session(struct toaster_file *tf, bool on,
				    bool nonblock)
{
	struct toaster *dev = tf->dev;
	int ret;

	ret = toaster_lock_io(dev, nonblock);
	if (ret)
		return ret;
	if (dev->loopback_owner && dev->loopback_owner != tf) {
		ret = -EBUSY;
	} else if (on && !dev->loopback_owner) {
		ret = toaster_set_loopback(dev, true, true);
		if (!ret)
			dev->loopback_owner = tf;
	} else if (!on && dev->loopback_owner) {
		dev->loopback_owner = NULL;
		ret = toaster_set_loopback(dev, false, false);
	}
	mutex_unlock(&dev->io_mutex);
	return ret;
}

static void toaster_fill_info(struct toaster *dev, struct toaster_info *info)
{
	memset(info, 0, sizeof(*info));
	info->protocol_version = dev->protocol_version;
	info->firmware_version = dev->firmware_version;
	info->slots = dev->slots;
	strscpy(info->model, dev->model, sizeof(info->model));
	strscpy(info->serial, dev->serial, sizeof(info->serial));
}

static void toaster_fill_status(struct toaster *dev,
				struct toaster_status *status)
{
	struct toaster_snapshot snap;

	toaster_get_snapshot(dev, &snap);
	memset(status, 0, sizeof(*status));
	status->state = snap.state;
	status->darkness = snap.darkness;
	status->temperature_c = snap.temperature_c;
	status->remaining_ms = snap.remaining_ms;
	status->safety_lock = snap.safety_lock;
	status->toasts = snap.toasts;
	status->errors = snap.errors;
}

/*
 * ENOTTY for a number that is not ours, whatever the file; EBADF for one
 * that changes something, on a file opened read-only, as write() would be.
 */
static int toaster_ioctl_check(struct file *file, unsigned int cmd)
{
	switch (cmd) {
	case TOASTER_IOC_GET_INFO:
	case TOASTER_IOC_GET_STATUS:
		return 0;
	case TOASTER_IOC_TOAST:
	case TOASTER_IOC_CANCEL:
	case TOASTER_IOC_SET_LOCK:
	case TOASTER_IOC_SET_DARKNESS:
	case TOASTER_IOC_BURN:
	case TOASTER_IOC_LOOPBACK:
	case TOASTER_IOC_SET_LOOPBACK:
		return file->f_mode & FMODE_WRITE ? 0 : -EBADF;
	default:
		return -ENOTTY;
	}
}

static long toaster_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct toaster_file *tf = file->private_data;
	struct toaster *dev = tf->dev;
	bool nonblock = file->f_flags & O_NONBLOCK;
	void __user *argp = (void __user *)arg;
	struct toaster_command command = {};
	struct toaster_buffer ub;
	union {
		struct toaster_info info;
		struct toaster_status status;
	} out;
	u32 value;
	int ret;

	ret = toaster_ioctl_check(file, cmd);
	if (ret)
		return ret;
	if (READ_ONCE(dev->disconnected))
		return -ENODEV;
	if (cmd != TOASTER_IOC_GET_INFO) {
		ret = toaster_file_ready(tf);
		if (ret)
			return ret;
	}

	switch (cmd) {
	case TOASTER_IOC_GET_INFO:
		toaster_fill_info(dev, &out.info);
		return copy_to_user(argp, &out.info, sizeof(out.info)) ? -EFAULT : 0;
	case TOASTER_IOC_GET_STATUS:
		toaster_fill_status(dev, &out.status);
		return copy_to_user(argp, &out.status, sizeof(out.status)) ? -EFAULT : 0;
	case TOASTER_IOC_TOAST:
	case TOASTER_IOC_SET_DARKNESS:
		if (get_user(value, (u32 __user *)argp))
			return -EFAULT;
		command.op = cmd == TOASTER_IOC_TOAST ? TOASTER_CMD_TOAST :
							TOASTER_CMD_DARKNESS;
		command.darkness = value;
		return toaster_execute(dev, &command, nonblock);
	case TOASTER_IOC_CANCEL:
		command.op = TOASTER_CMD_CANCEL;
		return toaster_execute(dev, &command, nonblock);
	case TOASTER_IOC_SET_LOCK:
		if (get_user(value, (u32 __user *)argp))
			return -EFAULT;
		if (value > 1)
			return -EINVAL;
		command.op = value ? TOASTER_CMD_LOCK : TOASTER_CMD_UNLOCK;
		return toaster_execute(dev, &command, nonblock);
	case TOASTER_IOC_BURN:
	case TOASTER_IOC_LOOPBACK:
		if (copy_from_user(&ub, argp, sizeof(ub)))
			return -EFAULT;
		if (cmd == TOASTER_IOC_BURN)
			return toaster_burn(tf, &ub, nonblock);
		return toaster_loopback(tf, &ub, nonblock);
	case TOASTER_IOC_SET_LOOPBACK:
		if (get_user(value, (u32 __user *)argp))
			return -EFAULT;
		if (value > 1)
			return -EINVAL;
		return toaster_loopback_session(tf, value, nonblock);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations toaster_fops = {
	.owner = THIS_MODULE,
	.open = toaster_open,
	.release = toaster_release,
	.read = toaster_read,
	.write = toaster_write,
	.poll = toaster_poll,
	.fasync = toaster_fasync,
	.unlocked_ioctl = toaster_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = default_llseek,
};

static struct usb_class_driver toaster_class = {
	.name = "toaster%d",
	.fops = &toaster_fops,
	.minor_base = TOASTER_MINOR_BASE,
};

/*-------------------------------------------------------------------------*/
/* sysfs */

/*
 * sysfs attributes on the interface (Documentation/ABI/testing/
 * sysfs-driver-toaster).  They exist only while the driver is bound: the
 * driver core removes them before disconnect, so dev is valid here.
 */
static struct toaster *toaster_from_device(struct device *device)
{
	return usb_get_intfdata(to_usb_interface(device));
}

/* The status, fresh even if the toaster was suspended. */
static int toaster_fresh_snapshot(struct device *device,
				  struct toaster_snapshot *snap)
{
	struct toaster *dev = toaster_from_device(device);
	int ret;

	ret = toaster_autoresume(dev);
	if (ret)
		return ret;
	toaster_get_snapshot(dev, snap);
	usb_autopm_put_interface(dev->intf);
	return 0;
}

#define TOASTER_STATUS_ATTR(field, format)				\
static ssize_t field##_show(struct device *device,			\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct toaster_snapshot snap;					\
	int ret = toaster_fresh_snapshot(device, &snap);		\
									\
	return ret ? ret : sysfs_emit(buf, format "\n", snap.field);	\
}

TOASTER_STATUS_ATTR(temperature_c, "%d")
static DEVICE_ATTR_RO(temperature_c);
TOASTER_STATUS_ATTR(remaining_ms, "%u")
static DEVICE_ATTR_RO(remaining_ms);
TOASTER_STATUS_ATTR(toasts, "%u")
static DEVICE_ATTR_RO(toasts);
TOASTER_STATUS_ATTR(errors, "%u")
static DEVICE_ATTR_RO(errors);
TOASTER_STATUS_ATTR(darkness, "%u")
TOASTER_STATUS_ATTR(safety_lock, "%d")

static ssize_t state_show(struct device *device, struct device_attribute *attr,
			  char *buf)
{
	struct toaster_snapshot snap;
	int ret = toaster_fresh_snapshot(device, &snap);

	return ret ? ret : sysfs_emit(buf, "%s\n", toaster_state_name(snap.state));
}
static DEVICE_ATTR_RO(state);

/* A command from sysfs: the toaster may be asleep, no file holds it awake. */
static int toaster_sysfs_command(struct device *device,
				 const struct toaster_command *cmd)
{
	struct toaster *dev = toaster_from_device(device);
	int ret;

	ret = toaster_autoresume(dev);
	if (ret)
		return ret;
	ret = toaster_execute(dev, cmd, false);
	usb_autopm_put_interface(dev->intf);
	return ret;
}

static ssize_t darkness_store(struct device *device,
			      struct device_attribute *attr, const char *buf,
			      size_t count)
{
	struct toaster_command cmd = { .op = TOASTER_CMD_DARKNESS };
	int ret;

	ret = kstrtouint(buf, 10, &cmd.darkness);
	if (ret)
		return ret;
	ret = toaster_sysfs_command(device, &cmd);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(darkness);

static ssize_t safety_lock_store(struct device *device,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct toaster_command cmd;
	bool lock;
	int ret;

	ret = kstrtobool(buf, &lock);
	if (ret)
		return ret;
	cmd.op = lock ? TOASTER_CMD_LOCK : TOASTER_CMD_UNLOCK;
	ret = toaster_sysfs_command(device, &cmd);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(safety_lock);

static ssize_t model_show(struct device *device, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", toaster_from_device(device)->model);
}
static DEVICE_ATTR_RO(model);

static ssize_t serial_show(struct device *device,
			   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", toaster_from_device(device)->serial);
}
static DEVICE_ATTR_RO(serial);

static ssize_t firmware_version_show(struct device *device,
				     struct device_attribute *attr, char *buf)
{
	u16 version = toaster_from_device(device)->firmware_version;

	return sysfs_emit(buf, "%x.%02x\n", version >> 8, version & 0xff);
}
static DEVICE_ATTR_RO(firmware_version);

static struct attribute *toaster_attrs[] = {
	&dev_attr_state.attr,
	&dev_attr_darkness.attr,
	&dev_attr_temperature_c.attr,
	&dev_attr_remaining_ms.attr,
	&dev_attr_safety_lock.attr,
	&dev_attr_toasts.attr,
	&dev_attr_errors.attr,
	&dev_attr_model.attr,
	&dev_attr_serial.attr,
	&dev_attr_firmware_version.attr,
	NULL
};
ATTRIBUTE_GROUPS(toaster);

/*-------------------------------------------------------------------------*/
/* probe and disconnect */

/*
 * usbcore does not undo what a driver still holds of its interface's
 * runtime PM count when it unbinds it, and a soft unbind (sysfs,
 * authorized=0, USBDEVFS_DISCONNECT) keeps the interface for the next
 * driver, which would find it held awake for good.  So at disconnect, or a
 * failed probe, the references of the open files and of a toast in
 * progress go back; release() after that leaves the interface alone.
 */
static void toaster_give_back_pm(struct toaster *dev)
{
	int refs = atomic_xchg(&dev->open_refs, 0);
	bool busy;

	spin_lock_irq(&dev->status_lock);
	busy = dev->cache.pm_busy;
	dev->cache.pm_busy = false;
	spin_unlock_irq(&dev->status_lock);
	for (refs += busy; refs > 0; refs--)
		usb_autopm_put_interface_no_suspend(dev->intf);
}

static int toaster_probe(struct usb_interface *intf,
			 const struct usb_device_id *id)
{
	struct usb_endpoint_descriptor *bulk_in, *bulk_out, *int_in;
	struct toaster *dev;
	int ret;

	/* The descriptors come from the device: trust nothing in them. */
	ret = usb_find_common_endpoints(intf->cur_altsetting, &bulk_in,
					&bulk_out, &int_in, NULL);
	if (ret) {
		dev_err(&intf->dev,
			"needs a bulk IN, a bulk OUT and an interrupt IN endpoint\n");
		return -ENODEV;
	}
	/* A packet size of 0 would never end a transfer, nor fill one. */
	if (!usb_endpoint_maxp(bulk_in) || !usb_endpoint_maxp(bulk_out)) {
		dev_err(&intf->dev, "bulk endpoint with a packet size of 0\n");
		return -ENODEV;
	}
	if (usb_endpoint_maxp(int_in) < sizeof(struct toaster_wire_status)) {
		dev_err(&intf->dev, "interrupt IN endpoint too small (%u bytes)\n",
			usb_endpoint_maxp(int_in));
		return -ENODEV;
	}

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	kref_init(&dev->kref);
	mutex_init(&dev->io_mutex);
	spin_lock_init(&dev->status_lock);
	init_waitqueue_head(&dev->status_wait);
	init_usb_anchor(&dev->submitted);
	INIT_WORK(&dev->refresh_work, toaster_refresh_work);
	INIT_DELAYED_WORK(&dev->int_work, toaster_int_work);
	atomic_set(&dev->open_refs, 0);
	dev->bulk_in_addr = bulk_in->bEndpointAddress;
	dev->bulk_in_maxp = usb_endpoint_maxp(bulk_in);
	dev->bulk_out_maxp = usb_endpoint_maxp(bulk_out);
	dev->bulk_out_addr = bulk_out->bEndpointAddress;
	dev->udev = usb_get_dev(interface_to_usbdev(intf));
	dev->intf = intf;
	dev->ifnum = intf->cur_altsetting->desc.bInterfaceNumber;

	/*
	 * Room for a whole packet, zeroed so that a short one traces no stale
	 * bytes; toaster_decode_status() takes exactly one status and no more.
	 */
	dev->int_buf = kzalloc(usb_endpoint_maxp(int_in), GFP_KERNEL);
	dev->int_urb = usb_alloc_urb(0, GFP_KERNEL);
	if (!dev->int_buf || !dev->int_urb) {
		ret = -ENOMEM;
		goto err_put;
	}
	usb_fill_int_urb(dev->int_urb, dev->udev,
			 usb_rcvintpipe(dev->udev, int_in->bEndpointAddress),
			 dev->int_buf, usb_endpoint_maxp(int_in),
			 toaster_int_complete, dev, int_in->bInterval);

	/*
	 * A toaster that answers wrong or not at all is refused with one line
	 * saying why (toaster_read_info() and a malformed status say it
	 * themselves), and -ENODEV, so that the driver core adds none.
	 */
	ret = toaster_read_info(dev);
	if (!ret) {
		ret = toaster_refresh_status(dev, true);
		if (ret && ret != -EBADMSG)
			dev_err(&intf->dev, "cannot read the status: %d\n", ret);
	}
	if (ret) {
		if (ret != -ENOMEM)
			ret = -ENODEV;
		goto err_put;
	}

	usb_set_intfdata(intf, dev);
	ret = toaster_int_start(dev, GFP_KERNEL);
	if (ret)
		goto err_intfdata;

	/* Last: from here on users can open the device. */
	ret = usb_register_dev(intf, &toaster_class);
	if (ret) {
		dev_err(&intf->dev, "cannot get a minor: %d\n", ret);
		goto err_kill;
	}

	dev_info(&intf->dev, "%s (serial %s, firmware %x.%02x) now attached to %s\n",
		 dev->model, dev->serial, dev->firmware_version >> 8,
		 dev->firmware_version & 0xff, dev_name(intf->usb_dev));
	return 0;

err_kill:
	toaster_int_stop(dev);
err_intfdata:
	usb_set_intfdata(intf, NULL);
err_put:
	toaster_give_back_pm(dev);
	kref_put(&dev->kref, toaster_delete);
	return ret;
}

static void toaster_disconnect(struct usb_interface *intf)
{
	struct toaster *dev = usb_get_intfdata(intf);

	dev_info(&intf->dev, "%s now disconnected\n", dev_name(intf->usb_dev));

	/* First, so that no open() can find us any more. */
	usb_deregister_dev(intf, &toaster_class);

	/*
	 * Ends a request in flight now rather than at its timeout, and makes
	 * any later submission fail.
	 */
	usb_poison_anchored_urbs(&dev->submitted);

	/* Waits out that request; every later one sees the flag. */
	mutex_lock(&dev->io_mutex);
	spin_lock_irq(&dev->status_lock);
	dev->disconnected = true;
	spin_unlock_irq(&dev->status_lock);
	mutex_unlock(&dev->io_mutex);

	/* Poison, not kill: the completion handler must not resubmit. */
	toaster_int_stop(dev);
	cancel_work_sync(&dev->refresh_work);
	toaster_give_back_pm(dev);

	wake_up_interruptible_all(&dev->status_wait);
	kill_fasync(&dev->fasync, SIGIO, POLL_HUP);

	/* Open files keep the rest alive until their release(). */
	kref_put(&dev->kref, toaster_delete);
}

/*-------------------------------------------------------------------------*/
/* Power management and reset */

/*
 * Suspend: the interrupt URB stops, so the status may go stale; resume
 * reads it afresh.  Autosuspend happens only with no file open and no
 * toast in progress (see open() and toaster_cache_take()).
 */
static int toaster_suspend(struct usb_interface *intf, pm_message_t message)
{
	struct toaster *dev = usb_get_intfdata(intf);
	bool busy;

	/*
	 * The reference a toast holds keeps this from happening; should it
	 * be missing, a toast must still not lose its notifications.
	 */
	spin_lock_irq(&dev->status_lock);
	busy = toaster_state_is_busy(dev->cache.status.state);
	spin_unlock_irq(&dev->status_lock);
	if (PMSG_IS_AUTO(message) && busy)
		return -EBUSY;

	dev_dbg(&intf->dev, "suspend (%s)\n",
		PMSG_IS_AUTO(message) ? "runtime" : "system");
	toaster_int_stop(dev);
	usb_kill_anchored_urbs(&dev->submitted);
	return 0;
}

static int toaster_resume_io(struct toaster *dev)
{
	int ret;

	/* Awake all the same: int_work tries the interrupt URB again. */
	ret = toaster_int_restart(dev);
	toaster_int_failed(dev, ret);
	if (ret && ret != -ENOMEM)
		return ret;
	queue_work(system_freezable_wq, &dev->refresh_work);
	return 0;
}

static int toaster_resume(struct usb_interface *intf)
{
	dev_dbg(&intf->dev, "resume\n");
	return toaster_resume_io(usb_get_intfdata(intf));
}

/*
 * The toaster was reset on the way out of suspend (it lost power, or the
 * host controller could not resume it).  usbcore has checked it is the same
 * device and set its configuration again; the toaster's own state may have
 * been lost with the power and its notification count restarted, which the
 * refresh takes care of: a GET_STATUS reply is believed whatever its count.
 */
static int toaster_reset_resume(struct usb_interface *intf)
{
	struct toaster *dev = usb_get_intfdata(intf);

	dev_dbg(&intf->dev, "reset-resume\n");
	set_bit(TOASTER_RESYNC, &dev->pending);
	return toaster_resume_io(dev);
}

/* A reset keeps the binding: requests wait on io_mutex until it is done. */
static int toaster_pre_reset(struct usb_interface *intf)
{
	struct toaster *dev = usb_get_intfdata(intf);

	mutex_lock(&dev->io_mutex);
	toaster_int_stop(dev);
	usb_kill_anchored_urbs(&dev->submitted);
	return 0;
}

static int toaster_post_reset(struct usb_interface *intf)
{
	struct toaster *dev = usb_get_intfdata(intf);
	int ret;

	ret = toaster_int_restart(dev);
	/* A reset unconfigures the toaster, and with it loopback mode. */
	if (!ret && dev->loopback_owner &&
	    toaster_set_loopback(dev, true, false))
		dev_warn(&intf->dev, "cannot restore loopback mode after reset\n");
	if (!ret && toaster_refresh_status(dev, true))
		dev_warn(&intf->dev, "cannot read the status after reset\n");
	mutex_unlock(&dev->io_mutex);
	return ret;
}

static struct usb_driver toaster_driver = {
	.name = "toaster",
	.probe = toaster_probe,
	.disconnect = toaster_disconnect,
	.suspend = toaster_suspend,
	.resume = toaster_resume,
	.reset_resume = toaster_reset_resume,
	.pre_reset = toaster_pre_reset,
	.post_reset = toaster_post_reset,
	.id_table = toaster_table,
	.dev_groups = toaster_groups,
	.supports_autosuspend = 1,
};

static int __init toaster_init(void)
{
	int ret;

	toaster_fault_init();
	ret = usb_register(&toaster_driver);
	if (ret)
		toaster_fault_exit();
	return ret;
}
module_init(toaster_init);

static void __exit toaster_exit(void)
{
	usb_deregister(&toaster_driver);
	toaster_fault_exit();
}
module_exit(toaster_exit);

MODULE_AUTHOR("The Toaster Project");
MODULE_DESCRIPTION("USB toaster driver");
MODULE_LICENSE("GPL");
MODULE_VERSION(TOASTER_VERSION);
