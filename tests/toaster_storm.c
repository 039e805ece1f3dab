// SPDX-License-Identifier: GPL-2.0
/*
 * Storms: the toaster taken away from the driver over and over while
 * callers are blocked in it, and given back.  Each cycle opens four files
 * and blocks a caller in each: a read (pread at offset 0 after reading the
 * current status waits for a change), a poll, a write and a LOOPBACK ioctl
 * (the firmware's slow-bulk fault holds bulk data up).  Then it cuts:
 *
 *   unplug      the cable, through the firmware's control FIFO; the write
 *               is a toast the firmware never answers (fault hang toast)
 *   unbind      /sys/bus/usb/drivers/toaster/unbind, then bind
 *   authorized  the USB device's authorized 0, then 1
 *   usbdevfs    USBDEVFS_DISCONNECT, then USBDEVFS_CONNECT, through usbfs
 *
 * and for the last three a toast is running too (the write is a command
 * waiting behind the LOOPBACK).  Every blocked call must end, within 15 s,
 * in ENODEV or EIO (a poll in POLLHUP | POLLERR, the read after it in
 * ENODEV); once the toaster is back it must answer a command.
 *
 *   rmmod       files open, callers blocked and a toast running: unloading
 *               toaster.ko must fail cleanly (EAGAIN, the module in use)
 *               and leave them be; closed, it unloads with the toast still
 *               running and loads again.
 *
 * After every storm the toaster must still autosuspend when idle: a
 * binding that kept runtime PM references (defect 4 of issue 10) would
 * hold it awake.  Prints the cycles and the time per cycle.
 *
 *   toaster_storm [--module TOASTER_KO] METHOD:CYCLES...
 *
 * tests/e2e/storm-*.sh run it; the cycle counts are theirs.
 */
#define _GNU_SOURCE
#include <linux/usbdevice_fs.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>

#include "toaster_stress.h"

#define TS_SLOW_BULK_MS		1500
/* Longer than any cut takes, so that a hung toast is cut, not timed out. */
#define TS_STORM_TIMEOUT_MS	10000
#define TS_RETURN_MS		15000
#define TS_BLOCK_MS		10000
#define TS_BACK_MS		30000
#define TS_LOOPBACK_LEN		4096
#define TS_LOOPBACK_COUNT	2

static struct ts_toaster toaster;
static const char *module_path;
/* Where the toaster was at the start, to put it back from anything. */
static struct ts_sysfs first;
static long saved_timeout = -1;

enum ts_method { M_UNPLUG, M_UNBIND, M_AUTHORIZED, M_USBDEVFS, M_RMMOD, M_COUNT };

static const char *const method_names[M_COUNT] = {
	"unplug", "unbind", "authorized", "usbdevfs", "rmmod",
};

enum ts_kind { K_READ, K_POLL, K_WRITE, K_LOOPBACK, K_COUNT };

static const char *const kind_names[K_COUNT] = { "read", "poll", "write", "LOOPBACK" };
static const long kind_syscalls[K_COUNT] = {
	SYS_pread64, SYS_poll, SYS_write, SYS_ioctl,
};

/* One blocked caller: a thread making its kind of call until one fails. */
struct ts_caller {
	enum ts_kind kind;
	int fd;
	const char *cmd;		/* K_WRITE */
	pthread_t thread;
	bool started;
	volatile pid_t tid;
	volatile int calls;
	volatile bool done;
	int err;			/* errno of the call that ended it */
	short revents;			/* K_POLL: what poll said at the end */
	char what[160];			/* anything it met that it should not */
};

static void ts_on_signal(int sig)
{
	(void)sig;
}

