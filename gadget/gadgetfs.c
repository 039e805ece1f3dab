// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-gadget on gadgetfs: the default backend.
 *
 * gadgetfs hands the firmware the whole of ep0: it writes the device and
 * configuration descriptors itself, answers the standard requests that
 * gadgetfs delegates (string descriptors, SET_CONFIGURATION,
 * SET_INTERFACE, GET_INTERFACE), and opens and configures the endpoint
 * files on SET_CONFIGURATION.  Plugging in is opening the controller's
 * ep0 file and writing descriptors to it; unplugging is closing it.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/usb/gadgetfs.h>

#include "firmware.h"
#include "gadgetfs.h"

/* gadgetfs answers at most this much on ep0 (its RBUF_SIZE) */
_Static_assert(sizeof(struct toaster_wire_info) <= 256,
	       "GET_INFO must fit gadgetfs's ep0 buffer");

/*
 * The endpoint addresses the firmware asks for: gadgetfs lets it choose.
 * They are not the protocol's (a host finds the endpoints by type and
 * direction).
 */
static const uint8_t toaster_gfs_addresses[TOASTER_EP_ROLES] = {
	[TOASTER_EP_ROLE_OUT] = USB_DIR_OUT | 1,
	[TOASTER_EP_ROLE_IN] = USB_DIR_IN | 2,
	[TOASTER_EP_ROLE_INT] = USB_DIR_IN | 3,
};

struct toaster_gadgetfs {
	struct toaster_gadget g;
	const char	*dir;		/* where gadgetfs is mounted */
	char		udc[NAME_MAX + 1];	/* the controller's ep0 file */
	/* main only: */
	bool		ep0_blind_out;	/* the blind answer's request was OUT */
	char		ep0_note[192];	/* a log line for when there is time */
};

static struct toaster_gadgetfs *toaster_gfs(struct toaster_gadget *g)
{
	return toaster_container_of(g, struct toaster_gadgetfs, g);
}

/* ------------------------------------------------------------------ */
/* descriptors */

/* gadgetfs wants a host-order message tag in front of descriptors */
static void toaster_put_tag(struct toaster_buf *b, uint32_t tag)
{
	toaster_buf_put(b, &tag, sizeof(tag));
}

/*
 * String descriptor idx as UTF-16LE (0: the one language); -1 if there is
 * none.
 */
static int toaster_string(const struct toaster_gadget *g, unsigned int idx,
			  struct toaster_buf *b)
{
	const struct usb_device_descriptor *dev = &toaster_device_desc;
	uint8_t d[2 + 2 * (TOASTER_SERIAL_LEN + sizeof(TOASTER_MANUFACTURER))];
	uint16_t unit;
	const char *s;
	size_t i, n;

	if (idx == 0)
		s = NULL;
	else if (idx == dev->iManufacturer)
		s = TOASTER_MANUFACTURER;
	else if (idx == dev->iProduct)
		s = TOASTER_MODEL;
	else if (idx == dev->iSerialNumber)
		s = g->serial;
	else
		return -1;
	/* printable ASCII, checked at startup: a byte is a code unit */
	n = s ? strlen(s) : 1;
	for (i = 0; i < n; i++) {
		unit = htole16(s ? (unsigned char)s[i] : TOASTER_LANG_ID);
		memcpy(d + 2 + 2 * i, &unit, sizeof(unit));
	}
	d[0] = (uint8_t)(2 + 2 * n);
	d[1] = USB_DT_STRING;
	toaster_buf_put(b, d, d[0]);
	return 0;
}

