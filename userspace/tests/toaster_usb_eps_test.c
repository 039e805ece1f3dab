// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for toaster-usb's endpoint lookup (toaster_usb_eps.c):
 * interface descriptors made up here, as libusb would hand them over, with
 * the gadgetfs toaster's endpoint numbers, the FunctionFS one's, and ones
 * that are not a toaster's.  Built with ASan and UBSan by
 * `make -C userspace test`; prints "ok N name" or "not ok N name" per case
 * and a summary, and exits 1 if any case failed.
 */
#include <stdio.h>
#include <string.h>

#include "toaster_proto.h"
#include "toaster_usb_eps.h"
#include "toaster_test.h"

#define BULK	LIBUSB_ENDPOINT_TRANSFER_TYPE_BULK
#define INTR	LIBUSB_ENDPOINT_TRANSFER_TYPE_INTERRUPT
#define ISO	LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS

#define EP(addr, attr, maxp, interval)					\
	{ .bLength = LIBUSB_DT_ENDPOINT_SIZE,				\
	  .bDescriptorType = LIBUSB_DT_ENDPOINT,			\
	  .bEndpointAddress = (addr), .bmAttributes = (attr),		\
	  .wMaxPacketSize = (maxp), .bInterval = (interval) }

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* An interface descriptor over eps, as libusb's parser leaves one. */
static struct libusb_interface_descriptor
toaster_alt(const struct libusb_endpoint_descriptor *eps, size_t n)
{
	struct libusb_interface_descriptor alt;

	memset(&alt, 0, sizeof(alt));
	alt.bLength = LIBUSB_DT_INTERFACE_SIZE;
	alt.bDescriptorType = LIBUSB_DT_INTERFACE;
	alt.bNumEndpoints = (uint8_t)n;
	alt.bInterfaceClass = TOASTER_INTERFACE_CLASS;
	alt.endpoint = n ? eps : NULL;
	return alt;
}

/* The addresses found, "OUT/IN/INT" in hex, "--" for a kind not found. */
static const char *toaster_found(const struct toaster_usb_eps *eps)
{
	static char buf[32];
	size_t len = 0;
	unsigned int k;

	for (k = 0; k < TOASTER_USB_EP_KINDS; k++) {
		if (eps->ep[k])
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%02x",
						k ? "/" : "", eps->ep[k]->bEndpointAddress);
		else
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s--",
						k ? "/" : "");
	}
	return buf;
}

static void test_gadgetfs_numbers(void)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x01, BULK, 512, 0), EP(0x82, BULK, 512, 0), EP(0x83, INTR, 32, 4),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, N(eps));
	struct toaster_usb_eps found;
	char buf[160];

	CHECK(toaster_usb_find_endpoints(&alt, &found));
	CHECK(toaster_usb_eps_exact(&found));
	CHECK_STR(toaster_found(&found), "01/82/83");
	CHECK(found.ep[TOASTER_USB_EP_BULK_OUT] == &eps[0]);
	CHECK(found.ep[TOASTER_USB_EP_INT_IN]->bInterval == 4);
	CHECK_STR(toaster_usb_eps_problem(&found, buf, sizeof(buf)), "");
	CHECK_STR(toaster_usb_eps_list(&alt, buf, sizeof(buf)),
		  "0x01 bulk OUT, 0x82 bulk IN, 0x83 interrupt IN");
}

/* What the composite layer gives a FunctionFS toaster on dummy_udc. */
static void test_functionfs_numbers(void)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x02, BULK, 512, 0), EP(0x81, BULK, 512, 0), EP(0x85, INTR, 32, 4),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, N(eps));
	struct toaster_usb_eps found;

	CHECK(toaster_usb_find_endpoints(&alt, &found));
	CHECK(toaster_usb_eps_exact(&found));
	CHECK_STR(toaster_found(&found), "02/81/85");
}

/* By type and direction, not by position or number. */
static void test_any_order(void)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x81, INTR, 32, 1), EP(0x0f, BULK, 64, 0), EP(0x8f, BULK, 64, 0),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, N(eps));
	struct toaster_usb_eps found;

	CHECK(toaster_usb_find_endpoints(&alt, &found));
	CHECK(toaster_usb_eps_exact(&found));
	CHECK_STR(toaster_found(&found), "0f/8f/81");
	CHECK(found.ep[TOASTER_USB_EP_INT_IN] == &eps[0]);
}

/* bmAttributes' upper bits (usage, synchronisation) do not change the type. */
static void test_attribute_bits(void)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x01, BULK | 0x0c, 512, 0), EP(0x82, BULK, 512, 0),
		EP(0x83, INTR | 0x10, 32, 4),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, N(eps));
	struct toaster_usb_eps found;

	CHECK(toaster_usb_find_endpoints(&alt, &found));
	CHECK(toaster_usb_eps_exact(&found));
	CHECK(toaster_usb_ep_kind(&eps[2]) == TOASTER_USB_EP_INT_IN);
}