static void *ts_caller_main(void *arg)
{
	struct ts_caller *c = arg;
	unsigned char buf[TS_LOOPBACK_LEN * TS_LOOPBACK_COUNT];
	struct toaster_buffer ub = {
		.data = (__u64)(unsigned long)buf,
		.len = TS_LOOPBACK_LEN,
		.count = TS_LOOPBACK_COUNT,
	};
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t n;

	c->tid = gettid();
	for (;; __atomic_add_fetch(&c->calls, 1, __ATOMIC_RELAXED)) {
		switch (c->kind) {
		case K_READ:
			n = pread(c->fd, buf, sizeof(buf), 0);
			if (n > 0)
				continue;
			if (n == 0)
				snprintf(c->what, sizeof(c->what), "pread at 0 gave end of file");
			break;
		case K_POLL:
			if (poll(&pfd, 1, -1) < 0)
				break;
			if (!(pfd.revents & (POLLHUP | POLLERR))) {
				/* News: read it, and wait for the next. */
				if (pread(c->fd, buf, sizeof(buf), 0) > 0)
					continue;
				/* The cut came between the two: the next poll says so. */
				if (errno == ENODEV || errno == EIO)
					continue;
				snprintf(c->what, sizeof(c->what),
					 "the read after POLLIN failed: %s", strerror(errno));
				break;
			}
			c->revents = pfd.revents;
			n = pread(c->fd, buf, sizeof(buf), 0);
			if (n >= 0)
				snprintf(c->what, sizeof(c->what),
					 "poll said 0x%x, and the read after it returned %zd",
					 pfd.revents, n);
			break;
		case K_WRITE:
			if (write(c->fd, c->cmd, strlen(c->cmd)) >= 0 || errno == EBUSY)
				continue;
			break;
		case K_LOOPBACK:
			memset(buf, 0x5a, sizeof(buf));
			if (ioctl(c->fd, TOASTER_IOC_LOOPBACK, &ub) == 0)
				continue;
			break;
		default:
			break;
		}
		break;
	}
	c->err = errno;
	__atomic_store_n(&c->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Whether the caller's thread is in its system call now. */
static bool ts_caller_blocked(const struct ts_caller *c)
{
	char path[64], buf[128];

	if (!c->tid)
		return false;
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", c->tid);
	if (ts_read_file(path, buf, sizeof(buf)))
		return false;
	return atol(buf) == kind_syscalls[c->kind] && buf[0] != 'r';
}

static bool ts_start_caller(struct ts_caller *c, struct ts_why *why)
{
	int64_t end = toaster_now_ms() + TS_BLOCK_MS;

	c->fd = open(toaster.dev, O_RDWR);
	if (c->fd < 0)
		return ts_fail(why, "open %s for the %s: %s", toaster.dev, kind_names[c->kind],
			       strerror(errno));
	if (pthread_create(&c->thread, NULL, ts_caller_main, c))
		return ts_fail(why, "pthread_create failed");
	c->started = true;
	/* Seen in its system call once is enough: a toast's changes wake it. */
	while (!ts_caller_blocked(c)) {
		if (c->done)
			return ts_fail(why, "the %s ended before the cut: %s%s%s", kind_names[c->kind],
				       strerror(c->err), *c->what ? "; " : "", c->what);
		if (toaster_now_ms() > end)
			return ts_fail(why, "the %s never blocked in %d ms", kind_names[c->kind],
				       TS_BLOCK_MS);
		toaster_sleep_ms(5);
	}
	return true;
}

/* Waits for every started caller to end, and judges how each ended. */
static bool ts_end_callers(struct ts_caller *callers, int n, int expect_err,
			   struct ts_why *why)
{
	int64_t end = toaster_now_ms() + TS_RETURN_MS;
	bool ok = true;
	int i;

	for (i = 0; i < n; i++) {
		struct ts_caller *c = &callers[i];

		if (!c->started)
			continue;
		while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE) && toaster_now_ms() < end) {
			/* Again and again: one that came between two calls is lost. */
			if (expect_err == EINTR)
				pthread_kill(c->thread, SIGUSR1);
			toaster_sleep_ms(5);
		}
		if (!c->done) {
			/* Nothing to join: the process must end to free it. */
			ksft_exit_fail_msg("the blocked %s did not return within %d ms of the cut (still in syscall %ld): the driver hangs it\n",
					   kind_names[c->kind], TS_RETURN_MS, kind_syscalls[c->kind]);
		}
		pthread_join(c->thread, NULL);
		c->started = false;
		if (!ok)
			continue;
		if (*c->what)
			ok = ts_fail(why, "the blocked %s: %s", kind_names[c->kind], c->what);
		else if (expect_err ? c->err != expect_err : c->err != ENODEV && c->err != EIO)
			ok = ts_fail(why, "the blocked %s (after %d calls): want %s, got %s",
				     kind_names[c->kind], c->calls,
				     expect_err ? strerror(expect_err) : "ENODEV or EIO",
				     strerror(c->err));
		else if (c->kind == K_POLL && !expect_err &&
			 (c->revents & (POLLHUP | POLLERR)) != (POLLHUP | POLLERR))
			ok = ts_fail(why, "the blocked poll: want POLLHUP | POLLERR, got 0x%x",
				     c->revents);
	}
	for (i = 0; i < n; i++) {
		if (callers[i].fd >= 0)
			close(callers[i].fd);
		callers[i].fd = -1;
	}
	return ok;
}

