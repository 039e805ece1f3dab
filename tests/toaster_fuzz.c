// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer for /dev/toasterN, as a user without a clue would call it:
 * random and mutated writes, ioctls (the real numbers with random contents,
 * random numbers, bad pointers, huge lengths and counts), seeks and reads
 * at random offsets, and writes to the driver's sysfs attributes, from
 * several threads on files they share and files of their own.
 *
 * Each call must give a result the ABI allows: a write returns its count
 * or an error a command can have, a LOOPBACK that succeeds echoes what it
 * sent, GET_STATUS and GET_INFO give sane values, no call hangs; nothing
 * in the kernel may complain (scripts/vm).  Afterwards the driver's status
 * must be the firmware's (what it holds against what a fresh binding reads
 * after a replug) and a toast must still work.
 *
 *   toaster_fuzz --ops N [--threads T] [--seed S]
 *
 * Each thread's calls follow from the seed, which is printed; the
 * interleaving of the threads does not.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>

#include "toaster_stress.h"

#define TF_THREADS_MAX	16
#define TF_BIG		65536
#define TF_HANG_S	30
#define TF_ERRNOS	134

static struct ts_toaster toaster;
static char intf_dir[PATH_MAX];
static int shared_fds[3];
static unsigned long ops_per_thread;
static volatile bool stop_all;

enum tf_op { OP_WRITE, OP_IOCTL_REAL, OP_IOCTL_RANDOM, OP_SEEK, OP_READ, OP_SYSFS, OP_REOPEN,
	     OP_COUNT };

static const char *const op_names[OP_COUNT] = {
	"write", "ioctl (real numbers)", "ioctl (random numbers)", "seek", "read/poll",
	"sysfs", "reopen",
};

/* Out of 100. */
static const int op_weights[OP_COUNT] = { 30, 25, 10, 10, 10, 13, 2 };

struct tf_thread {
	unsigned int index;
	uint64_t rng;
	pthread_t thread;
	int own[2];			/* O_RDWR | O_NONBLOCK, O_RDWR */
	unsigned char *big;		/* TF_BIG bytes, a PROT_NONE page after */
	unsigned char *none;		/* a PROT_NONE page */
	unsigned char copy[TF_BIG];
	volatile int64_t op_started_ms;	/* 0 between calls */
	char op_text[160];		/* the call under way, for a hang */
	unsigned long ops;
	unsigned long errs[OP_COUNT][TF_ERRNOS];
	struct ts_findings found;
};

static struct tf_thread threads[TF_THREADS_MAX];

static uint64_t tf_rand(struct tf_thread *t)
{
	return ts_rand(&t->rng);
}

static unsigned long tf_below(struct tf_thread *t, unsigned long n)
{
	return ts_below(&t->rng, n);
}

#define tf_bad(t, ...) ts_finding(&(t)->found, __VA_ARGS__)

/* Records a call's result; false if its errno is not one the call may have. */
static void tf_result(struct tf_thread *t, enum tf_op op, int err, const int *allowed)
{
	int i;

	t->errs[op][err >= 0 && err < TF_ERRNOS ? err : 0]++;
	if (!err)
		return;
	for (i = 0; allowed[i]; i++) {
		if (allowed[i] == err)
			return;
	}
	tf_bad(t, "%s: %s: unexpected %s", op_names[op], t->op_text, strerror(err));
}

/* A pointer the kernel must not trust: not ours, not mapped, not writable. */
static void *tf_bad_pointer(struct tf_thread *t)
{
	switch (tf_below(t, 6)) {
	case 0: return NULL;
	case 1: return (void *)8;
	case 2: return (void *)0xffffffff81000000UL;	/* the kernel's */
	case 3: return t->none;
	case 4: return (void *)-1L;
	default: return t->big + TF_BIG - 1 - tf_below(t, 8);	/* runs into the guard */
	}
}

/* Somewhere in this thread's buffer, or a bad pointer now and then. */
static void *tf_pointer(struct tf_thread *t)
{
	if (tf_below(t, 5) == 0)
		return tf_bad_pointer(t);
	return t->big + tf_below(t, TF_BIG);
}