static int toaster_ep_open(struct toaster_gadget *g, enum toaster_ep_role r)
{
	struct toaster_ep *ep = &g->ep[r];
	struct toaster_buf b = { .len = 0 };
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", toaster_gfs(g)->dir, ep->file);
	ep->fd = open(path, O_RDWR | O_CLOEXEC);
	if (ep->fd < 0) {
		toaster_err("%s: %s", path, strerror(errno));
		return -1;
	}
	toaster_put_tag(&b, 1);
	toaster_put_endpoint(&b, r, false, ep->address);
	toaster_put_endpoint(&b, r, true, ep->address);
	n = write(ep->fd, b.data, b.len);
	if (n != (ssize_t)b.len) {
		toaster_err("%s: configuring %s: %s", path, ep->role,
			    n < 0 ? strerror(errno) : "short write");
		close(ep->fd);
		ep->fd = -1;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* ep0 */

/*
 * gadgetfs cannot drop a control request: until the one it handed us is
 * answered, ep0 stays in its SETUP state, where a read or write is the
 * answer and events stay hidden.  When the host gives up on it (a hang
 * fault) and sends its next request, gadgetfs quietly puts that one in its
 * place and reports POLLHUP, or EIDRM to an answer under way.  Whatever we
 * do now answers the new request, which we cannot see before we answer
 * something.
 *
 * Answering it blind with what it most likely wants would be a gamble we
 * lose: an ACKed command must then be carried out, but its event is only
 * readable after the ACK, and under emulation the host's next request
 * (the driver's GET_STATUS) often arrives first and makes gadgetfs drop
 * it, leaving the host sure of a change that never happened.  So the
 * request is refused, which is true whatever it was: a zero-length write
 * stalls an OUT request and gives an IN one an empty reply.  Its event,
 * when it comes, is dealt with by toaster_setup_blind().
 *
 * Returns the events read right after (normally the refused request's),
 * for the caller to handle as any others: read at once, and logged about
 * only after toaster_setup_blind() has done with them, since the host's
 * next request is on its way and would overtake it (toaster_ep0_note()).
 */
static size_t toaster_ep0_recover(struct toaster_gadget *g,
				  struct usb_gadgetfs_event *ev, size_t max)
{
	struct toaster_gadgetfs *gfs = toaster_gfs(g);
	struct pollfd pfd = { .fd = g->ep0_fd, .events = POLLIN };
	ssize_t n, got = 0;
	char dummy, how[80];
	int tries, err;

	g->ep0_stale = false;
	for (tries = 0; tries < 5; tries++) {
		n = write(g->ep0_fd, &dummy, 0);
		/* EIDRM did nothing but report another replacement: again */
		if (n >= 0 || errno != EIDRM)
			break;
	}
	/* an OUT request gadgetfs cannot stall (SET_CONFIGURATION): ACK it */
	if (n < 0 && errno == ESRCH)
		n = read(g->ep0_fd, &dummy, 0);
	err = n < 0 ? errno : 0;
	/* no logging before this: it could take the host's time */
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN))
		got = read(g->ep0_fd, ev, max * sizeof(*ev));

	if (got < 0)
		toaster_err("ep0: reading the new request: %s", strerror(errno));

	/*
	 * Nothing was in hand (the write found no SETUP state, nor did the
	 * read): the POLLHUP was gadgetfs's own.  Its ep0_read() queues an
	 * ACK's status stage and only then, with its lock taken back, leaves
	 * the SETUP state; the host's next SETUP, arriving in between, sets
	 * setup_abort as if the host had given up.  It gave up on nothing,
	 * and that next request is an event like any other: no blind answer.
	 */
	if (err == EINVAL) {
		g->ep0_hung = NULL;
		snprintf(gfs->ep0_note, sizeof(gfs->ep0_note),
			 "POLLHUP with no request in hand: the last answer raced the next SETUP");
		return got > 0 ? (size_t)got / sizeof(*ev) : 0;
	}

	g->ep0_blind = true;
	gfs->ep0_blind_out = err != 0;
	if (err == EL2HLT)
		snprintf(how, sizeof(how), "stalled it (an OUT request)");
	else if (!err)
		snprintf(how, sizeof(how), "answered it with nothing (an IN request)");
	else
		snprintf(how, sizeof(how), "could not answer it: %s", strerror(err));
	snprintf(gfs->ep0_note, sizeof(gfs->ep0_note),
		 "the host gave up on %s and sent another request; %s unseen",
		 g->ep0_hung ? g->ep0_hung : "the request in hand", how);
	g->ep0_hung = NULL;
	return got > 0 ? (size_t)got / sizeof(*ev) : 0;
}

/* What toaster_ep0_recover() did, once there is time to say it. */
static void toaster_ep0_note(struct toaster_gadget *g)
{
	struct toaster_gadgetfs *gfs = toaster_gfs(g);

	if (gfs->ep0_note[0])
		toaster_dbg("ep0: %s", gfs->ep0_note);
	gfs->ep0_note[0] = '\0';
}

