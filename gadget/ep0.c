// SPDX-License-Identifier: GPL-2.0
/*
 * ep0: the vendor requests, and the faults that act on them, answered the
 * same way on either backend; standard requests go to the backend.
 *
 * gadgetfs's protocol for finishing a delegated control request, which
 * FunctionFS copied: data moves in the request's direction; a zero-length
 * read ACKs an OUT request without data; I/O "the wrong way" stalls.
 *
 * An answer that fails with EIDRM did nothing: a new SETUP replaced the
 * request while we worked on it (the host gave up on it).  FunctionFS has
 * dropped it then; gadgetfs must recover (gadgetfs.c).  After that
 * recovery, the request in hand may have had its answer already, and this
 * one failing is no news.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "firmware.h"

/*
 * How long an answer may wait for the host to take it.  FunctionFS
 * completes a data or status stage only when the host does, and a host
 * that gave up on the request (its URB killed, by an unbind say) never
 * does: main would wait in read() or write() until the next SETUP, deaf
 * to the control FIFO and to everything else.  The host's own timeout
 * for a control request is 5 s (USB_CTRL_SET_TIMEOUT); after that no
 * host is still waiting.
 */
#define TOASTER_EP0_STAGE_MS	5000
/* And again every so often, in case the first signal came too early. */
#define TOASTER_EP0_RETRY_MS	100

/*
 * One data or status stage on ep0 (or a stall), bounded where the backend
 * waits for the host: a timer aimed at main interrupts it, and FunctionFS
 * takes the request back.  Then the request is as good as hung.
 */
static ssize_t toaster_ep0_io(struct toaster_gadget *g, bool out, void *buf,
			      size_t len)
{
	struct itimerspec arm = {
		.it_value = toaster_timespec(TOASTER_EP0_STAGE_MS * TOASTER_NS_PER_MS),
		.it_interval = toaster_timespec(TOASTER_EP0_RETRY_MS * TOASTER_NS_PER_MS),
	}, off = { { 0, 0 }, { 0, 0 } };
	bool timed = g->ops->ep0_waits_for_host && g->ep0_timed;
	sigset_t set;
	ssize_t n;
	int err;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (timed) {
		timer_settime(g->ep0_timer, 0, &arm, NULL);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	}
	n = out ? write(g->ep0_fd, buf, len) : read(g->ep0_fd, buf, len);
	err = errno;
	if (timed) {
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		timer_settime(g->ep0_timer, 0, &off, NULL);
	}
	errno = err;
	return n;
}

const char *toaster_ep0_failed(struct toaster_gadget *g, const char *what)
{
	if (errno == EIDRM) {
		g->ep0_stale = true;
		return "not sent: a new request replaced this one";
	}
	if (errno == EINTR && g->ops->ep0_waits_for_host) {
		/* toaster_ep0_io() gave up on the host: wait for its next event */
		g->ep0_hung = "the request in hand";
		snprintf(g->ep0_result, sizeof(g->ep0_result),
			 "%s: the host never took it in %d ms", what,
			 TOASTER_EP0_STAGE_MS);
		toaster_err("ep0: %s", g->ep0_result);
		return g->ep0_result;
	}
	snprintf(g->ep0_result, sizeof(g->ep0_result), "%s failed: %s", what,
		 strerror(errno));
	if (!g->ep0_blind)
		toaster_err("ep0: %s", g->ep0_result);
	return g->ep0_result;
}

const char *toaster_ep0_ack(struct toaster_gadget *g)
{
	char dummy;

	if (toaster_ep0_io(g, false, &dummy, 0) < 0)
		return toaster_ep0_failed(g, "ack");
	return "ok";
}

const char *toaster_ep0_reply(struct toaster_gadget *g,
			      const struct usb_ctrlrequest *c,
			      const void *data, size_t len)
{
	size_t wlen = le16toh(c->wLength);
	ssize_t n;

	if (len > wlen)
		len = wlen;
	n = toaster_ep0_io(g, true, (void *)data, len);
	if (n < 0)
		return toaster_ep0_failed(g, "reply");
	snprintf(g->ep0_result, sizeof(g->ep0_result), "%zd bytes", n);
	return g->ep0_result;
}

const char *toaster_ep0_stall(struct toaster_gadget *g,
			      const struct usb_ctrlrequest *c)
{
	uint8_t buf[256];
	ssize_t n;

	if (c->bRequestType & USB_DIR_IN) {
		n = toaster_ep0_io(g, false, buf, 0);
	} else if (le16toh(c->wLength) == 0 || g->ops->stalls_out_data) {
		n = toaster_ep0_io(g, true, buf, 0);
	} else {
		/*
		 * gadgetfs has already accepted the data stage and cannot
		 * stall it any more: take the data and ignore the request.
		 */
		n = toaster_ep0_io(g, false, buf, sizeof(buf));
		if (n < 0)
			toaster_err("ep0: draining OUT data: %s", strerror(errno));
		return "ignored (OUT data cannot be stalled)";
	}
	if (n < 0 && errno == EL2HLT)
		return "stall";
	if (n < 0)
		return toaster_ep0_failed(g, "stall");
	toaster_err("ep0: stall failed: not stalled");
	return "stall failed";
}

static const char *toaster_ep0_result(struct toaster_gadget *g,
				      const struct usb_ctrlrequest *c, int rc)
{
	return rc == 0 ? toaster_ep0_ack(g) : toaster_ep0_stall(g, c);
}

void toaster_ep0_forget(struct toaster_gadget *g)
{
	if (g->ep0_hung)
		toaster_dbg("ep0: %s never answered, and no longer asked",
			    g->ep0_hung);
	g->ep0_hung = NULL;
	g->ep0_stale = false;
	g->ep0_blind = false;
}