static int tf_fd(struct tf_thread *t)
{
	unsigned long i = tf_below(t, 5);

	return i < 3 ? shared_fds[i] : t->own[i - 3];
}

static bool tf_fd_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags >= 0 && (flags & O_NONBLOCK);
}

static const char *const commands[] = {
	"toast", "toast 1", "toast 10", "cancel", "darkness 3", "darkness 10", "lock",
	"unlock", "toast 0\n", "darkness 5\n", "cancel\n", "unlock\n",
};

/* A valid command, mutated a little; or noise. */
static size_t tf_command_text(struct tf_thread *t, char *buf, size_t size)
{
	size_t len, i, m;

	if (tf_below(t, 4) == 0) {
		len = tf_below(t, 80);
		for (i = 0; i < len && i < size; i++)
			buf[i] = (char)tf_rand(t);
		return len < size ? len : size;
	}
	snprintf(buf, size, "%s", commands[tf_below(t, sizeof(commands) / sizeof(commands[0]))]);
	len = strlen(buf);
	for (m = tf_below(t, 4); m > 0 && len > 0; m--) {
		i = tf_below(t, len);
		switch (tf_below(t, 5)) {
		case 0: buf[i] ^= (char)(1 << tf_below(t, 8)); break;
		case 1: buf[i] = (char)('0' + tf_below(t, 10)); break;
		case 2:
			if (len + 1 < size) {
				memmove(buf + i + 1, buf + i, len - i);
				buf[i] = (char)tf_rand(t);
				len++;
			}
			break;
		case 3: memmove(buf + i, buf + i + 1, len - i - 1); len--; break;
		default: len = i; break;
		}
	}
	return len;
}

static void tf_op_write(struct tf_thread *t)
{
	static const int allowed[] = { EINVAL, EFAULT, EPERM, EBUSY, EIO, EAGAIN, EBADF, 0 };
	char buf[128];
	int fd = tf_fd(t);
	size_t len = tf_command_text(t, buf, sizeof(buf));
	const void *p = buf;
	ssize_t n;

	switch (tf_below(t, 8)) {
	case 0: p = tf_bad_pointer(t); break;
	case 1: len = tf_below(t, 2) ? SIZE_MAX >> tf_below(t, 40) : 4096 + tf_below(t, 1 << 20); break;
	default: break;
	}
	snprintf(t->op_text, sizeof(t->op_text), "write(fd %d, %p \"%.*s\", %zu)", fd, p,
		 p == buf ? (int)(len < 40 ? len : 40) : 0, buf, len);
	n = write(fd, p, len);
	if (n >= 0 && (size_t)n != len)
		tf_bad(t, "%s returned %zd, not its count", t->op_text, n);
	tf_result(t, OP_WRITE, n < 0 ? errno : 0, allowed);
}

static const unsigned long real_ioctls[] = {
	TOASTER_IOC_GET_INFO, TOASTER_IOC_GET_STATUS, TOASTER_IOC_TOAST, TOASTER_IOC_CANCEL,
	TOASTER_IOC_SET_LOCK, TOASTER_IOC_BURN, TOASTER_IOC_LOOPBACK, TOASTER_IOC_SET_LOOPBACK,
	TOASTER_IOC_SET_DARKNESS,
};

/* What came back from GET_INFO or GET_STATUS, checked. */
static void tf_check_out(struct tf_thread *t, unsigned long cmd, const void *arg)
{
	const struct toaster_status *st = arg;
	const struct toaster_info *info = arg;

	if (cmd == TOASTER_IOC_GET_STATUS &&
	    (st->state >= TOASTER_STATE_COUNT || st->darkness < TOASTER_DARKNESS_MIN ||
	     st->darkness > TOASTER_DARKNESS_MAX || st->safety_lock > 1 || st->reserved))
		tf_bad(t, "GET_STATUS: state %u darkness %u lock %u reserved %u", st->state,
		       st->darkness, st->safety_lock, st->reserved);
	if (cmd == TOASTER_IOC_GET_INFO &&
	    (info->model[sizeof(info->model) - 1] || info->serial[sizeof(info->serial) - 1]))
		tf_bad(t, "GET_INFO: a string not NUL-terminated");
}

