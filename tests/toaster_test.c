// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of /dev/toasterN through the system calls a program would use:
 * ioctl, poll, pread, O_NONBLOCK, SIGIO, sysfs, and unplug while a call
 * is blocked.  Built on the kernel's kselftest_harness.h, so each case runs
 * in its own process and the output is TAP.
 *
 * Runs in the test guest with the toaster stack up (tests/Makefile lists it),
 * against /dev/toaster0 or the toaster TOASTER_DEV names
 * (tests/e2e/two-toasters.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "toaster_clock.h"
#include "toaster_ioctl.h"
#include "toaster_proto.h"
#include "toaster_selftest.h"

static int toaster_open(int flags)
{
	return open(toaster_dev, O_RDWR | flags);
}

static int toaster_command(int fd, const char *text)
{
	ssize_t n = write(fd, text, strlen(text));

	return n < 0 ? -errno : 0;
}

/* Puts the toaster back in a known state, whatever the last case did. */
static void toaster_reset(int fd)
{
	toaster_command(fd, "cancel");
	toaster_command(fd, "unlock");
	toaster_command(fd, "darkness 5");
}

static int toaster_sysfs_read(const char *name, char *buf, size_t size)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s%s", toaster_sysfs, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int toaster_sysfs_write(const char *name, const char *value)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s%s", toaster_sysfs, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n < 0 ? -errno : 0;
}

static bool toaster_wait_node(bool present, int seconds)
{
	int64_t deadline = toaster_now_ms() + seconds * 1000;

	do {
		if ((access(toaster_dev, F_OK) == 0) == present)
			return true;
		toaster_sleep_ms(100);
	} while (toaster_now_ms() < deadline);
	return false;
}

/*
 * Waits until the toaster has cooled to ambient and nothing is going on, so
 * that a case about "no change" is not woken by the toaster cooling down
 * after an earlier toast.
 */
static void toaster_wait_quiet(int fd)
{
	int64_t deadline = toaster_now_ms() + 20000;
	struct toaster_status st;

	do {
		if (ioctl(fd, TOASTER_IOC_GET_STATUS, &st) == 0 &&
		    st.temperature_c <= 20 && !st.remaining_ms)
			return;
		toaster_sleep_ms(100);
	} while (toaster_now_ms() < deadline);
}

static void toaster_plug_back(void)
{
	toaster_gadget_control("clear");
	toaster_gadget_control("plug");
	toaster_wait_node(true, 30);
}

TEST(info_ioctl)
{
	struct toaster_info info;
	int fd = toaster_open(0);

	ASSERT_LE(0, fd);
	memset(&info, 0xa5, sizeof(info));
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_GET_INFO, &info));
	EXPECT_EQ(TOASTER_PROTOCOL_VERSION, info.protocol_version);
	EXPECT_NE(0, info.firmware_version);
	EXPECT_LT(0, info.slots);
	EXPECT_STREQ("TS-1000", info.model);
	EXPECT_LT(0, strlen(info.serial));
	/* Terminated, and nothing but zeros after: no kernel memory leaks out. */
	EXPECT_EQ('\0', info.serial[sizeof(info.serial) - 1]);
	EXPECT_EQ('\0', info.model[sizeof(info.model) - 1]);
	close(fd);
}

TEST(status_ioctl_matches_read)
{
	struct toaster_status st;
	char text[512], want[64];
	ssize_t n;
	int fd = toaster_open(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toaster_command(fd, "darkness 7"));
	n = read(fd, text, sizeof(text) - 1);
	ASSERT_LT(0, n);
	text[n] = '\0';
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_GET_STATUS, &st));
	EXPECT_EQ(7, st.darkness);
	EXPECT_EQ(0, st.reserved);
	snprintf(want, sizeof(want), "toasts: %u\n", st.toasts);
	EXPECT_NE(NULL, strstr(text, want));
	snprintf(want, sizeof(want), "darkness: %u\n", st.darkness);
	EXPECT_NE(NULL, strstr(text, want));
	toaster_reset(fd);
	close(fd);
}

