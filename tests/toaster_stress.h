/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the stress suites share (toaster_storm, toaster_faults, toaster_fuzz,
 * toaster_soak): the toaster under test and its firmware's control FIFO,
 * its sysfs directories (found again after every re-enumeration), files,
 * the status, and the checks every suite makes after it has done its worst:
 * the toaster answers a command, and runtime PM still puts it to sleep.
 * Header-only, as kselftest programs are built one source file each.
 *
 * The suites report KTAP through kselftest.h, one result per case; each
 * failure message says what was expected and what came.
 */
#ifndef TOASTER_STRESS_H
#define TOASTER_STRESS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest.h"
#include "toaster_clock.h"
#include "toaster_control.h"
#include "toaster_ioctl.h"
#include "toaster_proto.h"

/* A toaster: its node and its firmware's control FIFO (tests/lib.sh's names). */
struct ts_toaster {
	const char *dev;
	const char *ctl;
	/* Serialises commands to the FIFO: one ack is awaited at a time. */
	pthread_mutex_t ctl_lock;
};

#define TS_TOASTER_INIT(d, c) { .dev = (d), .ctl = (c), .ctl_lock = PTHREAD_MUTEX_INITIALIZER }

/* TOASTER_DEV and TOASTER_GADGET_CTL, empty being unset, as in lib.sh. */
static inline void ts_toaster_from_env(struct ts_toaster *t)
{
	const char *dev = getenv("TOASTER_DEV");
	const char *ctl = getenv("TOASTER_GADGET_CTL");

	t->dev = dev && *dev ? dev : "/dev/toaster0";
	t->ctl = ctl && *ctl ? ctl : "/run/toaster-stack/gadget.ctl";
	pthread_mutex_init(&t->ctl_lock, NULL);
}

/* A failure's text, for the case's result line: "expected X, got Y". */
struct ts_why {
	char text[512];
};

static inline __attribute__((format(printf, 2, 3)))
bool ts_fail(struct ts_why *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why->text, sizeof(why->text), fmt, ap);
	va_end(ap);
	return false;
}

static inline int ts_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static inline int ts_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/* A command through write(), as a user of the node sends one. */
static inline int ts_command(int fd, const char *text)
{
	return write(fd, text, strlen(text)) < 0 ? -errno : 0;
}

static inline int ts_ioctl_u32(int fd, unsigned long cmd, __u32 value)
{
	return ioctl(fd, cmd, &value) ? -errno : 0;
}

static inline int ts_status(int fd, struct toaster_status *st)
{
	return ioctl(fd, TOASTER_IOC_GET_STATUS, st) ? -errno : 0;
}

static inline bool ts_node_present(const struct ts_toaster *t)
{
	return access(t->dev, F_OK) == 0;
}

static inline bool ts_wait_node(const struct ts_toaster *t, bool present, int ms)
{
	int64_t end = toaster_now_ms() + ms;

	do {
		if (ts_node_present(t) == present)
			return true;
		toaster_sleep_ms(10);
	} while (toaster_now_ms() < end);
	return ts_node_present(t) == present;
}

/*
 * One command to the firmware, waited for: lib/toaster_control.c's
 * handshake, as the selftest and toaster-gadget-ctl have it.  0, -EIO for
 * a refusal (in why), -ETIMEDOUT, or -ENODEV with no firmware reading.
 */
static inline int ts_gadget(struct ts_toaster *t, const char *cmd, struct ts_why *why)
{
	enum toaster_control_result rc;
	char reply[256], what[512];

	pthread_mutex_lock(&t->ctl_lock);
	rc = toaster_control_send(t->ctl, cmd, TOASTER_CONTROL_TIMEOUT_MS, reply, sizeof(reply));
	pthread_mutex_unlock(&t->ctl_lock);
	if (rc == TOASTER_CONTROL_OK)
		return 0;
	ts_fail(why, "firmware: %s",
		toaster_control_describe(rc, t->ctl, cmd, reply, what, sizeof(what)));
	switch (rc) {
	case TOASTER_CONTROL_TIMEOUT:
		return -ETIMEDOUT;
	case TOASTER_CONTROL_GONE:
		return -ENODEV;
	default:
		return -EIO;
	}
}

/*
 * The interface's sysfs directory (/sys/bus/usb/devices/B-P:C.I) and its
 * USB device's, as they are now: a re-enumerated toaster may come back
 * elsewhere.  Empty strings if the node is gone.
 */
struct ts_sysfs {
	char intf[PATH_MAX];
	char usb[PATH_MAX];
	const char *intf_name;		/* within intf: "1-1:1.0" */
};

static inline int ts_find_sysfs(const struct ts_toaster *t, struct ts_sysfs *s)
{
	const char *name = strrchr(t->dev, '/');
	char link[PATH_MAX];

	snprintf(link, sizeof(link), "/sys/class/usbmisc/%s/device", name ? name + 1 : t->dev);
	if (!realpath(link, s->intf)) {
		s->intf[0] = s->usb[0] = '\0';
		s->intf_name = s->intf;
		return -errno;
	}
	snprintf(s->usb, sizeof(s->usb), "%s", s->intf);
	*strrchr(s->usb, '/') = '\0';
	s->intf_name = strrchr(s->intf, '/') + 1;
	return 0;
}

/*
 * The node of the toaster on interface INTF (a sysfs path) now, in DEV:
 * with two toasters replugged in turn their minors, and so their names,
 * may swap.  -ENOENT while it has none.
 */