/* The USB device's usbfs node, and the toaster's interface number. */
static int ts_usbfs(const struct ts_sysfs *s, char *path, size_t size, int *ifno)
{
	char bus[16], dev[16], num[16];

	if (ts_sysfs_read(s->usb, "busnum", bus, sizeof(bus)) ||
	    ts_sysfs_read(s->usb, "devnum", dev, sizeof(dev)) ||
	    ts_sysfs_read(s->intf, "bInterfaceNumber", num, sizeof(num)))
		return -ENOENT;
	snprintf(path, size, "/dev/bus/usb/%03d/%03d", atoi(bus), atoi(dev));
	*ifno = (int)strtol(num, NULL, 16);
	return 0;
}

static int ts_usbfs_ioctl(const char *path, int ifno, int code)
{
	struct usbdevfs_ioctl req = { .ifno = ifno, .ioctl_code = code };
	int fd = open(path, O_RDWR), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, USBDEVFS_IOCTL, &req) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* Takes the toaster away from the driver (@away), or gives it back. */
static bool ts_cut(enum ts_method m, const struct ts_sysfs *s, bool away, struct ts_why *why)
{
	char usbfs[64];
	int ifno, ret = 0;

	switch (m) {
	case M_UNPLUG:
		if (!away && ts_gadget(&toaster, "clear", why))
			return false;
		return !ts_gadget(&toaster, away ? "unplug" : "plug", why);
	case M_UNBIND:
		ret = ts_write_file(away ? "/sys/bus/usb/drivers/toaster/unbind" :
				    "/sys/bus/usb/drivers/toaster/bind", s->intf_name);
		break;
	case M_AUTHORIZED:
		ret = ts_sysfs_write(s->usb, "authorized", away ? "0" : "1");
		break;
	case M_USBDEVFS:
		ret = ts_usbfs(s, usbfs, sizeof(usbfs), &ifno);
		if (!ret)
			ret = ts_usbfs_ioctl(usbfs, ifno, away ? USBDEVFS_DISCONNECT :
					     USBDEVFS_CONNECT);
		break;
	default:
		return ts_fail(why, "no cut for %s", method_names[m]);
	}
	if (ret)
		return ts_fail(why, "%s (%s): %s", method_names[m], away ? "away" : "back",
			       strerror(-ret));
	return true;
}

/* After the cut: the faults cleared, the toaster given back, its node back. */
static bool ts_back(enum ts_method m, const struct ts_sysfs *s, struct ts_why *why)
{
	if (m != M_UNPLUG && ts_gadget(&toaster, "clear", why))
		return false;
	if ((m == M_UNPLUG || m == M_AUTHORIZED) && !ts_wait_node(&toaster, false, 10000))
		return ts_fail(why, "%s still there 10 s after the %s", toaster.dev, method_names[m]);
	if (!ts_cut(m, s, false, why))
		return false;
	if (!ts_wait_node(&toaster, true, TS_BACK_MS))
		return ts_fail(why, "%s not back %d ms after the %s ended", toaster.dev,
			       TS_BACK_MS, method_names[m]);
	return true;
}

