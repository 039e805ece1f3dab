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
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/usb/gadgetfs.h>

#include "toaster_gadget.h"

/* gadgetfs answers at most this much on ep0 (its RBUF_SIZE) */
_Static_assert(sizeof(struct toaster_wire_info) <= 256,
	       "GET_INFO must fit gadgetfs's ep0 buffer");

enum toaster_string_id {
	TOASTER_STR_LANGS = 0,
	TOASTER_STR_MANUFACTURER,
	TOASTER_STR_PRODUCT,
	TOASTER_STR_SERIAL,
};

/* ------------------------------------------------------------------ */
/* descriptors */

/* gadgetfs wants host-order message tags in front of descriptors */
static void toaster_put_tag(struct toaster_buf *b, uint32_t tag)
{
	if (b->len + sizeof(tag) <= sizeof(b->data)) {
		memcpy(b->data + b->len, &tag, sizeof(tag));
		b->len += sizeof(tag);
	}
}

static void toaster_put_config(struct toaster_buf *b,
			       const struct toaster_ep *eps, bool hs)
{
	size_t start = b->len, total;

	toaster_put8(b, USB_DT_CONFIG_SIZE);
	toaster_put8(b, USB_DT_CONFIG);
	toaster_put16(b, 0);			/* wTotalLength, below */
	toaster_put8(b, 1);			/* bNumInterfaces */
	toaster_put8(b, TOASTER_CONFIG_VALUE);
	toaster_put8(b, 0);			/* iConfiguration */
	toaster_put8(b, TOASTER_CONFIG_ATTRIBUTES);
	toaster_put8(b, TOASTER_MAX_POWER_2MA);
	toaster_put_interface(b, eps, hs);

	total = b->len - start;
	b->data[start + 2] = total & 0xff;
	b->data[start + 3] = (total >> 8) & 0xff;
}

static void toaster_put_device(struct toaster_buf *b)
{
	toaster_put8(b, USB_DT_DEVICE_SIZE);
	toaster_put8(b, USB_DT_DEVICE);
	toaster_put16(b, TOASTER_BCD_USB);
	toaster_put8(b, 0);			/* class: per interface */
	toaster_put8(b, 0);
	toaster_put8(b, 0);
	toaster_put8(b, 64);			/* gadgetfs sets the real one */
	toaster_put16(b, TOASTER_VENDOR_ID);
	toaster_put16(b, TOASTER_PRODUCT_ID);
	toaster_put16(b, TOASTER_BCD_DEVICE);
	toaster_put8(b, TOASTER_STR_MANUFACTURER);
	toaster_put8(b, TOASTER_STR_PRODUCT);
	toaster_put8(b, TOASTER_STR_SERIAL);
	toaster_put8(b, 1);			/* bNumConfigurations */
}

/* String descriptor idx as UTF-16LE; -1 if there is none. */
static int toaster_string(const struct toaster_gadget *g, unsigned int idx,
			  struct toaster_buf *b)
{
	const char *s;
	size_t i, n;

	switch (idx) {
	case TOASTER_STR_LANGS:
		toaster_put8(b, 4);
		toaster_put8(b, USB_DT_STRING);
		toaster_put16(b, TOASTER_LANG_ID);
		return 0;
	case TOASTER_STR_MANUFACTURER:
		s = TOASTER_MANUFACTURER;
		break;
	case TOASTER_STR_PRODUCT:
		s = TOASTER_MODEL;
		break;
	case TOASTER_STR_SERIAL:
		s = g->serial;
		break;
	default:
		return -1;
	}
	n = strlen(s);		/* printable ASCII, checked at startup */
	toaster_put8(b, 2 + 2 * n);
	toaster_put8(b, USB_DT_STRING);
	for (i = 0; i < n; i++)
		toaster_put16(b, (unsigned char)s[i]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* choosing endpoint files */

/*
 * How well a gadgetfs endpoint file named name suits ep: 3 for a fixed
 * endpoint with our number, 2 for a configurable one ("ep-bin"), 1 for a
 * fixed one of the right direction and type but another number (dummy_hcd
 * routes by the descriptor's address, so it still works there), 0 not at
 * all.
 */
static int toaster_ep_score(const struct toaster_ep *ep, const char *name)
{
	bool want_in = ep->address & USB_DIR_IN;
	const char *p, *type;
	char *end;
	unsigned long num;
	bool in;

	if (strncmp(name, "ep", 2) != 0)
		return 0;
	p = name + 2;
	if (p[0] == '-') {
		if (!p[1])
			return 0;
		p += 2;		/* the letter */
		if (strcmp(p, "in") == 0)
			in = true;
		else if (strcmp(p, "out") == 0)
			in = false;
		else
			return 0;
		return in == want_in ? 2 : 0;
	}

	num = strtoul(p, &end, 10);
	if (end == p || num == 0)
		return 0;
	p = end;
	if (strncmp(p, "in", 2) == 0) {
		in = true;
		p += 2;
	} else if (strncmp(p, "out", 3) == 0) {
		in = false;
		p += 3;
	} else {
		return 0;
	}
	if (in != want_in)
		return 0;
	if (*p == '-') {
		type = p + 1;
		if (strcmp(type, ep->type == USB_ENDPOINT_XFER_INT ? "int" : "bulk"))
			return 0;
	} else if (*p) {
		return 0;
	}
	return num == (ep->address & USB_ENDPOINT_NUMBER_MASK) ? 3 : 1;
}

static int toaster_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int toaster_choose_endpoints(struct toaster_gadget *g)
{
	char *names[64];
	size_t n = 0, i;
	struct dirent *de;
	bool taken[64] = { false };
	DIR *d;
	int r, rc = 0;

	d = opendir(g->dir);
	if (!d) {
		toaster_err("%s: %s", g->dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) && n < 64) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, g->udc) == 0)
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	/* readdir order is arbitrary; ties must not be */
	qsort(names, n, sizeof(names[0]), toaster_cmp_names);

