// SPDX-License-Identifier: GPL-2.0
/*
 * Every allocation and URB submission on the driver's paths, failed once:
 * open, read, poll, write, each ioctl, close, sysfs, probe (a bind through
 * sysfs runs it in our task) and resume (a sysfs read that wakes a
 * suspended toaster runs it in our task too).
 *
 * In our task the kernel's fail-nth does it (Documentation/fault-injection/
 * fault-injection.rst): write N to /proc/thread-self/fail-nth, make the
 * call, read it back: 0 means the Nth fault site on the way failed; for
 * N = 1, 2, ... until a call runs without the fault firing.  failslab
 * fails the allocations (ignore-gfp-wait off, so that GFP_KERNEL ones
 * count) and the driver's fail_submit its URB submissions.  What runs
 * outside our task, the resume that open() starts on a workqueue and the
 * interrupt URB resubmitted from its completion handler, gets
 * /sys/kernel/debug/toaster/fail_submit alone: the Kth submission from
 * then on fails (space = K, times = 1).
 *
 * Each fault must give a clean errno (ENOMEM, or success where the driver
 * absorbs it), change nothing that the call did not do, and leave the
 * toaster working: commands, the data path and the notifications.  The
 * kernel's own reports (crash, WARNING, KASAN, lockdep) fail the run in
 * scripts/vm; --kmemleak scans for leaks at the end.  Prints per path how
 * many fault sites were tried.
 *
 *   toaster_faults [--stride S] [--kmemleak] [PATH...]
 *
 * S > 1 tries every Sth site only (CI's size); no PATH: all of them.
 */
#define _GNU_SOURCE
#include <poll.h>

#include "toaster_stress.h"

static struct ts_toaster toaster;

#include "toaster_inject.h"

#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
#define TF_SITES_MAX	5000
#define TF_LEN		4096
#define TF_COUNT	2

/* What a path's steps share: the files it keeps, what it expects. */
struct tf_ctx {
	int fd;			/* open for the call, when the path needs one */
	int fd2;		/* another, to look through */
	unsigned int was;	/* the darkness (or lock) before the call */
	unsigned int want;	/* what the call asks for */
	struct ts_sysfs s;
	unsigned long n;
};

struct tf_path {
	const char *name;
	enum tf_how how;
	/* Unfaulted: gets the toaster ready for the call. */
	bool (*setup)(struct tf_ctx *c, struct ts_why *why);
	/* The call under fault: 0 or -errno. */
	int (*call)(struct tf_ctx *c);
	/* Unfaulted: what the call left, judged; puts things back. */
	bool (*after)(struct tf_ctx *c, int ret, struct ts_why *why);
	/* An errno besides ENOMEM that the call may end in, for after() to judge. */
	int also;
};

/*-------------------------------------------------------------------------*/
/* What the toaster must still do */

static int tf_open(int flags)
{
	return open(toaster.dev, flags);
}

static void tf_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Waits up to MS for the cached status to satisfy FIELD == WANT. */
#define tf_wait_status(fd, field, want, ms) ({				\
	struct toaster_status __st = { 0 };				\
	int64_t __end = toaster_now_ms() + (ms);			\
	bool __ok;							\
	while (!(__ok = !ts_status(fd, &__st) && __st.field == (want)) && \
	       toaster_now_ms() < __end)				\
		toaster_sleep_ms(20);					\
	__ok; })

/* LOOPBACK of TF_COUNT x TF_LEN bytes, every byte checked; SEED varies it. */
static int tf_loopback(int fd, unsigned int seed, bool check)
{
	unsigned char buf[TF_LEN * TF_COUNT];
	struct toaster_buffer ub = {
		.data = (__u64)(unsigned long)buf, .len = TF_LEN, .count = TF_COUNT,
	};
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 13 + seed);
	if (ioctl(fd, TOASTER_IOC_LOOPBACK, &ub))
		return -errno;
	for (i = 0; check && i < sizeof(buf); i++) {
		if (buf[i] != (unsigned char)(i * 13 + seed))
			return -EILSEQ;
	}
	return 0;
}

static int tf_burn(int fd)
{
	unsigned char buf[TF_LEN * TF_COUNT];
	struct toaster_buffer ub = {
		.data = (__u64)(unsigned long)buf, .len = TF_LEN, .count = TF_COUNT,
	};

	memset(buf, 0xb0, sizeof(buf));
	return ioctl(fd, TOASTER_IOC_BURN, &ub) ? -errno : 0;
}