bool toaster_req_is_in(unsigned int req)
{
	const struct toaster_request_desc *desc = toaster_request_desc(req);

	return desc && desc->dir == TOASTER_REQ_DIR_IN;
}

/* short: half of what the host asked for, or of the reply if less. */
static size_t toaster_reply_len(const struct usb_ctrlrequest *c, size_t len,
				enum toaster_fault_mode fault)
{
	size_t wlen = le16toh(c->wLength);

	if (fault != TOASTER_FAULT_SHORT)
		return len;
	return (len < wlen ? len : wlen) / 2;
}

static const char *toaster_get_info(struct toaster_gadget *g,
				    const struct usb_ctrlrequest *c,
				    enum toaster_fault_mode fault)
{
	struct toaster_wire_info info;

	memset(&info, 0, sizeof(info));
	info.protocol_version = htole16(TOASTER_PROTOCOL_VERSION);
	info.firmware_version = htole16(TOASTER_FIRMWARE_VERSION);
	info.slots = TOASTER_SLOTS;
	strncpy(info.model, TOASTER_MODEL, sizeof(info.model));
	/* NUL padding, and no terminator when it fills the field */
	memcpy(info.serial, g->serial, strnlen(g->serial, sizeof(info.serial)));
	return toaster_ep0_reply(g, c, &info,
				 toaster_reply_len(c, sizeof(info), fault));
}

static const char *toaster_get_status(struct toaster_gadget *g,
				      const struct usb_ctrlrequest *c,
				      enum toaster_fault_mode fault)
{
	int64_t now = toaster_now_ns();
	struct toaster_wire_status st;

	pthread_mutex_lock(&g->lock);
	toaster_model_advance(&g->model, now);
	toaster_publish(g);
	toaster_model_status(&g->model, TOASTER_EVENT_NONE, &st);
	pthread_mutex_unlock(&g->lock);
	return toaster_ep0_reply(g, c, &st, toaster_reply_len(c, sizeof(st), fault));
}

/* The OUT requests: a command for the model, its argument in wValue. */
static int toaster_command(struct toaster_gadget *g, unsigned int req,
			   unsigned int value)
{
	int64_t now = toaster_now_ns();
	int rc;

	pthread_mutex_lock(&g->lock);
	switch (req) {
	case TOASTER_REQ_SET_DARKNESS:
		rc = toaster_model_set_darkness(&g->model, now, value);
		break;
	case TOASTER_REQ_TOAST:
		rc = toaster_model_toast(&g->model, now, value);
		break;
	case TOASTER_REQ_CANCEL:
		rc = toaster_model_cancel(&g->model, now);
		break;
	case TOASTER_REQ_SET_LOCK:
		rc = toaster_model_set_lock(&g->model, now, value);
		break;
	case TOASTER_REQ_SET_LOOPBACK:
		rc = toaster_model_set_loopback(&g->model, now, value);
		/* before the ACK: the host's next transfer finds the new mode */
		if (rc == 0)
			toaster_bulk_loopback(g, g->model.loopback);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	toaster_publish(g);
	pthread_mutex_unlock(&g->lock);
	return rc;
}

static const char *toaster_setup_vendor(struct toaster_gadget *g,
					const struct usb_ctrlrequest *c,
					const char **name)
{
	bool in = c->bRequestType & USB_DIR_IN;
	enum toaster_fault_mode fault = TOASTER_FAULT_NONE;

	*name = toaster_request_name(c->bRequest);
	if (!*name) {
		*name = "vendor";
		return toaster_ep0_stall(g, c);
	}

	/* interface requests mean nothing before SET_CONFIGURATION */
	if ((c->bRequestType & USB_RECIP_MASK) != USB_RECIP_INTERFACE ||
	    le16toh(c->wIndex) != 0 || !g->configured ||
	    in != toaster_req_is_in(c->bRequest) ||
	    (!in && le16toh(c->wLength) != 0))
		return toaster_ep0_stall(g, c);

	/*
	 * A valid request from here on: what faults are about.  Not the one
	 * after a blind answer, which may well have had its answer already.
	 */
	if (!g->ep0_blind)
		fault = toaster_fault_request(g, c->bRequest);
	if (fault == TOASTER_FAULT_STALL)
		return toaster_ep0_stall(g, c);
	if (fault == TOASTER_FAULT_HANG) {
		/* not carried out either: the firmware choked on it */
		g->ep0_hung = *name;
		return "no answer (hang)";
	}

	switch (c->bRequest) {
	case TOASTER_REQ_GET_INFO:
		return toaster_get_info(g, c, fault);
	case TOASTER_REQ_GET_STATUS:
		return toaster_get_status(g, c, fault);
	default:
		return toaster_ep0_result(g, c, toaster_command(g, c->bRequest,
								le16toh(c->wValue)));
	}
}

const char *toaster_setup_request(struct toaster_gadget *g,
				  const struct usb_ctrlrequest *c,
				  const char **name)
{
	switch (c->bRequestType & USB_TYPE_MASK) {
	case USB_TYPE_STANDARD:
		if (g->ops->setup_standard)
			return g->ops->setup_standard(g, c, name);
		*name = "standard";
		break;
	case USB_TYPE_VENDOR:
		return toaster_setup_vendor(g, c, name);
	default:
		*name = "class";
		break;
	}
	return toaster_ep0_stall(g, c);
}

void toaster_setup_log(const struct usb_ctrlrequest *c, const char *name,
		       const char *result, const char *note)
{
	toaster_dbg("ep0: %02x %02x v%04x i%04x l%u %s: %s%s",
		    c->bRequestType, c->bRequest, le16toh(c->wValue),
		    le16toh(c->wIndex), le16toh(c->wLength), name, result, note);
}
