// SPDX-License-Identifier: GPL-2.0
/*
 * The host's side of one hostile toaster: plug it in, tell what the
 * driver made of it (bound, refused, left alone) from sysfs and the
 * kernel log, exercise it if bound (steps.c), unplug it, and judge: the
 * outcome the row expects, the log lines it allows, nothing the device
 * saw that the protocol forbids, and no kernel report on the way.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"
#include "toaster_clock.h"
#include "toaster_ioctl.h"

/* What scripts/vm calls a kernel report (scripts/vmlib/verdict.sh). */
static const char *const report_re =
	"BUG:|WARNING:|KASAN:|UBSAN:|Oops|kernel BUG at|general protection fault|"
	"possible circular locking|inconsistent lock state|possible recursive locking|"
	"suspicious RCU usage|unreferenced object|INFO: task .* blocked|"
	"sleeping function called from invalid context";

void hd_fail(struct hd_ctx *c, const char *fmt, ...)
{
	char msg[sizeof(c->why)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# %s: %s\n", c->dev->name, msg);
	if (!c->failed)
		snprintf(c->why, sizeof(c->why), "%s", msg);
	c->failed = true;
}

unsigned int hd_io_timeout_ms(void)
{
	unsigned int ms = 2000;
	FILE *f = fopen("/sys/module/toaster/parameters/io_timeout_ms", "r");

	if (f) {
		if (fscanf(f, "%u", &ms) != 1)
			ms = 2000;
		fclose(f);
	}
	return ms;
}

/* The bus of dummy_hcd.1, whose device side is dummy_udc.1, ours. */
static int find_bus(void)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct dirent *d;
	DIR *dir = opendir("/sys/bus/usb/devices");
	int bus = -1;
	ssize_t n;

	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "usb", 3))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s", d->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strstr(target, "/dummy_hcd.1/")) {
			bus = atoi(d->d_name + 3);
			break;
		}
	}
	closedir(dir);
	return bus;
}

struct hd_host *hd_host_open(void)
{
	static struct hd_host host;

	host.bus = find_bus();
	if (host.bus < 0) {
		printf("# no USB bus on dummy_hcd.1 (dummy_hcd num=2)\n");
		return NULL;
	}
	host.kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (host.kmsg < 0 || lseek(host.kmsg, 0, SEEK_END) < 0) {
		printf("# /dev/kmsg: %s\n", strerror(errno));
		return NULL;
	}
	host.log = mmap(NULL, sizeof(*host.log), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (host.log == MAP_FAILED)
		return NULL;
	host.io_timeout_ms = hd_io_timeout_ms();
	return &host;
}

/*-------------------------------------------------------------------------*/
/* The kernel log */

/* Whether a line of the log is the driver's, about this device. */
static bool driver_line(struct hd_ctx *c, const char *text)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "toaster %s:1.", c->usbdev);
	if (!strncmp(text, prefix, strlen(prefix)))
		return true;
	/* The driver core's, for a probe that failed with other than ENODEV. */
	snprintf(prefix, sizeof(prefix), " %s:1.", c->usbdev);
	return strstr(text, prefix) && strstr(text, "probe with driver toaster failed");
}

static void take_line(struct hd_ctx *c, const char *text)
{
	static regex_t re;
	static bool compiled;

	if (!compiled) {
		compiled = !regcomp(&re, report_re, REG_EXTENDED | REG_NOSUB);
		if (!compiled)
			return;
	}
	if (!c->report[0] && !regexec(&re, text, 0, NULL, 0))
		snprintf(c->report, sizeof(c->report), "%s", text);
	if (!driver_line(c, text))
		return;
	if (strstr(text, " now attached to "))
		c->attach++;
	else if (strstr(text, " now disconnected"))
		c->detach++;
	if (c->nlines < HD_MAX_LINES) {
		/* Without "toaster 2-1:1.0: ": the row's text is what matters. */
		const char *msg = strstr(text, ": ");

		snprintf(c->lines[c->nlines], sizeof(c->lines[0]), "%s",
			 msg && !strncmp(text, "toaster ", 8) ? msg + 2 : text);
	}
	c->nlines++;
}

void hd_drain_kmsg(struct hd_ctx *c)
{
	char rec[2048], *text, *end;
	ssize_t n;

	for (;;) {
		n = read(c->host->kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten before we read it */
		if (n <= 0)
			return;
		rec[n] = '\0';
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		end = strchr(text, '\n');
		if (end)
			*end = '\0';
		take_line(c, text);
	}
}

/*-------------------------------------------------------------------------*/
/* The device's life */

bool hd_device_alive(struct hd_ctx *c)
{
	if (!c->gone && waitpid(c->pid, NULL, WNOHANG) == c->pid)
		c->gone = true;
	return !c->gone;
}

void hd_command(struct hd_ctx *c, char cmd)
{
	if (hd_device_alive(c) && write(c->ctl, &cmd, 1) != 1)
		hd_fail(c, "cannot command the device: %s", strerror(errno));
}

static bool exists(const char *fmt, const char *arg)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), fmt, arg);
	return !lstat(path, &st);
}

