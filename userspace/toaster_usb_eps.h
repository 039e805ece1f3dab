/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which of an interface's endpoints is which (toaster_usb_eps.c): pure,
 * on libusb's descriptor types alone, so that the host unit test can run
 * it on descriptors it makes up and the conformance checker on ones it
 * parsed itself.
 */
#ifndef TOASTER_USB_EPS_H
#define TOASTER_USB_EPS_H

#include <stdbool.h>
#include <stddef.h>

#include <libusb.h>

/*
 * The kinds of endpoint the protocol has, one of each (toaster_proto.h):
 * found by type and direction, whatever their addresses.
 */
enum toaster_usb_ep_kind {
	TOASTER_USB_EP_BULK_OUT,
	TOASTER_USB_EP_BULK_IN,
	TOASTER_USB_EP_INT_IN,
	TOASTER_USB_EP_KINDS,		/* also: of none of these kinds */
};

/* An interface's endpoints, sorted by kind (toaster_usb_find_endpoints()). */
struct toaster_usb_eps {
	/* the first of each kind, pointing into the interface; NULL if none */
	const struct libusb_endpoint_descriptor *ep[TOASTER_USB_EP_KINDS];
	unsigned int	count[TOASTER_USB_EP_KINDS];	/* how many of each */
	unsigned int	others;		/* of no kind the protocol has */
};

/* "bulk OUT", "bulk IN", "interrupt IN" */
const char *toaster_usb_ep_kind_name(enum toaster_usb_ep_kind kind);
/* What one endpoint is to the protocol: TOASTER_USB_EP_KINDS for nothing. */
enum toaster_usb_ep_kind
toaster_usb_ep_kind(const struct libusb_endpoint_descriptor *ep);
/*
 * Sorts alt's endpoints by kind.  True if there is at least one of each,
 * eps->ep[] then being the first of each (as usb_find_common_endpoints()
 * takes them).
 */
bool toaster_usb_find_endpoints(const struct libusb_interface_descriptor *alt,
				struct toaster_usb_eps *eps);
/* Exactly one endpoint of each kind, and no other. */
bool toaster_usb_eps_exact(const struct toaster_usb_eps *eps);
/*
 * What keeps eps from being exact, in words ("no interrupt IN endpoint,
 * 2 bulk IN endpoints"), into buf; "" if nothing.  Returns buf.
 */
const char *toaster_usb_eps_problem(const struct toaster_usb_eps *eps,
				    char *buf, size_t size);
/* alt's endpoints in words ("0x02 bulk OUT, 0x81 bulk IN"), into buf. */
const char *toaster_usb_eps_list(const struct libusb_interface_descriptor *alt,
				 char *buf, size_t size);

#endif /* TOASTER_USB_EPS_H */
