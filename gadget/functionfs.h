/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The FunctionFS backend's own state, shared by functionfs.c (ep0 and the
 * endpoint files) and configfs.c (the configfs gadget around them, and
 * the controller it is bound to).
 */
#ifndef TOASTER_FUNCTIONFS_H
#define TOASTER_FUNCTIONFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "firmware.h"

#define TOASTER_UDC_CLASS		"/sys/class/udc"
/* mkdtemp()'s template for where FunctionFS is mounted */
#define TOASTER_FFS_MNT			"/run/toaster-ffs.XXXXXX"

/*
 * What toaster_ffs_start() made, in the order it makes them: stop undoes
 * them from the last one back.
 */
enum {
	TOASTER_FFS_MADE_GADGET		= 1 << 0,	/* usb_gadget/NAME */
	TOASTER_FFS_MADE_STRINGS	= 1 << 1,	/* its strings/LANG */
	TOASTER_FFS_MADE_CONFIG		= 1 << 2,	/* configs/c.N */
	TOASTER_FFS_MADE_FUNCTION	= 1 << 3,	/* functions/ffs.NAME */
	TOASTER_FFS_MADE_LINK		= 1 << 4,	/* c.N/ffs.NAME */
	TOASTER_FFS_MADE_MNT_DIR	= 1 << 5,
	TOASTER_FFS_MADE_MOUNT		= 1 << 6,
	TOASTER_FFS_MADE_LAST		= TOASTER_FFS_MADE_MOUNT,
};

struct toaster_functionfs {
	struct toaster_gadget g;
	/* what toaster_ffs_start() made, to undo it: */
	char		name[32];	/* gadget, function instance, mount */
	char		gadget[PATH_MAX];	/* configfs: usb_gadget/NAME */
	char		mnt[PATH_MAX];		/* where FunctionFS is mounted */
	char		udc[NAME_MAX + 1];	/* the controller bound to */
	int		ev_fd;		/* eventfd: FunctionFS queued an event */
	unsigned int	made;		/* TOASTER_FFS_MADE_* */
	bool		bound;		/* the UDC is ours */
};

static inline struct toaster_functionfs *toaster_ffs(struct toaster_gadget *g)
{
	return toaster_container_of(g, struct toaster_functionfs, g);
}

static inline const struct toaster_functionfs *
toaster_ffs_const(const struct toaster_gadget *g)
{
	return toaster_container_of(g, const struct toaster_functionfs, g);
}

/* Formats a path into buf: 0, or -ENAMETOOLONG (and says so). */
__attribute__((format(printf, 3, 4)))
int toaster_path(char *buf, size_t size, const char *fmt, ...);
/* An attribute's first line, without its newline.  0 or -errno. */
int toaster_read_line(const char *path, char *buf, size_t size);

/* configfs.c: each 0 or -1 (and says why) unless it says otherwise */
int toaster_ffs_configfs(struct toaster_gadget *g);
int toaster_ffs_mount(struct toaster_gadget *g);
/* Undoes whatever toaster_ffs_configfs() and toaster_ffs_mount() did. */
void toaster_ffs_unmake(struct toaster_gadget *g);
/* Binds to the controller: 0 or -errno. */
int toaster_ffs_plug(struct toaster_gadget *g);
void toaster_ffs_unplug(struct toaster_gadget *g);

#endif /* TOASTER_FUNCTIONFS_H */