/*
 * What each ioctl may fail with (include/uapi/toaster_ioctl.h): a command
 * what a write may; a stream its arguments' and the session's errors,
 * nothing the bus would cause (no faults are injected); the GETs only a
 * bad buffer; a number the driver does not know, ENOTTY and nothing else.
 */
static const int *tf_ioctl_errors(unsigned long cmd)
{
	static const int gets[] = { EFAULT, 0 };
	static const int commands[] = { EINVAL, EFAULT, EPERM, EBUSY, EIO, EAGAIN, EBADF, 0 };
	static const int streams[] = { EINVAL, EFAULT, EBUSY, EAGAIN, EBADF, 0 };
	static const int unknown[] = { ENOTTY, 0 };

	switch (cmd) {
	case TOASTER_IOC_GET_INFO:
	case TOASTER_IOC_GET_STATUS:
		return gets;
	case TOASTER_IOC_TOAST:
	case TOASTER_IOC_CANCEL:
	case TOASTER_IOC_SET_LOCK:
	case TOASTER_IOC_SET_DARKNESS:
		return commands;
	case TOASTER_IOC_BURN:
	case TOASTER_IOC_LOOPBACK:
	case TOASTER_IOC_SET_LOOPBACK:
		return streams;
	default:
		return unknown;
	}
}

static void tf_op_ioctl(struct tf_thread *t, bool random_number)
{
	union {
		struct toaster_buffer ub;
		struct toaster_status st;
		struct toaster_info info;
		__u32 value;
		unsigned char bytes[128];
	} arg;
	unsigned long cmd = real_ioctls[tf_below(t, sizeof(real_ioctls) / sizeof(real_ioctls[0]))];
	unsigned long long moved = 0;
	void *p = &arg;
	int fd = tf_fd(t), ret;
	size_t i;

	for (i = 0; i < sizeof(arg); i++)
		arg.bytes[i] = (unsigned char)tf_rand(t);
	if (random_number) {
		/* Not type 'T': FIONBIO and friends are the VFS's, not the driver's. */
		cmd = tf_below(t, 2) ? _IOC(tf_below(t, 4), TOASTER_IOC_MAGIC, tf_below(t, 32),
					    tf_below(t, 1 << 14)) : (unsigned int)tf_rand(t);
		if (_IOC_TYPE(cmd) == 'T')
			cmd ^= 0x100;
	}
	if (cmd == TOASTER_IOC_BURN || cmd == TOASTER_IOC_LOOPBACK) {
		arg.ub.data = (__u64)(unsigned long)tf_pointer(t);
		switch (tf_below(t, 4)) {
		case 0: break;				/* all random */
		case 1: arg.ub.len = (__u32)tf_below(t, 70000); arg.ub.count = (__u32)tf_below(t, 3); break;
		case 2: arg.ub.len = (__u32)tf_below(t, 2048); arg.ub.count = (__u32)tf_below(t, 40); break;
		default: arg.ub.len = (__u32)(1 + tf_below(t, 600)); arg.ub.count = 1; break;
		}
		moved = (unsigned long long)arg.ub.len * (arg.ub.count ? arg.ub.count : 1);
		/* In our buffer, all of it (no wrapping past the top). */
		if (arg.ub.data >= (unsigned long)t->big &&
		    arg.ub.data - (unsigned long)t->big <= TF_BIG &&
		    moved <= TF_BIG - (arg.ub.data - (unsigned long)t->big))
			memcpy(t->copy, (void *)(unsigned long)arg.ub.data, moved);
		else
			moved = 0;
	} else if (cmd == TOASTER_IOC_TOAST || cmd == TOASTER_IOC_SET_DARKNESS ||
		   cmd == TOASTER_IOC_SET_LOCK || cmd == TOASTER_IOC_SET_LOOPBACK) {
		if (tf_below(t, 2))
			arg.value = (__u32)tf_below(t, 12);
	}
	if (tf_below(t, 6) == 0)
		p = tf_bad_pointer(t);
	snprintf(t->op_text, sizeof(t->op_text), "ioctl(fd %d, 0x%lx, %p)%s", fd, cmd, p,
		 moved ? " on a buffer of ours" : "");
	ret = ioctl(fd, cmd, p) ? errno : 0;
	if (!ret && p == &arg)
		tf_check_out(t, cmd, &arg);
	if (!ret && cmd == TOASTER_IOC_LOOPBACK && moved && p == &arg &&
	    memcmp(t->copy, (void *)(unsigned long)arg.ub.data, moved))
		tf_bad(t, "LOOPBACK of %u x %u bytes succeeded with an echo that differs from what was sent",
		       arg.ub.count, arg.ub.len);
	tf_result(t, random_number ? OP_IOCTL_RANDOM : OP_IOCTL_REAL, ret, tf_ioctl_errors(cmd));
}