	for (r = 0; r < TOASTER_EP_ROLES; r++) {
		struct toaster_ep *ep = &g->ep[r];
		int best = 0, score;
		size_t pick = 0;

		for (i = 0; i < n; i++) {
			if (taken[i])
				continue;
			score = toaster_ep_score(ep, names[i]);
			if (score > best) {
				best = score;
				pick = i;
			}
		}
		if (!best) {
			toaster_err("no endpoint in %s suits %s (0x%02x)",
				    g->dir, ep->role, ep->address);
			rc = -1;
			break;
		}
		taken[pick] = true;
		snprintf(ep->file, sizeof(ep->file), "%s", names[pick]);
		toaster_dbg("%s endpoint 0x%02x on %s", ep->role, ep->address,
			    ep->file);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

static int toaster_ep_open(struct toaster_gadget *g, struct toaster_ep *ep)
{
	struct toaster_buf b = { .len = 0 };
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", g->dir, ep->file);
	ep->fd = open(path, O_RDWR | O_CLOEXEC);
	if (ep->fd < 0) {
		toaster_err("%s: %s", path, strerror(errno));
		return -1;
	}
	toaster_put_tag(&b, 1);
	toaster_put_endpoint(&b, ep, false);
	toaster_put_endpoint(&b, ep, true);
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

	g->ep0_blind = true;
	g->ep0_blind_out = err != 0;
	if (err == EL2HLT)
		snprintf(how, sizeof(how), "stalled it (an OUT request)");
	else if (!err)
		snprintf(how, sizeof(how), "answered it with nothing (an IN request)");
	else
		snprintf(how, sizeof(how), "could not answer it: %s", strerror(err));
	snprintf(g->ep0_note, sizeof(g->ep0_note),
		 "the host gave up on %s and sent another request; %s unseen",
		 g->ep0_hung ? g->ep0_hung : "the request in hand", how);
	g->ep0_hung = NULL;
	return got > 0 ? (size_t)got / sizeof(*ev) : 0;
}

/* What toaster_ep0_recover() did, once there is time to say it. */
static void toaster_ep0_note(struct toaster_gadget *g)
{
	if (g->ep0_note[0])
		toaster_dbg("ep0: %s", g->ep0_note);
	g->ep0_note[0] = '\0';
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
 * or NULL to go on as usual (without faults: see toaster_req_fault()).
 */
static const char *toaster_setup_blind(struct toaster_gadget *g,
				       const struct usb_ctrlrequest *c,
				       const char **name)
{
	/* standard ones come from usbcore, which sends none in a hurry */
	if (!g->ep0_blind_out || (c->bRequestType & USB_DIR_IN) ||
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

static int toaster_find_udc(struct toaster_gadget *g, char *buf, size_t size)
{
	struct dirent *de;
	size_t len, udcs = 0, files = 0;
	char udc[NAME_MAX + 1] = "", any[NAME_MAX + 1] = "";
	DIR *d;

	d = opendir(g->dir);
	if (!d) {
		toaster_err("%s: %s (is gadgetfs mounted there?)", g->dir,
			    strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		files++;
		snprintf(any, sizeof(any), "%s", de->d_name);
		len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, "_udc") == 0) {
			udcs++;
			snprintf(udc, sizeof(udc), "%s", de->d_name);
		}
	}
	closedir(d);

	/* before binding, the controller's ep0 file is gadgetfs's only file */
	if (udcs == 1)
		snprintf(buf, size, "%s", udc);
	else if (udcs == 0 && files == 1)
		snprintf(buf, size, "%s", any);
	else {
		toaster_err("%s: %s; name the controller with --udc", g->dir,
			    udcs ? "several *_udc files" : "no *_udc file");
		return -1;
	}
	return 0;
}

/* Plugs the toaster in.  Returns 0 or -errno. */
static int toaster_ep0_open(struct toaster_gadget *g)
{
	struct toaster_buf b = { .len = 0 };
	char path[PATH_MAX];
	ssize_t n;
	int err;

	snprintf(path, sizeof(path), "%s/%s", g->dir, g->udc);
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
	toaster_put_device(&b);
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
		if (toaster_ep_open(g, &g->ep[r]) < 0)
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
	static char udc[NAME_MAX + 1];

	if (!g->udc) {
		if (toaster_find_udc(g, udc, sizeof(udc)) < 0)
			return -1;
		g->udc = udc;
	}
	if (toaster_ep0_open(g) < 0)
		return -1;
	/* the endpoint files appear once ep0's descriptors bound us */
	if (toaster_choose_endpoints(g) < 0) {
		toaster_gfs_unplug(g);
		return -1;
	}
	toaster_dbg("on gadgetfs: %s/%s", g->dir, g->udc);
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

const struct toaster_backend toaster_gadgetfs_backend = {
	.name		= "gadgetfs",
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
};
