// SPDX-License-Identifier: GPL-2.0
/*
 * The configfs gadget the FunctionFS backend lives in: made from the
 * descriptor tables, with FunctionFS mounted for its one function, bound
 * to a controller to plug in and unbound to unplug, and all of it removed
 * at the end, whatever went wrong half-way: a firmware that exits must
 * leave no gadget behind to hold the controller or keep usb_f_fs loaded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "functionfs.h"

int toaster_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		toaster_err("path too long: %s", buf);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* A sysfs or configfs attribute, written whole.  0 or -errno. */
static int toaster_write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

int toaster_read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return -errno;
	/* an empty attribute is no line at all */
	if (!fgets(buf, (int)size, f)) {
		err = ferror(f) ? -EIO : 0;
		buf[0] = '\0';
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return err;
}

/* ------------------------------------------------------------------ */
/* configfs */

/* Where one of the TOASTER_FFS_MADE_* things is. */
static int toaster_ffs_path(const struct toaster_gadget *g, unsigned int what,
			    char *buf, size_t size)
{
	const struct toaster_functionfs *f = toaster_ffs_const(g);

	switch (what) {
	case TOASTER_FFS_MADE_GADGET:
		return toaster_path(buf, size, "%s", f->gadget);
	case TOASTER_FFS_MADE_STRINGS:
		return toaster_path(buf, size, "%s/strings/0x%04x", f->gadget,
				    TOASTER_LANG_ID);
	case TOASTER_FFS_MADE_CONFIG:
		return toaster_path(buf, size, "%s/configs/c.%d", f->gadget,
				    TOASTER_CONFIG_VALUE);
	case TOASTER_FFS_MADE_FUNCTION:
		return toaster_path(buf, size, "%s/functions/ffs.%s", f->gadget,
				    f->name);
	case TOASTER_FFS_MADE_LINK:
		return toaster_path(buf, size, "%s/configs/c.%d/ffs.%s",
				    f->gadget, TOASTER_CONFIG_VALUE, f->name);
	default:
		return toaster_path(buf, size, "%s", f->mnt);
	}
}

/* Makes one of the directories (or the link), and remembers it. */
static int toaster_ffs_make(struct toaster_gadget *g, unsigned int what,
			    const char *hint)
{
	struct toaster_functionfs *f = toaster_ffs(g);
	char path[PATH_MAX], target[PATH_MAX];
	int rc;

	if (toaster_ffs_path(g, what, path, sizeof(path)) < 0)
		return -1;
	if (what == TOASTER_FFS_MADE_LINK) {
		if (toaster_ffs_path(g, TOASTER_FFS_MADE_FUNCTION, target,
				     sizeof(target)) < 0)
			return -1;
		rc = symlink(target, path);
	} else {
		rc = mkdir(path, 0755);
	}
	if (rc < 0) {
		toaster_err("%s: %s%s", path, strerror(errno), hint);
		return -1;
	}
	f->made |= what;
	return 0;
}

