// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile toaster on Raw Gadget, in a process of its own: closing
 * /dev/raw-gadget is the unplug, so the device's own unplug is _exit(),
 * the host's is a signal, and a device that goes wrong cannot take the
 * runner with it.
 *
 * Three threads: ep0 (the enumeration, the vendor requests, the model),
 * the interrupt endpoint (notifications, on ep0's word or the host's) and
 * bulk OUT (burn patterns taken, loopback echoed on bulk IN).  Raw
 * Gadget's I/O is blocking, one request per call, which is what lets each
 * misbehaviour be scripted exactly: a request not answered is one not
 * queued.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <asm/byteorder.h>
#include RAW_GADGET_H	/* the kernel tree's: see tests/Makefile */

#include "hostile.h"
#include "toaster_clock.h"

#define BULK_BUF	(TOASTER_BURN_MAX + 1024)

struct hd_gadget {
	const struct hd_run *run;
	const struct hd_device *dev;
	struct hd_log *log;
	int fd;				/* /dev/raw-gadget */
	int ctl;			/* the host's commands */
	int wake[2];			/* ep0 to the interrupt thread */
	struct hd_roles roles;
	int ep_out, ep_in, ep_int;	/* Raw Gadget's handles, or -1 */
	__u16 in_maxp;			/* bulk IN's real packet size */

	pthread_mutex_t lock;		/* all below */
	pthread_cond_t cond;
	struct toaster_host_status st;
	bool loopback;
	bool out_hold;			/* bulk OUT takes nothing */
	bool early_done, bulk_done, burn_done;
	unsigned int seen[TOASTER_REQ_SET_LOOPBACK + 1];
	pthread_t out_thread, int_thread;
	bool configured;
};

static unsigned int hd_events;