static const char *toaster_setup_standard(struct toaster_gadget *g,
					  const struct usb_ctrlrequest *c,
					  const char **name)
{
	unsigned int value = le16toh(c->wValue);
	unsigned int index = le16toh(c->wIndex);
	struct toaster_buf b = { .len = 0 };
	uint8_t alt = 0;

	switch (c->bRequest) {
	case USB_REQ_GET_DESCRIPTOR:
		*name = "GET_DESCRIPTOR";
		if (c->bRequestType != USB_DIR_IN || (value >> 8) != USB_DT_STRING)
			break;
		*name = "GET_DESCRIPTOR(string)";
		if (toaster_string(g, value & 0xff, &b) < 0)
			break;
		return toaster_ep0_reply(g, c, b.data, b.len);

	case USB_REQ_SET_CONFIGURATION:
		/* gadgetfs checked the value; it cannot be stalled here */
		*name = "SET_CONFIGURATION";
		/* up before the ACK, so the host's first I/O finds them */
		if ((value & 0xff) == TOASTER_CONFIG_VALUE)
			toaster_configured(g);
		else
			toaster_deconfigured(g);
		return toaster_ep0_ack(g);

	case USB_REQ_SET_INTERFACE:
		*name = "SET_INTERFACE";
		if (c->bRequestType != USB_RECIP_INTERFACE || !g->configured ||
		    index != 0 || value != 0)
			break;
		/* re-enabling resets halts and data toggles, as required */
		toaster_configured(g);
		return toaster_ep0_ack(g);

	case USB_REQ_GET_INTERFACE:
		*name = "GET_INTERFACE";
		if (c->bRequestType != (USB_DIR_IN | USB_RECIP_INTERFACE) ||
		    !g->configured || index != 0)
			break;
		return toaster_ep0_reply(g, c, &alt, 1);

	default:
		*name = "standard";
		break;
	}
	return toaster_ep0_stall(g, c);
}

/*
 * The request after a blind answer (toaster_ep0_recover()) is most likely
 * the one that got it, and the host is done with it: an OUT one was
 * refused, so it is refused again (which does nothing on the bus) and not
 * carried out.  An IN one is answered as usual: if the host is done with
 * it, dummy_hcd drops the answer at the next SETUP; if it is the host's
 * next request instead, the one refused blind having lost its event to
 * it, the answer is right.  Only an OUT request that follows an OUT one
 * straight away, its status unasked, can be taken for the refused one by
 * mistake: it is refused too, and the host told so.  Returns the result,
 * or NULL to go on as usual (without faults: see ep0.c).
 */
static const char *toaster_setup_blind(struct toaster_gadget *g,
				       const struct usb_ctrlrequest *c,
				       const char **name)
{
	/* standard ones come from usbcore, which sends none in a hurry */
	if (!toaster_gfs(g)->ep0_blind_out || (c->bRequestType & USB_DIR_IN) ||
	    (c->bRequestType & USB_TYPE_MASK) != USB_TYPE_VENDOR)
		return NULL;
	*name = toaster_request_name(c->bRequest);
	if (!*name)
		*name = "vendor OUT";
	return toaster_ep0_stall(g, c);
}

static void toaster_setup(struct toaster_gadget *g,
			  const struct usb_ctrlrequest *c)
{
	const char *name = "?", *result = NULL;
	bool blind = g->ep0_blind;

	if (blind)
		result = toaster_setup_blind(g, c, &name);
	if (!result)
		result = toaster_setup_request(g, c, &name);
	toaster_ep0_note(g);
	toaster_setup_log(c, name, result, blind ? " (after a blind answer)" : "");
	/* the blind answer went to this request at most */
	if (blind)
		g->ep0_blind = false;
}