static void tf_op_seek(struct tf_thread *t)
{
	static const int allowed[] = { EINVAL, ENXIO, EAGAIN, EFAULT, 0 };
	int fd = t->own[0], whence = (int)tf_below(t, 6), ret = 0;
	off_t off;
	char buf[512];

	switch (tf_below(t, 4)) {
	case 0: off = 0; break;
	case 1: off = (off_t)tf_below(t, 300); break;
	case 2: off = -(off_t)tf_below(t, 1000); break;
	default: off = (off_t)tf_rand(t); break;
	}
	snprintf(t->op_text, sizeof(t->op_text), "lseek(fd %d, %lld, %d)", fd, (long long)off, whence);
	if (lseek(fd, off, whence) < 0)
		ret = errno;
	/* A read where it now is: on a non-blocking file, so it cannot wait. */
	else if (read(fd, tf_below(t, 8) ? (void *)buf : tf_bad_pointer(t), tf_below(t, sizeof(buf))) < 0)
		ret = errno;
	tf_result(t, OP_SEEK, ret, allowed);
}

static void tf_op_read(struct tf_thread *t)
{
	static const int allowed[] = { EINVAL, EAGAIN, EFAULT, EBADF, 0 };
	int fd = tf_below(t, 2) ? shared_fds[1 + tf_below(t, 2)] : t->own[0], ret = 0;
	struct pollfd pfd = { .fd = tf_fd(t), .events = POLLIN | POLLOUT };
	char buf[512];
	off_t off = tf_below(t, 3) ? 0 : (off_t)tf_rand(t) >> tf_below(t, 63);

	snprintf(t->op_text, sizeof(t->op_text), "pread(fd %d, %lld) and poll", fd, (long long)off);
	if (!tf_fd_nonblock(fd))
		tf_bad(t, "fd %d lost O_NONBLOCK", fd);
	else if (pread(fd, tf_below(t, 8) ? (void *)buf : tf_bad_pointer(t), sizeof(buf), off) < 0)
		ret = errno;
	if (poll(&pfd, 1, 0) < 0)
		ret = errno;
	else if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
		tf_bad(t, "poll: 0x%x on a toaster that is there", pfd.revents);
	tf_result(t, OP_READ, ret, allowed);
}

static void tf_op_sysfs(struct tf_thread *t)
{
	static const char *const attrs[] = {
		"darkness", "safety_lock", "darkness", "safety_lock", "state", "model", "toasts",
	};
	static const char *const values[] = {
		"5", "11", "0", "-1", "0x3", "1", "yes", "on", "no", " 7\n", "4294967296",
		"99999999999999999999", "1\n\n", "",
	};
	static const int allowed[] = { EINVAL, ERANGE, EPERM, EBUSY, EIO, E2BIG, EACCES, EFAULT, 0 };
	const char *attr = attrs[tf_below(t, sizeof(attrs) / sizeof(attrs[0]))];
	char path[PATH_MAX + 32], buf[5000];
	bool writing;
	size_t len, i;
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", intf_dir, attr);
	if (tf_below(t, 3) == 0) {
		len = tf_below(t, sizeof(buf));
		for (i = 0; i < len; i++)
			buf[i] = (char)(tf_below(t, 2) ? '0' + tf_below(t, 10) : tf_rand(t));
	} else {
		len = snprintf(buf, sizeof(buf), "%s", values[tf_below(t, sizeof(values) / sizeof(values[0]))]);
	}
	snprintf(t->op_text, sizeof(t->op_text), "sysfs %s: write %zu bytes \"%.*s\"", attr, len,
		 (int)(len < 20 ? len : 20), buf);
	writing = tf_below(t, 4) != 0;
	fd = open(path, writing ? O_WRONLY : O_RDONLY);
	if (fd < 0) {
		ret = errno;
	} else {
		n = writing ? write(fd, buf, len) : read(fd, buf, sizeof(buf));
		if (n < 0)
			ret = errno;
		close(fd);
	}
	tf_result(t, OP_SYSFS, ret, allowed);
}

