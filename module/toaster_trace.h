/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the toaster driver: every request it sends and every
 * notification it receives, the Linux form of a filter driver that records
 * I/O.  Enable with
 *   echo 1 > /sys/kernel/tracing/events/toaster/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM toaster

#if !defined(_TOASTER_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TOASTER_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/usb.h>

#include "toaster_proto.h"

#define TOASTER_TRACE_NAME_LEN	32
/* The longest request name of TOASTER_REQUESTS(), and its NUL. */
#define TOASTER_TRACE_REQ_LEN	16

TRACE_EVENT(toaster_request,
	    TP_PROTO(struct usb_interface *intf, u8 request, u16 value,
		     u16 size, int ret),
	    TP_ARGS(intf, request, value, size, ret),
	    TP_STRUCT__entry(__array(char, name, TOASTER_TRACE_NAME_LEN)
			     __array(char, request_name, TOASTER_TRACE_REQ_LEN)
			     __field(u8, request)
			     __field(u16, value)
			     __field(u16, size)
			     __field(int, ret)),
	    TP_fast_assign(strscpy(__entry->name, dev_name(&intf->dev),
				   TOASTER_TRACE_NAME_LEN);
			   strscpy(__entry->request_name,
				   toaster_request_name(request) ?: "?",
				   TOASTER_TRACE_REQ_LEN);
			   __entry->request = request;
			   __entry->value = value;
			   __entry->size = size;
			   __entry->ret = ret;),
	    TP_printk("%s %s value=%u size=%u ret=%d", __entry->name,
		      __entry->request_name, __entry->value, __entry->size, __entry->ret)
);

TRACE_EVENT(toaster_bulk,
	    TP_PROTO(struct usb_interface *intf, bool in, u32 len, u32 actual,
		     int ret),
	    TP_ARGS(intf, in, len, actual, ret),
	    TP_STRUCT__entry(__array(char, name, TOASTER_TRACE_NAME_LEN)
			     __field(bool, in)
			     __field(u32, len)
			     __field(u32, actual)
			     __field(int, ret)),
	    TP_fast_assign(strscpy(__entry->name, dev_name(&intf->dev),
				   TOASTER_TRACE_NAME_LEN);
			   __entry->in = in;
			   __entry->len = len;
			   __entry->actual = actual;
			   __entry->ret = ret;),
	    TP_printk("%s bulk %s len=%u actual=%u ret=%d", __entry->name,
		      __entry->in ? "IN" : "OUT", __entry->len,
		      __entry->actual, __entry->ret)
);

/*
 * Every completion of the interrupt URB.  @wire is the packet if it is one
 * whole status, else NULL and the status fields read 0, so that no stale
 * byte of the buffer is recorded.
 */
TRACE_EVENT(toaster_notify,
	    TP_PROTO(struct usb_interface *intf, int status, u32 len,
		     const struct toaster_wire_status *wire, int result),
	    TP_ARGS(intf, status, len, wire, result),
	    TP_STRUCT__entry(__array(char, name, TOASTER_TRACE_NAME_LEN)
			     __field(int, status)
			     __field(u32, len)
			     __field(u8, state)
			     __field(u8, event)
			     __field(s16, temperature_c)
			     __field(u16, seq)
			     __field(int, result)),
	    TP_fast_assign(strscpy(__entry->name, dev_name(&intf->dev),
				   TOASTER_TRACE_NAME_LEN);
			   __entry->status = status;
			   __entry->len = len;
			   __entry->state = wire ? wire->state : 0;
			   __entry->event = wire ? wire->event : 0;
			   __entry->temperature_c =
				   wire ? (s16)le16_to_cpu(wire->temperature_c) : 0;
			   __entry->seq = wire ? le16_to_cpu(wire->seq) : 0;
			   __entry->result = result;),
	    TP_printk("%s status=%d len=%u state=%u event=%u temperature_c=%d seq=%u result=%d",
		      __entry->name, __entry->status, __entry->len,
		      __entry->state, __entry->event, __entry->temperature_c,
		      __entry->seq, __entry->result)
);

#endif /* _TOASTER_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE toaster_trace
#include <trace/define_trace.h>
