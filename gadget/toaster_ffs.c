// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-gadget on FunctionFS (--functionfs): the toaster as a configfs
 * gadget of its own.  gadgetfs allows one gadget per system; this way a
 * second toaster can be plugged in beside it, on another controller.
 *
 * The composite layer answers chapter 9 for us: the device, configuration
 * and string descriptors come from configfs, SET_CONFIGURATION and
 * SET_INTERFACE arrive as ENABLE, and only requests addressed to our
 * interface reach ep0, as SETUP events.  So everything that describes the
 * device is written to configfs from the same constants gadgetfs's
 * descriptors are built from, and a host cannot tell the two apart.
 *
 * Plugging in is binding the gadget to a controller (its UDC attribute),
 * unplugging is unbinding it.  ep0 and the endpoint files stay open from
 * start to stop: FunctionFS keeps them across binds, and an endpoint file
 * waits for its endpoint to be enabled.
 *
 * One thing differs on the wire: the endpoint numbers.  The composite
 * layer picks the controller's endpoints (usb_ep_autoconfig()) and gives
 * the descriptors their numbers; on dummy_udc the first free bulk OUT is
 * ep2out-bulk, so bulk OUT 0x01 cannot be had.  FUNCTIONFS_VIRTUAL_ADDR,
 * meant to keep our numbers, fails at SET_CONFIGURATION on 6.1 and 6.12:
 * ffs_func_eps_enable() looks the descriptor up with config_ep_by_speed(),
 * which matches it against the controller's number ("config_ep_by_speed
 * (ep2out-bulk) returned -5").  So the host sees the controller's numbers
 * (0x02, 0x81, 0x85 on dummy_udc); toaster.ko finds its endpoints by type.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/usb/functionfs.h>

#include "toaster_gadget.h"

#define TOASTER_UDC_CLASS		"/sys/class/udc"
/* mkdtemp()'s template for where FunctionFS is mounted */
#define TOASTER_FFS_MNT			"/run/toaster-ffs.XXXXXX"

/*
 * What toaster_ffs_start() made, in the order it makes them: stop undoes
 * them from the last one back.
 */
enum {
	TOASTER_FFS_MADE_GADGET		= 1 << 0,	/* usb_gadget/NAME */
	TOASTER_FFS_MADE_STRINGS	= 1 << 1,	/* its strings/LANG */
	TOASTER_FFS_MADE_CONFIG		= 1 << 2,	/* configs/c.N */
	TOASTER_FFS_MADE_FUNCTION	= 1 << 3,	/* functions/ffs.NAME */
	TOASTER_FFS_MADE_LINK		= 1 << 4,	/* c.N/ffs.NAME */
	TOASTER_FFS_MADE_MNT_DIR	= 1 << 5,
	TOASTER_FFS_MADE_MOUNT		= 1 << 6,
	TOASTER_FFS_MADE_LAST		= TOASTER_FFS_MADE_MOUNT,
};

/* The interface and its endpoints, at each of full and high speed. */
#define TOASTER_FFS_DESCS		(1 + TOASTER_EP_ROLES)

/* Returns 0, or -ENAMETOOLONG (and says so). */
__attribute__((format(printf, 3, 4)))
static int toaster_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		toaster_err("path too long: %s", buf);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* A sysfs or configfs attribute, written whole.  0 or -errno. */
static int toaster_write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

/* An attribute's first line, without its newline.  0 or -errno. */
static int toaster_read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return -errno;
	/* an empty attribute is no line at all */
	if (!fgets(buf, (int)size, f)) {
		err = ferror(f) ? -EIO : 0;
		buf[0] = '\0';
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return err;
}

/* ------------------------------------------------------------------ */
/* configfs */

/* Where one of the TOASTER_FFS_MADE_* things is. */
static int toaster_ffs_path(const struct toaster_gadget *g, unsigned int what,
			    char *buf, size_t size)
{
	const struct toaster_ffs *f = &g->ffs;

	switch (what) {
	case TOASTER_FFS_MADE_GADGET:
		return toaster_path(buf, size, "%s", f->gadget);
	case TOASTER_FFS_MADE_STRINGS:
		return toaster_path(buf, size, "%s/strings/0x%04x", f->gadget,
				    TOASTER_LANG_ID);
	case TOASTER_FFS_MADE_CONFIG:
		return toaster_path(buf, size, "%s/configs/c.%d", f->gadget,
				    TOASTER_CONFIG_VALUE);
	case TOASTER_FFS_MADE_FUNCTION:
		return toaster_path(buf, size, "%s/functions/ffs.%s", f->gadget,
				    f->name);
	case TOASTER_FFS_MADE_LINK:
		return toaster_path(buf, size, "%s/configs/c.%d/ffs.%s",
				    f->gadget, TOASTER_CONFIG_VALUE, f->name);
	default:
		return toaster_path(buf, size, "%s", f->mnt);
	}
}