/*
 * One cycle of a cutting storm.  Even unplug cycles block the write before
 * the LOOPBACK (a hung toast holds io_mutex, the LOOPBACK waits for it),
 * the others the LOOPBACK first (in the stream engine, the write behind).
 */
static bool ts_cycle(enum ts_method m, unsigned long cycle, struct ts_why *why)
{
	struct ts_caller callers[K_COUNT];
	/*
	 * The read and the poll first: a file's first call waits for
	 * io_mutex (toaster_file_ready()), which the other two hold.
	 */
	static const enum ts_kind stream_first[K_COUNT] = { K_READ, K_POLL, K_LOOPBACK, K_WRITE };
	static const enum ts_kind write_first[K_COUNT] = { K_READ, K_POLL, K_WRITE, K_LOOPBACK };
	const enum ts_kind *order = m == M_UNPLUG && cycle % 2 == 0 ? write_first : stream_first;
	struct ts_why cut_why;
	char cmd[32];
	struct ts_sysfs s;
	int i, fd;
	bool ok = true;

	memset(callers, 0, sizeof(callers));
	for (i = 0; i < K_COUNT; i++) {
		callers[i].kind = (enum ts_kind)i;
		callers[i].fd = -1;
	}
	if (ts_find_sysfs(&toaster, &s))
		return ts_fail(why, "%s has no sysfs directory", toaster.dev);
	if (m == M_UNPLUG) {
		callers[K_WRITE].cmd = "toast";
		if (ts_gadget(&toaster, "fault hang toast", why))
			return false;
	} else {
		/* A toast running, unless one still is (EBUSY). */
		fd = open(toaster.dev, O_RDWR);
		if (fd < 0)
			return ts_fail(why, "open: %s", strerror(errno));
		i = ts_command(fd, "toast 10");
		close(fd);
		if (i && i != -EBUSY)
			return ts_fail(why, "toast 10: want success or EBUSY, got %s", strerror(-i));
		snprintf(cmd, sizeof(cmd), "darkness %lu", 1 + cycle % 10);
		callers[K_WRITE].cmd = cmd;
	}
	if (ts_gadget(&toaster, "fault slow-bulk 1500", why))
		return false;
	for (i = 0; i < K_COUNT && ok; i++)
		ok = ts_start_caller(&callers[order[i]], why);
	/* The cut, whatever failed before: only it ends the callers started. */
	if (!ts_cut(m, &s, true, &cut_why))
		ksft_exit_fail_msg("%s, cycle %lu: %s%s%s\n", method_names[m], cycle,
				   ok ? "" : why->text, ok ? "" : "; and then ", cut_why.text);
	ok = ts_end_callers(callers, K_COUNT, 0, ok ? why : &cut_why) && ok;
	/* Back, whatever happened: the next cycle and the next test need it. */
	if (!ts_back(m, &s, ok ? why : &cut_why) || !ok)
		return false;
	return ts_works(&toaster, 1 + (cycle + 3) % 10, why);
}

/* The module's reference count, from sysfs; -1 if it is not loaded. */
static long ts_module_refcnt(void)
{
	char buf[32];

	return ts_read_file("/sys/module/toaster/refcnt", buf, sizeof(buf)) ? -1 : atol(buf);
}

/*
 * rmmod with files open, callers blocked and a toast running: refused,
 * and nothing disturbed; with the files closed, the toast still running,
 * the module goes, and comes back.
 */