/*
 * The data path is as a fresh toaster's: a burn pattern is burned, not
 * echoed into the next LOOPBACK, and a LOOPBACK echoes every byte.
 */
static bool tf_data_path_clean(struct ts_why *why)
{
	int fd = tf_open(O_RDWR), ret;

	if (fd < 0)
		return ts_fail(why, "open: %s", strerror(errno));
	ret = tf_burn(fd);
	/*
	 * The firmware decides burn or echo when its OUT thread gets to a
	 * packet, after the host has moved on: a SET_LOOPBACK right after a
	 * BURN can have the burn's last packets echoed (reported against the
	 * firmware).  A toaster left in loopback mode echoes it however long
	 * the pause.
	 */
	toaster_sleep_ms(200);
	if (!ret)
		ret = tf_loopback(fd, 0x21, true);
	close(fd);
	if (ret == -EILSEQ)
		return ts_fail(why, "after the fault, a BURN then a LOOPBACK: the echo was not what was sent (a stale echo: the toaster left in loopback mode?)");
	if (ret)
		return ts_fail(why, "after the fault, a BURN then a LOOPBACK: want success, got %s",
			       strerror(-ret));
	return true;
}

/*
 * Notifications still flow: the firmware's heater fault reaches the
 * driver's status through the interrupt endpoint alone, no request asked.
 */
static bool tf_notifications_flow(struct ts_why *why)
{
	struct ts_why gw;
	bool ok;
	int fd;

	/* A fault in usbcore's resume re-enumerates the toaster: wait for it. */
	if (!ts_wait_node(&toaster, true, 30000))
		return ts_fail(why, "%s not back within 30 s", toaster.dev);
	fd = tf_open(O_RDWR);
	if (fd < 0)
		return ts_fail(why, "open: %s", strerror(errno));
	if (ts_gadget(&toaster, "overheat", &gw)) {
		close(fd);
		return ts_fail(why, "%s", gw.text);
	}
	ok = tf_wait_status(fd, state, TOASTER_STATE_FAULT, 5000);
	ts_command(fd, "cancel");
	close(fd);
	if (!ok)
		return ts_fail(why, "the firmware overheated, and in 5 s no notification brought the fault state: the interrupt URB is no longer running");
	return true;
}

/* Everything: commands, the data path, notifications. */
static bool tf_all_works(unsigned long n, struct ts_why *why)
{
	if (!ts_wait_node(&toaster, true, 30000))
		return ts_fail(why, "%s not there 30 s after the fault", toaster.dev);
	return ts_works(&toaster, 1 + n % 10, why) && tf_data_path_clean(why) &&
	       tf_notifications_flow(why);
}

/*-------------------------------------------------------------------------*/
/* The paths */

static bool tf_setup_none(struct tf_ctx *c, struct ts_why *why)
{
	return true;
}

static bool tf_setup_fd(struct tf_ctx *c, struct ts_why *why)
{
	c->fd = tf_open(O_RDWR);
	return c->fd >= 0 || ts_fail(why, "open: %s", strerror(errno));
}

/* A fresh file whose first call has been made: the toaster awake. */
static bool tf_setup_ready(struct tf_ctx *c, struct ts_why *why)
{
	struct toaster_status st;

	return tf_setup_fd(c, why) &&
	       (!ts_status(c->fd, &st) || ts_fail(why, "GET_STATUS: %s", strerror(errno)));
}

static bool tf_after_close(struct tf_ctx *c, int ret, struct ts_why *why)
{
	tf_close(&c->fd);
	tf_close(&c->fd2);
	return true;
}

static int tf_call_open(struct tf_ctx *c)
{
	c->fd = tf_open(O_RDWR);
	return c->fd < 0 ? -errno : 0;
}

static int tf_call_read(struct tf_ctx *c)
{
	char text[512];

	return pread(c->fd, text, sizeof(text), 0) > 0 ? 0 : -errno;
}

static int tf_call_poll(struct tf_ctx *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	return poll(&pfd, 1, 0) < 0 ? -errno : 0;
}

static int tf_call_get_status(struct tf_ctx *c)
{
	struct toaster_status st;

	return ts_status(c->fd, &st);
}