TEST(bad_ioctls)
{
	struct toaster_buffer buf = { 0 };
	char data[16] = "";
	__u32 value;
	int fd = toaster_open(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, _IO(TOASTER_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	value = 11;
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_TOAST, &value));
	EXPECT_EQ(EINVAL, errno);
	value = 2;
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_SET_LOCK, &value));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_GET_STATUS, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	/* Empty, oversized or too many: refused, nothing sent. */
	buf.data = (__u64)(unsigned long)data;
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_BURN, &buf));
	EXPECT_EQ(EINVAL, errno);
	buf.len = TOASTER_XFER_MAX + 1;
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_BURN, &buf));
	EXPECT_EQ(EINVAL, errno);
	buf.len = TOASTER_XFER_MAX;
	buf.count = TOASTER_STREAM_MAX / TOASTER_XFER_MAX + 1;
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_LOOPBACK, &buf));
	EXPECT_EQ(EINVAL, errno);
	/* A buffer that is not the caller's. */
	buf.len = sizeof(data);
	buf.count = 1;
	buf.data = 8;
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_BURN, &buf));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_LOOPBACK, &buf));
	EXPECT_EQ(EFAULT, errno);
	value = 2;
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_SET_LOOPBACK, &value));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(toast_cancel_lock_ioctls)
{
	struct toaster_status st;
	__u32 value;
	int fd = toaster_open(0);

	ASSERT_LE(0, fd);
	toaster_reset(fd);
	value = 9;
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_TOAST, &value));
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_GET_STATUS, &st));
	EXPECT_EQ(TOASTER_STATE_HEATING, st.state);
	EXPECT_EQ(9, st.darkness);
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_TOAST, &value));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_CANCEL));
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_GET_STATUS, &st));
	EXPECT_EQ(TOASTER_STATE_CANCELLED, st.state);

	value = 1;
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_SET_LOCK, &value));
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_GET_STATUS, &st));
	EXPECT_EQ(1, st.safety_lock);
	value = 0;
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_TOAST, &value));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_SET_LOCK, &value));
	toaster_reset(fd);
	close(fd);
}

TEST(burn_pattern)
{
	struct toaster_buffer buf = { 0 };
	unsigned char *pattern = malloc(TOASTER_BURN_MAX);
	int fd = toaster_open(0);
	size_t i;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, pattern);
	for (i = 0; i < TOASTER_BURN_MAX; i++)
		pattern[i] = i * 7;
	buf.data = (__u64)(unsigned long)pattern;
	buf.len = TOASTER_BURN_MAX;
	EXPECT_EQ(0, ioctl(fd, TOASTER_IOC_BURN, &buf));
	buf.len = 100;
	EXPECT_EQ(0, ioctl(fd, TOASTER_IOC_BURN, &buf));
	free(pattern);
	close(fd);
}

TEST(loopback_round_trips)
{
	static const __u32 sizes[] = { 1, 63, 64, 511, 512, 513, 4096, 65536 };
	struct toaster_buffer buf = { 0 };
	unsigned char *data = malloc(TOASTER_BURN_MAX), *want = malloc(TOASTER_BURN_MAX);
	int fd = toaster_open(0);
	size_t i, j;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, data);
	ASSERT_NE(NULL, want);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < sizes[i]; j++)
			want[j] = data[j] = (j * 31 + i) & 0xff;
		buf.data = (__u64)(unsigned long)data;
		buf.len = sizes[i];
		ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_LOOPBACK, &buf)) {
			TH_LOG("loopback of %u bytes: %s", sizes[i], strerror(errno));
		}
		ASSERT_EQ(0, memcmp(data, want, sizes[i])) {
			TH_LOG("loopback of %u bytes came back different", sizes[i]);
		}
	}
	free(data);
	free(want);
	close(fd);
}

TEST(poll_wakes_on_change)
{
	struct pollfd pfd = { .events = POLLIN };
	char text[512];
	int fd = toaster_open(0), other = toaster_open(0);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	toaster_reset(other);
	toaster_wait_quiet(other);
	pfd.fd = fd;
	/* Never read: there is news. */
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLIN);
	ASSERT_LT(0, pread(fd, text, sizeof(text), 0));
	/* Read, and nothing changed since: no news, poll waits. */
	ASSERT_EQ(0, toaster_command(other, "darkness 4"));
	ASSERT_LT(0, pread(fd, text, sizeof(text), 0));
	ASSERT_EQ(0, poll(&pfd, 1, 200));
	/* Another process's command changes the status: poll wakes. */
	ASSERT_EQ(0, toaster_command(other, "darkness 6"));
	ASSERT_EQ(1, poll(&pfd, 1, 5000));
	EXPECT_TRUE(pfd.revents & POLLIN);
	ASSERT_LT(0, pread(fd, text, sizeof(text), 0));
	EXPECT_NE(NULL, strstr(text, "darkness: 6\n"));
	toaster_reset(other);
	close(other);
	close(fd);
}

TEST(epoll_wakes_on_change)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	char text[512];
	int fd = toaster_open(0), other = toaster_open(0), ep;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	toaster_reset(other);
	toaster_wait_quiet(other);
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	ASSERT_LT(0, pread(fd, text, sizeof(text), 0));
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 200));
	ASSERT_EQ(0, toaster_command(other, "darkness 8"));
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, 5000));
	EXPECT_TRUE(got.events & EPOLLIN);
	toaster_reset(other);
	close(ep);
	close(other);
	close(fd);
}