/* The node of the bound interface, "toasterN" from its usbmisc directory. */
static bool find_node(struct hd_ctx *c)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/usbmisc", c->intf);
	dir = opendir(path);
	if (!dir)
		return false;
	while ((d = readdir(dir))) {
		if (!strncmp(d->d_name, "toaster", 7)) {
			snprintf(c->node, sizeof(c->node), "/dev/%.32s", d->d_name);
			break;
		}
	}
	closedir(dir);
	return c->node[0];
}

/*
 * Plugged in: what did the driver make of it?  Bound once its node is
 * there and probe has said so (the usbmisc directory is in sysfs before
 * devtmpfs has the node, and probe's last line comes after both); refused
 * once it has said something and bound nothing; left
 * alone if, the probe's time up, it has done neither.  The probe's time
 * runs from the device's last request: one left unanswered gets the
 * driver's io_timeout_ms on top.
 */
static enum hd_outcome wait_outcome(struct hd_ctx *c)
{
	int64_t start = toaster_now_ms(), refused_at = 0, now, quiet;

	for (;;) {
		toaster_sleep_ms(10);
		hd_drain_kmsg(c);
		now = toaster_now_ms();
		if (c->attach && find_node(c) &&
		    exists("/sys/bus/usb/devices/%s/driver", c->intf) && exists("%s", c->node))
			return HD_BOUND;
		if (c->nlines > c->attach && !refused_at)
			refused_at = now;
		/* A second line may follow the first: give it a moment. */
		if (refused_at && now - refused_at > 300)
			return HD_REFUSED;
		if (!hd_device_alive(c) && !exists("/sys/bus/usb/devices/%s", c->usbdev))
			return c->nlines ? HD_REFUSED : HD_IGNORED;
		quiet = c->log->pending ? c->host->io_timeout_ms + 1500 : 1500;
		if (c->log->configured && now - c->log->activity_ms > quiet)
			return HD_IGNORED;
		if (now - start > 20000 + 2 * c->host->io_timeout_ms) {
			hd_fail(c, "the device was not even configured in %lld ms",
				(long long)(now - start));
			return HD_IGNORED;
		}
	}
}

/* Waits for the USB device to leave sysfs: usbcore has let it go. */
void hd_wait_gone(struct hd_ctx *c, unsigned int ms)
{
	int64_t end = toaster_now_ms() + ms;

	while (exists("/sys/bus/usb/devices/%s", c->usbdev)) {
		if (toaster_now_ms() > end) {
			hd_fail(c, "%s still in sysfs %u ms after the unplug", c->usbdev, ms);
			return;
		}
		toaster_sleep_ms(10);
	}
	hd_drain_kmsg(c);
}

static void unplug(struct hd_ctx *c)
{
	if (hd_device_alive(c)) {
		kill(c->pid, SIGTERM);
		waitpid(c->pid, NULL, 0);
		c->gone = true;
	}
	close(c->ctl);
	hd_wait_gone(c, 10000);
}

/* After the unplug, a file still open must say so, and nothing else. */
static void check_open_file(struct hd_ctx *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	struct toaster_status st;
	char buf[256];

	if (poll(&p, 1, 5000) != 1 || !(p.revents & (POLLHUP | POLLERR)))
		hd_fail(c, "poll() after the unplug: revents 0x%x, want POLLHUP|POLLERR",
			p.revents);
	if (pread(c->fd, buf, sizeof(buf), 0) >= 0 || errno != ENODEV)
		hd_fail(c, "read() after the unplug: %s, want ENODEV", strerror(errno));
	if (write(c->fd, "cancel\n", 7) >= 0 || errno != ENODEV)
		hd_fail(c, "write() after the unplug: %s, want ENODEV", strerror(errno));
	if (ioctl(c->fd, TOASTER_IOC_GET_STATUS, &st) >= 0 || errno != ENODEV)
		hd_fail(c, "GET_STATUS after the unplug: %s, want ENODEV", strerror(errno));
	close(c->fd);
	c->fd = -1;
	if (!access(c->node, F_OK))
		hd_fail(c, "%s still there after the unplug", c->node);
}

/*-------------------------------------------------------------------------*/
/* The verdict */

static const char *outcome_name(enum hd_outcome o)
{
	return o == HD_REFUSED ? "refused" : o == HD_BOUND ? "bound" :
	       "neither bound nor refused";
}