static int tf_call_get_info(struct tf_ctx *c)
{
	struct toaster_info info;

	return ioctl(c->fd, TOASTER_IOC_GET_INFO, &info) ? -errno : 0;
}

/* Darkness WAS now; the call is to ask for WANT. */
static bool tf_setup_darkness(struct tf_ctx *c, struct ts_why *why)
{
	char cmd[32];

	if (!tf_setup_ready(c, why))
		return false;
	c->was = 1 + c->n % 9;
	c->want = c->was + 1;
	snprintf(cmd, sizeof(cmd), "darkness %u", c->was);
	return !ts_command(c->fd, cmd) || ts_fail(why, "'%s': %s", cmd, strerror(errno));
}

/* A command that failed changed nothing; one that succeeded took effect. */
static bool tf_after_darkness(struct tf_ctx *c, int ret, struct ts_why *why)
{
	bool ok = true;

	if (!ret && !tf_wait_status(c->fd, darkness, c->want, 2000))
		ok = ts_fail(why, "the call succeeded, and the status never showed darkness %u", c->want);
	if (ret) {
		toaster_sleep_ms(200);
		if (!tf_wait_status(c->fd, darkness, c->was, 0))
			ok = ts_fail(why, "the call failed (%s), and yet the darkness changed from %u",
				     strerror(-ret), c->was);
	}
	tf_after_close(c, ret, why);
	return ok;
}

static int tf_call_write(struct tf_ctx *c)
{
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "darkness %u", c->want);
	return ts_command(c->fd, cmd);
}

static int tf_call_set_darkness(struct tf_ctx *c)
{
	return ts_ioctl_u32(c->fd, TOASTER_IOC_SET_DARKNESS, c->want);
}

static int tf_call_sysfs_darkness(struct tf_ctx *c)
{
	char value[8];

	snprintf(value, sizeof(value), "%u", c->want);
	return ts_sysfs_write(c->s.intf, "darkness", value);
}

static int tf_call_sysfs_read(struct tf_ctx *c)
{
	char state[32];

	return ts_sysfs_read(c->s.intf, "state", state, sizeof(state));
}

/* Idle, unlocked: a toast may start. */
static bool tf_setup_idle(struct tf_ctx *c, struct ts_why *why)
{
	struct toaster_status st;

	if (!tf_setup_ready(c, why) || ts_status(c->fd, &st))
		return ts_fail(why, "GET_STATUS: %s", strerror(errno));
	if ((toaster_state_is_busy(st.state) || st.state == TOASTER_STATE_FAULT) &&
	    ts_command(c->fd, "cancel"))
		return ts_fail(why, "cancel: %s", strerror(errno));
	return !st.safety_lock || !ts_command(c->fd, "unlock") ||
	       ts_fail(why, "unlock: %s", strerror(errno));
}

static int tf_call_toast(struct tf_ctx *c)
{
	return ts_ioctl_u32(c->fd, TOASTER_IOC_TOAST, 1);
}

/* Toasting, or done with it: what TOAST leaves, and CANCEL ends. */
static bool tf_toasting(int fd)
{
	struct toaster_status st;

	return !ts_status(fd, &st) &&
	       (toaster_state_is_busy(st.state) || st.state == TOASTER_STATE_DONE);
}

/*
 * A TOAST (@toast) or CANCEL that succeeded took effect: the status shows
 * it within 2 s (the read after a command may have been the site that
 * failed, and the notification brings it); one that failed changed nothing.
 */
static bool tf_after_toast_or_cancel(struct tf_ctx *c, int ret, bool toast, struct ts_why *why)
{
	const char *what = toast ? "TOAST" : "CANCEL";
	int64_t end = toaster_now_ms() + 2000;
	bool ok = true;

	if (ret) {
		toaster_sleep_ms(200);
		if (tf_toasting(c->fd) == toast)
			ok = ts_fail(why, "%s failed (%s), and yet the toaster is %s", what,
				     strerror(-ret), toast ? "toasting" : "not toasting");
	} else {
		while (tf_toasting(c->fd) != toast && toaster_now_ms() < end)
			toaster_sleep_ms(20);
		if (tf_toasting(c->fd) != toast)
			ok = ts_fail(why, "%s succeeded, and 2 s later the toaster is %s", what,
				     toast ? "not toasting" : "toasting");
	}
	ts_command(c->fd, "cancel");
	tf_after_close(c, ret, why);
	return ok;
}