TEST(nonblocking_read)
{
	char text[512];
	int fd = toaster_open(O_NONBLOCK);

	ASSERT_LE(0, fd);
	ASSERT_LT(0, read(fd, text, sizeof(text)));
	/* The rest of the snapshot, then its end. */
	while (read(fd, text, sizeof(text)) > 0)
		;
	EXPECT_EQ(-1, pread(fd, text, sizeof(text), 0));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

TEST(blocking_pread_waits_for_change)
{
	char text[512];
	int fd = toaster_open(0), other = toaster_open(0), status;
	pid_t child;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	toaster_reset(other);
	toaster_wait_quiet(other);
	ASSERT_LT(0, pread(fd, text, sizeof(text), 0));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

		text[n > 0 ? n : 0] = '\0';
		_exit(n > 0 && strstr(text, "darkness: 2\n") ? 0 : 1);
	}
	toaster_sleep_ms(300);
	/* Still blocked: nothing changed yet. */
	EXPECT_EQ(0, waitpid(child, &status, WNOHANG));
	ASSERT_EQ(0, toaster_command(other, "darkness 2"));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	toaster_reset(other);
	close(other);
	close(fd);
}

static volatile sig_atomic_t toaster_sigio_count;

static void toaster_on_sigio(int sig)
{
	(void)sig;
	toaster_sigio_count++;
}

TEST(fasync_sends_sigio)
{
	int fd = toaster_open(0), other = toaster_open(0);
	int64_t deadline;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	signal(SIGIO, toaster_on_sigio);
	ASSERT_EQ(0, fcntl(fd, F_SETOWN, getpid()));
	ASSERT_EQ(0, fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC));
	toaster_sigio_count = 0;
	ASSERT_EQ(0, toaster_command(other, "darkness 3"));
	/* the signal cuts a sleep short: no later than it came */
	deadline = toaster_now_ms() + 5000;
	while (!toaster_sigio_count && toaster_now_ms() < deadline)
		toaster_sleep_ms(100);
	EXPECT_LT(0, toaster_sigio_count);
	toaster_reset(other);
	close(other);
	close(fd);
}

TEST(sysfs_attributes)
{
	char value[64];
	int fd = toaster_open(0);

	ASSERT_LE(0, fd);
	toaster_reset(fd);
	ASSERT_EQ(0, toaster_sysfs_read("model", value, sizeof(value)));
	EXPECT_STREQ("TS-1000", value);
	ASSERT_EQ(0, toaster_sysfs_read("firmware_version", value, sizeof(value)));
	EXPECT_STREQ("1.00", value);
	ASSERT_EQ(0, toaster_sysfs_read("serial", value, sizeof(value)));
	EXPECT_LT(0, strlen(value));
	ASSERT_EQ(0, toaster_sysfs_read("temperature_c", value, sizeof(value)));
	ASSERT_EQ(0, toaster_sysfs_read("remaining_ms", value, sizeof(value)));
	ASSERT_EQ(0, toaster_sysfs_read("toasts", value, sizeof(value)));
	ASSERT_EQ(0, toaster_sysfs_read("errors", value, sizeof(value)));

	ASSERT_EQ(0, toaster_sysfs_write("darkness", "8"));
	ASSERT_EQ(0, toaster_sysfs_read("darkness", value, sizeof(value)));
	EXPECT_STREQ("8", value);
	EXPECT_EQ(-EINVAL, toaster_sysfs_write("darkness", "11"));
	EXPECT_EQ(-EINVAL, toaster_sysfs_write("darkness", "dark"));
	ASSERT_EQ(0, toaster_sysfs_write("safety_lock", "1"));
	ASSERT_EQ(0, toaster_sysfs_read("safety_lock", value, sizeof(value)));
	EXPECT_STREQ("1", value);
	EXPECT_EQ(-EPERM, toaster_command(fd, "toast"));
	ASSERT_EQ(0, toaster_sysfs_write("safety_lock", "0"));
	ASSERT_EQ(0, toaster_sysfs_read("state", value, sizeof(value)));
	EXPECT_NE(NULL, strstr("idle cancelled done", value));
	toaster_reset(fd);
	close(fd);
}

/*
 * Unplug while a call is blocked in the driver: each must return an
 * error, and the file must stay safe to use and close.
 */
FIXTURE(unplug) {
	int fd;
};

