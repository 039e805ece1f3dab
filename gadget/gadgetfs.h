/* SPDX-License-Identifier: GPL-2.0 */
/* gadgetfs.c's helpers in gadgetfs_files.c: reading gadgetfs's directory. */
#ifndef TOASTER_GADGETFS_H
#define TOASTER_GADGETFS_H

#include <stddef.h>

#include "firmware.h"

/* The controller's ep0 file in dir, into buf: 0, or -1 (and says why). */
int toaster_gfs_find_udc(const char *dir, char *buf, size_t size);
/*
 * An endpoint file in dir, besides udc's ep0 file, for each of eps by its
 * address and type, into its file: 0, or -1 (and says why).
 */
int toaster_gfs_choose_eps(const char *dir, const char *udc,
			   struct toaster_ep *eps);

#endif /* TOASTER_GADGETFS_H */
