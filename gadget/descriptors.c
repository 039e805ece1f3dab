// SPDX-License-Identifier: GPL-2.0
/*
 * The toaster's descriptors, as static tables for full and high speed the
 * way drivers/usb/gadget/function/f_sourcesink.c keeps its own: one
 * interface, bulk OUT, bulk IN and interrupt IN.  The endpoint tables
 * carry only a direction; each backend numbers the endpoints as its API
 * wants when it serialises them.  FunctionFS's configfs attributes are
 * written from the device and configuration tables too, so the two
 * backends cannot describe different toasters.
 *
 * Each descriptor goes out bLength bytes long: struct
 * usb_endpoint_descriptor ends with two audio-only bytes that
 * USB_DT_ENDPOINT_SIZE leaves out.
 */
#include <string.h>

#include <asm/byteorder.h>

#include "firmware.h"

/* String descriptor indexes: gadgetfs.c answers for them. */
#define TOASTER_STR_MANUFACTURER	1
#define TOASTER_STR_PRODUCT		2
#define TOASTER_STR_SERIAL		3

const struct usb_device_descriptor toaster_device_desc = {
	.bLength		= USB_DT_DEVICE_SIZE,
	.bDescriptorType	= USB_DT_DEVICE,
	.bcdUSB			= __cpu_to_le16(0x0200),
	.bDeviceClass		= 0,		/* per interface */
	.bMaxPacketSize0	= 64,		/* gadgetfs sets the real one */
	.idVendor		= __cpu_to_le16(TOASTER_VENDOR_ID),
	.idProduct		= __cpu_to_le16(TOASTER_PRODUCT_ID),
	.bcdDevice		= __cpu_to_le16(TOASTER_BCD_DEVICE),
	.iManufacturer		= TOASTER_STR_MANUFACTURER,
	.iProduct		= TOASTER_STR_PRODUCT,
	.iSerialNumber		= TOASTER_STR_SERIAL,
	.bNumConfigurations	= 1,
};

const struct usb_config_descriptor toaster_config_desc = {
	.bLength		= USB_DT_CONFIG_SIZE,
	.bDescriptorType	= USB_DT_CONFIG,
	/* wTotalLength: toaster_put_config() */
	.bNumInterfaces		= 1,
	.bConfigurationValue	= TOASTER_CONFIG_VALUE,
	.iConfiguration		= 0,
	/* bus-powered: that is what dummy_hcd's GET_STATUS reports */
	.bmAttributes		= USB_CONFIG_ATT_ONE,
	.bMaxPower		= 50,		/* the USB side only: 100 mA */
};

static const struct usb_interface_descriptor toaster_intf_desc = {
	.bLength		= USB_DT_INTERFACE_SIZE,
	.bDescriptorType	= USB_DT_INTERFACE,
	.bInterfaceNumber	= 0,
	.bAlternateSetting	= 0,
	.bNumEndpoints		= TOASTER_EP_ROLES,
	.bInterfaceClass	= TOASTER_INTERFACE_CLASS,
	.bInterfaceSubClass	= TOASTER_INTERFACE_SUBCLASS,
	.bInterfaceProtocol	= TOASTER_INTERFACE_PROTOCOL,
	.iInterface		= 0,
};

/* An endpoint of the interface: its number is the backend's to fill in. */
#define TOASTER_ENDPOINT(dir, type, maxp, interval) {		\
	.bLength		= USB_DT_ENDPOINT_SIZE,			\
	.bDescriptorType	= USB_DT_ENDPOINT,			\
	.bEndpointAddress	= (dir),				\
	.bmAttributes		= (type),				\
	.wMaxPacketSize		= __cpu_to_le16(maxp),			\
	.bInterval		= (interval),				\
}

static const struct usb_endpoint_descriptor toaster_fs_out_desc =
	TOASTER_ENDPOINT(USB_DIR_OUT, USB_ENDPOINT_XFER_BULK, TOASTER_BULK_MAXP_FS, 0);