static void toaster_event(struct toaster_gadget *g,
			  const struct usb_gadgetfs_event *ev)
{
	switch (ev->type) {
	case GADGETFS_CONNECT:
		/* a reset may have cost us the DISCONNECT: start clean */
		toaster_deconfigured(g);
		toaster_ep0_forget(g);
		g->speed = ev->u.speed;
		toaster_dbg("connected at %s speed", toaster_speed_name(g->speed));
		break;
	case GADGETFS_DISCONNECT:
		/* also what a bus reset looks like */
		toaster_deconfigured(g);
		toaster_ep0_forget(g);
		toaster_dbg("disconnected");
		break;
	case GADGETFS_SUSPEND:
		/* mains powered: the toaster keeps toasting */
		toaster_dbg("suspended");
		break;
	case GADGETFS_SETUP:
		toaster_setup(g, &ev->u.setup);
		break;
	case GADGETFS_NOP:
		break;
	default:
		toaster_dbg("unknown gadgetfs event %d", ev->type);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* setup */

/* Plugs the toaster in.  Returns 0 or -errno. */
static int toaster_ep0_open(struct toaster_gadget *g)
{
	struct toaster_gadgetfs *gfs = toaster_gfs(g);
	struct toaster_buf b = { .len = 0 };
	char path[PATH_MAX];
	ssize_t n;
	int err;

	snprintf(path, sizeof(path), "%s/%s", gfs->dir, gfs->udc);
	g->ep0_fd = open(path, O_RDWR | O_CLOEXEC);
	if (g->ep0_fd < 0) {
		err = errno;
		toaster_err("%s: %s%s", path, strerror(err),
			    err == EBUSY ? " (another gadget driver has it open)" : "");
		return -err;
	}

	toaster_put_tag(&b, 0);
	toaster_put_config(&b, g->ep, false);
	toaster_put_config(&b, g->ep, true);
	toaster_buf_put(&b, &toaster_device_desc, toaster_device_desc.bLength);
	/* binds to the controller: the host may enumerate from here on */
	n = write(g->ep0_fd, b.data, b.len);
	if (n != (ssize_t)b.len) {
		err = n < 0 ? errno : EIO;
		toaster_err("%s: writing descriptors: %s", path,
			    n < 0 ? strerror(err) : "short write");
		close(g->ep0_fd);
		g->ep0_fd = -1;
		return -err;
	}
	return 0;
}


/* ------------------------------------------------------------------ */
/* the backend */

static int toaster_gfs_io_open(struct toaster_gadget *g)
{
	int r;

	for (r = 0; r < TOASTER_EP_ROLES; r++) {
		if (toaster_ep_open(g, r) < 0)
			return -1;
	}
	return 0;
}

/* Only with no worker left in read(): gadgetfs would keep the file. */
static void toaster_gfs_io_close(struct toaster_gadget *g)
{
	int r;

	for (r = 0; r < TOASTER_EP_ROLES; r++) {
		if (g->ep[r].fd >= 0) {
			close(g->ep[r].fd);
			g->ep[r].fd = -1;
		}
	}
}

/* Closing ep0 unbinds the gadget: the host sees the toaster go. */
static void toaster_gfs_unplug(struct toaster_gadget *g)
{
	close(g->ep0_fd);
	g->ep0_fd = -1;
}

static int toaster_gfs_start(struct toaster_gadget *g)
{
	struct toaster_gadgetfs *gfs = toaster_gfs(g);

	if (g->udc)
		snprintf(gfs->udc, sizeof(gfs->udc), "%s", g->udc);
	else if (toaster_gfs_find_udc(gfs->dir, gfs->udc, sizeof(gfs->udc)) < 0)
		return -1;
	if (toaster_ep0_open(g) < 0)
		return -1;
	/* the endpoint files appear once ep0's descriptors bound us */
	if (toaster_gfs_choose_eps(gfs->dir, gfs->udc, g->ep) < 0) {
		toaster_gfs_unplug(g);
		return -1;
	}
	toaster_dbg("on gadgetfs: %s/%s", gfs->dir, gfs->udc);
	return 0;
}

/* Nothing outlives ep0, which unplugging closed. */
static void toaster_gfs_stop(struct toaster_gadget *g)
{
	(void)g;
}

static int toaster_gfs_ep0_poll_fd(const struct toaster_gadget *g)
{
	return g->ep0_fd;
}

static int toaster_gfs_ep0_ready(struct toaster_gadget *g, short revents)
{
	enum { TOASTER_EVENTS = 5 };
	struct usb_gadgetfs_event ev[TOASTER_EVENTS];
	size_t i, nev = 0;
	ssize_t n;

	/*
	 * POLLHUP, never with POLLIN: the host gave up on the request in
	 * hand, and gadgetfs put its next one in that place.
	 */
	if (revents & POLLHUP) {
		nev = toaster_ep0_recover(g, ev, TOASTER_EVENTS);
	} else if (revents & POLLIN) {
		n = read(g->ep0_fd, ev, sizeof(ev));
		if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EIDRM) {
			toaster_err("ep0: %s", strerror(errno));
			return -1;
		}
		nev = n > 0 ? (size_t)n / sizeof(ev[0]) : 0;
	}
	while (nev) {
		for (i = 0; i < nev; i++)
			toaster_event(g, &ev[i]);
		nev = 0;
		/* an answer found its request replaced */
		if (g->ep0_stale)
			nev = toaster_ep0_recover(g, ev, TOASTER_EVENTS);
	}
	toaster_ep0_note(g);
	return 0;
}

static struct toaster_gadget *toaster_gfs_create(const struct toaster_options *o)
{
	static struct toaster_gadgetfs gfs;
	int r;

	toaster_gadget_init(&gfs.g, &toaster_gadgetfs_backend, o);
	gfs.dir = o->dir;
	for (r = 0; r < TOASTER_EP_ROLES; r++)
		gfs.g.ep[r].address = toaster_gfs_addresses[r];
	return &gfs.g;
}

const struct toaster_backend toaster_gadgetfs_backend = {
	.name		= "gadgetfs",
	.create		= toaster_gfs_create,
	.start		= toaster_gfs_start,
	.plug		= toaster_ep0_open,
	.unplug		= toaster_gfs_unplug,
	.stop		= toaster_gfs_stop,
	.ep0_poll_fd	= toaster_gfs_ep0_poll_fd,
	.ep0_ready	= toaster_gfs_ep0_ready,
	.io_open	= toaster_gfs_io_open,
	.io_close	= toaster_gfs_io_close,
	.setup_standard	= toaster_setup_standard,
	.stalls_out_data = false,
	.ep0_waits_for_host = false,
	.queues_bulk	= false,
};
