// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptors a hostile toaster shows: the toaster's own, as
 * gadget/ has them, with whatever its row of the table changes.  Nothing
 * here checks anything: lying is the point.
 */
#include <string.h>

#include <asm/byteorder.h>

#include "hostile.h"

static const struct hd_ep toaster_eps[] = { EP_BULK_OUT, EP_BULK_IN, EP_INT_IN, {} };

static bool hd_ep_end(const struct hd_ep *ep)
{
	return !ep->addr && !ep->raw;
}

static bool hd_speed_full(const struct hd_device *dev)
{
	return dev->speed == USB_SPEED_FULL;
}

size_t hd_device_descriptor(__u8 *buf, size_t size)
{
	struct usb_device_descriptor d = {
		.bLength = USB_DT_DEVICE_SIZE,
		.bDescriptorType = USB_DT_DEVICE,
		.bcdUSB = __cpu_to_le16(0x0200),
		.bMaxPacketSize0 = 64,
		.idVendor = __cpu_to_le16(TOASTER_VENDOR_ID),
		.idProduct = __cpu_to_le16(TOASTER_PRODUCT_ID),
		.bcdDevice = __cpu_to_le16(TOASTER_BCD_DEVICE),
		/* No strings: each costs the enumeration a round trip. */
		.bNumConfigurations = 1,
	};
	size_t len = size < sizeof(d) ? size : sizeof(d);

	memcpy(buf, &d, len);
	return len;
}

/*
 * Interface I of the device: the rows that change only endpoints give
 * eps[] of the one interface, the others intf[].
 */
int hd_intf_count(const struct hd_device *dev)
{
	return dev->nintf ? dev->nintf : 1;
}

const struct hd_intf *hd_intf(const struct hd_device *dev, int i,
			      struct hd_intf *scratch)
{
	const struct hd_ep *eps;
	size_t n;

	if (dev->nintf) {
		if (dev->intf[i].no_eps || !hd_ep_end(&dev->intf[i].eps[0]))
			return &dev->intf[i];
		*scratch = dev->intf[i];
	} else {
		memset(scratch, 0, sizeof(*scratch));
		if (!hd_ep_end(&dev->eps[0])) {
			memcpy(scratch->eps, dev->eps, sizeof(scratch->eps));
			return scratch;
		}
	}
	eps = toaster_eps;
	for (n = 0; !hd_ep_end(&eps[n]); n++)
		scratch->eps[n] = eps[n];
	return scratch;
}

/* wMaxPacketSize as the device declares it. */
__u16 hd_ep_maxp(const struct hd_device *dev, const struct hd_ep *ep)
{
	if (ep->maxp)
		return HD_VAL(ep->maxp);
	switch (ep->attr & USB_ENDPOINT_XFERTYPE_MASK) {
	case USB_ENDPOINT_XFER_BULK:
		return hd_speed_full(dev) ? 64 : 512;
	default:
		return 64;
	}
}

__u8 hd_ep_interval(const struct hd_device *dev, const struct hd_ep *ep)
{
	if (ep->interval)
		return HD_VAL(ep->interval);
	switch (ep->attr & USB_ENDPOINT_XFERTYPE_MASK) {
	case USB_ENDPOINT_XFER_INT:
		return hd_speed_full(dev) ? TOASTER_INT_INTERVAL_FS :
					    TOASTER_INT_INTERVAL_HS;
	case USB_ENDPOINT_XFER_ISOC:
		return 1;
	default:
		return 0;
	}
}

static size_t put_endpoint(const struct hd_device *dev, const struct hd_ep *ep,
			   __u8 *p)
{
	__u8 len = ep->length ? ep->length : USB_DT_ENDPOINT_SIZE;
	__u16 maxp = hd_ep_maxp(dev, ep);

	memset(p, 0, len);
	p[0] = len;
	p[1] = USB_DT_ENDPOINT;
	if (len > 2)
		p[2] = ep->addr;
	if (len > 3)
		p[3] = ep->attr;
	if (len > 5) {
		p[4] = maxp & 0xff;
		p[5] = maxp >> 8;
	}
	if (len > 6)
		p[6] = hd_ep_interval(dev, ep);
	return len;
}