static inline int ts_node_of(const char *intf, char *dev, size_t size)
{
	char path[PATH_MAX + 16];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/usbmisc", intf);
	dir = opendir(path);
	if (!dir)
		return -ENOENT;
	while ((d = readdir(dir)) && d->d_name[0] == '.')
		;
	if (d)
		snprintf(dev, size, "/dev/%s", d->d_name);
	closedir(dir);
	return d ? 0 : -ENOENT;
}

static inline int ts_sysfs_read(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return ts_read_file(path, buf, size);
}

static inline int ts_sysfs_write(const char *dir, const char *name, const char *value)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return ts_write_file(path, value);
}

/* Waits up to MS for the USB device's power/runtime_status to be WANT. */
static inline bool ts_wait_runtime(const struct ts_sysfs *s, const char *want, int ms,
				   char *have, size_t size)
{
	int64_t end = toaster_now_ms() + ms;

	do {
		if (ts_sysfs_read(s->usb, "power/runtime_status", have, size) == 0 &&
		    !strcmp(have, want))
			return true;
		toaster_sleep_ms(20);
	} while (toaster_now_ms() < end);
	return false;
}

/*
 * The toaster answers: a command through write() takes effect, and both
 * GET_STATUS and read() show it.  Cancels a toast first, as darkness is
 * refused while toasting, and unlocks.  @darkness 1..10.
 */
static inline bool ts_works(const struct ts_toaster *t, unsigned int darkness,
			    struct ts_why *why)
{
	struct toaster_status st;
	char text[512], want[32], cmd[32];
	ssize_t n;
	int fd, ret;

	fd = open(t->dev, O_RDWR);
	if (fd < 0)
		return ts_fail(why, "open %s: %s", t->dev, strerror(errno));
	ret = ts_status(fd, &st);
	if (!ret && toaster_state_is_busy(st.state))
		ret = ts_command(fd, "cancel");
	if (!ret && st.safety_lock)
		ret = ts_command(fd, "unlock");
	snprintf(cmd, sizeof(cmd), "darkness %u", darkness);
	if (!ret)
		ret = ts_command(fd, cmd);
	if (!ret)
		ret = ts_status(fd, &st);
	if (ret) {
		close(fd);
		return ts_fail(why, "%s: cancel, unlock, '%s', GET_STATUS: want success, got %s",
			       t->dev, cmd, strerror(-ret));
	}
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	if (st.darkness != darkness)
		return ts_fail(why, "%s: after '%s' GET_STATUS says darkness %u", t->dev, cmd,
			       st.darkness);
	if (n <= 0)
		return ts_fail(why, "%s: read after '%s': %s", t->dev, cmd,
			       n ? strerror(errno) : "end of file");
	text[n] = '\0';
	snprintf(want, sizeof(want), "darkness: %u\n", darkness);
	if (!strstr(text, want))
		return ts_fail(why, "%s: read after '%s' has no '%.*s': %s", t->dev, cmd,
			       (int)strlen(want) - 1, want, text);
	return true;
}

/*
 * Runtime PM still works: with nothing open and nothing toasting, the
 * toaster autosuspends (defect 4 of issue 10: a binding that kept runtime
 * PM references would keep it awake for good).  Leaves power/control on.
 */
static inline bool ts_autosuspends(const struct ts_toaster *t, struct ts_why *why)
{
	struct ts_sysfs s;
	char have[32] = "";
	bool ok;

	if (ts_find_sysfs(t, &s))
		return ts_fail(why, "%s: no sysfs directory", t->dev);
	if (ts_sysfs_write(s.usb, "power/autosuspend_delay_ms", "100") ||
	    ts_sysfs_write(s.usb, "power/control", "auto"))
		return ts_fail(why, "%s/power: cannot set autosuspend", s.usb);
	ok = ts_wait_runtime(&s, "suspended", 10000, have, sizeof(have));
	ts_sysfs_write(s.usb, "power/control", "on");
	if (!ok)
		return ts_fail(why, "%s: idle with no file open, want runtime_status 'suspended' within 10 s, have '%s'",
			       s.usb, have);
	return true;
}

/* splitmix64: small, and the same sequence everywhere for a seed. */
static inline uint64_t ts_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline unsigned long ts_below(uint64_t *state, unsigned long n)
{
	return n ? ts_rand(state) % n : 0;
}

/* What a thread found wrong: how many, and the first few, to print. */
struct ts_findings {
	unsigned long n;
	char first[3][256];
};

static inline __attribute__((format(printf, 2, 3)))
void ts_finding(struct ts_findings *f, const char *fmt, ...)
{
	va_list ap;

	if (f->n < 3) {
		va_start(ap, fmt);
		vsnprintf(f->first[f->n], sizeof(f->first[0]), fmt, ap);
		va_end(ap);
	}
	f->n++;
}

/* The current value of a module parameter of toaster.ko, or -1. */
static inline long ts_param(const char *name)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), "/sys/module/toaster/parameters/%s", name);
	return ts_read_file(path, buf, sizeof(buf)) ? -1 : atol(buf);
}

static inline int ts_set_param(const char *name, long value)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), "/sys/module/toaster/parameters/%s", name);
	snprintf(buf, sizeof(buf), "%ld", value);
	return ts_write_file(path, buf);
}

/* A number from the command line, or exit with usage. */
static inline unsigned long ts_number(const char *text, const char *what)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(text, &end, 0);
	if (errno || end == text || *end)
		ksft_exit_fail_msg("%s: not a number: '%s'\n", what, text);
	return n;
}

#endif /* TOASTER_STRESS_H */
