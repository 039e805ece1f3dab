// SPDX-License-Identifier: GPL-2.0
/*
 * Which of an interface's endpoints is which.  The protocol fixes the
 * kinds (one bulk OUT, one bulk IN, one interrupt IN), not the addresses,
 * so toaster-usb looks the endpoints up by type and direction, as the
 * driver does with usb_find_common_endpoints().  Pure: only libusb's
 * descriptor types, no device, so the host unit test runs it on
 * descriptors it makes up.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "toaster_usb_eps.h"

const char *toaster_usb_ep_kind_name(enum toaster_usb_ep_kind kind)
{
	switch (kind) {
	case TOASTER_USB_EP_BULK_OUT:
		return "bulk OUT";
	case TOASTER_USB_EP_BULK_IN:
		return "bulk IN";
	case TOASTER_USB_EP_INT_IN:
		return "interrupt IN";
	default:
		return "other";
	}
}

enum toaster_usb_ep_kind
toaster_usb_ep_kind(const struct libusb_endpoint_descriptor *ep)
{
	bool in = ep->bEndpointAddress & LIBUSB_ENDPOINT_IN;

	switch (ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) {
	case LIBUSB_ENDPOINT_TRANSFER_TYPE_BULK:
		return in ? TOASTER_USB_EP_BULK_IN : TOASTER_USB_EP_BULK_OUT;
	case LIBUSB_ENDPOINT_TRANSFER_TYPE_INTERRUPT:
		return in ? TOASTER_USB_EP_INT_IN : TOASTER_USB_EP_KINDS;
	default:
		return TOASTER_USB_EP_KINDS;
	}
}

bool toaster_usb_find_endpoints(const struct libusb_interface_descriptor *alt,
				struct toaster_usb_eps *eps)
{
	enum toaster_usb_ep_kind kind;
	unsigned int i;
	bool all = true;

	memset(eps, 0, sizeof(*eps));
	for (i = 0; alt->endpoint && i < alt->bNumEndpoints; i++) {
		kind = toaster_usb_ep_kind(&alt->endpoint[i]);
		if (kind == TOASTER_USB_EP_KINDS) {
			eps->others++;
			continue;
		}
		if (!eps->count[kind]++)
			eps->ep[kind] = &alt->endpoint[i];
	}
	for (i = 0; i < TOASTER_USB_EP_KINDS; i++)
		all &= eps->ep[i] != NULL;
	return all;
}

bool toaster_usb_eps_exact(const struct toaster_usb_eps *eps)
{
	unsigned int i;

	for (i = 0; i < TOASTER_USB_EP_KINDS; i++) {
		if (eps->count[i] != 1)
			return false;
	}
	return !eps->others;
}

/* Appends to buf, which always stays terminated; truncates quietly. */
__attribute__((format(printf, 4, 5)))
static void toaster_usb_eps_put(char *buf, size_t size, size_t *len,
			    const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len + 1 >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0)
		buf[*len] = '\0';
	else
		*len = (size_t)n < size - *len ? *len + (size_t)n : size - 1;
}

const char *toaster_usb_eps_problem(const struct toaster_usb_eps *eps,
				    char *buf, size_t size)
{
	size_t len = 0;
	unsigned int i;

	if (!size)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < TOASTER_USB_EP_KINDS; i++) {
		if (eps->count[i] == 1)
			continue;
		if (!eps->count[i])
			toaster_usb_eps_put(buf, size, &len, "%sno %s endpoint", len ? ", " : "",
					toaster_usb_ep_kind_name(i));
		else
			toaster_usb_eps_put(buf, size, &len, "%s%u %s endpoints", len ? ", " : "",
					eps->count[i], toaster_usb_ep_kind_name(i));
	}
	if (eps->others)
		toaster_usb_eps_put(buf, size, &len, "%s%u endpoint%s of no kind the protocol has",
				len ? ", " : "", eps->others, eps->others == 1 ? "" : "s");
	return buf;
}

const char *toaster_usb_eps_list(const struct libusb_interface_descriptor *alt,
				 char *buf, size_t size)
{
	static const char *const types[] = {
		[LIBUSB_ENDPOINT_TRANSFER_TYPE_CONTROL] = "control",
		[LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS] = "isochronous",
		[LIBUSB_ENDPOINT_TRANSFER_TYPE_BULK] = "bulk",
		[LIBUSB_ENDPOINT_TRANSFER_TYPE_INTERRUPT] = "interrupt",
	};
	const struct libusb_endpoint_descriptor *ep;
	size_t len = 0;
	unsigned int i;

	if (!size)
		return buf;
	buf[0] = '\0';
	for (i = 0; alt->endpoint && i < alt->bNumEndpoints; i++) {
		ep = &alt->endpoint[i];
		toaster_usb_eps_put(buf, size, &len, "%s0x%02x %s %s", i ? ", " : "",
				ep->bEndpointAddress,
				types[ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK],
				ep->bEndpointAddress & LIBUSB_ENDPOINT_IN ? "IN" : "OUT");
	}
	if (!len)
		toaster_usb_eps_put(buf, size, &len, "none");
	return buf;
}