static bool tf_after_toast(struct tf_ctx *c, int ret, struct ts_why *why)
{
	return tf_after_toast_or_cancel(c, ret, true, why);
}

static bool tf_setup_toasting(struct tf_ctx *c, struct ts_why *why)
{
	return tf_setup_idle(c, why) &&
	       (!ts_command(c->fd, "toast 10") || ts_fail(why, "toast 10: %s", strerror(errno)));
}

static int tf_call_cancel(struct tf_ctx *c)
{
	return ioctl(c->fd, TOASTER_IOC_CANCEL) ? -errno : 0;
}

static bool tf_after_cancel(struct tf_ctx *c, int ret, struct ts_why *why)
{
	return tf_after_toast_or_cancel(c, ret, false, why);
}

static int tf_call_lock(struct tf_ctx *c)
{
	return ts_ioctl_u32(c->fd, TOASTER_IOC_SET_LOCK, 1);
}

static bool tf_after_lock(struct tf_ctx *c, int ret, struct ts_why *why)
{
	bool ok = true;

	if (!ret && !tf_wait_status(c->fd, safety_lock, 1, 2000))
		ok = ts_fail(why, "SET_LOCK 1 succeeded, and the status never showed the lock");
	if (ret) {
		toaster_sleep_ms(200);
		if (!tf_wait_status(c->fd, safety_lock, 0, 0))
			ok = ts_fail(why, "SET_LOCK 1 failed (%s), and yet the toaster is locked",
				     strerror(-ret));
	}
	ts_command(c->fd, "unlock");
	tf_after_close(c, ret, why);
	return ok;
}

static int tf_call_burn(struct tf_ctx *c)
{
	return tf_burn(c->fd);
}

static int tf_call_loopback(struct tf_ctx *c)
{
	return tf_loopback(c->fd, (unsigned int)c->n, true);
}

static bool tf_after_stream(struct tf_ctx *c, int ret, struct ts_why *why)
{
	tf_after_close(c, ret, why);
	if (ret == -EILSEQ)
		return ts_fail(why, "LOOPBACK succeeded, and the echo differs from what was sent");
	return tf_data_path_clean(why);
}

static int tf_call_session_on(struct tf_ctx *c)
{
	return ts_ioctl_u32(c->fd, TOASTER_IOC_SET_LOOPBACK, 1);
}

static bool tf_after_session_on(struct tf_ctx *c, int ret, struct ts_why *why)
{
	int echo = ret ? 0 : tf_loopback(c->fd, 0x42, true);

	tf_after_close(c, ret, why);
	if (echo)
		return ts_fail(why, "SET_LOOPBACK 1 succeeded, and a LOOPBACK in the session: %s",
			       echo == -EILSEQ ? "the echo differs" : strerror(-echo));
	return tf_data_path_clean(why);
}

static bool tf_setup_session(struct tf_ctx *c, struct ts_why *why)
{
	return tf_setup_ready(c, why) &&
	       (!ts_ioctl_u32(c->fd, TOASTER_IOC_SET_LOOPBACK, 1) ||
		ts_fail(why, "SET_LOOPBACK 1: %s", strerror(errno)));
}

static int tf_call_session_off(struct tf_ctx *c)
{
	return ts_ioctl_u32(c->fd, TOASTER_IOC_SET_LOOPBACK, 0);
}

/* The last reference to a file holding a session: release() ends it. */
static int tf_call_close(struct tf_ctx *c)
{
	int ret = close(c->fd) ? -errno : 0;

	c->fd = -1;
	return ret;
}

static bool tf_bound(const struct tf_ctx *c)
{
	char driver[PATH_MAX + 16];

	snprintf(driver, sizeof(driver), "%s/driver", c->s.intf);
	return access(driver, F_OK) == 0;
}

/* Unbound, for the bind to probe. */
static bool tf_setup_unbound(struct tf_ctx *c, struct ts_why *why)
{
	int ret;

	if (!tf_bound(c))
		return true;
	ret = ts_write_file("/sys/bus/usb/drivers/toaster/unbind", c->s.intf_name);
	return !ret || ts_fail(why, "unbind %s: %s", c->s.intf_name, strerror(-ret));
}

