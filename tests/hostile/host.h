/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side's state for one device, shared by host.c (is it bound,
 * what did the kernel log, the unplug) and steps.c (what a bound toaster
 * must do).
 */
#ifndef TOASTER_HOSTILE_HOST_H
#define TOASTER_HOSTILE_HOST_H

#include <stdarg.h>

#include "hostile.h"

#define HD_MAX_LINES	24

struct hd_host {
	int bus;			/* dummy_hcd.1's USB bus number */
	int kmsg;			/* /dev/kmsg, read from where we are */
	unsigned int io_timeout_ms;	/* toaster.ko's */
	struct hd_log *log;		/* shared with each device process */
};

struct hd_ctx {
	struct hd_host *host;
	const struct hd_run *run;
	const struct hd_device *dev;
	struct hd_log *log;
	bool lax;			/* unplugged at a random point */
	pid_t pid;			/* the device */
	int ctl;			/* its commands */
	bool gone;			/* the device process has exited */
	struct hd_roles roles;
	char usbdev[32];		/* "2-1" */
	char intf[40];			/* "2-1:1.0" */
	char node[48];			/* "/dev/toaster1" */
	int fd;				/* the node, open */

	/* What the kernel said about this device. */
	char lines[HD_MAX_LINES][200];
	int nlines, attach, detach;
	char report[240];		/* a kernel bug report, if any */

	bool failed;
	char why[400];			/* the first failure */
	char did[200];			/* the steps that passed */
};

void hd_fail(struct hd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hd_drain_kmsg(struct hd_ctx *c);
bool hd_device_alive(struct hd_ctx *c);
void hd_wait_gone(struct hd_ctx *c, unsigned int ms);
void hd_command(struct hd_ctx *c, char cmd);

/* steps.c: the steps of a bound toaster; false once the device is gone. */
void hd_run_steps(struct hd_ctx *c);

#endif /* TOASTER_HOSTILE_HOST_H */