static void tf_op_reopen(struct tf_thread *t)
{
	static const int allowed[] = { 0 };
	int i = (int)tf_below(t, 2), ret = 0;

	snprintf(t->op_text, sizeof(t->op_text), "reopen own file %d", i);
	close(t->own[i]);
	t->own[i] = open(toaster.dev, O_RDWR | (i ? 0 : O_NONBLOCK));
	if (t->own[i] < 0)
		ret = errno;
	tf_result(t, OP_REOPEN, ret, allowed);
}

static void *tf_thread_main(void *arg)
{
	struct tf_thread *t = arg;
	unsigned long r;
	int op;

	for (t->ops = 0; t->ops < ops_per_thread && !stop_all; t->ops++) {
		r = tf_below(t, 100);
		for (op = 0; op < OP_COUNT - 1 && r >= (unsigned long)op_weights[op]; op++)
			r -= op_weights[op];
		t->op_started_ms = toaster_now_ms();
		switch (op) {
		case OP_WRITE: tf_op_write(t); break;
		case OP_IOCTL_REAL: tf_op_ioctl(t, false); break;
		case OP_IOCTL_RANDOM: tf_op_ioctl(t, true); break;
		case OP_SEEK: tf_op_seek(t); break;
		case OP_READ: tf_op_read(t); break;
		case OP_SYSFS: tf_op_sysfs(t); break;
		default: tf_op_reopen(t); break;
		}
		t->op_started_ms = 0;
	}
	return NULL;
}