static int tf_call_bind(struct tf_ctx *c)
{
	return ts_write_file("/sys/bus/usb/drivers/toaster/bind", c->s.intf_name);
}

static bool tf_after_bind(struct tf_ctx *c, int ret, struct ts_why *why)
{
	bool bound = tf_bound(c);

	if (!ret && (!bound || !ts_node_present(&toaster)))
		return ts_fail(why, "the bind succeeded, and %s%s", bound ? "" : "the interface has no driver",
			       ts_node_present(&toaster) ? "" : ", no node");
	if (ret && (bound || ts_node_present(&toaster)))
		return ts_fail(why, "the bind failed (%s), and yet %s", strerror(-ret),
			       bound ? "the interface is bound" : "the node is there");
	if (ret) {
		ret = tf_call_bind(c);
		if (ret)
			return ts_fail(why, "the bind after the failed one: %s", strerror(-ret));
	}
	return ts_works(&toaster, 1 + c->n % 10, why);
}

/*
 * Suspended: nothing open, autosuspend after 50 ms; then a delay of 3 s,
 * so that once the call has woken it the toaster stays awake for the
 * checks, with whatever its resume left, and is not resumed afresh.
 */
static bool tf_setup_suspended(struct tf_ctx *c, struct ts_why *why)
{
	char have[32] = "";

	if (ts_find_sysfs(&toaster, &c->s))
		return ts_fail(why, "%s has no sysfs directory", toaster.dev);
	if (ts_sysfs_write(c->s.usb, "power/autosuspend_delay_ms", "50") ||
	    ts_sysfs_write(c->s.usb, "power/control", "auto"))
		return ts_fail(why, "%s/power: cannot set autosuspend", c->s.usb);
	if (!ts_wait_runtime(&c->s, "suspended", 10000, have, sizeof(have)))
		return ts_fail(why, "want runtime_status suspended within 10 s, have '%s'", have);
	return !ts_sysfs_write(c->s.usb, "power/autosuspend_delay_ms", "3000") ||
	       ts_fail(why, "%s/power/autosuspend_delay_ms: cannot set it", c->s.usb);
}

/* Woken, the toaster answers, and its notifications flow again. */
static bool tf_after_resume(struct tf_ctx *c, int ret, struct ts_why *why)
{
	bool ok;

	/* The file keeps it awake through the checks. */
	ok = tf_notifications_flow(why);
	tf_after_close(c, ret, why);
	if (!ts_find_sysfs(&toaster, &c->s))
		ts_sysfs_write(c->s.usb, "power/control", "on");
	return ok && ts_works(&toaster, 1 + c->n % 10, why);
}

/* open() starts the resume on a workqueue; the first call waits for it. */
static int tf_call_open_wakes(struct tf_ctx *c)
{
	struct toaster_status st;

	c->fd = tf_open(O_RDWR);
	if (c->fd < 0)
		return -errno;
	return ts_status(c->fd, &st);
}

/* The interrupt URB completes with the overheat; its resubmission fails. */
static int tf_call_notification(struct tf_ctx *c)
{
	struct ts_why why;

	if (ts_gadget(&toaster, "overheat", &why))
		return -EIO;
	return tf_wait_status(c->fd, state, TOASTER_STATE_FAULT, 5000) ? 0 : -ETIMEDOUT;
}

static bool tf_after_notification(struct tf_ctx *c, int ret, struct ts_why *why)
{
	ts_command(c->fd, "cancel");
	tf_after_close(c, ret, why);
	return tf_notifications_flow(why);
}