static void test_missing(void)
{
	static const struct libusb_endpoint_descriptor no_int[] = {
		EP(0x01, BULK, 512, 0), EP(0x82, BULK, 512, 0),
	};
	/* interrupt, but OUT; and an IN where OUT should be */
	static const struct libusb_endpoint_descriptor wrong_dir[] = {
		EP(0x81, BULK, 512, 0), EP(0x82, BULK, 512, 0), EP(0x03, INTR, 32, 4),
	};
	struct libusb_interface_descriptor alt = toaster_alt(no_int, N(no_int));
	struct toaster_usb_eps found;
	char buf[160];

	CHECK(!toaster_usb_find_endpoints(&alt, &found));
	CHECK(!toaster_usb_eps_exact(&found));
	CHECK_STR(toaster_found(&found), "01/82/--");
	CHECK_STR(toaster_usb_eps_problem(&found, buf, sizeof(buf)),
		  "no interrupt IN endpoint");

	alt = toaster_alt(wrong_dir, N(wrong_dir));
	CHECK(!toaster_usb_find_endpoints(&alt, &found));
	CHECK_STR(toaster_found(&found), "--/81/--");
	CHECK(found.count[TOASTER_USB_EP_BULK_IN] == 2 && found.others == 1);
	CHECK_STR(toaster_usb_eps_problem(&found, buf, sizeof(buf)),
		  "no bulk OUT endpoint, 2 bulk IN endpoints, no interrupt IN endpoint, 1 endpoint of no kind the protocol has");
	CHECK_STR(toaster_usb_eps_list(&alt, buf, sizeof(buf)),
		  "0x81 bulk IN, 0x82 bulk IN, 0x03 interrupt OUT");
}

static void test_none(void)
{
	struct libusb_interface_descriptor alt = toaster_alt(NULL, 0);
	struct toaster_usb_eps found;
	char buf[160];

	CHECK(!toaster_usb_find_endpoints(&alt, &found));
	CHECK_STR(toaster_found(&found), "--/--/--");
	CHECK_STR(toaster_usb_eps_list(&alt, buf, sizeof(buf)), "none");
	CHECK_STR(toaster_usb_eps_problem(&found, buf, sizeof(buf)),
		  "no bulk OUT endpoint, no bulk IN endpoint, no interrupt IN endpoint");
	/* a count that promises endpoints the pointer does not have */
	alt.bNumEndpoints = 3;
	CHECK(!toaster_usb_find_endpoints(&alt, &found));
}

/* Usable, the first of each kind as the driver takes them, but not exact. */
static void test_extra(void)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x01, BULK, 512, 0), EP(0x82, BULK, 512, 0), EP(0x83, INTR, 32, 4),
		EP(0x84, INTR, 32, 4), EP(0x85, ISO, 1024, 1),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, N(eps));
	struct toaster_usb_eps found;
	char buf[160];

	CHECK(toaster_usb_find_endpoints(&alt, &found));
	CHECK(!toaster_usb_eps_exact(&found));
	CHECK_STR(toaster_found(&found), "01/82/83");
	CHECK_STR(toaster_usb_eps_problem(&found, buf, sizeof(buf)),
		  "2 interrupt IN endpoints, 1 endpoint of no kind the protocol has");
	CHECK_STR(toaster_usb_eps_list(&alt, buf, sizeof(buf)),
		  "0x01 bulk OUT, 0x82 bulk IN, 0x83 interrupt IN, 0x84 interrupt IN, 0x85 isochronous IN");
}

/* The words fit whatever buffer they get, cut short but terminated. */
static void test_small_buffers(void)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x81, BULK, 512, 0), EP(0x82, BULK, 512, 0), EP(0x03, INTR, 32, 4),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, N(eps));
	struct toaster_usb_eps found;
	char buf[16];
	size_t size;

	toaster_usb_find_endpoints(&alt, &found);
	for (size = 1; size <= sizeof(buf); size++) {
		memset(buf, 'x', sizeof(buf));
		toaster_usb_eps_problem(&found, buf, size);
		CHECK(strlen(buf) == size - 1);
		memset(buf, 'x', sizeof(buf));
		toaster_usb_eps_list(&alt, buf, size);
		CHECK(strlen(buf) == size - 1);
	}
	CHECK_STR(toaster_usb_eps_list(&alt, buf, sizeof(buf)), "0x81 bulk IN, 0");
	/* nothing written where there is no room at all */
	buf[0] = 'x';
	toaster_usb_eps_list(&alt, buf, 0);
	CHECK(buf[0] == 'x');
}

static void test_kind_names(void)
{
	CHECK_STR(toaster_usb_ep_kind_name(TOASTER_USB_EP_BULK_OUT), "bulk OUT");
	CHECK_STR(toaster_usb_ep_kind_name(TOASTER_USB_EP_BULK_IN), "bulk IN");
	CHECK_STR(toaster_usb_ep_kind_name(TOASTER_USB_EP_INT_IN), "interrupt IN");
	CHECK_STR(toaster_usb_ep_kind_name(TOASTER_USB_EP_KINDS), "other");
}

static const struct toaster_test toaster_tests[] = {
	{ "gadgetfs_numbers", test_gadgetfs_numbers },
	{ "functionfs_numbers", test_functionfs_numbers },
	{ "any_order", test_any_order },
	{ "attribute_bits", test_attribute_bits },
	{ "missing", test_missing },
	{ "none", test_none },
	{ "extra", test_extra },
	{ "small_buffers", test_small_buffers },
	{ "kind_names", test_kind_names },
};

int main(void)
{
	return toaster_test_run(toaster_tests, N(toaster_tests));
}
