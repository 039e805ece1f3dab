// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for toaster-usb's endpoint lookup (toaster_usb_eps.c):
 * interface descriptors made up here, as libusb would hand them over, with
 * the gadgetfs toaster's endpoint numbers, the FunctionFS one's, and ones
 * that are not a toaster's.  On the kernel's kselftest_harness.h, built
 * with ASan and UBSan by `make -C userspace test`: TAP, one line per case,
 * and a failing exit status if any failed.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "toaster_proto.h"
#include "toaster_usb_eps.h"

#define BULK	LIBUSB_ENDPOINT_TRANSFER_TYPE_BULK
#define INTR	LIBUSB_ENDPOINT_TRANSFER_TYPE_INTERRUPT
#define ISO	LIBUSB_ENDPOINT_TRANSFER_TYPE_ISOCHRONOUS

#define EP(addr, attr, maxp, interval)					\
	{ .bLength = LIBUSB_DT_ENDPOINT_SIZE,				\
	  .bDescriptorType = LIBUSB_DT_ENDPOINT,			\
	  .bEndpointAddress = (addr), .bmAttributes = (attr),		\
	  .wMaxPacketSize = (maxp), .bInterval = (interval) }

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

TEST(gadgetfs_numbers)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x01, BULK, 512, 0), EP(0x82, BULK, 512, 0), EP(0x83, INTR, 32, 4),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, ARRAY_SIZE(eps));
	struct toaster_usb_eps found;
	char buf[160];

	EXPECT_TRUE(toaster_usb_find_endpoints(&alt, &found));
	EXPECT_TRUE(toaster_usb_eps_exact(&found));
	EXPECT_STREQ("01/82/83", toaster_found(&found));
	EXPECT_EQ(&eps[0], found.ep[TOASTER_USB_EP_BULK_OUT]);
	EXPECT_EQ(4, found.ep[TOASTER_USB_EP_INT_IN]->bInterval);
	EXPECT_STREQ("", toaster_usb_eps_problem(&found, buf, sizeof(buf)));
	EXPECT_STREQ("0x01 bulk OUT, 0x82 bulk IN, 0x83 interrupt IN",
		     toaster_usb_eps_list(&alt, buf, sizeof(buf)));
}

/* What the composite layer gives a FunctionFS toaster on dummy_udc. */
TEST(functionfs_numbers)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x02, BULK, 512, 0), EP(0x81, BULK, 512, 0), EP(0x85, INTR, 32, 4),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, ARRAY_SIZE(eps));
	struct toaster_usb_eps found;

	EXPECT_TRUE(toaster_usb_find_endpoints(&alt, &found));
	EXPECT_TRUE(toaster_usb_eps_exact(&found));
	EXPECT_STREQ("02/81/85", toaster_found(&found));
}

/* By type and direction, not by position or number. */
TEST(any_order)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x81, INTR, 32, 1), EP(0x0f, BULK, 64, 0), EP(0x8f, BULK, 64, 0),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, ARRAY_SIZE(eps));
	struct toaster_usb_eps found;

	EXPECT_TRUE(toaster_usb_find_endpoints(&alt, &found));
	EXPECT_TRUE(toaster_usb_eps_exact(&found));
	EXPECT_STREQ("0f/8f/81", toaster_found(&found));
	EXPECT_EQ(&eps[0], found.ep[TOASTER_USB_EP_INT_IN]);
}

/* bmAttributes' upper bits (usage, synchronisation) do not change the type. */
TEST(attribute_bits)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x01, BULK | 0x0c, 512, 0), EP(0x82, BULK, 512, 0),
		EP(0x83, INTR | 0x10, 32, 4),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, ARRAY_SIZE(eps));
	struct toaster_usb_eps found;

	EXPECT_TRUE(toaster_usb_find_endpoints(&alt, &found));
	EXPECT_TRUE(toaster_usb_eps_exact(&found));
	EXPECT_EQ(TOASTER_USB_EP_INT_IN, toaster_usb_ep_kind(&eps[2]));
}