static void list_lines(struct hd_ctx *c, char *out, size_t size)
{
	size_t pos = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < c->nlines && i < HD_MAX_LINES && pos < size; i++)
		pos += snprintf(out + pos, size - pos, "%s\"%s\"", i ? " + " : "",
				c->lines[i]);
}

static void judge_lines(struct hd_ctx *c, enum hd_outcome got)
{
	char lines[sizeof(c->why)];
	int other = c->nlines - c->attach - c->detach;

	list_lines(c, lines, sizeof(lines));
	/*
	 * Unplugged at a random point, a device is refused for whatever it
	 * was doing then, or bound and gone before its node was seen (an
	 * attach and a disconnect line): what it says is the rows' business,
	 * played whole; here only a storm of lines is wrong.
	 */
	if (got == HD_REFUSED && c->lax) {
		if (other > 2)
			hd_fail(c, "unplugged, refused with %d lines besides attach and disconnect, want at most two: %s",
				other, lines);
	} else if (got == HD_REFUSED) {
		if (c->nlines != 1)
			hd_fail(c, "refused with %d lines, want one: %s", c->nlines, lines);
		else if (c->dev->line && !strstr(c->lines[0], c->dev->line))
			hd_fail(c, "refused saying %s, want \"%s\"", lines, c->dev->line);
	} else if (got == HD_BOUND) {
		if (c->attach != 1 || c->detach != 1)
			hd_fail(c, "%d attach and %d disconnect lines, want one each: %s",
				c->attach, c->detach, lines);
		else if (other > c->dev->extra_lines && !c->lax)
			hd_fail(c, "%d lines besides attach and disconnect, want at most %d: %s",
				other, c->dev->extra_lines, lines);
	} else if (c->nlines && !c->lax) {
		hd_fail(c, "not probed, yet the driver said %s", lines);
	}
}

bool hd_host_run(struct hd_host *host, const struct hd_run *run, char *why,
		 size_t size)
{
	struct hd_ctx *c = calloc(1, sizeof(*c));
	enum hd_outcome got;
	int64_t start = toaster_now_ms();
	bool ok;

	if (!c) {
		snprintf(why, size, "out of memory");
		return false;
	}
	c->host = host;
	c->run = run;
	c->dev = run->dev;
	c->log = host->log;
	c->lax = run->unplug_after;
	c->fd = -1;
	memset(c->log, 0, sizeof(*c->log));
	hd_find_roles(c->dev, &c->roles);
	snprintf(c->usbdev, sizeof(c->usbdev), "%d-1", host->bus);
	snprintf(c->intf, sizeof(c->intf), "%s:1.%u", c->usbdev, c->roles.ifnum);
	/* Whatever came before this device is not its doing. */
	c->nlines = 0;
	hd_drain_kmsg(c);
	c->nlines = c->attach = c->detach = 0;
	c->report[0] = '\0';

	c->pid = hd_device_start(run, c->log, &c->ctl);
	if (c->pid < 0) {
		snprintf(why, size, "cannot start the device: %s", strerror(errno));
		free(c);
		return false;
	}
	got = wait_outcome(c);
	if (got == HD_BOUND) {
		c->fd = open(c->node, O_RDWR);
		if (c->fd < 0 && !c->lax)
			hd_fail(c, "open %s: %s", c->node, strerror(errno));
		if (c->fd >= 0)
			hd_run_steps(c);
	}
	unplug(c);
	if (c->fd >= 0)
		check_open_file(c);

	if (got != c->dev->outcome && !c->lax)
		hd_fail(c, "%s, want %s", outcome_name(got), outcome_name(c->dev->outcome));
	judge_lines(c, got);
	if (c->log->bad_requests)
		hd_fail(c, "the driver sent %u requests the protocol does not have, first: %s",
			c->log->bad_requests, c->log->bad);
	if (c->log->error[0])
		hd_fail(c, "the device could not play its part: %s", c->log->error);
	if (c->report[0])
		hd_fail(c, "kernel report: %s", c->report);

	ok = !c->failed;
	if (ok && got == HD_REFUSED)
		snprintf(why, size, "refused: \"%s\"", c->lines[0]);
	else if (ok && got == HD_BOUND)
		snprintf(why, size, "bound: %s", c->did[0] ? c->did : "unplugged");
	else if (ok)
		snprintf(why, size, "%s", c->lax && got != HD_IGNORED ? outcome_name(got) :
					     "left alone: not bound, nothing said");
	else
		snprintf(why, size, "%s", c->why);
	printf("# %s: %s in %lld ms\n", c->dev->name, outcome_name(got),
	       (long long)(toaster_now_ms() - start));
	free(c);
	return ok;
}
