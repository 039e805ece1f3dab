// SPDX-License-Identifier: GPL-2.0
/*
 * USB toaster driver
 *
 * The function driver for the vendor-specific USB toaster of
 * include/toaster_proto.h.  Each toaster becomes /dev/toasterN: a read()
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
 * Also: an ioctl ABI (include/toaster_ioctl.h), sysfs attributes on the
 * interface, tracepoints (toaster_trace.h), poll, fasync and runtime PM.
 */

#include <linux/compat.h>
#include <linux/ctype.h>
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

#include "toaster.h"
#include "toaster_ioctl.h"

#define CREATE_TRACE_POINTS
#include "toaster_trace.h"

/*
 * Minors 240..255, the first free one from here, unless the kernel has
 * CONFIG_USB_DYNAMIC_MINORS (Debian's do): then any free minor.
 */
#define TOASTER_MINOR_BASE	240

static unsigned int io_timeout_ms = 2000;
module_param(io_timeout_ms, uint, 0644);
MODULE_PARM_DESC(io_timeout_ms,
		 "How long a request may wait for the toaster to answer, in ms (default 2000)");

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

	struct urb *int_urb;
	struct toaster_wire_status *int_buf;
	/* Every other URB in flight, for disconnect, suspend and reset. */
	struct usb_anchor submitted;
	u8 bulk_in_addr;
	u8 bulk_out_addr;
	spinlock_t status_lock;		/* cache, disconnected */
	struct toaster_status_cache cache;
	/* Reads the status once a resume has restarted the interrupt URB. */
	struct work_struct refresh_work;
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
	struct mutex read_mutex;	/* text, len, gen_read */
	char text[TOASTER_STATUS_TEXT_MAX];
	size_t len;
	u64 gen_read;
	bool has_read;
};

static struct usb_driver toaster_driver;

static void toaster_delete(struct kref *kref)
{
	struct toaster *dev = container_of(kref, struct toaster, kref);

	usb_free_urb(dev->int_urb);
	kfree(dev->int_buf);
	usb_put_dev(dev->udev);
	kfree(dev);
}

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

/* A GET_STATUS reply: always taken, as the device's word now. */
static void toaster_set_status(struct toaster *dev,
			       const struct toaster_snapshot *snap)
{
	struct toaster_take take;
	unsigned long flags;

	spin_lock_irqsave(&dev->status_lock, flags);
	toaster_cache_take(&dev->cache, snap, true, &take);
	spin_unlock_irqrestore(&dev->status_lock, flags);
	toaster_apply(dev, &take);
}

/* The decisions are toaster_int_receive()'s, which KUnit tests. */
static void toaster_int_complete(struct urb *urb)
{
	struct toaster *dev = urb->context;
	struct toaster_take take;
	unsigned long flags;
	bool resubmit;
	int ret;

	spin_lock_irqsave(&dev->status_lock, flags);
	resubmit = toaster_int_receive(&dev->cache, urb->status, dev->int_buf,
				       urb->actual_length, &take);
	spin_unlock_irqrestore(&dev->status_lock, flags);
	if (!resubmit)
		return;

	trace_toaster_notify(dev->intf, urb->status, urb->actual_length,
			     dev->int_buf, take.result);
	if (urb->status)
		dev_dbg(&dev->intf->dev, "interrupt IN status %d\n",
			urb->status);
	else if (take.result == -EPROTO)
		dev_warn_ratelimited(&dev->intf->dev,
				     "dropped a malformed notification (%u bytes)\n",
				     urb->actual_length);
	toaster_apply(dev, &take);

	ret = usb_submit_urb(urb, GFP_ATOMIC);
	/* -EPERM: poisoned by disconnect, which is what we want. */
	if (ret && ret != -EPERM && ret != -ENODEV)
		dev_err(&dev->intf->dev,
			"cannot resubmit interrupt IN: %d, status is no longer updated\n",
			ret);
}

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

static void toaster_urb_done(struct urb *urb)
{
	complete(urb->context);
}

/*
 * Submits @urb, anchored so that disconnect, suspend and reset can stop
 * it, and waits for it: at most io_timeout_ms, and only as long as the
 * caller is willing, since a fatal signal ends the wait.
 */