static void dev_error(struct hd_gadget *g, const char *fmt, ...)
{
	va_list ap;

	if (g->log->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(g->log->error, sizeof(g->log->error), fmt, ap);
	va_end(ap);
}

/* The stress runs' unplug at a random point: the nth thing that happens. */
static void hd_event(struct hd_gadget *g)
{
	unsigned int n = __atomic_add_fetch(&hd_events, 1, __ATOMIC_SEQ_CST);

	g->log->activity_ms = toaster_now_ms();
	if (g->run->unplug_after && n >= g->run->unplug_after)
		_exit(0);
}

/*-------------------------------------------------------------------------*/
/* Raw Gadget */

static int raw_io(struct hd_gadget *g, unsigned long req, int ep,
		  void *data, size_t len, bool zero)
{
	struct usb_raw_ep_io *io = malloc(sizeof(*io) + len);
	int ret;

	if (!io)
		return -ENOMEM;
	io->ep = ep;
	io->flags = zero ? USB_RAW_IO_FLAGS_ZERO : 0;
	io->length = len;
	if (len)
		memcpy(io->data, data, len);
	ret = ioctl(g->fd, req, io);
	if (ret < 0)
		ret = -errno;
	else if (len && (req == USB_RAW_IOCTL_EP_READ || req == USB_RAW_IOCTL_EP0_READ))
		memcpy(data, io->data, ret < (int)len ? ret : len);
	free(io);
	return ret;
}

/* A reply shorter than asked for, of whole packets, ends with a ZLP. */
static int ep0_write(struct hd_gadget *g, const void *data, size_t len, size_t asked)
{
	return raw_io(g, USB_RAW_IOCTL_EP0_WRITE, 0, (void *)data, len,
		      len && len < asked && !(len % 64));
}

/* The status stage of a request without data. */
static int ep0_ack(struct hd_gadget *g)
{
	return raw_io(g, USB_RAW_IOCTL_EP0_READ, 0, NULL, 0, false);
}

static void ep0_stall(struct hd_gadget *g)
{
	if (ioctl(g->fd, USB_RAW_IOCTL_EP0_STALL, 0) < 0)
		dev_error(g, "EP0_STALL: %s", strerror(errno));
}

static int ep_enable(struct hd_gadget *g, const struct hd_ep *ep)
{
	struct usb_endpoint_descriptor d = {
		.bLength = USB_DT_ENDPOINT_SIZE,
		.bDescriptorType = USB_DT_ENDPOINT,
		/* usbcore clears the reserved bits; dummy_hcd matches on all */
		.bEndpointAddress = ep->addr & (USB_DIR_IN | USB_ENDPOINT_NUMBER_MASK),
		.bmAttributes = ep->attr & USB_ENDPOINT_XFERTYPE_MASK,
	};
	bool full = g->dev->speed == USB_SPEED_FULL;
	int ret;

	/*
	 * What the device declares is for the host to judge; dummy_udc
	 * takes only what real hardware could do, so the endpoint behind it
	 * is a sound one of the declared type.
	 */
	if (usb_endpoint_xfer_bulk(&d)) {
		d.wMaxPacketSize = __cpu_to_le16(full ? 64 : 512);
	} else {
		d.wMaxPacketSize = __cpu_to_le16(64);
		d.bInterval = full ? TOASTER_INT_INTERVAL_FS : TOASTER_INT_INTERVAL_HS;
	}
	ret = ioctl(g->fd, USB_RAW_IOCTL_EP_ENABLE, &d);
	if (ret < 0)
		dev_error(g, "EP_ENABLE 0x%02x: %s", ep->addr, strerror(errno));
	return ret < 0 ? -1 : ret;
}

/*-------------------------------------------------------------------------*/
/* The interrupt endpoint */

static void hd_wake(struct hd_gadget *g, char why)
{
	if (write(g->wake[1], &why, 1) != 1)
		dev_error(g, "cannot wake the interrupt thread");
}

static int int_send(struct hd_gadget *g, const void *buf, size_t len)
{
	int ret;

	if (g->ep_int < 0)
		return -ENODEV;
	ret = raw_io(g, USB_RAW_IOCTL_EP_WRITE, g->ep_int, (void *)buf, len, false);
	if (ret >= 0) {
		__atomic_add_fetch(&g->log->notifications, 1, __ATOMIC_SEQ_CST);
		hd_event(g);
	}
	return ret;
}

/* The current status as a notification, its count bumped by @bump. */
static void int_status(struct hd_gadget *g, __u8 event, int bump,
		       struct toaster_wire_status *w)
{
	pthread_mutex_lock(&g->lock);
	g->st.seq += bump;
	g->st.event = event;
	toaster_wire_status_encode(&g->st, w);
	pthread_mutex_unlock(&g->lock);
}

/* What the interrupt endpoint sends before the notification asked for. */
static void int_misbehave(struct hd_gadget *g)
{
	struct toaster_wire_status w;
	__u8 junk[64];
	int i, n = 300;

	switch (g->dev->int_mode) {
	case HD_INT_OK:
		return;
	case HD_INT_FLOOD:
	case HD_INT_FLOOD_BUSY:
		for (i = 0; i < n; i++) {
			pthread_mutex_lock(&g->lock);
			g->st.temperature_c = 100 + i;
			if (g->dev->int_mode == HD_INT_FLOOD_BUSY)
				g->st.state = i & 1 ? TOASTER_STATE_HEATING :
						      TOASTER_STATE_IDLE;
			pthread_mutex_unlock(&g->lock);
			int_status(g, TOASTER_EVENT_TEMPERATURE, 1, &w);
			if (int_send(g, &w, sizeof(w)) < 0)
				return;
		}
		pthread_mutex_lock(&g->lock);
		g->st.state = TOASTER_STATE_IDLE;
		pthread_mutex_unlock(&g->lock);
		return;
	case HD_INT_GARBAGE:
		for (i = 0; i < n; i++) {
			memset(junk, 0xee, sizeof(junk));
			if (int_send(g, junk, sizeof(w)) < 0)
				return;
		}
		return;
	case HD_INT_ZLP:
		for (i = 0; i < n; i++) {
			if (int_send(g, NULL, 0) < 0)
				return;
		}
		return;
	case HD_INT_SHORT:
	case HD_INT_BABBLE:
		int_status(g, TOASTER_EVENT_TEMPERATURE, 1, &w);
		memset(junk, 0x5a, sizeof(junk));
		memcpy(junk, &w, sizeof(w));
		for (i = 0; i < 50; i++) {
			if (int_send(g, junk, g->dev->int_mode == HD_INT_SHORT ? 10 :
					      sizeof(junk)) < 0)
				return;
		}
		return;
	case HD_INT_STALE:
		for (i = 0; i < 50; i++) {
			int_status(g, TOASTER_EVENT_TEMPERATURE, 0, &w);
			w.seq = __cpu_to_le16(__le16_to_cpu(w.seq) - 100 - i);
			w.temperature_c = __cpu_to_le16(99);
			if (int_send(g, &w, sizeof(w)) < 0)
				return;
		}
		return;
	case HD_INT_STALL:
		if (ioctl(g->fd, USB_RAW_IOCTL_EP_SET_HALT, g->ep_int) < 0)
			dev_error(g, "EP_SET_HALT interrupt IN: %s", strerror(errno));
		return;
	}
}

static void int_command(struct hd_gadget *g, char cmd)
{
	struct toaster_wire_status w;

	switch (cmd) {
	case HD_CMD_NOTIFY:
		int_misbehave(g);
		pthread_mutex_lock(&g->lock);
		g->st.temperature_c = 42;
		pthread_mutex_unlock(&g->lock);
		int_status(g, TOASTER_EVENT_TEMPERATURE, 1, &w);
		int_send(g, &w, sizeof(w));
		break;
	case HD_CMD_RECOVER:
		/*
		 * The host gave up on a request this device never answered;
		 * Raw Gadget holds every later one until it is dealt with.
		 */
		if (g->log->pending) {
			g->log->pending = 0;
			ep0_stall(g);
		}
		pthread_mutex_lock(&g->lock);
		g->out_hold = false;
		pthread_cond_broadcast(&g->cond);
		pthread_mutex_unlock(&g->lock);
		__atomic_add_fetch(&g->log->recovered, 1, __ATOMIC_SEQ_CST);
		break;
	default:	/* a change ep0 made: the event it was */
		int_status(g, (__u8)cmd, 0, &w);
		int_send(g, &w, sizeof(w));
		break;
	}
}

static void *int_thread(void *arg)
{
	struct hd_gadget *g = arg;
	struct pollfd fds[2] = {
		{ .fd = g->wake[0], .events = POLLIN },
		{ .fd = g->ctl, .events = POLLIN },
	};
	char cmd;
	int i;

	for (;;) {
		if (poll(fds, 2, -1) < 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (!(fds[i].revents & (POLLIN | POLLHUP)))
				continue;
			if (read(fds[i].fd, &cmd, 1) != 1)
				return NULL;	/* the host went: it will unplug us */
			int_command(g, cmd);
		}
	}
	return NULL;
}

/*-------------------------------------------------------------------------*/
/* Bulk: burn patterns in, loopback echoed */

static void bulk_echo(struct hd_gadget *g, __u8 *buf, int n)
{
	enum hd_bulk mode = HD_BULK_OK;
	int i, len = n;

	pthread_mutex_lock(&g->lock);
	if (!g->bulk_done && g->dev->bulk_mode >= HD_ECHO_SHORT &&
	    g->dev->bulk_mode <= HD_ECHO_UNPLUG) {
		mode = g->dev->bulk_mode;
		g->bulk_done = true;
	}
	pthread_mutex_unlock(&g->lock);

	switch (mode) {
	case HD_ECHO_SHORT:
		len = n / 2;
		break;
	case HD_ECHO_LONG:
		len = n + 100;
		break;
	case HD_ECHO_GARBAGE:
		for (i = 0; i < n; i++)
			buf[i] = ~buf[i];
		break;
	case HD_ECHO_NEVER:
		return;
	case HD_ECHO_STALL:
		if (ioctl(g->fd, USB_RAW_IOCTL_EP_SET_HALT, g->ep_in) < 0)
			dev_error(g, "EP_SET_HALT bulk IN: %s", strerror(errno));
		return;
	case HD_ECHO_UNPLUG:
		_exit(0);
	default:
		break;
	}
	/* A transfer ends as the one it echoes did: short, or with a ZLP. */
	if (raw_io(g, USB_RAW_IOCTL_EP_WRITE, g->ep_in, buf, len,
		   len && !(len % g->in_maxp)) >= 0)
		__atomic_add_fetch(&g->log->echoes, 1, __ATOMIC_SEQ_CST);
}

static void *out_thread(void *arg)
{
	struct hd_gadget *g = arg;
	__u8 *buf = malloc(BULK_BUF + 128);
	bool loopback;
	int n;

	if (!buf)
		return NULL;
	for (;;) {
		pthread_mutex_lock(&g->lock);
		while (g->out_hold)
			pthread_cond_wait(&g->cond, &g->lock);
		pthread_mutex_unlock(&g->lock);

		/*
		 * Unplugging in the middle of a burn pattern: take its first
		 * packet, and go while the rest is still on its way.
		 */
		n = raw_io(g, USB_RAW_IOCTL_EP_READ, g->ep_out, buf,
			   g->dev->bulk_mode == HD_BURN_UNPLUG ? g->in_maxp : BULK_BUF,
			   false);
		if (n == -EINTR)
			continue;	/* held: see ECHO_EARLY */
		if (n < 0) {
			/* Halted by the device itself: wait for the host to clear it. */
			toaster_sleep_ms(10);
			continue;
		}
		hd_event(g);
		pthread_mutex_lock(&g->lock);
		loopback = g->loopback;
		pthread_mutex_unlock(&g->lock);
		if (loopback && g->ep_in >= 0) {
			bulk_echo(g, buf, n);
			continue;
		}
		if (g->dev->bulk_mode == HD_BURN_UNPLUG)
			_exit(0);
		g->log->burn_bytes += n;
		g->log->burn_hash = hd_hash(buf, n);
		__atomic_add_fetch(&g->log->burns, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/*-------------------------------------------------------------------------*/
/* ep0: the enumeration */

static void set_configuration(struct hd_gadget *g, unsigned int value)
{
	const struct hd_ep *roles[] = { &g->roles.bulk_out, &g->roles.bulk_in,
					&g->roles.int_in };
	int *handles[] = { &g->ep_out, &g->ep_in, &g->ep_int };
	int i;

	if (value != 1 || g->configured) {
		ep0_ack(g);
		return;
	}
	for (i = 0; i < 3; i++) {
		if (roles[i]->addr)
			*handles[i] = ep_enable(g, roles[i]);
	}
	if (ioctl(g->fd, USB_RAW_IOCTL_CONFIGURE, 0) < 0)
		dev_error(g, "CONFIGURE: %s", strerror(errno));
	if (g->ep_out >= 0 && g->dev->bulk_mode == HD_BURN_STALL &&
	    ioctl(g->fd, USB_RAW_IOCTL_EP_SET_HALT, g->ep_out) < 0)
		dev_error(g, "EP_SET_HALT bulk OUT: %s", strerror(errno));
	g->out_hold = g->dev->bulk_mode == HD_BURN_NAK;
	if (pthread_create(&g->int_thread, NULL, int_thread, g) ||
	    (g->ep_out >= 0 && pthread_create(&g->out_thread, NULL, out_thread, g)))
		dev_error(g, "cannot start the endpoint threads");
	g->configured = true;
	g->log->configured = 1;
	ep0_ack(g);
}

static void standard_request(struct hd_gadget *g, const struct usb_ctrlrequest *c)
{
	__u16 value = __le16_to_cpu(c->wValue), len = __le16_to_cpu(c->wLength);
	__u8 buf[4096];
	size_t n;

	switch (c->bRequest) {
	case USB_REQ_GET_DESCRIPTOR:
		switch (value >> 8) {
		case USB_DT_DEVICE:
			n = hd_device_descriptor(buf, len);
			break;
		case USB_DT_CONFIG:
			n = hd_config_descriptor(g->dev, buf, len < sizeof(buf) ? len : sizeof(buf));
			break;
		default:	/* no strings, no BOS, no qualifier */
			ep0_stall(g);
			return;
		}
		ep0_write(g, buf, n, len);
		return;
	case USB_REQ_SET_CONFIGURATION:
		set_configuration(g, value);
		return;
	case USB_REQ_SET_INTERFACE:
		ep0_ack(g);
		return;
	default:
		ep0_stall(g);
	}
}

/*-------------------------------------------------------------------------*/
/* ep0: the toaster's requests */

static enum hd_reply fault_of(struct hd_gadget *g, __u8 request)
{
	const struct hd_fault *f = &g->dev->fault[request];

	g->seen[request]++;
	if (f->reply == HD_OK || (f->nth && f->nth != g->seen[request]))
		return HD_OK;
	return f->reply;
}

/* A command the model takes; false for one it refuses (a stall). */
static bool model_take(struct hd_gadget *g, __u8 request, __u16 value, char *event)
{
	struct toaster_host_status *st = &g->st;
	bool busy = toaster_state_is_busy(st->state);

	*event = 0;
	switch (request) {
	case TOASTER_REQ_SET_DARKNESS:
		if (!toaster_darkness_valid(value))
			return false;
		st->darkness = value;
		*event = TOASTER_EVENT_SETTINGS;
		break;
	case TOASTER_REQ_TOAST:
		if ((st->flags & TOASTER_FLAG_LOCKED) || busy ||
		    (value && !toaster_darkness_valid(value)))
			return false;
		if (value)
			st->darkness = value;
		st->state = TOASTER_STATE_HEATING;
		st->remaining_ms = 30000;
		*event = TOASTER_EVENT_STATE;
		break;
	case TOASTER_REQ_CANCEL:
		st->state = busy ? TOASTER_STATE_CANCELLED :
			    st->state == TOASTER_STATE_FAULT ? TOASTER_STATE_IDLE :
			    st->state;
		st->remaining_ms = 0;
		*event = TOASTER_EVENT_STATE;
		break;
	case TOASTER_REQ_SET_LOCK:
		if (value > 1)
			return false;
		st->flags = value ? st->flags | TOASTER_FLAG_LOCKED :
				    st->flags & ~TOASTER_FLAG_LOCKED;
		*event = TOASTER_EVENT_SETTINGS;
		break;
	case TOASTER_REQ_SET_LOOPBACK:
		if (value > 1)
			return false;
		g->loopback = value;
		st->flags = value ? st->flags | TOASTER_FLAG_LOOPBACK :
				    st->flags & ~TOASTER_FLAG_LOOPBACK;
		if (!value && g->early_done)
			g->out_hold = false;
		pthread_cond_broadcast(&g->cond);
		return true;
	}
	st->seq++;
	return true;
}

/*
 * A device that "echoes" before it has taken anything: bulk OUT stops
 * taking data (its pending read is cancelled by a signal), and a
 * transfer's worth of noise goes out on bulk IN the moment the host asks.
 */
static void echo_early(struct hd_gadget *g)
{
	__u8 junk[1000];

	memset(junk, 0xc3, sizeof(junk));
	if (raw_io(g, USB_RAW_IOCTL_EP_WRITE, g->ep_in, junk, sizeof(junk), false) < 0)
		dev_error(g, "early echo: cannot write bulk IN");
}

static void vendor_in(struct hd_gadget *g, __u8 request, __u16 len,
		      enum hd_reply reply)
{
	__u8 buf[256];
	size_t n = len, i;

	memset(buf, 0, sizeof(buf));
	if (request == TOASTER_REQ_GET_INFO) {
		struct toaster_wire_info info;

		if (g->dev->info)
			info = *g->dev->info;
		else
			hd_default_info(g->dev, &info);
		memcpy(buf, &info, sizeof(info));
	} else {
		struct toaster_wire_status w;

		int_status(g, TOASTER_EVENT_NONE, 0, &w);
		memcpy(buf, &w, sizeof(w));
	}
	switch (reply) {
	case HD_SHORT:
		n = len / 2;
		break;
	case HD_LONG:
		n = len + 16;
		memset(buf + len, 0xab, 16);
		break;
	case HD_ZERO:
		memset(buf, 0, len);
		break;
	case HD_EMPTY:
		n = 0;
		break;
	case HD_GARBAGE:
		for (i = 0; i < len; i++)
			buf[i] = (__u8)((i * 37 + 11) ^ 0x5a);
		break;
	default:
		break;
	}
	ep0_write(g, buf, n, len);
}

static void vendor_request(struct hd_gadget *g, const struct usb_ctrlrequest *c)
{
	const struct toaster_request_desc *desc = toaster_request_desc(c->bRequest);
	__u16 value = __le16_to_cpu(c->wValue), len = __le16_to_cpu(c->wLength);
	__u16 index = __le16_to_cpu(c->wIndex);
	enum hd_reply reply;
	bool taken, early = false;
	char event;

	/* What the driver sent must be what the protocol says, exactly. */
	if (!desc || (c->bRequestType & USB_RECIP_MASK) != USB_RECIP_INTERFACE ||
	    (c->bRequestType & USB_DIR_IN) != desc->dir || len != desc->len ||
	    index != g->roles.ifnum) {
		if (!g->log->bad_requests++)
			snprintf(g->log->bad, sizeof(g->log->bad),
				 "bmRequestType 0x%02x bRequest 0x%02x wValue %u wIndex %u wLength %u",
				 c->bRequestType, c->bRequest, value, index, len);
		ep0_stall(g);
		return;
	}
	g->log->requests[c->bRequest]++;
	g->log->last_value[c->bRequest] = value;
	reply = fault_of(g, c->bRequest);
	switch (reply) {
	case HD_UNPLUG:
		_exit(0);
	case HD_NEVER:
		g->log->pending = 1;
		return;
	case HD_STALL:
		ep0_stall(g);
		return;
	default:
		break;
	}
	if (desc->dir == TOASTER_REQ_DIR_IN) {
		vendor_in(g, c->bRequest, len, reply);
		return;
	}

	pthread_mutex_lock(&g->lock);
	taken = model_take(g, c->bRequest, value, &event);
	if (taken && c->bRequest == TOASTER_REQ_SET_LOOPBACK && value &&
	    g->dev->bulk_mode == HD_ECHO_EARLY && !g->early_done) {
		g->early_done = early = true;
		g->out_hold = true;
	}
	pthread_mutex_unlock(&g->lock);
	if (!taken) {
		ep0_stall(g);
		return;
	}
	if (early && g->ep_out >= 0)
		pthread_kill(g->out_thread, SIGUSR1);
	ep0_ack(g);
	if (early)
		echo_early(g);
	if (event)
		hd_wake(g, event);
}

static void ep0_loop(struct hd_gadget *g)
{
	struct {
		struct usb_raw_event event;
		struct usb_ctrlrequest ctrl;
	} e;

	for (;;) {
		e.event.type = 0;
		e.event.length = sizeof(e.ctrl);
		if (ioctl(g->fd, USB_RAW_IOCTL_EVENT_FETCH, &e) < 0) {
			if (errno == EINTR)
				continue;
			dev_error(g, "EVENT_FETCH: %s", strerror(errno));
			_exit(3);
		}
		if (e.event.type != USB_RAW_EVENT_CONTROL)
			continue;
		hd_event(g);
		switch (e.ctrl.bRequestType & USB_TYPE_MASK) {
		case USB_TYPE_STANDARD:
			standard_request(g, &e.ctrl);
			break;
		case USB_TYPE_VENDOR:
			vendor_request(g, &e.ctrl);
			break;
		default:
			ep0_stall(g);
		}
	}
}

static void hd_nothing(int sig)
{
	(void)sig;
}

static __attribute__((noreturn)) void hd_device_main(const struct hd_run *run,
						     struct hd_log *log, int ctl)
{
	static struct hd_gadget gadget;
	struct hd_gadget *g = &gadget;
	struct usb_raw_init init = { .speed = run->dev->speed ? run->dev->speed :
						 USB_SPEED_HIGH };
	struct sigaction sa = { .sa_handler = hd_nothing };
	struct toaster_wire_status w;

	/* The runner's end is ours too: if it dies, the device unplugs. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: it cancels I/O */
	g->run = run;
	g->dev = run->dev;
	g->log = log;
	g->ctl = ctl;
	g->ep_out = g->ep_in = g->ep_int = -1;
	g->in_maxp = run->dev->speed == USB_SPEED_FULL ? 64 : 512;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	hd_find_roles(g->dev, &g->roles);
	if (g->dev->status)
		w = *g->dev->status;
	else
		hd_default_status(&w);
	toaster_wire_status_decode(&w, &g->st);
	if (pipe(g->wake)) {
		dev_error(g, "pipe: %s", strerror(errno));
		_exit(2);
	}

	g->fd = open("/dev/raw-gadget", O_RDWR);
	if (g->fd < 0) {
		dev_error(g, "/dev/raw-gadget: %s", strerror(errno));
		_exit(2);
	}
	strcpy((char *)init.driver_name, "dummy_udc");
	strcpy((char *)init.device_name, "dummy_udc.1");
	if (ioctl(g->fd, USB_RAW_IOCTL_INIT, &init) < 0 ||
	    ioctl(g->fd, USB_RAW_IOCTL_RUN, 0) < 0) {
		dev_error(g, "Raw Gadget on dummy_udc.1: %s", strerror(errno));
		_exit(2);
	}
	ep0_loop(g);
	_exit(0);
}

pid_t hd_device_start(const struct hd_run *run, struct hd_log *log, int *ctl_fd)
{
	int ctl[2];
	pid_t pid;

	if (pipe(ctl))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(ctl[0]);
		close(ctl[1]);
		return -1;
	}
	if (!pid) {
		close(ctl[1]);
		hd_device_main(run, log, ctl[0]);
	}
	close(ctl[0]);
	*ctl_fd = ctl[1];
	return pid;
}
