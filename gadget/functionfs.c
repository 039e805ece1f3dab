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
 * device is written to configfs (configfs.c) from the descriptor tables
 * gadgetfs sends (descriptors.c), and a host cannot tell the two apart.
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
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/usb/functionfs.h>

#include "functionfs.h"

/* ------------------------------------------------------------------ */
/* ep0 and the endpoint files */

/*
 * Descriptors (FUNCTIONFS_DESCRIPTORS_MAGIC_V2), then strings: none, the
 * interface has no iInterface.  After the strings FunctionFS makes the
 * endpoint files and the gadget can be bound.
 */
static int toaster_ffs_ep0_open(struct toaster_gadget *g)
{
	struct toaster_functionfs *f = toaster_ffs(g);
	/* the head, then what FUNCTIONFS_EVENTFD and each HAS_*_DESC add */
	struct {
		struct usb_functionfs_descs_head_v2 head;
		__le32	eventfd;
		__le32	fs_count;
		__le32	hs_count;
	} __attribute__((packed)) head = {
		.head = {
			.magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2),
			.flags = htole32(FUNCTIONFS_HAS_FS_DESC |
					 FUNCTIONFS_HAS_HS_DESC |
					 FUNCTIONFS_EVENTFD),
		},
		.eventfd = htole32((uint32_t)f->ev_fd),
		.fs_count = htole32(TOASTER_INTERFACE_DESCS),
		.hs_count = htole32(TOASTER_INTERFACE_DESCS),
	};
	const struct usb_functionfs_strings_head strings = {
		.magic = htole32(FUNCTIONFS_STRINGS_MAGIC),
		.length = htole32(sizeof(strings)),
		.str_count = 0,
		.lang_count = 0,
	};
	struct toaster_buf descs = { .len = 0 };
	char path[PATH_MAX];
	ssize_t n;

	if (toaster_path(path, sizeof(path), "%s/ep0", f->mnt) < 0)
		return -1;
	g->ep0_fd = open(path, O_RDWR | O_CLOEXEC);
	if (g->ep0_fd < 0) {
		toaster_err("%s: %s", path, strerror(errno));
		return -1;
	}

	toaster_buf_put(&descs, &head, sizeof(head));
	toaster_put_interface(&descs, g->ep, false);
	toaster_put_interface(&descs, g->ep, true);
	head.head.length = htole32((uint32_t)descs.len);
	memcpy(descs.data, &head, sizeof(head));

	n = write(g->ep0_fd, descs.data, descs.len);
	if (n == (ssize_t)descs.len)
		n = write(g->ep0_fd, &strings, sizeof(strings));
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
	struct toaster_functionfs *f = toaster_ffs(g);
	char path[PATH_MAX];
	int r;

	for (r = 0; r < TOASTER_EP_ROLES; r++) {
		struct toaster_ep *ep = &g->ep[r];

		snprintf(ep->file, sizeof(ep->file), "ep%d", r + 1);
		if (toaster_path(path, sizeof(path), "%s/%s", f->mnt,
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
	struct toaster_functionfs *f = toaster_ffs(g);
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
			 TOASTER_UDC_CLASS, f->udc) < 0)
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
/* events */

static void toaster_ffs_event(struct toaster_gadget *g,
			      const struct usb_functionfs_event *ev)
{
	struct toaster_functionfs *f = toaster_ffs(g);
	const char *name = "?", *result;

	switch (ev->type) {
	case FUNCTIONFS_BIND:
		toaster_dbg("bound to %s", f->udc);
		break;
	case FUNCTIONFS_UNBIND:
		/* after our own unplug, old news; else the cable went */
		if (!g->plugged)
			break;
		toaster_deconfigured(g);
		toaster_ep0_forget(g);
		g->plugged = false;
		f->bound = false;
		toaster_dbg("unbound from %s by someone else: unplugged",
			    f->udc);
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
	const struct toaster_functionfs *f = toaster_ffs_const(g);

	return g->ep0_hung ? f->ev_fd : g->ep0_fd;
}

static int toaster_ffs_ep0_ready(struct toaster_gadget *g, short revents)
{
	struct toaster_functionfs *f = toaster_ffs(g);
	struct usb_functionfs_event ev[4];
	uint64_t count;
	ssize_t n;
	size_t i;

	(void)revents;
	if (read(f->ev_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
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
	struct toaster_functionfs *f = toaster_ffs(g);
	int r;

	if (f->bound)
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
	if (f->ev_fd >= 0) {
		close(f->ev_fd);
		f->ev_fd = -1;
	}
}

static int toaster_ffs_start(struct toaster_gadget *g)
{
	struct toaster_functionfs *f = toaster_ffs(g);

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

/*
 * Endpoint numbers only FunctionFS sees, to tell the endpoints apart, and
 * which the composite layer replaces: those of the endpoint files, ep1 to
 * ep3.
 */
static struct toaster_gadget *toaster_ffs_create(const struct toaster_options *o)
{
	static struct toaster_functionfs ffs;
	int r;

	toaster_gadget_init(&ffs.g, &toaster_functionfs_backend, o);
	ffs.ev_fd = -1;
	for (r = 0; r < TOASTER_EP_ROLES; r++)
		ffs.g.ep[r].address |= r + 1;
	return &ffs.g;
}

const struct toaster_backend toaster_functionfs_backend = {
	.name		= "FunctionFS",
	.create		= toaster_ffs_create,
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
	.ep0_waits_for_host = true,
	.queues_bulk	= true,
};