FIXTURE_SETUP(unplug)
{
	if (access(toaster_ctl_fifo, W_OK))
		SKIP(return, "no control FIFO for the toaster's firmware");
	self->fd = toaster_open(0);
	ASSERT_LE(0, self->fd);
	toaster_reset(self->fd);
}

FIXTURE_TEARDOWN(unplug)
{
	if (self->fd >= 0)
		close(self->fd);
	toaster_plug_back();
}

static void *toaster_unplug_soon(void *arg)
{
	(void)arg;
	toaster_sleep_ms(500);
	toaster_gadget_control("unplug");
	return NULL;
}

TEST_F(unplug, during_blocked_read)
{
	pthread_t thread;
	char text[512];

	ASSERT_LT(0, pread(self->fd, text, sizeof(text), 0));
	pthread_create(&thread, NULL, toaster_unplug_soon, NULL);
	EXPECT_EQ(-1, pread(self->fd, text, sizeof(text), 0));
	EXPECT_EQ(ENODEV, errno);
	pthread_join(thread, NULL);
	/* Gone is gone: every later call says so. */
	EXPECT_EQ(-1, write(self->fd, "toast", 5));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TOASTER_IOC_CANCEL));
	EXPECT_EQ(ENODEV, errno);
}

TEST_F(unplug, during_poll)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	pthread_t thread;
	char text[512];

	ASSERT_LT(0, pread(self->fd, text, sizeof(text), 0));
	pthread_create(&thread, NULL, toaster_unplug_soon, NULL);
	ASSERT_EQ(1, poll(&pfd, 1, 10000));
	EXPECT_TRUE(pfd.revents & POLLHUP);
	EXPECT_TRUE(pfd.revents & POLLERR);
	pthread_join(thread, NULL);
}

/*
 * A transfer cut by the unplug fails as the host controller saw it (EIO,
 * from -EPROTO), or with ENODEV if the hub noticed first; from then on,
 * every call says ENODEV.
 */
static void toaster_expect_cut(struct __test_metadata *_metadata, int fd,
			       int ret)
{
	EXPECT_TRUE(ret == -ENODEV || ret == -EIO) {
		TH_LOG("cut by the unplug: %s", strerror(-ret));
	}
	EXPECT_TRUE(toaster_wait_node(false, 10));
	EXPECT_EQ(-ENODEV, toaster_command(fd, "cancel"));
}

TEST_F(unplug, during_write)
{
	pthread_t thread;

	/* The toaster never answers a toast: the write waits in the driver. */
	ASSERT_EQ(TOASTER_CONTROL_OK, toaster_gadget_control("fault hang toast"));
	pthread_create(&thread, NULL, toaster_unplug_soon, NULL);
	toaster_expect_cut(_metadata, self->fd, toaster_command(self->fd, "toast"));
	pthread_join(thread, NULL);
}

TEST_F(unplug, during_ioctl)
{
	pthread_t thread;
	int ret;

	ASSERT_EQ(TOASTER_CONTROL_OK, toaster_gadget_control("fault hang cancel"));
	pthread_create(&thread, NULL, toaster_unplug_soon, NULL);
	ret = ioctl(self->fd, TOASTER_IOC_CANCEL) ? -errno : 0;
	toaster_expect_cut(_metadata, self->fd, ret);
	pthread_join(thread, NULL);
}

TEST_F(unplug, hung_device_times_out)
{
	int64_t start, ms;

	ASSERT_EQ(TOASTER_CONTROL_OK, toaster_gadget_control("fault hang toast"));
	start = toaster_now_ms();
	EXPECT_EQ(-ETIMEDOUT, toaster_command(self->fd, "toast"));
	ms = toaster_now_ms() - start;
	/* io_timeout_ms is 2000 by default; allow the slow guest some room. */
	EXPECT_LE(1500, ms);
	EXPECT_GE(10000, ms);
	/*
	 * What a user does with a hung toaster: pull it out and plug it in.
	 * (Talking on to the emulator instead leaves gadgetfs's ep0 in a
	 * state that dummy_hcd later trips over: a kernel use-after-free.)
	 */
	ASSERT_EQ(TOASTER_CONTROL_OK, toaster_gadget_control("clear"));
	ASSERT_EQ(TOASTER_CONTROL_OK, toaster_gadget_control("unplug"));
	ASSERT_TRUE(toaster_wait_node(false, 10));
	ASSERT_EQ(TOASTER_CONTROL_OK, toaster_gadget_control("plug"));
	ASSERT_TRUE(toaster_wait_node(true, 30));
	close(self->fd);
	self->fd = toaster_open(0);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, toaster_command(self->fd, "darkness 5"));
}

TEST_HARNESS_MAIN