static const struct tf_path tf_paths[] = {
	{ "open", TF_NTH, tf_setup_none, tf_call_open, tf_after_close, 0 },
	{ "read", TF_NTH, tf_setup_fd, tf_call_read, tf_after_close, 0 },
	{ "poll", TF_NTH, tf_setup_ready, tf_call_poll, tf_after_close, 0 },
	{ "ioctl_get_status", TF_NTH, tf_setup_fd, tf_call_get_status, tf_after_close, 0 },
	{ "ioctl_get_info", TF_NTH, tf_setup_fd, tf_call_get_info, tf_after_close, 0 },
	{ "write", TF_NTH, tf_setup_darkness, tf_call_write, tf_after_darkness, 0 },
	{ "ioctl_set_darkness", TF_NTH, tf_setup_darkness, tf_call_set_darkness, tf_after_darkness, 0 },
	{ "ioctl_toast", TF_NTH, tf_setup_idle, tf_call_toast, tf_after_toast, 0 },
	{ "ioctl_cancel", TF_NTH, tf_setup_toasting, tf_call_cancel, tf_after_cancel, 0 },
	{ "ioctl_set_lock", TF_NTH, tf_setup_idle, tf_call_lock, tf_after_lock, 0 },
	{ "ioctl_burn", TF_NTH, tf_setup_ready, tf_call_burn, tf_after_stream, 0 },
	{ "ioctl_loopback", TF_NTH, tf_setup_ready, tf_call_loopback, tf_after_stream, 0 },
	{ "ioctl_set_loopback_on", TF_NTH, tf_setup_ready, tf_call_session_on, tf_after_session_on, 0 },
	{ "ioctl_set_loopback_off", TF_NTH, tf_setup_session, tf_call_session_off, tf_after_stream, 0 },
	{ "close_ends_session", TF_NTH, tf_setup_session, tf_call_close, tf_after_stream, 0 },
	{ "sysfs_write", TF_NTH, tf_setup_darkness, tf_call_sysfs_darkness, tf_after_darkness, 0 },
	{ "sysfs_read", TF_NTH, tf_setup_ready, tf_call_sysfs_read, tf_after_close, 0 },
	{ "probe", TF_NTH, tf_setup_unbound, tf_call_bind, tf_after_bind, 0 },
	{ "resume_sysfs_read", TF_NTH, tf_setup_suspended, tf_call_sysfs_read, tf_after_resume, 0 },
	{ "resume_open", TF_SUBMIT, tf_setup_suspended, tf_call_open_wakes, tf_after_resume, 0 },
	/* A notification lost with its URB is ETIMEDOUT; after() says why. */
	{ "notification_resubmit", TF_SUBMIT, tf_setup_ready, tf_call_notification,
	  tf_after_notification, ETIMEDOUT },
};

#define TF_NPATHS (sizeof(tf_paths) / sizeof(tf_paths[0]))

/*
 * Sweeps one path: sites N = 1, 1 + stride, ... until the call runs with
 * its fault not fired.  Stops at the first site that misbehaves.
 */
static void tf_sweep(const struct tf_path *p, unsigned long stride)
{
	unsigned long n, tried = 0, failed = 0, absorbed = 0;
	int64_t start = toaster_now_ms();
	struct tf_ctx c = { .fd = -1, .fd2 = -1 };
	struct ts_why why = { "" };
	bool ok = true, fired = true;
	long devnum;
	int ret;

	if (ts_find_sysfs(&toaster, &c.s)) {
		ksft_test_result_fail("%s: %s has no sysfs directory\n", p->name, toaster.dev);
		return;
	}
	/* fail_submit's sites are few, and each is a different submission. */
	if (p->how == TF_SUBMIT)
		stride = 1;
	for (n = 1; ok && fired && n <= TF_SITES_MAX; n += stride) {
		c.n = n;
		if (!p->setup(&c, &why)) {
			ok = false;
			ksft_print_msg("%s: site %lu: before the call: %s\n", p->name, n, why.text);
			break;
		}
		devnum = tf_devnum();
		tf_arm(p->how, n);
		ret = p->call(&c);
		fired = tf_disarm(p->how);
		/*
		 * usbcore's own answer to a fault in its resume of the port:
		 * it disconnects the device and enumerates it again, and the
		 * call gets what runtime PM says of that.  The driver is
		 * judged on the toaster coming back and working.
		 */
		if (ret && ret != -ENOMEM && fired && tf_reenumerated(devnum)) {
			ksft_print_msg("%s: fault site %lu: usbcore re-enumerated the toaster; the call: %s\n",
				       p->name, n, strerror(-ret));
			ret = -ENOMEM;
		}
		if (fired) {
			tried++;
			failed += ret != 0;
			absorbed += ret == 0;
		}
		if (ret && !fired)
			ok = ts_fail(&why, "with no fault fired the call failed: %s", strerror(-ret));
		else if (ret && ret != -ENOMEM && ret != -p->also)
			ok = ts_fail(&why, "want ENOMEM or success, got %s", strerror(-ret));
		if (!p->after(&c, ret, ok ? &why : &(struct ts_why){ "" }) && ok)
			ok = false;
		/* A fault may take the toaster away (usbcore re-enumerates). */
		if (ok && ret && !ts_wait_node(&toaster, true, 30000))
			ok = ts_fail(&why, "%s not back 30 s after the fault", toaster.dev);
		if (!ok)
			ksft_print_msg("%s: fault site %lu (%s): %s\n", p->name, n,
				       p->how == TF_NTH ? "fail-nth" : "fail_submit space", why.text);
	}
	if (ok && fired)
		ok = ts_fail(&why, "more than %d fault sites", TF_SITES_MAX);
	if (ok && !tf_all_works(n, &why)) {
		ksft_print_msg("%s: after the sweep: %s\n", p->name, why.text);
		ok = false;
	}
	/* The next path starts from a fresh binding, whatever this one left. */
	if (!ok)
		tf_replug();
	ksft_print_msg("%s: %lu fault sites tried%s (%s): %lu failed the call with ENOMEM, %lu absorbed; %.1f s\n",
		       p->name, tried, stride > 1 ? " sparsely" : "",
		       p->how == TF_NTH ? "fail-nth" : "fail_submit", failed, absorbed,
		       (toaster_now_ms() - start) / 1000.0);
	ksft_test_result(ok, "%s\n", p->name);
}