static bool ts_rmmod_cycle(unsigned long cycle, struct ts_why *why)
{
	struct ts_caller callers[2] = {
		{ .kind = K_READ, .fd = -1 }, { .kind = K_POLL, .fd = -1 },
	};
	struct toaster_status st;
	int fd, ko, ret, i;
	bool ok = true;
	int64_t end;

	fd = open(toaster.dev, O_RDWR);
	if (fd < 0)
		return ts_fail(why, "open: %s", strerror(errno));
	ret = ts_command(fd, "toast 10");
	if (ret && ret != -EBUSY) {
		close(fd);
		return ts_fail(why, "toast 10: want success or EBUSY, got %s", strerror(-ret));
	}
	for (i = 0; i < 2 && ok; i++)
		ok = ts_start_caller(&callers[i], why);
	if (ok && !syscall(SYS_delete_module, "toaster", O_NONBLOCK))
		ksft_exit_fail_msg("cycle %lu: rmmod with files open succeeded: want EAGAIN\n", cycle);
	ret = errno;
	if (ok && ret != EAGAIN && ret != EBUSY)
		ok = ts_fail(why, "rmmod with files open: want EAGAIN or EBUSY, got %s",
			     strerror(ret));
	if (ok && ts_module_refcnt() <= 0)
		ok = ts_fail(why, "with files open, /sys/module/toaster/refcnt is %ld",
			     ts_module_refcnt());
	for (i = 0; i < 2 && ok; i++) {
		if (callers[i].done)
			ok = ts_fail(why, "the blocked %s ended at the refused rmmod: %s",
				     kind_names[callers[i].kind], strerror(callers[i].err));
	}
	if (ok && ts_status(fd, &st))
		ok = ts_fail(why, "GET_STATUS after the refused rmmod: %s", strerror(errno));
	/* A signal ends the blocked calls: EINTR, the only way out for them. */
	if (!ts_end_callers(callers, 2, EINTR, why) || !ok) {
		close(fd);
		return false;
	}
	close(fd);
	for (end = toaster_now_ms() + 5000;; toaster_sleep_ms(20)) {
		if (!syscall(SYS_delete_module, "toaster", O_NONBLOCK))
			break;
		if (errno != EAGAIN || toaster_now_ms() > end)
			return ts_fail(why, "rmmod with every file closed, a toast running: %s (refcnt %ld)",
				       strerror(errno), ts_module_refcnt());
	}
	if (ts_node_present(&toaster))
		return ts_fail(why, "%s still there after rmmod", toaster.dev);
	ko = open(module_path, O_RDONLY | O_CLOEXEC);
	if (ko < 0)
		return ts_fail(why, "open %s: %s", module_path, strerror(errno));
	ret = syscall(SYS_finit_module, ko, "", 0) ? errno : 0;
	close(ko);
	if (ret)
		return ts_fail(why, "loading %s again: %s", module_path, strerror(ret));
	if (!ts_wait_node(&toaster, true, TS_BACK_MS))
		return ts_fail(why, "%s not back %d ms after loading the module", toaster.dev,
			       TS_BACK_MS);
	return ts_works(&toaster, 1 + (cycle + 3) % 10, why);
}

/* Puts the toaster back as the storms found it, whatever happened. */
static void ts_restore(void)
{
	struct ts_why why;

	char usbfs[64];
	int ifno, ko;

	ts_gadget(&toaster, "clear", &why);
	if (!ts_node_present(&toaster) && access("/sys/module/toaster", F_OK) && module_path) {
		ko = open(module_path, O_RDONLY | O_CLOEXEC);
		if (ko >= 0 && syscall(SYS_finit_module, ko, "", 0) == 0)
			ts_wait_node(&toaster, true, TS_BACK_MS);
		if (ko >= 0)
			close(ko);
	}
	/* Every way back a storm may have left undone. */
	if (!ts_node_present(&toaster) && *first.intf) {
		ts_gadget(&toaster, "plug", &why);
		ts_sysfs_write(first.usb, "authorized", "1");
		ts_write_file("/sys/bus/usb/drivers/toaster/bind", first.intf_name);
		if (!ts_usbfs(&first, usbfs, sizeof(usbfs), &ifno))
			ts_usbfs_ioctl(usbfs, ifno, USBDEVFS_CONNECT);
		ts_wait_node(&toaster, true, TS_BACK_MS);
	}
	if (saved_timeout > 0)
		ts_set_param("io_timeout_ms", saved_timeout);
}

