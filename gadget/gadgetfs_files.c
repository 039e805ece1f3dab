// SPDX-License-Identifier: GPL-2.0
/*
 * Which of gadgetfs's files are the toaster's.  gadgetfs names them after
 * the controller: its ep0 file ("dummy_udc") is all there is until a
 * gadget driver binds, and the endpoint files that appear then are fixed
 * ("ep1in-bulk") or configurable ("ep-a"), depending on the controller.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware.h"
#include "gadgetfs.h"

int toaster_gfs_find_udc(const char *dir, char *buf, size_t size)
{
	struct dirent *de;
	size_t len, udcs = 0, files = 0;
	char udc[NAME_MAX + 1] = "", any[NAME_MAX + 1] = "";
	DIR *d;

	d = opendir(dir);
	if (!d) {
		toaster_err("%s: %s (is gadgetfs mounted there?)", dir,
			    strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		files++;
		snprintf(any, sizeof(any), "%s", de->d_name);
		len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, "_udc") == 0) {
			udcs++;
			snprintf(udc, sizeof(udc), "%s", de->d_name);
		}
	}
	closedir(d);

	/* before binding, the controller's ep0 file is gadgetfs's only file */
	if (udcs == 1)
		snprintf(buf, size, "%s", udc);
	else if (udcs == 0 && files == 1)
		snprintf(buf, size, "%s", any);
	else {
		toaster_err("%s: %s; name the controller with --udc", dir,
			    udcs ? "several *_udc files" : "no *_udc file");
		return -1;
	}
	return 0;
}

/*
 * How well a gadgetfs endpoint file named name suits ep: 3 for a fixed
 * endpoint with our number, 2 for a configurable one ("ep-bin"), 1 for a
 * fixed one of the right direction and type but another number (dummy_hcd
 * routes by the descriptor's address, so it still works there), 0 not at
 * all.
 */
static int toaster_ep_score(const struct toaster_ep *ep, const char *name)
{
	bool want_in = ep->address & USB_DIR_IN;
	const char *p, *type;
	char *end;
	unsigned long num;
	bool in;

	if (strncmp(name, "ep", 2) != 0)
		return 0;
	p = name + 2;
	if (p[0] == '-') {
		if (!p[1])
			return 0;
		p += 2;		/* the letter */
		if (strcmp(p, "in") == 0)
			in = true;
		else if (strcmp(p, "out") == 0)
			in = false;
		else
			return 0;
		return in == want_in ? 2 : 0;
	}

	num = strtoul(p, &end, 10);
	if (end == p || num == 0)
		return 0;
	p = end;
	if (strncmp(p, "in", 2) == 0) {
		in = true;
		p += 2;
	} else if (strncmp(p, "out", 3) == 0) {
		in = false;
		p += 3;
	} else {
		return 0;
	}
	if (in != want_in)
		return 0;
	if (*p == '-') {
		type = p + 1;
		if (strcmp(type, ep->type == USB_ENDPOINT_XFER_INT ? "int" : "bulk"))
			return 0;
	} else if (*p) {
		return 0;
	}
	return num == (ep->address & USB_ENDPOINT_NUMBER_MASK) ? 3 : 1;
}

static int toaster_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int toaster_gfs_choose_eps(const char *dir, const char *udc,
			   struct toaster_ep *eps)
{
	char *names[64];
	size_t n = 0, i;
	struct dirent *de;
	bool taken[64] = { false };
	DIR *d;
	int r, rc = 0;

	d = opendir(dir);
	if (!d) {
		toaster_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) && n < 64) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, udc) == 0)
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	/* readdir order is arbitrary; ties must not be */
	qsort(names, n, sizeof(names[0]), toaster_cmp_names);

	for (r = 0; r < TOASTER_EP_ROLES; r++) {
		struct toaster_ep *ep = &eps[r];
		int best = 0, score;
		size_t pick = 0;

		for (i = 0; i < n; i++) {
			if (taken[i])
				continue;
			score = toaster_ep_score(ep, names[i]);
			if (score > best) {
				best = score;
				pick = i;
			}
		}
		if (!best) {
			toaster_err("no endpoint in %s suits %s (0x%02x)",
				    dir, ep->role, ep->address);
			rc = -1;
			break;
		}
		taken[pick] = true;
		snprintf(ep->file, sizeof(ep->file), "%s", names[pick]);
		toaster_dbg("%s endpoint 0x%02x on %s", ep->role, ep->address,
			    ep->file);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return rc;
}