TEST(missing)
{
	static const struct libusb_endpoint_descriptor no_int[] = {
		EP(0x01, BULK, 512, 0), EP(0x82, BULK, 512, 0),
	};
	/* interrupt, but OUT; and an IN where OUT should be */
	static const struct libusb_endpoint_descriptor wrong_dir[] = {
		EP(0x81, BULK, 512, 0), EP(0x82, BULK, 512, 0), EP(0x03, INTR, 32, 4),
	};
	struct libusb_interface_descriptor alt = toaster_alt(no_int, ARRAY_SIZE(no_int));
	struct toaster_usb_eps found;
	char buf[160];

	EXPECT_TRUE(!toaster_usb_find_endpoints(&alt, &found));
	EXPECT_TRUE(!toaster_usb_eps_exact(&found));
	EXPECT_STREQ("01/82/--", toaster_found(&found));
	EXPECT_STREQ("no interrupt IN endpoint",
		     toaster_usb_eps_problem(&found, buf, sizeof(buf)));

	alt = toaster_alt(wrong_dir, ARRAY_SIZE(wrong_dir));
	EXPECT_TRUE(!toaster_usb_find_endpoints(&alt, &found));
	EXPECT_STREQ("--/81/--", toaster_found(&found));
	EXPECT_TRUE(found.count[TOASTER_USB_EP_BULK_IN] == 2 && found.others == 1);
	EXPECT_STREQ("no bulk OUT endpoint, 2 bulk IN endpoints, no interrupt IN endpoint, 1 endpoint of no kind the protocol has",
		     toaster_usb_eps_problem(&found, buf, sizeof(buf)));
	EXPECT_STREQ("0x81 bulk IN, 0x82 bulk IN, 0x03 interrupt OUT",
		     toaster_usb_eps_list(&alt, buf, sizeof(buf)));
}

TEST(none)
{
	struct libusb_interface_descriptor alt = toaster_alt(NULL, 0);
	struct toaster_usb_eps found;
	char buf[160];

	EXPECT_TRUE(!toaster_usb_find_endpoints(&alt, &found));
	EXPECT_STREQ("--/--/--", toaster_found(&found));
	EXPECT_STREQ("none", toaster_usb_eps_list(&alt, buf, sizeof(buf)));
	EXPECT_STREQ("no bulk OUT endpoint, no bulk IN endpoint, no interrupt IN endpoint",
		     toaster_usb_eps_problem(&found, buf, sizeof(buf)));
	/* a count that promises endpoints the pointer does not have */
	alt.bNumEndpoints = 3;
	EXPECT_TRUE(!toaster_usb_find_endpoints(&alt, &found));
}

/* Usable, the first of each kind as the driver takes them, but not exact. */
TEST(extra)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x01, BULK, 512, 0), EP(0x82, BULK, 512, 0), EP(0x83, INTR, 32, 4),
		EP(0x84, INTR, 32, 4), EP(0x85, ISO, 1024, 1),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, ARRAY_SIZE(eps));
	struct toaster_usb_eps found;
	char buf[160];

	EXPECT_TRUE(toaster_usb_find_endpoints(&alt, &found));
	EXPECT_TRUE(!toaster_usb_eps_exact(&found));
	EXPECT_STREQ("01/82/83", toaster_found(&found));
	EXPECT_STREQ("2 interrupt IN endpoints, 1 endpoint of no kind the protocol has",
		     toaster_usb_eps_problem(&found, buf, sizeof(buf)));
	EXPECT_STREQ("0x01 bulk OUT, 0x82 bulk IN, 0x83 interrupt IN, 0x84 interrupt IN, 0x85 isochronous IN",
		     toaster_usb_eps_list(&alt, buf, sizeof(buf)));
}

/* The words fit whatever buffer they get, cut short but terminated. */
TEST(small_buffers)
{
	static const struct libusb_endpoint_descriptor eps[] = {
		EP(0x81, BULK, 512, 0), EP(0x82, BULK, 512, 0), EP(0x03, INTR, 32, 4),
	};
	struct libusb_interface_descriptor alt = toaster_alt(eps, ARRAY_SIZE(eps));
	struct toaster_usb_eps found;
	char buf[16];
	size_t size;

	toaster_usb_find_endpoints(&alt, &found);
	for (size = 1; size <= sizeof(buf); size++) {
		memset(buf, 'x', sizeof(buf));
		toaster_usb_eps_problem(&found, buf, size);
		EXPECT_EQ(size - 1, strlen(buf));
		memset(buf, 'x', sizeof(buf));
		toaster_usb_eps_list(&alt, buf, size);
		EXPECT_EQ(size - 1, strlen(buf));
	}
	EXPECT_STREQ("0x81 bulk IN, 0", toaster_usb_eps_list(&alt, buf, sizeof(buf)));
	/* nothing written where there is no room at all */
	buf[0] = 'x';
	toaster_usb_eps_list(&alt, buf, 0);
	EXPECT_EQ('x', buf[0]);
}

TEST(kind_names)
{
	EXPECT_STREQ("bulk OUT", toaster_usb_ep_kind_name(TOASTER_USB_EP_BULK_OUT));
	EXPECT_STREQ("bulk IN", toaster_usb_ep_kind_name(TOASTER_USB_EP_BULK_IN));
	EXPECT_STREQ("interrupt IN", toaster_usb_ep_kind_name(TOASTER_USB_EP_INT_IN));
	EXPECT_STREQ("other", toaster_usb_ep_kind_name(TOASTER_USB_EP_KINDS));
}

TEST_HARNESS_MAIN