static void ts_storm(enum ts_method m, unsigned long cycles)
{
	int64_t start = toaster_now_ms(), t, fastest = INT64_MAX, slowest = 0;
	unsigned long i;
	struct ts_why why;
	bool ok = true;

	if (m == M_RMMOD && !module_path) {
		ksft_test_result_skip("%s: no --module to load again\n", method_names[m]);
		return;
	}
	if (m == M_RMMOD && access("/sys/module/toaster_kunit", F_OK) == 0) {
		ksft_test_result_skip("%s: toaster_kunit holds toaster.ko\n", method_names[m]);
		return;
	}
	if (m != M_RMMOD && ts_set_param("io_timeout_ms", TS_STORM_TIMEOUT_MS)) {
		ksft_test_result_fail("%s: cannot set io_timeout_ms\n", method_names[m]);
		return;
	}
	for (i = 1; i <= cycles && ok; i++) {
		t = toaster_now_ms();
		ok = m == M_RMMOD ? ts_rmmod_cycle(i, &why) : ts_cycle(m, i, &why);
		t = toaster_now_ms() - t;
		fastest = t < fastest ? t : fastest;
		slowest = t > slowest ? t : slowest;
		if (i % 100 == 0)
			ksft_print_msg("%s: %lu cycles, %.2f s per cycle so far\n", method_names[m], i,
				       (toaster_now_ms() - start) / 1000.0 / i);
	}
	i--;
	t = toaster_now_ms() - start;
	ksft_print_msg("%s: %lu of %lu cycles in %.1f s: %.2f s per cycle (fastest %.2f, slowest %.2f)\n",
		       method_names[m], ok ? i : i - 1, cycles, t / 1000.0, i ? t / 1000.0 / i : 0.0,
		       fastest / 1000.0, slowest / 1000.0);
	if (!ok)
		ksft_print_msg("%s: cycle %lu: %s\n", method_names[m], i, why.text);
	ts_restore();
	ksft_test_result(ok, "%s\n", method_names[m]);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = ts_on_signal };
	unsigned long cycles[M_COUNT];
	enum ts_method order[M_COUNT];
	int i, j, n = 0;
	struct ts_why why;

	ts_toaster_from_env(&toaster);
	for (i = 1; i < argc; i++) {
		char *colon = strchr(argv[i], ':');

		if (!strcmp(argv[i], "--module") && i + 1 < argc) {
			module_path = argv[++i];
			continue;
		}
		if (!colon || n == M_COUNT)
			ksft_exit_fail_msg("usage: %s [--module KO] METHOD:CYCLES...\n", argv[0]);
		*colon = '\0';
		for (j = 0; j < M_COUNT && strcmp(argv[i], method_names[j]); j++)
			;
		if (j == M_COUNT)
			ksft_exit_fail_msg("unknown method '%s'\n", argv[i]);
		order[n] = (enum ts_method)j;
		cycles[n++] = ts_number(colon + 1, "cycles");
	}
	/* No SA_RESTART: the signal is to end a blocked call. */
	sigaction(SIGUSR1, &sa, NULL);
	ksft_print_header();
	ksft_set_plan(n + 1);
	if (access(toaster.ctl, W_OK))
		ksft_exit_skip("no control FIFO at %s\n", toaster.ctl);
	saved_timeout = ts_param("io_timeout_ms");
	if (ts_find_sysfs(&toaster, &first))
		ksft_exit_fail_msg("%s has no sysfs directory\n", toaster.dev);
	atexit(ts_restore);
	for (i = 0; i < n; i++)
		ts_storm(order[i], cycles[i]);
	why.text[0] = '\0';
	i = ts_autosuspends(&toaster, &why);
	if (!i)
		ksft_print_msg("%s\n", why.text);
	ksft_test_result(i, "autosuspends_afterwards\n");
	ksft_finished();
}