/* Makes one of the directories (or the link), and remembers it. */
static int toaster_ffs_make(struct toaster_gadget *g, unsigned int what,
			    const char *hint)
{
	char path[PATH_MAX], target[PATH_MAX];
	int rc;

	if (toaster_ffs_path(g, what, path, sizeof(path)) < 0)
		return -1;
	if (what == TOASTER_FFS_MADE_LINK) {
		if (toaster_ffs_path(g, TOASTER_FFS_MADE_FUNCTION, target,
				     sizeof(target)) < 0)
			return -1;
		rc = symlink(target, path);
	} else {
		rc = mkdir(path, 0755);
	}
	if (rc < 0) {
		toaster_err("%s: %s%s", path, strerror(errno), hint);
		return -1;
	}
	g->ffs.made |= what;
	return 0;
}

/* Writes an attribute in the directory of a TOASTER_FFS_MADE_* thing. */
__attribute__((format(printf, 4, 5)))
static int toaster_ffs_attr(const struct toaster_gadget *g, unsigned int dir,
			    const char *attr, const char *fmt, ...)
{
	char path[PATH_MAX], text[64];
	va_list ap;
	int rc;

	if (toaster_ffs_path(g, dir, path, sizeof(path)) < 0)
		return -1;
	if (toaster_path(path + strlen(path), sizeof(path) - strlen(path),
			 "/%s", attr) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rc = toaster_write_text(path, text);
	if (rc < 0)
		toaster_err("%s: writing '%s': %s", path, text, strerror(-rc));
	return rc < 0 ? -1 : 0;
}

/*
 * The device as gadgetfs's toaster_put_device() and toaster_put_config()
 * describe it, from the same constants; no configuration string, as
 * there, so iConfiguration stays 0.
 */
static int toaster_ffs_configfs(struct toaster_gadget *g)
{
	const unsigned int dev = TOASTER_FFS_MADE_GADGET;
	const unsigned int str = TOASTER_FFS_MADE_STRINGS;
	const unsigned int cfg = TOASTER_FFS_MADE_CONFIG;

	if (toaster_ffs_make(g, dev, " (is configfs mounted, and libcomposite loaded?)") ||
	    toaster_ffs_attr(g, dev, "idVendor", "0x%04x", TOASTER_VENDOR_ID) ||
	    toaster_ffs_attr(g, dev, "idProduct", "0x%04x", TOASTER_PRODUCT_ID) ||
	    toaster_ffs_attr(g, dev, "bcdDevice", "0x%04x", TOASTER_BCD_DEVICE) ||
	    toaster_ffs_attr(g, dev, "bcdUSB", "0x%04x", TOASTER_BCD_USB) ||
	    toaster_ffs_make(g, str, "") ||
	    toaster_ffs_attr(g, str, "manufacturer", "%s", TOASTER_MANUFACTURER) ||
	    toaster_ffs_attr(g, str, "product", "%s", TOASTER_MODEL) ||
	    toaster_ffs_attr(g, str, "serialnumber", "%s", g->serial) ||
	    toaster_ffs_make(g, cfg, "") ||
	    toaster_ffs_attr(g, cfg, "MaxPower", "%d", TOASTER_MAX_POWER_2MA * 2) ||
	    toaster_ffs_attr(g, cfg, "bmAttributes", "0x%02x",
			     TOASTER_CONFIG_ATTRIBUTES) ||
	    toaster_ffs_make(g, TOASTER_FFS_MADE_FUNCTION, " (is usb_f_fs loaded?)") ||
	    toaster_ffs_make(g, TOASTER_FFS_MADE_LINK, ""))
		return -1;
	return 0;
}

static int toaster_ffs_mount(struct toaster_gadget *g)
{
	struct toaster_ffs *f = &g->ffs;

	snprintf(f->mnt, sizeof(f->mnt), "%s", TOASTER_FFS_MNT);
	if (!mkdtemp(f->mnt)) {
		toaster_err("%s: %s", f->mnt, strerror(errno));
		return -1;
	}
	f->made |= TOASTER_FFS_MADE_MNT_DIR;
	/* the source names the function instance it serves */
	if (mount(f->name, f->mnt, "functionfs", 0, NULL) < 0) {
		toaster_err("mount -t functionfs %s %s: %s", f->name, f->mnt,
			    strerror(errno));
		return -1;
	}
	f->made |= TOASTER_FFS_MADE_MOUNT;
	return 0;
}

/* Undoes whatever toaster_ffs_configfs() and toaster_ffs_mount() did. */
static void toaster_ffs_unmake(struct toaster_gadget *g)
{
	char path[PATH_MAX];
	unsigned int what;
	int rc;

	for (what = TOASTER_FFS_MADE_LAST; what; what >>= 1) {
		if (!(g->ffs.made & what) ||
		    toaster_ffs_path(g, what, path, sizeof(path)) < 0)
			continue;
		if (what == TOASTER_FFS_MADE_MOUNT)
			rc = umount(path);
		else if (what == TOASTER_FFS_MADE_LINK)
			rc = unlink(path);
		else
			rc = rmdir(path);
		if (rc < 0)
			toaster_err("removing %s: %s", path, strerror(errno));
		else
			g->ffs.made &= ~what;
	}
}

/* ------------------------------------------------------------------ */
/* ep0 and the endpoint files */

/*
 * Descriptors (FUNCTIONFS_DESCRIPTORS_MAGIC_V2), then strings: none, the
 * interface has no iInterface.  After the strings FunctionFS makes the
 * endpoint files and the gadget can be bound.
 */
static int toaster_ffs_ep0_open(struct toaster_gadget *g)
{
	const uint32_t flags = FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC |
			       FUNCTIONFS_EVENTFD;
	struct toaster_buf descs = { .len = 0 }, strings = { .len = 0 };
	uint32_t total;
	char path[PATH_MAX];
	ssize_t n;

	if (toaster_path(path, sizeof(path), "%s/ep0", g->ffs.mnt) < 0)
		return -1;
	g->ep0_fd = open(path, O_RDWR | O_CLOEXEC);
	if (g->ep0_fd < 0) {
		toaster_err("%s: %s", path, strerror(errno));
		return -1;
	}

	toaster_put32(&descs, FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
	toaster_put32(&descs, 0);		/* length, below */
	toaster_put32(&descs, flags);
	toaster_put32(&descs, (uint32_t)g->ffs.ev_fd);
	toaster_put32(&descs, TOASTER_FFS_DESCS);	/* full speed */
	toaster_put32(&descs, TOASTER_FFS_DESCS);	/* high speed */
	toaster_put_interface(&descs, g->ep, false);
	toaster_put_interface(&descs, g->ep, true);
	total = htole32((uint32_t)descs.len);
	memcpy(descs.data + 4, &total, sizeof(total));

	toaster_put32(&strings, FUNCTIONFS_STRINGS_MAGIC);
	toaster_put32(&strings, 16);		/* length */
	toaster_put32(&strings, 0);		/* str_count */
	toaster_put32(&strings, 0);		/* lang_count */

	n = write(g->ep0_fd, descs.data, descs.len);
	if (n == (ssize_t)descs.len)
		n = write(g->ep0_fd, strings.data, strings.len);
	if (n < 0) {
		toaster_err("%s: writing descriptors and strings: %s", path,
			    strerror(errno));
		return -1;
	}
	return 0;
}

/* Numbered from 1 in the order of the descriptors: ep1 is bulk OUT. */
static int toaster_ffs_eps_open(struct toaster_gadget *g)
{
	char path[PATH_MAX];
	int r;

	for (r = 0; r < TOASTER_EP_ROLES; r++) {
		struct toaster_ep *ep = &g->ep[r];

		snprintf(ep->file, sizeof(ep->file), "ep%d", r + 1);
		if (toaster_path(path, sizeof(path), "%s/%s", g->ffs.mnt,
				 ep->file) < 0)
			return -1;
		ep->fd = open(path, O_RDWR | O_CLOEXEC);
		if (ep->fd < 0) {
			toaster_err("%s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * FunctionFS reports no speed: the controller knows it by ENABLE.  Only
 * the bulk packet size depends on it.
 */
static int toaster_ffs_io_open(struct toaster_gadget *g)
{
	static const struct {
		const char		*name;
		enum usb_device_speed	speed;
	} speeds[] = {
		{ "low-speed", USB_SPEED_LOW },
		{ "full-speed", USB_SPEED_FULL },
		{ "high-speed", USB_SPEED_HIGH },
		{ "super-speed", USB_SPEED_SUPER },
	};
	char path[PATH_MAX], speed[32] = "";
	size_t i;
	int rc;

	if (toaster_path(path, sizeof(path), "%s/%s/current_speed",
			 TOASTER_UDC_CLASS, g->ffs.udc) < 0)
		return -1;
	rc = toaster_read_line(path, speed, sizeof(speed));
	if (rc < 0) {
		toaster_err("%s: %s", path, strerror(-rc));
		return -1;
	}
	g->speed = USB_SPEED_UNKNOWN;
	for (i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++) {
		if (strcmp(speed, speeds[i].name) == 0)
			g->speed = speeds[i].speed;
	}
	return 0;
}

/* The files stay open: they outlive unbinding, and wait for the next. */
static void toaster_ffs_io_close(struct toaster_gadget *g)
{
	(void)g;
}

/* ------------------------------------------------------------------ */
/* binding: the cable */

/* 0 or -errno; EBUSY: another gadget has the controller. */
static int toaster_ffs_bind(struct toaster_gadget *g, const char *udc,
			    bool quiet_busy)
{
	char path[PATH_MAX];
	int rc;

	if (toaster_path(path, sizeof(path), "%s/UDC", g->ffs.gadget) < 0)
		return -ENAMETOOLONG;
	rc = toaster_write_text(path, udc);
	if (rc == 0) {
		if (udc != g->ffs.udc)
			snprintf(g->ffs.udc, sizeof(g->ffs.udc), "%s", udc);
		g->ffs.bound = true;
	} else if (!quiet_busy || (rc != -EBUSY && rc != -ENODEV)) {
		toaster_err("binding to %s: %s", udc, strerror(-rc));
	}
	return rc;
}

/* Whether a controller is someone else's: its gadget driver's name. */
static bool toaster_udc_taken(const char *udc)
{
	char path[PATH_MAX], function[64] = "";

	if (toaster_path(path, sizeof(path), "%s/%s/function",
			 TOASTER_UDC_CLASS, udc) < 0)
		return true;
	/* without the attribute (old kernels), binding will tell */
	return toaster_read_line(path, function, sizeof(function)) == 0 &&
	       function[0];
}

/*
 * The first time, the controller named with --udc, or the first free one
 * (another may take it between the look and the bind: then the next);
 * after that, the same one again.
 */
static int toaster_ffs_plug(struct toaster_gadget *g)
{
	struct dirent **udcs;
	int i, n, rc = -ENODEV;

	if (g->ffs.udc[0])
		return toaster_ffs_bind(g, g->ffs.udc, false);
	if (g->udc)
		return toaster_ffs_bind(g, g->udc, false);

	n = scandir(TOASTER_UDC_CLASS, &udcs, NULL, alphasort);
	if (n < 0) {
		rc = -errno;
		toaster_err("%s: %s", TOASTER_UDC_CLASS, strerror(errno));
		return rc;
	}
	for (i = 0; i < n; i++) {
		const char *name = udcs[i]->d_name;

		if (name[0] != '.' && !g->ffs.bound && !toaster_udc_taken(name)) {
			rc = toaster_ffs_bind(g, name, true);
			if (rc != -EBUSY && rc != -ENODEV && rc != 0)
				break;
		}
	}
	for (i = 0; i < n; i++)
		free(udcs[i]);
	free(udcs);
	if (!g->ffs.bound && (rc == -EBUSY || rc == -ENODEV)) {
		toaster_err("no free controller in %s; name one with --udc",
			    TOASTER_UDC_CLASS);
		rc = -ENODEV;
	}
	return g->ffs.bound ? 0 : rc;
}

static void toaster_ffs_unplug(struct toaster_gadget *g)
{
	char path[PATH_MAX];
	int rc;

	if (toaster_path(path, sizeof(path), "%s/UDC", g->ffs.gadget) < 0)
		return;
	rc = toaster_write_text(path, "\n");
	/* ENODEV: unbound already, by someone else or the controller going */
	if (rc < 0 && rc != -ENODEV)
		toaster_err("unbinding from %s: %s", g->ffs.udc, strerror(-rc));
	g->ffs.bound = false;
}

/* ------------------------------------------------------------------ */
/* events */

static void toaster_ffs_event(struct toaster_gadget *g,
			      const struct usb_functionfs_event *ev)
{
	const char *name = "?", *result;

	switch (ev->type) {
	case FUNCTIONFS_BIND:
		toaster_dbg("bound to %s", g->ffs.udc);
		break;
	case FUNCTIONFS_UNBIND:
		/* after our own unplug, old news; else the cable went */
		if (!g->plugged)
			break;
		toaster_deconfigured(g);
		toaster_ep0_forget(g);
		g->plugged = false;
		g->ffs.bound = false;
		toaster_dbg("unbound from %s by someone else: unplugged",
			    g->ffs.udc);
		break;
	case FUNCTIONFS_ENABLE:
		/* SET_CONFIGURATION or SET_INTERFACE: afresh either way */
		toaster_configured(g);
		break;
	case FUNCTIONFS_DISABLE:
		/* unconfigured, reset or disconnected */
		toaster_deconfigured(g);
		toaster_ep0_forget(g);
		toaster_dbg("disabled");
		break;
	case FUNCTIONFS_SETUP:
		result = toaster_setup_request(g, &ev->u.setup, &name);
		toaster_setup_log(&ev->u.setup, name, result, "");
		break;
	case FUNCTIONFS_SUSPEND:
		/* mains powered: the toaster keeps toasting */
		toaster_dbg("suspended");
		break;
	case FUNCTIONFS_RESUME:
		toaster_dbg("resumed");
		break;
	default:
		toaster_dbg("unknown FunctionFS event %d", ev->type);
		break;
	}
}

/*
 * A hung request stays pending, and ep0 polls readable while it is: a
 * read would answer it.  Any event FunctionFS queues after it drops it,
 * so while one hangs main watches the eventfd, which counts events,
 * instead.  The count is taken afresh before each read of events, so
 * that it only tells of ones queued after.
 */
static int toaster_ffs_ep0_poll_fd(const struct toaster_gadget *g)
{
	return g->ep0_hung ? g->ffs.ev_fd : g->ep0_fd;
}

static int toaster_ffs_ep0_ready(struct toaster_gadget *g, short revents)
{
	struct usb_functionfs_event ev[4];
	uint64_t count;
	ssize_t n;
	size_t i;

	(void)revents;
	if (read(g->ffs.ev_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		toaster_err("eventfd: %s", strerror(errno));
	if (g->ep0_hung) {
		toaster_dbg("ep0: %s never answered; the host has moved on",
			    g->ep0_hung);
		g->ep0_hung = NULL;
	}
	n = read(g->ep0_fd, ev, sizeof(ev));
	if (n < 0) {
		/* EIDRM: a dropped request, told once; nothing to do */
		if (errno == EIDRM || errno == EINTR || errno == EAGAIN)
			return 0;
		toaster_err("ep0: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < (size_t)n / sizeof(ev[0]); i++)
		toaster_ffs_event(g, &ev[i]);
	/* an answer found its request replaced: FunctionFS dropped it */
	g->ep0_stale = false;
	return 0;
}

/* ------------------------------------------------------------------ */
/* start and stop */

static void toaster_ffs_stop(struct toaster_gadget *g)
{
	int r;

	if (g->ffs.bound)
		toaster_ffs_unplug(g);
	/* the endpoint files first: ep0's release resets FunctionFS */
	for (r = 0; r < TOASTER_EP_ROLES; r++) {
		if (g->ep[r].fd >= 0) {
			close(g->ep[r].fd);
			g->ep[r].fd = -1;
		}
	}
	if (g->ep0_fd >= 0) {
		close(g->ep0_fd);
		g->ep0_fd = -1;
	}
	toaster_ffs_unmake(g);
	if (g->ffs.ev_fd >= 0) {
		close(g->ffs.ev_fd);
		g->ffs.ev_fd = -1;
	}
}

static int toaster_ffs_start(struct toaster_gadget *g)
{
	struct toaster_ffs *f = &g->ffs;

	snprintf(f->name, sizeof(f->name), "toaster.%ld", (long)getpid());
	if (toaster_path(f->gadget, sizeof(f->gadget), "%s/%s",
			 TOASTER_CONFIGFS_GADGETS, f->name) < 0)
		return -1;
	f->ev_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->ev_fd < 0) {
		toaster_err("eventfd: %s", strerror(errno));
		return -1;
	}
	if (toaster_ffs_configfs(g) < 0 || toaster_ffs_mount(g) < 0 ||
	    toaster_ffs_ep0_open(g) < 0 || toaster_ffs_eps_open(g) < 0 ||
	    toaster_ffs_plug(g) < 0) {
		toaster_ffs_stop(g);
		return -1;
	}
	toaster_dbg("on FunctionFS: %s, mounted at %s, bound to %s",
		    f->gadget, f->mnt, f->udc);
	return 0;
}

const struct toaster_backend toaster_ffs_backend = {
	.name		= "FunctionFS",
	.start		= toaster_ffs_start,
	.plug		= toaster_ffs_plug,
	.unplug		= toaster_ffs_unplug,
	.stop		= toaster_ffs_stop,
	.ep0_poll_fd	= toaster_ffs_ep0_poll_fd,
	.ep0_ready	= toaster_ffs_ep0_ready,
	.io_open	= toaster_ffs_io_open,
	.io_close	= toaster_ffs_io_close,
	.setup_standard	= NULL,
	.stalls_out_data = true,
};