/* Writes an attribute in the directory of a TOASTER_FFS_MADE_* thing. */
__attribute__((format(printf, 4, 5)))
static int toaster_ffs_attr(const struct toaster_gadget *g, unsigned int dir,
			    const char *attr, const char *fmt, ...)
{
	char path[PATH_MAX], text[64];
	va_list ap;
	int rc;

	if (toaster_ffs_path(g, dir, path, sizeof(path)) < 0)
		return -1;
	if (toaster_path(path + strlen(path), sizeof(path) - strlen(path),
			 "/%s", attr) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rc = toaster_write_text(path, text);
	if (rc < 0)
		toaster_err("%s: writing '%s': %s", path, text, strerror(-rc));
	return rc < 0 ? -1 : 0;
}

/*
 * The device as gadgetfs describes it, from the same tables
 * (descriptors.c); no configuration string, as there, so iConfiguration
 * stays 0.
 */
int toaster_ffs_configfs(struct toaster_gadget *g)
{
	const struct usb_device_descriptor *d = &toaster_device_desc;
	const struct usb_config_descriptor *c = &toaster_config_desc;
	const unsigned int dev = TOASTER_FFS_MADE_GADGET;
	const unsigned int str = TOASTER_FFS_MADE_STRINGS;
	const unsigned int cfg = TOASTER_FFS_MADE_CONFIG;

	if (toaster_ffs_make(g, dev, " (is configfs mounted, and libcomposite loaded?)") ||
	    toaster_ffs_attr(g, dev, "idVendor", "0x%04x", le16toh(d->idVendor)) ||
	    toaster_ffs_attr(g, dev, "idProduct", "0x%04x", le16toh(d->idProduct)) ||
	    toaster_ffs_attr(g, dev, "bcdDevice", "0x%04x", le16toh(d->bcdDevice)) ||
	    toaster_ffs_attr(g, dev, "bcdUSB", "0x%04x", le16toh(d->bcdUSB)) ||
	    toaster_ffs_make(g, str, "") ||
	    toaster_ffs_attr(g, str, "manufacturer", "%s", TOASTER_MANUFACTURER) ||
	    toaster_ffs_attr(g, str, "product", "%s", TOASTER_MODEL) ||
	    toaster_ffs_attr(g, str, "serialnumber", "%s", g->serial) ||
	    toaster_ffs_make(g, cfg, "") ||
	    /* in mA, where bMaxPower counts 2 mA units */
	    toaster_ffs_attr(g, cfg, "MaxPower", "%d", c->bMaxPower * 2) ||
	    toaster_ffs_attr(g, cfg, "bmAttributes", "0x%02x", c->bmAttributes) ||
	    toaster_ffs_make(g, TOASTER_FFS_MADE_FUNCTION, " (is usb_f_fs loaded?)") ||
	    toaster_ffs_make(g, TOASTER_FFS_MADE_LINK, ""))
		return -1;
	return 0;
}

int toaster_ffs_mount(struct toaster_gadget *g)
{
	struct toaster_functionfs *f = toaster_ffs(g);

	snprintf(f->mnt, sizeof(f->mnt), "%s", TOASTER_FFS_MNT);
	if (!mkdtemp(f->mnt)) {
		toaster_err("%s: %s", f->mnt, strerror(errno));
		return -1;
	}
	f->made |= TOASTER_FFS_MADE_MNT_DIR;
	/* the source names the function instance it serves */
	if (mount(f->name, f->mnt, "functionfs", 0, NULL) < 0) {
		toaster_err("mount -t functionfs %s %s: %s", f->name, f->mnt,
			    strerror(errno));
		return -1;
	}
	f->made |= TOASTER_FFS_MADE_MOUNT;
	return 0;
}

void toaster_ffs_unmake(struct toaster_gadget *g)
{
	struct toaster_functionfs *f = toaster_ffs(g);
	char path[PATH_MAX];
	unsigned int what;
	int rc;

	for (what = TOASTER_FFS_MADE_LAST; what; what >>= 1) {
		if (!(f->made & what) ||
		    toaster_ffs_path(g, what, path, sizeof(path)) < 0)
			continue;
		if (what == TOASTER_FFS_MADE_MOUNT)
			rc = umount(path);
		else if (what == TOASTER_FFS_MADE_LINK)
			rc = unlink(path);
		else
			rc = rmdir(path);
		if (rc < 0)
			toaster_err("removing %s: %s", path, strerror(errno));
		else
			f->made &= ~what;
	}
}

/* ------------------------------------------------------------------ */
/* binding: the cable */

/* 0 or -errno; EBUSY: another gadget has the controller. */
static int toaster_ffs_bind(struct toaster_gadget *g, const char *udc,
			    bool quiet_busy)
{
	struct toaster_functionfs *f = toaster_ffs(g);
	char path[PATH_MAX];
	int rc;

	if (toaster_path(path, sizeof(path), "%s/UDC", f->gadget) < 0)
		return -ENAMETOOLONG;
	rc = toaster_write_text(path, udc);
	if (rc == 0) {
		if (udc != f->udc)
			snprintf(f->udc, sizeof(f->udc), "%s", udc);
		f->bound = true;
	} else if (!quiet_busy || (rc != -EBUSY && rc != -ENODEV)) {
		toaster_err("binding to %s: %s", udc, strerror(-rc));
	}
	return rc;
}

/* Whether a controller is someone else's: its gadget driver's name. */
static bool toaster_udc_taken(const char *udc)
{
	char path[PATH_MAX], function[64] = "";

	if (toaster_path(path, sizeof(path), "%s/%s/function",
			 TOASTER_UDC_CLASS, udc) < 0)
		return true;
	/* without the attribute (old kernels), binding will tell */
	return toaster_read_line(path, function, sizeof(function)) == 0 &&
	       function[0];
}

/*
 * The first time, the controller named with --udc, or the first free one
 * (another may take it between the look and the bind: then the next);
 * after that, the same one again.
 */
int toaster_ffs_plug(struct toaster_gadget *g)
{
	struct toaster_functionfs *f = toaster_ffs(g);
	struct dirent **udcs;
	int i, n, rc = -ENODEV;

	if (f->udc[0])
		return toaster_ffs_bind(g, f->udc, false);
	if (g->udc)
		return toaster_ffs_bind(g, g->udc, false);

	n = scandir(TOASTER_UDC_CLASS, &udcs, NULL, alphasort);
	if (n < 0) {
		rc = -errno;
		toaster_err("%s: %s", TOASTER_UDC_CLASS, strerror(errno));
		return rc;
	}
	for (i = 0; i < n; i++) {
		const char *name = udcs[i]->d_name;

		if (name[0] != '.' && !f->bound && !toaster_udc_taken(name)) {
			rc = toaster_ffs_bind(g, name, true);
			if (rc != -EBUSY && rc != -ENODEV && rc != 0)
				break;
		}
	}
	for (i = 0; i < n; i++)
		free(udcs[i]);
	free(udcs);
	if (!f->bound && (rc == -EBUSY || rc == -ENODEV)) {
		toaster_err("no free controller in %s; name one with --udc",
			    TOASTER_UDC_CLASS);
		rc = -ENODEV;
	}
	return f->bound ? 0 : rc;
}

void toaster_ffs_unplug(struct toaster_gadget *g)
{
	struct toaster_functionfs *f = toaster_ffs(g);
	char path[PATH_MAX];
	int rc;

	if (toaster_path(path, sizeof(path), "%s/UDC", f->gadget) < 0)
		return;
	rc = toaster_write_text(path, "\n");
	/* ENODEV: unbound already, by someone else or the controller going */
	if (rc < 0 && rc != -ENODEV)
		toaster_err("unbinding from %s: %s", f->udc, strerror(-rc));
	f->bound = false;
}
