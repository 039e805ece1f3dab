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

/* A user buffer for the bulk endpoints: burn pattern, loopback. */
struct toaster_buffer {
	__u64	data;			/* user pointer */
	__u32	len;
	__u32	reserved;		/* zero */
};

#define TOASTER_IOC_GET_INFO	_IOR(TOASTER_IOC_MAGIC, 0x00, struct toaster_info)
#define TOASTER_IOC_GET_STATUS	_IOR(TOASTER_IOC_MAGIC, 0x01, struct toaster_status)
#define TOASTER_IOC_TOAST	_IOW(TOASTER_IOC_MAGIC, 0x02, __u32)	/* darkness, 0 = current */
#define TOASTER_IOC_CANCEL	_IO(TOASTER_IOC_MAGIC, 0x03)
#define TOASTER_IOC_SET_LOCK	_IOW(TOASTER_IOC_MAGIC, 0x04, __u32)
#define TOASTER_IOC_BURN	_IOW(TOASTER_IOC_MAGIC, 0x05, struct toaster_buffer)
#define TOASTER_IOC_LOOPBACK	_IOWR(TOASTER_IOC_MAGIC, 0x06, struct toaster_buffer)

#endif /* _TOASTER_IOCTL_H */
