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
 * else so no open() can race with it.
 */

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

#include "toaster.h"

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

	spinlock_t status_lock;		/* status, status_gen, disconnected */
	struct toaster_snapshot status;
	u64 status_gen;			/* counts changes of status */
	wait_queue_head_t status_wait;
	struct fasync_struct *fasync;

	char model[TOASTER_MODEL_LEN + 1];
	char serial[TOASTER_SERIAL_LEN + 1];
	u16 firmware_version;
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
 * Takes a decoded status into the cache.  A notification is dropped when it
 * is older than what we hold (a GET_STATUS reply may overtake one in flight);
 * a GET_STATUS reply is always taken, since it is the device's word now.
 */
static void toaster_update_status(struct toaster *dev,
				  const struct toaster_snapshot *snap,
				  bool authoritative)
{
	unsigned long flags;
	bool changed = false;

	spin_lock_irqsave(&dev->status_lock, flags);
	if (authoritative || toaster_seq_is_newer(snap->seq, dev->status.seq)) {
		changed = !toaster_snapshot_equal(snap, &dev->status);
		dev->status = *snap;
		if (changed)
			dev->status_gen++;
	}
	spin_unlock_irqrestore(&dev->status_lock, flags);

	if (changed) {
		wake_up_interruptible(&dev->status_wait);
		kill_fasync(&dev->fasync, SIGIO, POLL_IN);
	}
}

static void toaster_int_complete(struct urb *urb)
{
	struct toaster *dev = urb->context;
	struct toaster_snapshot snap;
	int status = urb->status;
	int ret;

	switch (status) {
	case 0:
		break;
	case -ECONNRESET:
	case -ENOENT:
	case -ESHUTDOWN:
		/* Killed, poisoned or unplugged: do not resubmit. */
		return;
	default:
		dev_dbg(&dev->intf->dev, "interrupt IN status %d\n", status);
		goto resubmit;
	}

	ret = toaster_decode_status(dev->int_buf, urb->actual_length, &snap);
	if (ret)
		dev_warn_ratelimited(&dev->intf->dev,
				     "dropped a malformed notification (%u bytes)\n",
				     urb->actual_length);
	else
		toaster_update_status(dev, &snap, false);

resubmit:
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
		return ret;
	case -ENODEV:
	case -ESHUTDOWN:
		return -ENODEV;
	default:
		return -EIO;
	}
}

static int toaster_request_out(struct toaster *dev, u8 request, u16 value)
{
	int ret;

	ret = usb_control_msg_send(dev->udev, 0, request,
				   USB_DIR_OUT | USB_TYPE_VENDOR | USB_RECIP_INTERFACE,
				   value, dev->ifnum, NULL, 0, io_timeout_ms,
				   GFP_KERNEL);
	return toaster_usb_error(ret);
}

static int toaster_request_in(struct toaster *dev, u8 request, void *data,
			      u16 size)
{
	int ret;

	/* A short reply is an error here: usb_control_msg_recv() insists. */
	ret = usb_control_msg_recv(dev->udev, 0, request,
				   USB_DIR_IN | USB_TYPE_VENDOR | USB_RECIP_INTERFACE,
				   0, dev->ifnum, data, size, io_timeout_ms,
				   GFP_KERNEL);
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
	toaster_update_status(dev, &snap, true);
	return 0;
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
	return 0;
}

static bool toaster_is_busy(enum toaster_state state)
{
	return state == TOASTER_STATE_HEATING || state == TOASTER_STATE_TOASTING;
}

static void toaster_get_snapshot(struct toaster *dev,
				 struct toaster_snapshot *snap)
{
	spin_lock_irq(&dev->status_lock);
	*snap = dev->status;
	spin_unlock_irq(&dev->status_lock);
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

static int toaster_execute(struct toaster *dev,
			   const struct toaster_command *cmd, bool nonblock)
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
		ret = -ENODEV;
		goto out;
	}

	ret = toaster_send_command(dev, cmd);
	if (ret == -EPIPE)
		ret = toaster_refused(dev, cmd);
	/*
	 * The notification of the change may still be on its way; fetch the
	 * new status now so that a read() right after this write() shows it.
	 */
	if (!ret)
		ret = toaster_refresh_status(dev);
out:
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

/* Whether @tf has a status to read that it has not read yet. */
static bool toaster_has_news(struct toaster_file *tf)
{
	struct toaster *dev = tf->dev;
	bool news;

	spin_lock_irq(&dev->status_lock);
	news = dev->disconnected || !tf->has_read ||
	       dev->status_gen != tf->gen_read;
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
		snap = dev->status;
		tf->gen_read = dev->status_gen;
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
		 dev->status_gen != READ_ONCE(tf->gen_read))
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
	.llseek = default_llseek,
};

static struct usb_class_driver toaster_class = {
	.name = "toaster%d",
	.fops = &toaster_fops,
	.minor_base = TOASTER_MINOR_BASE,
};

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

	/* Waits out a request in flight; every later one sees the flag. */
	mutex_lock(&dev->io_mutex);
	spin_lock_irq(&dev->status_lock);
	dev->disconnected = true;
	spin_unlock_irq(&dev->status_lock);
	mutex_unlock(&dev->io_mutex);

	/* Poison, not kill: the completion handler must not resubmit. */
	usb_poison_urb(dev->int_urb);

	wake_up_interruptible_all(&dev->status_wait);
	kill_fasync(&dev->fasync, SIGIO, POLL_HUP);

	/* Open files keep the rest alive until their release(). */
	kref_put(&dev->kref, toaster_delete);
}

static struct usb_driver toaster_driver = {
	.name = "toaster",
	.probe = toaster_probe,
	.disconnect = toaster_disconnect,
	.id_table = toaster_table,
};

module_usb_driver(toaster_driver);

MODULE_AUTHOR("The Toaster Project");
MODULE_DESCRIPTION("USB toaster driver");
MODULE_LICENSE("GPL");