static int toaster_submit_wait(struct toaster *dev, struct urb *urb)
{
	struct completion done;
	long left;
	int ret;

	init_completion(&done);
	urb->context = &done;
	urb->complete = toaster_urb_done;
	usb_anchor_urb(urb, &dev->submitted);
	ret = usb_submit_urb(urb, GFP_KERNEL);
	if (ret) {
		usb_unanchor_urb(urb);
		return ret;
	}
	left = wait_for_completion_killable_timeout(&done,
						    msecs_to_jiffies(io_timeout_ms));
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
			   void *data, u16 size)
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

	ret = toaster_submit_wait(dev, urb);
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
	return toaster_request(dev, USB_DIR_OUT, request, value, NULL, 0);
}

static int toaster_request_in(struct toaster *dev, u8 request, void *data,
			      u16 size)
{
	memset(data, 0, size);
	return toaster_request(dev, USB_DIR_IN, request, 0, data, size);
}

/*
 * One bulk transfer of @len bytes from or to @buf (kmalloc'ed).  OUT ends
 * with a zero-length packet when @len is a multiple of the packet size, so
 * the toaster always sees where a transfer ends.
 */
static int toaster_bulk(struct toaster *dev, bool in, void *buf, u32 len,
			u32 *actual)
{
	struct urb *urb;
	unsigned int pipe;
	int ret;

	urb = usb_alloc_urb(0, GFP_KERNEL);
	if (!urb)
		return -ENOMEM;
	pipe = in ? usb_rcvbulkpipe(dev->udev, dev->bulk_in_addr) :
		    usb_sndbulkpipe(dev->udev, dev->bulk_out_addr);
	usb_fill_bulk_urb(urb, dev->udev, pipe, buf, len, NULL, NULL);
	if (!in)
		urb->transfer_flags |= URB_ZERO_PACKET;
	ret = toaster_submit_wait(dev, urb);
	*actual = urb->actual_length;
	trace_toaster_bulk(dev->intf, in, len, *actual, ret);
	usb_free_urb(urb);
	return toaster_usb_error(ret);
}

/* Call with io_mutex held, or before the device is registered. */
static int toaster_refresh_status(struct toaster *dev)
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
		return -EIO;
	}
	toaster_set_status(dev, &snap);
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
	int ret;

	ret = usb_autopm_get_interface(dev->intf);
	if (ret)
		return;
	mutex_lock(&dev->io_mutex);
	ret = dev->disconnected ? 0 : toaster_refresh_status(dev);
	mutex_unlock(&dev->io_mutex);
	/* -ENODEV: unplugged meanwhile, and disconnect says so. */
	if (ret && ret != -ENODEV)
		dev_warn(&dev->intf->dev, "cannot read the status after resume: %d\n",
			 ret);
	usb_autopm_put_interface(dev->intf);
}

/* Device strings are NUL-padded and untrusted: keep the printable part. */
static void toaster_copy_string(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && src[i]; i++)
		dst[i] = isprint(src[i]) ? src[i] : '?';
	dst[i] = '\0';
}