static const struct usb_endpoint_descriptor toaster_fs_in_desc =
	TOASTER_ENDPOINT(USB_DIR_IN, USB_ENDPOINT_XFER_BULK, TOASTER_BULK_MAXP_FS, 0);
static const struct usb_endpoint_descriptor toaster_fs_int_desc =
	TOASTER_ENDPOINT(USB_DIR_IN, USB_ENDPOINT_XFER_INT, TOASTER_INT_MAXP,
			 TOASTER_INT_INTERVAL_FS);

static const struct usb_endpoint_descriptor toaster_hs_out_desc =
	TOASTER_ENDPOINT(USB_DIR_OUT, USB_ENDPOINT_XFER_BULK, TOASTER_BULK_MAXP_HS, 0);
static const struct usb_endpoint_descriptor toaster_hs_in_desc =
	TOASTER_ENDPOINT(USB_DIR_IN, USB_ENDPOINT_XFER_BULK, TOASTER_BULK_MAXP_HS, 0);
static const struct usb_endpoint_descriptor toaster_hs_int_desc =
	TOASTER_ENDPOINT(USB_DIR_IN, USB_ENDPOINT_XFER_INT, TOASTER_INT_MAXP,
			 TOASTER_INT_INTERVAL_HS);

/* [hs][role], in the order of enum toaster_ep_role */
static const struct usb_endpoint_descriptor *const toaster_ep_descs[2][TOASTER_EP_ROLES] = {
	{ &toaster_fs_out_desc, &toaster_fs_in_desc, &toaster_fs_int_desc },
	{ &toaster_hs_out_desc, &toaster_hs_in_desc, &toaster_hs_int_desc },
};

static const char *const toaster_ep_role_names[TOASTER_EP_ROLES] = {
	[TOASTER_EP_ROLE_OUT] = "bulk OUT",
	[TOASTER_EP_ROLE_IN] = "bulk IN",
	[TOASTER_EP_ROLE_INT] = "interrupt IN",
};

void toaster_buf_put(struct toaster_buf *b, const void *data, size_t len)
{
	if (b->overflow || len > sizeof(b->data) - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

void toaster_descs_init_eps(struct toaster_ep *eps)
{
	const struct usb_endpoint_descriptor *d;
	int r;

	for (r = 0; r < TOASTER_EP_ROLES; r++) {
		d = toaster_ep_descs[0][r];
		eps[r].role = toaster_ep_role_names[r];
		eps[r].address = d->bEndpointAddress;
		eps[r].type = d->bmAttributes & USB_ENDPOINT_XFERTYPE_MASK;
		eps[r].file[0] = '\0';
		eps[r].fd = -1;
	}
}

void toaster_put_endpoint(struct toaster_buf *b, enum toaster_ep_role r,
			  bool hs, uint8_t address)
{
	struct usb_endpoint_descriptor d = *toaster_ep_descs[hs][r];

	d.bEndpointAddress = address;
	toaster_buf_put(b, &d, d.bLength);
}

void toaster_put_interface(struct toaster_buf *b, const struct toaster_ep *eps,
			   bool hs)
{
	int r;

	toaster_buf_put(b, &toaster_intf_desc, toaster_intf_desc.bLength);
	for (r = 0; r < TOASTER_EP_ROLES; r++)
		toaster_put_endpoint(b, r, hs, eps[r].address);
}

void toaster_put_config(struct toaster_buf *b, const struct toaster_ep *eps,
			bool hs)
{
	struct usb_config_descriptor c = toaster_config_desc;
	size_t start = b->len;

	toaster_buf_put(b, &c, c.bLength);
	toaster_put_interface(b, eps, hs);
	if (b->overflow)
		return;
	c.wTotalLength = __cpu_to_le16((uint16_t)(b->len - start));
	memcpy(b->data + start, &c, c.bLength);
}