/* kmemleak: anything unreferenced since the suite began. */
static bool tf_kmemleak(struct ts_why *why)
{
	char buf[4096];
	ssize_t n;
	int fd;

	toaster_sleep_ms(6000);		/* it ignores objects younger than 5 s */
	ts_write_file(KMEMLEAK, "scan");
	fd = open(KMEMLEAK, O_RDONLY);
	if (fd < 0)
		return ts_fail(why, "%s: %s", KMEMLEAK, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		ksft_print_msg("kmemleak:\n%s\n", buf);
		return ts_fail(why, "kmemleak found unreferenced objects");
	}
	return true;
}

static void tf_cleanup(void)
{
	struct ts_sysfs s;

	tf_knobs(false);
	if (!ts_find_sysfs(&toaster, &s))
		ts_sysfs_write(s.usb, "power/control", "on");
}

int main(int argc, char **argv)
{
	unsigned long stride = 1;
	bool kmemleak = false, want[TF_NPATHS];
	struct ts_why why = { "" };
	size_t i, n = 0;
	int a;

	ts_toaster_from_env(&toaster);
	memset(want, 0, sizeof(want));
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--stride") && a + 1 < argc) {
			stride = ts_number(argv[++a], "--stride");
			continue;
		}
		if (!strcmp(argv[a], "--kmemleak")) {
			kmemleak = true;
			continue;
		}
		for (i = 0; i < TF_NPATHS && strcmp(argv[a], tf_paths[i].name); i++)
			;
		if (i == TF_NPATHS)
			ksft_exit_fail_msg("unknown path '%s'\n", argv[a]);
		want[i] = true;
		n++;
	}
	if (!n) {
		memset(want, 1, sizeof(want));
		n = TF_NPATHS;
	}
	if (!stride)
		ksft_exit_fail_msg("--stride 0\n");
	ksft_print_header();
	ksft_set_plan(n + kmemleak);
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0)
		ksft_exit_skip("no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION): %s\n",
			       strerror(errno));
	if (access(FAILSLAB "ignore-gfp-wait", W_OK) || access(FAIL_SUBMIT "space", W_OK))
		ksft_exit_skip("no %s or %s (FAILSLAB, FAULT_INJECTION_DEBUG_FS)\n", FAILSLAB,
			       FAIL_SUBMIT);
	if (access(toaster.ctl, W_OK))
		ksft_exit_skip("no control FIFO at %s\n", toaster.ctl);
	if (kmemleak) {
		ts_write_file(KMEMLEAK, "scan");
		ts_write_file(KMEMLEAK, "clear");
	}
	tf_knobs(true);
	atexit(tf_cleanup);
	for (i = 0; i < TF_NPATHS; i++) {
		if (want[i])
			tf_sweep(&tf_paths[i], stride);
	}
	tf_knobs(false);
	if (kmemleak) {
		bool ok = tf_kmemleak(&why);

		if (!ok)
			ksft_print_msg("%s\n", why.text);
		ksft_test_result(ok, "kmemleak_finds_nothing\n");
	}
	ksft_finished();
}