size_t hd_config_descriptor(const struct hd_device *dev, __u8 *buf, size_t size)
{
	static __u8 out[4096];
	struct usb_config_descriptor *c = (void *)out;
	bool seen[256] = { false };
	size_t pos = USB_DT_CONFIG_SIZE, total, len;
	int i, numbers = 0;

	for (i = 0; i < hd_intf_count(dev); i++) {
		struct hd_intf scratch;
		const struct hd_intf *intf = hd_intf(dev, i, &scratch);
		struct usb_interface_descriptor *d = (void *)(out + pos);
		__u32 cls = intf->cls ? intf->cls : CLS(TOASTER_INTERFACE_CLASS,
							TOASTER_INTERFACE_SUBCLASS,
							TOASTER_INTERFACE_PROTOCOL);
		const struct hd_ep *ep;
		int eps = 0;

		if (!seen[intf->number]) {
			seen[intf->number] = true;
			numbers++;
		}
		memset(d, 0, USB_DT_INTERFACE_SIZE);
		d->bLength = USB_DT_INTERFACE_SIZE;
		d->bDescriptorType = USB_DT_INTERFACE;
		d->bInterfaceNumber = intf->number;
		d->bAlternateSetting = intf->alt;
		d->bInterfaceClass = HD_VAL(cls) >> 16;
		d->bInterfaceSubClass = HD_VAL(cls) >> 8 & 0xff;
		d->bInterfaceProtocol = HD_VAL(cls) & 0xff;
		pos += USB_DT_INTERFACE_SIZE;
		for (ep = intf->no_eps ? NULL : intf->eps; ep && !hd_ep_end(ep); ep++) {
			if (ep->raw) {
				memcpy(out + pos, ep->raw, ep->raw_len);
				pos += ep->raw_len;
				continue;
			}
			pos += put_endpoint(dev, ep, out + pos);
			eps++;
		}
		d->bNumEndpoints = intf->num_eps ? HD_VAL(intf->num_eps) : eps;
	}

	memset(c, 0, USB_DT_CONFIG_SIZE);
	c->bLength = USB_DT_CONFIG_SIZE;
	c->bDescriptorType = USB_DT_CONFIG;
	total = pos + dev->total_delta;
	c->wTotalLength = __cpu_to_le16(total);
	c->bNumInterfaces = numbers;
	c->bConfigurationValue = 1;
	c->bmAttributes = USB_CONFIG_ATT_ONE;
	c->bMaxPower = 50;

	/* A wTotalLength that claims more than there is gets what there is. */
	len = pos < size ? pos : size;
	memcpy(buf, out, len);
	return len;
}

/*
 * The endpoint the driver will take for each of the toaster's roles: the
 * first of each type and direction in the interface's altsetting 0 (or
 * its first altsetting), less what usbcore drops (endpoint zero, too
 * short, an address seen before).  The device serves these; a driver
 * that picked others would find nothing behind them.
 */
void hd_find_roles(const struct hd_device *dev, struct hd_roles *roles)
{
	int i;

	memset(roles, 0, sizeof(*roles));
	for (i = 0; i < hd_intf_count(dev); i++) {
		struct hd_intf scratch;
		const struct hd_intf *intf = hd_intf(dev, i, &scratch);
		bool seen[32] = { false };
		const struct hd_ep *ep;

		if (intf->cls && HD_VAL(intf->cls) != (TOASTER_INTERFACE_CLASS << 16))
			continue;
		if (intf->alt && dev->nintf > 1) {
			int j;
			bool has_alt0 = false;

			for (j = 0; j < dev->nintf; j++)
				has_alt0 |= dev->intf[j].number == intf->number &&
					    !dev->intf[j].alt;
			if (has_alt0)
				continue;
		}
		roles->ifnum = intf->number;
		for (ep = intf->no_eps ? NULL : intf->eps; ep && !hd_ep_end(ep); ep++) {
			int type = ep->attr & USB_ENDPOINT_XFERTYPE_MASK;
			int key = (ep->addr & 0x0f) | (ep->addr & USB_DIR_IN ? 16 : 0);
			bool in = ep->addr & USB_DIR_IN;

			if (ep->raw || !(ep->addr & 0x0f) ||
			    (ep->length && ep->length < USB_DT_ENDPOINT_SIZE) ||
			    seen[key])
				continue;
			seen[key] = true;
			if (type == USB_ENDPOINT_XFER_BULK && !in && !roles->bulk_out.addr)
				roles->bulk_out = *ep;
			else if (type == USB_ENDPOINT_XFER_BULK && in && !roles->bulk_in.addr)
				roles->bulk_in = *ep;
			else if (type == USB_ENDPOINT_XFER_INT && in && !roles->int_in.addr)
				roles->int_in = *ep;
		}
		return;
	}
}

void hd_default_info(const struct hd_device *dev, struct toaster_wire_info *info)
{
	memset(info, 0, sizeof(*info));
	info->protocol_version = __cpu_to_le16(TOASTER_PROTOCOL_VERSION);
	info->firmware_version = __cpu_to_le16(0x0102);
	info->slots = 2;
	memcpy(info->model, "Hostile", 7);
	/*
	 * The row's name, so that a log line says which device it was: as
	 * much as fits, NUL-padded, not necessarily terminated.
	 */
	memcpy(info->serial, dev->name,
	       strnlen(dev->name, sizeof(info->serial)));
}

void hd_default_status(struct toaster_wire_status *status)
{
	struct toaster_host_status h = {
		.state = TOASTER_STATE_IDLE,
		.darkness = TOASTER_DARKNESS_DEFAULT,
		.temperature_c = 20,
		.seq = 1,
	};

	toaster_wire_status_encode(&h, status);
}

void hd_pattern(__u8 *buf, size_t len, unsigned int salt)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (__u8)(i * 7 + salt * 31 + (i >> 8));
}

/* FNV-1a: enough to tell one burn pattern from another. */
__u32 hd_hash(const __u8 *buf, size_t len)
{
	__u32 h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ buf[i]) * 16777619u;
	return h;
}