static int toaster_read_info(struct toaster *dev)
{
	struct toaster_wire_info info;
	int ret;

	ret = toaster_request_in(dev, TOASTER_REQ_GET_INFO, &info, sizeof(info));
	if (ret)
		return ret;
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

/*
 * The toaster stalled a request we thought valid: our cache was behind.
 * Ask it why, in the terms a user of the command understands.
 */
static int toaster_refused(struct toaster *dev,
			   const struct toaster_command *cmd)
{
	struct toaster_snapshot snap;

	if (toaster_refresh_status(dev))
		return -EIO;
	toaster_get_snapshot(dev, &snap);
	if (cmd->op == TOASTER_CMD_TOAST && snap.safety_lock)
		return -EPERM;
	if (cmd->op == TOASTER_CMD_TOAST && toaster_is_busy(snap.state))
		return -EBUSY;
	return -EIO;
}

/* Call with io_mutex held and the device connected. */
static int toaster_send_command(struct toaster *dev,
				const struct toaster_command *cmd)
{
	struct toaster_snapshot snap;

	toaster_get_snapshot(dev, &snap);
	switch (cmd->op) {
	case TOASTER_CMD_TOAST:
		if (snap.safety_lock)
			return -EPERM;
		if (toaster_is_busy(snap.state))
			return -EBUSY;
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
	 */
	if (!ret)
		ret = toaster_refresh_status(dev);
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

	ret = toaster_execute(tf->dev, &cmd, file->f_flags & O_NONBLOCK);
	return ret ? ret : count;
}

/*
 * A bulk buffer from user space: 1 to TOASTER_BURN_MAX bytes, with @extra
 * bytes of room after them.
 */
static void *toaster_buffer_from_user(const struct toaster_buffer *ub,
				      size_t extra)
{
	void *buf;

	if (ub->reserved || !ub->len || ub->len > TOASTER_BURN_MAX)
		return ERR_PTR(-EINVAL);
	buf = kmalloc(ub->len + extra, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(buf, u64_to_user_ptr(ub->data), ub->len)) {
		kfree(buf);
		return ERR_PTR(-EFAULT);
	}
	return buf;
}

/* The burn pattern goes to the toaster on bulk OUT, whole or not at all. */
static int toaster_burn(struct toaster *dev, const struct toaster_buffer *ub,
			bool nonblock)
{
	u32 actual;
	void *buf;
	int ret;

	buf = toaster_buffer_from_user(ub, 0);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = toaster_lock_io(dev, nonblock);
	if (ret)
		goto out;
	ret = toaster_bulk(dev, false, buf, ub->len, &actual);
	if (!ret && actual != ub->len)
		ret = -EIO;
	mutex_unlock(&dev->io_mutex);
out:
	kfree(buf);
	return ret;
}

/*
 * The diagnostic loopback: the toaster echoes bulk OUT on bulk IN, which
 * measures the bulk path through the driver.  The data comes back into the
 * caller's buffer.  Loopback mode is on only while io_mutex is held, so a
 * burn pattern is never echoed.  The echo ends as the transfer did, with a
 * short or zero-length packet: one byte more room than expected lets that
 * packet end our IN transfer instead of being left for the next one.
 */
static int toaster_loopback(struct toaster *dev,
			    const struct toaster_buffer *ub, bool nonblock)
{
	u32 actual;
	void *buf;
	int ret, off;

	buf = toaster_buffer_from_user(ub, 1);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = toaster_lock_io(dev, nonblock);
	if (ret)
		goto out;
	ret = toaster_request_out(dev, TOASTER_REQ_SET_LOOPBACK, 1);
	if (ret)
		goto unlock;
	ret = toaster_bulk(dev, false, buf, ub->len, &actual);
	if (!ret && actual != ub->len)
		ret = -EIO;
	if (!ret)
		ret = toaster_bulk(dev, true, buf, ub->len + 1, &actual);
	if (!ret && actual != ub->len)
		ret = -EIO;
	off = toaster_request_out(dev, TOASTER_REQ_SET_LOOPBACK, 0);
	if (!ret)
		ret = off;
unlock:
	mutex_unlock(&dev->io_mutex);
	if (!ret && copy_to_user(u64_to_user_ptr(ub->data), buf, ub->len))
		ret = -EFAULT;
out:
	kfree(buf);
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

	if (READ_ONCE(dev->disconnected))
		return -ENODEV;

	switch (cmd) {
	case TOASTER_IOC_GET_INFO:
		toaster_fill_info(dev, &out.info);
		return copy_to_user(argp, &out.info, sizeof(out.info)) ? -EFAULT : 0;
	case TOASTER_IOC_GET_STATUS:
		toaster_fill_status(dev, &out.status);
		return copy_to_user(argp, &out.status, sizeof(out.status)) ? -EFAULT : 0;
	case TOASTER_IOC_TOAST:
		if (get_user(value, (u32 __user *)argp))
			return -EFAULT;
		if (value && (value < TOASTER_DARKNESS_MIN || value > TOASTER_DARKNESS_MAX))
			return -EINVAL;
		command.op = TOASTER_CMD_TOAST;
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
			return toaster_burn(dev, &ub, nonblock);
		return toaster_loopback(dev, &ub, nonblock);
	default:
		return -ENOTTY;
	}
}

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
 */
static ssize_t toaster_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct toaster_file *tf = file->private_data;
	struct toaster *dev = tf->dev;
	struct toaster_snapshot snap;
	ssize_t ret;

	ret = mutex_lock_interruptible(&tf->read_mutex);
	if (ret)
		return ret;

	if (*ppos == 0) {
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
		tf->gen_read = dev->cache.gen;
		tf->has_read = true;
		spin_unlock_irq(&dev->status_lock);
		tf->len = toaster_format_status(&snap, tf->text,
						sizeof(tf->text));
	}
	ret = simple_read_from_buffer(ubuf, count, ppos, tf->text, tf->len);
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
	/* An open file keeps the toaster awake: its status stays current. */
	ret = toaster_autoresume(dev);
	if (ret) {
		kfree(tf);
		return ret;
	}
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

	/* After disconnect the interface is not ours to touch. */
	mutex_lock(&dev->io_mutex);
	if (!dev->disconnected)
		usb_autopm_put_interface(dev->intf);
	mutex_unlock(&dev->io_mutex);

	mutex_destroy(&tf->read_mutex);
	kfree(tf);
	kref_put(&dev->kref, toaster_delete);
	return 0;
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
	if (cmd.darkness < TOASTER_DARKNESS_MIN ||
	    cmd.darkness > TOASTER_DARKNESS_MAX)
		return -EINVAL;
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
	dev->bulk_in_addr = bulk_in->bEndpointAddress;
	dev->bulk_out_addr = bulk_out->bEndpointAddress;
	dev->udev = usb_get_dev(interface_to_usbdev(intf));
	dev->intf = intf;
	dev->ifnum = intf->cur_altsetting->desc.bInterfaceNumber;

	/* Exactly one status: toaster_decode_status() refuses anything else. */
	dev->int_buf = kmalloc(sizeof(*dev->int_buf), GFP_KERNEL);
	dev->int_urb = usb_alloc_urb(0, GFP_KERNEL);
	if (!dev->int_buf || !dev->int_urb) {
		ret = -ENOMEM;
		goto err_put;
	}
	usb_fill_int_urb(dev->int_urb, dev->udev,
			 usb_rcvintpipe(dev->udev, int_in->bEndpointAddress),
			 dev->int_buf, sizeof(*dev->int_buf),
			 toaster_int_complete, dev, int_in->bInterval);

	ret = toaster_read_info(dev);
	if (ret) {
		dev_err(&intf->dev, "cannot read the device information: %d\n",
			ret);
		goto err_put;
	}
	ret = toaster_refresh_status(dev);
	if (ret) {
		dev_err(&intf->dev, "cannot read the status: %d\n", ret);
		goto err_put;
	}

	usb_set_intfdata(intf, dev);
	ret = usb_submit_urb(dev->int_urb, GFP_KERNEL);
	if (ret) {
		dev_err(&intf->dev, "cannot submit interrupt IN: %d\n", ret);
		goto err_intfdata;
	}

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
	usb_kill_urb(dev->int_urb);
err_intfdata:
	usb_set_intfdata(intf, NULL);
err_put:
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
	usb_poison_urb(dev->int_urb);
	cancel_work_sync(&dev->refresh_work);

	wake_up_interruptible_all(&dev->status_wait);
	kill_fasync(&dev->fasync, SIGIO, POLL_HUP);

	/* Open files keep the rest alive until their release(). */
	kref_put(&dev->kref, toaster_delete);
}

/*
 * Suspend: the interrupt URB stops, so the status may go stale; resume
 * reads it afresh.  Autosuspend happens only with no file open and no
 * toast in progress (see open() and toaster_cache_take()).
 */
static int toaster_suspend(struct usb_interface *intf, pm_message_t message)
{
	struct toaster *dev = usb_get_intfdata(intf);

	dev_dbg(&intf->dev, "suspend (%s)\n",
		PMSG_IS_AUTO(message) ? "runtime" : "system");
	usb_kill_urb(dev->int_urb);
	usb_kill_anchored_urbs(&dev->submitted);
	return 0;
}

static int toaster_restart_int(struct toaster *dev)
{
	int ret;

	ret = usb_submit_urb(dev->int_urb, GFP_NOIO);
	if (ret)
		dev_err(&dev->intf->dev, "cannot resubmit interrupt IN: %d\n", ret);
	return ret;
}

static int toaster_resume_io(struct toaster *dev)
{
	int ret;

	ret = toaster_restart_int(dev);
	if (!ret)
		queue_work(system_freezable_wq, &dev->refresh_work);
	return ret;
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
	dev_dbg(&intf->dev, "reset-resume\n");
	return toaster_resume_io(usb_get_intfdata(intf));
}

/* A reset keeps the binding: requests wait on io_mutex until it is done. */
static int toaster_pre_reset(struct usb_interface *intf)
{
	struct toaster *dev = usb_get_intfdata(intf);

	mutex_lock(&dev->io_mutex);
	usb_kill_urb(dev->int_urb);
	usb_kill_anchored_urbs(&dev->submitted);
	return 0;
}

static int toaster_post_reset(struct usb_interface *intf)
{
	struct toaster *dev = usb_get_intfdata(intf);
	int ret;

	ret = toaster_restart_int(dev);
	if (!ret && toaster_refresh_status(dev))
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

module_usb_driver(toaster_driver);

MODULE_AUTHOR("The Toaster Project");
MODULE_DESCRIPTION("USB toaster driver");
MODULE_LICENSE("GPL");
MODULE_VERSION(TOASTER_VERSION);