static bool tf_setup_thread(struct tf_thread *t, unsigned int index, uint64_t seed)
{
	unsigned char *map;

	t->index = index;
	t->rng = seed ^ (0x9e3779b97f4a7c15ULL * (index + 1));
	map = mmap(NULL, TF_BIG + 2 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return false;
	t->big = map;
	t->none = map + TF_BIG + 4096;
	if (mprotect(map + TF_BIG, 2 * 4096, PROT_NONE))
		return false;
	t->own[0] = open(toaster.dev, O_RDWR | O_NONBLOCK);
	t->own[1] = open(toaster.dev, O_RDWR);
	return t->own[0] >= 0 && t->own[1] >= 0;
}

/* Until every thread is done; a call that takes TF_HANG_S is a hang. */
static bool tf_watch(unsigned int n, struct ts_why *why)
{
	unsigned int i, running;
	int64_t now, started;

	do {
		toaster_sleep_ms(200);
		now = toaster_now_ms();
		for (i = 0, running = 0; i < n; i++) {
			running += threads[i].ops < ops_per_thread;
			started = threads[i].op_started_ms;
			if (started && now - started > TF_HANG_S * 1000) {
				stop_all = true;
				return ts_fail(why, "thread %u: %s has not returned in %d s", i,
					       threads[i].op_text, TF_HANG_S);
			}
		}
	} while (running);
	return true;
}

/* Nothing toasting, by the notifications alone: no request refreshes it. */
static bool tf_wait_idle(int fd, struct toaster_status *st, struct ts_why *why)
{
	int64_t end = toaster_now_ms() + 60000;

	do {
		if (ts_status(fd, st))
			return ts_fail(why, "GET_STATUS: %s", strerror(errno));
		if (!toaster_state_is_busy(st->state))
			return true;
		toaster_sleep_ms(100);
	} while (toaster_now_ms() < end);
	return ts_fail(why, "still %s 60 s after the fuzz stopped", toaster_state_name(st->state));
}

static void tf_show_status(const char *who, const struct toaster_status *st)
{
	ksft_print_msg("%s: %s, darkness %u, lock %u, toasts %u, errors %u, %d C\n", who,
		       toaster_state_name(st->state), st->darkness, st->safety_lock, st->toasts,
		       st->errors, st->temperature_c);
}

/* The driver's status after the fuzz against a fresh binding's. */
static bool tf_status_matches(struct toaster_status *fresh, struct ts_why *why)
{
	struct toaster_status held;
	int fd = open(toaster.dev, O_RDONLY);
	bool ok;

	if (fd < 0)
		return ts_fail(why, "open: %s", strerror(errno));
	ok = tf_wait_idle(fd, &held, why);
	toaster_sleep_ms(1000);		/* the last notifications in flight */
	if (ok && ts_status(fd, &held))
		ok = ts_fail(why, "GET_STATUS: %s", strerror(errno));
	close(fd);
	if (!ok)
		return false;
	if (ts_gadget(&toaster, "unplug", why) || !ts_wait_node(&toaster, false, 10000) ||
	    ts_gadget(&toaster, "plug", why) || !ts_wait_node(&toaster, true, 30000))
		return *why->text ? false : ts_fail(why, "the replug did not go through");
	fd = open(toaster.dev, O_RDONLY);
	if (fd < 0 || ts_status(fd, fresh)) {
		if (fd >= 0)
			close(fd);
		return ts_fail(why, "after the replug: %s", strerror(errno));
	}
	close(fd);
	tf_show_status("the driver's status after the fuzz", &held);
	tf_show_status("the firmware's, read after a replug", fresh);
	if (held.state != fresh->state || held.darkness != fresh->darkness ||
	    held.safety_lock != fresh->safety_lock || held.toasts != fresh->toasts ||
	    held.errors != fresh->errors)
		return ts_fail(why, "the driver's status differs from the firmware's");
	return true;
}

static bool tf_toast_works(const struct toaster_status *before, struct ts_why *why)
{
	struct toaster_status st;
	int fd = open(toaster.dev, O_RDWR);
	bool ok = true;
	int64_t end;

	if (fd < 0)
		return ts_fail(why, "open: %s", strerror(errno));
	if ((before->safety_lock && ts_command(fd, "unlock")) || ts_command(fd, "toast 1"))
		ok = ts_fail(why, "unlock, toast 1: %s", strerror(errno));
	for (end = toaster_now_ms() + 60000; ok; toaster_sleep_ms(100)) {
		if (ts_status(fd, &st)) {
			ok = ts_fail(why, "GET_STATUS: %s", strerror(errno));
		} else if (st.state == TOASTER_STATE_DONE) {
			if (st.toasts != before->toasts + 1)
				ok = ts_fail(why, "toast done, and toasts %u, want %u", st.toasts,
					     before->toasts + 1);
			break;
		} else if (!toaster_state_is_busy(st.state) || toaster_now_ms() > end) {
			ok = ts_fail(why, "toast 1: want heating, toasting, done; have %s",
				     toaster_state_name(st.state));
		}
	}
	ts_command(fd, "darkness 5");
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)toaster_now_ns() ^ ((uint64_t)getpid() << 32);
	unsigned long ops = 0, total = 0, bad = 0, counts[OP_COUNT] = { 0 };
	unsigned int nthreads = 4, i;
	struct toaster_status fresh;
	struct ts_sysfs s;
	struct ts_why why = { "" };
	int64_t start, took;
	int a, op, e;
	bool ok;

	ts_toaster_from_env(&toaster);
	for (a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--ops"))
			ops = ts_number(argv[a + 1], "--ops");
		else if (!strcmp(argv[a], "--threads"))
			nthreads = (unsigned int)ts_number(argv[a + 1], "--threads");
		else if (!strcmp(argv[a], "--seed"))
			seed = ts_number(argv[a + 1], "--seed");
		else
			break;
	}
	if (a != argc || !ops || !nthreads || nthreads > TF_THREADS_MAX)
		ksft_exit_fail_msg("usage: %s --ops N [--threads 1..%d] [--seed S]\n", argv[0],
				   TF_THREADS_MAX);
	ksft_print_header();
	ksft_set_plan(3);
	ksft_print_msg("seed %llu: reproduce with %s --ops %lu --threads %u --seed %llu\n",
		       (unsigned long long)seed, argv[0], ops, nthreads, (unsigned long long)seed);
	if (access(toaster.ctl, W_OK))
		ksft_exit_skip("no control FIFO at %s\n", toaster.ctl);
	if (ts_find_sysfs(&toaster, &s))
		ksft_exit_fail_msg("%s has no sysfs directory\n", toaster.dev);
	snprintf(intf_dir, sizeof(intf_dir), "%s", s.intf);
	/* Awake throughout: a resume refreshes the status, hiding a stale one. */
	ts_sysfs_write(s.usb, "power/control", "on");
	signal(SIGIO, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	shared_fds[0] = open(toaster.dev, O_RDWR);
	shared_fds[1] = open(toaster.dev, O_RDWR | O_NONBLOCK);
	shared_fds[2] = open(toaster.dev, O_RDONLY | O_NONBLOCK);
	if (shared_fds[0] < 0 || shared_fds[1] < 0 || shared_fds[2] < 0)
		ksft_exit_fail_msg("open %s: %s\n", toaster.dev, strerror(errno));
	ops_per_thread = (ops + nthreads - 1) / nthreads;
	start = toaster_now_ms();
	for (i = 0; i < nthreads; i++) {
		if (!tf_setup_thread(&threads[i], i, seed))
			ksft_exit_fail_msg("thread %u: setup: %s\n", i, strerror(errno));
		if (pthread_create(&threads[i].thread, NULL, tf_thread_main, &threads[i]))
			ksft_exit_fail_msg("pthread_create failed\n");
	}
	ok = tf_watch(nthreads, &why);
	if (!ok)
		ksft_exit_fail_msg("%s: the driver hangs a call\n", why.text);
	for (i = 0; i < nthreads; i++) {
		pthread_join(threads[i].thread, NULL);
		total += threads[i].ops;
		bad += threads[i].found.n;
		for (op = 0; op < OP_COUNT; op++)
			for (e = 0; e < TF_ERRNOS; e++)
				counts[op] += threads[i].errs[op][e];
		for (a = 0; a < 3 && a < (int)threads[i].found.n; a++)
			ksft_print_msg("thread %u: %s\n", i, threads[i].found.first[a]);
		close(threads[i].own[0]);
		close(threads[i].own[1]);
	}
	for (i = 0; i < 3; i++)
		close(shared_fds[i]);
	took = toaster_now_ms() - start;
	ksft_print_msg("%lu calls from %u threads in %.1f s (%.0f a second)\n", total, nthreads,
		       took / 1000.0, took ? total * 1000.0 / took : 0.0);
	for (op = 0; op < OP_COUNT; op++) {
		char line[512];
		size_t len = 0;

		for (e = 0; e < TF_ERRNOS; e++) {
			unsigned long n = 0;

			for (i = 0; i < nthreads; i++)
				n += threads[i].errs[op][e];
			if (n && len < sizeof(line) - 64)
				len += snprintf(line + len, sizeof(line) - len, " %s %lu",
						e ? strerrorname_np(e) : "ok", n);
		}
		ksft_print_msg("%s: %lu:%s\n", op_names[op], counts[op], len ? line : "");
	}
	ksft_test_result(!bad, "calls_give_what_the_abi_allows\n");
	if (bad)
		ksft_print_msg("%lu calls gave what they may not\n", bad);

	ok = tf_status_matches(&fresh, &why);
	if (!ok)
		ksft_print_msg("%s\n", why.text);
	ksft_test_result(ok, "status_matches_the_firmware\n");
	why.text[0] = '\0';
	ok = ok && tf_toast_works(&fresh, &why);
	if (!ok && *why.text)
		ksft_print_msg("%s\n", why.text);
	ksft_test_result(ok, "a_toast_still_works\n");
	ksft_finished();
}
