/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The ioctl ABI of /dev/toasterN.  Fixed-size structures with explicit
 * padding, so 32-bit and 64-bit callers see the same layout and no kernel
 * memory leaks through a hole.
 */
#ifndef _TOASTER_IOCTL_H
#define _TOASTER_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * What read() of /dev/toasterN returns: one "key: value" line per field,
 * always in this order, so that scripts can rely on it.  The arguments:
 * state name (string), darkness (unsigned), temperature_c (int),
 * remaining_ms (unsigned), safety_lock (int, 0 or 1), toasts (unsigned),
 * errors (unsigned).
 */
#define TOASTER_STATUS_TEXT_FORMAT					\
	"state: %s\n"							\
	"darkness: %u\n"						\
	"temperature_c: %d\n"						\
	"remaining_ms: %u\n"						\
	"safety_lock: %d\n"						\
	"toasts: %u\n"							\
	"errors: %u\n"

/* Unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define TOASTER_IOC_MAGIC	0xB9

struct toaster_info {
	__u16	protocol_version;
	__u16	firmware_version;	/* BCD */
	__u32	slots;
	char	model[32];		/* NUL-terminated */
	char	serial[32];		/* NUL-terminated */
};

struct toaster_status {
	__u32	state;			/* enum toaster_state */
	__u32	darkness;
	__s32	temperature_c;
	__u32	remaining_ms;
	__u32	safety_lock;		/* 0 or 1 */
	__u32	toasts;
	__u32	errors;
	__u32	reserved;		/* zero */
};

/*
 * Data for the bulk endpoints, for BURN and LOOPBACK: @count transfers of
 * @len bytes each, back to back at @data (count * len bytes).  Each is one
 * USB transfer, ended as the protocol ends one: with a short packet, or a
 * zero-length one after a whole number of packets.  The driver keeps
 * several URBs of each in flight and copies the data once, between this
 * buffer and theirs; LOOPBACK's echo comes back in place.  A call moves
 * all of it or fails: EINVAL for a length or count out of range (nothing
 * is sent), EFAULT for a bad buffer, ETIMEDOUT when the toaster stops
 * taking or giving data for io_timeout_ms, EPIPE when it halts an
 * endpoint (the driver clears the halt), EIO when the echo differs in
 * length from what was sent, ENODEV once unplugged.  A fatal signal ends
 * the call at once.
 */
struct toaster_buffer {
	__u64	data;			/* user pointer */
	__u32	len;			/* bytes per transfer */
	__u32	count;			/* transfers; 0 is one, as before count was */
};

/* The most one transfer may carry, and the most one call may move. */
#define TOASTER_XFER_MAX	(16 * 1024 * 1024)
#define TOASTER_STREAM_MAX	(256 * 1024 * 1024)

#define TOASTER_IOC_GET_INFO	_IOR(TOASTER_IOC_MAGIC, 0x00, struct toaster_info)
#define TOASTER_IOC_GET_STATUS	_IOR(TOASTER_IOC_MAGIC, 0x01, struct toaster_status)
#define TOASTER_IOC_TOAST	_IOW(TOASTER_IOC_MAGIC, 0x02, __u32)	/* darkness, 0 = current */
#define TOASTER_IOC_CANCEL	_IO(TOASTER_IOC_MAGIC, 0x03)
#define TOASTER_IOC_SET_LOCK	_IOW(TOASTER_IOC_MAGIC, 0x04, __u32)
/*
 * BURN sends burn patterns on bulk OUT; the toaster takes one of up to
 * TOASTER_BURN_MAX bytes per transfer (longer ones cross the bus but are
 * not burned).  LOOPBACK sends each transfer and reads its echo back.
 */
#define TOASTER_IOC_BURN	_IOW(TOASTER_IOC_MAGIC, 0x05, struct toaster_buffer)
#define TOASTER_IOC_LOOPBACK	_IOWR(TOASTER_IOC_MAGIC, 0x06, struct toaster_buffer)
/*
 * A loopback session: 1 switches the toaster to loopback mode and this
 * file keeps it there, so that its LOOPBACK calls switch nothing; 0, or
 * the file's release, switches it back.  Without a session each LOOPBACK
 * call switches loopback on and, however it ends, off again.  While a file
 * holds a session, BURN, and LOOPBACK on any other file, fail with EBUSY.
 * A file opened read-only cannot hold one (EBADF).
 */
#define TOASTER_IOC_SET_LOOPBACK _IOW(TOASTER_IOC_MAGIC, 0x07, __u32)
/* The darkness for the next toast, TOASTER_DARKNESS_MIN to _MAX. */
#define TOASTER_IOC_SET_DARKNESS _IOW(TOASTER_IOC_MAGIC, 0x08, __u32)

#endif /* _TOASTER_IOCTL_H */
