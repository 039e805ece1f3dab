// SPDX-License-Identifier: GPL-2.0
/*
 * What a file on /dev/toasterN promises, beyond read and write working:
 * a file opened read-only changes nothing, a read that faults loses no
 * change, two threads reading one file each get a whole snapshot, a
 * command the toaster would refuse is refused without a request, open()
 * never waits on a hung toaster, and io_timeout_ms takes only sane values.
 *
 * Runs in the test guest with the toaster stack up, against /dev/toaster0
 * or the toaster TOASTER_DEV names, its firmware's control FIFO at
 * TOASTER_GADGET_CTL (as tests/lib.sh has them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "toaster_clock.h"
#include "toaster_ioctl.h"
#include "toaster_proto.h"
#include "toaster_selftest.h"

#define TOASTER_TIMEOUT_PARAM	"/sys/module/toaster/parameters/io_timeout_ms"
#define TOASTER_TRACING		"/sys/kernel/tracing"

static int toaster_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int toaster_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

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

static int toaster_command(int fd, const char *text)
{
	return write(fd, text, strlen(text)) < 0 ? -errno : 0;
}

static int toaster_ioctl_u32(int fd, unsigned long cmd, __u32 value)
{
	return ioctl(fd, cmd, &value) ? -errno : 0;
}

static bool toaster_wait_node(bool present, int seconds)
{
	int i;

	for (i = 0; i < seconds * 10; i++) {
		if ((access(toaster_dev, F_OK) == 0) == present)
			return true;
		toaster_sleep_ms(100);
	}
	return false;
}

/* A snapshot's darkness line, or -1. */
static int toaster_text_darkness(const char *text)
{
	const char *d = strstr(text, "darkness: ");

	return d ? atoi(d + strlen("darkness: ")) : -1;
}

/* Every ioctl that changes the toaster, on a file opened read-only. */
TEST(read_only_file_changes_nothing)
{
	struct toaster_status before, after;
	unsigned char data[512] = { 0 };
	struct toaster_buffer ub = { .data = (__u64)(unsigned long)data,
				     .len = sizeof(data), .count = 1 };
	int fd = open(toaster_dev, O_RDONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_GET_STATUS, &before));
	EXPECT_EQ(-EBADF, toaster_ioctl_u32(fd, TOASTER_IOC_TOAST, 0));
	EXPECT_EQ(-EBADF, toaster_ioctl_u32(fd, TOASTER_IOC_SET_LOCK, 1));
	EXPECT_EQ(-EBADF, toaster_ioctl_u32(fd, TOASTER_IOC_SET_DARKNESS, 2));
	EXPECT_EQ(-EBADF, toaster_ioctl_u32(fd, TOASTER_IOC_SET_LOOPBACK, 1));
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_CANCEL));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_BURN, &ub));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_LOOPBACK, &ub));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-EBADF, toaster_command(fd, "toast"));
	/* A number that is not ours is ENOTTY, on any file (toaster_fuzz). */
	EXPECT_EQ(-1, ioctl(fd, _IOW(TOASTER_IOC_MAGIC, 0x7f, __u32), data));
	EXPECT_EQ(ENOTTY, errno);
	/* Reading it is what it is for. */
	EXPECT_EQ(0, ioctl(fd, TOASTER_IOC_GET_STATUS, &after));
	EXPECT_EQ(before.state, after.state);
	EXPECT_EQ(before.darkness, after.darkness);
	EXPECT_EQ(before.safety_lock, after.safety_lock);
	close(fd);
}

TEST(set_darkness_ioctl)
{
	struct toaster_status st;
	int fd = open(toaster_dev, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toaster_ioctl_u32(fd, TOASTER_IOC_SET_DARKNESS, 3));
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_GET_STATUS, &st));
	EXPECT_EQ(3, st.darkness);
	EXPECT_EQ(-EINVAL, toaster_ioctl_u32(fd, TOASTER_IOC_SET_DARKNESS, 0));
	EXPECT_EQ(-EINVAL, toaster_ioctl_u32(fd, TOASTER_IOC_SET_DARKNESS,
					     TOASTER_DARKNESS_MAX + 1));
	EXPECT_EQ(0, toaster_ioctl_u32(fd, TOASTER_IOC_SET_DARKNESS,
				       TOASTER_DARKNESS_DEFAULT));
	close(fd);
}

/* A read into a bad buffer delivered nothing: the change is still news. */
TEST(faulting_read_loses_no_change)
{
	struct pollfd pfd = { .events = POLLIN };
	char text[512];
	int fd = open(toaster_dev, O_RDWR | O_NONBLOCK);
	/* Memory the caller has, but may not write. */
	void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_LE(0, fd);
	ASSERT_NE(MAP_FAILED, bad);
	ASSERT_LT(0, pread(fd, text, sizeof(text), 0));
	ASSERT_EQ(0, toaster_command(fd, "darkness 4"));
	EXPECT_EQ(-1, pread(fd, bad, sizeof(text), 0));
	EXPECT_EQ(EFAULT, errno);
	munmap(bad, 4096);
	pfd.fd = fd;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLIN);
	memset(text, 0, sizeof(text));
	ASSERT_LT(0, pread(fd, text, sizeof(text) - 1, 0)) {
		TH_LOG("the change was marked read: %s", strerror(errno));
	}
	EXPECT_EQ(4, toaster_text_darkness(text));
	EXPECT_EQ(0, toaster_command(fd, "darkness 5"));
	close(fd);
}

/*
 * One thread part-way through a snapshot while another reads the file
 * from the start after a change: both get the same whole snapshot, and
 * the change is read next.
 */
TEST(part_read_snapshot_is_not_torn)
{
	char head[16] = "", whole[512] = "", tail[512] = "", next[512] = "";
	ssize_t n;
	int fd = open(toaster_dev, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toaster_command(fd, "darkness 5"));
	ASSERT_EQ((ssize_t)sizeof(head) - 1, pread(fd, head, sizeof(head) - 1, 0));
	ASSERT_EQ(0, toaster_command(fd, "darkness 7"));
	n = pread(fd, whole, sizeof(whole) - 1, 0);
	ASSERT_LT(0, n);
	EXPECT_EQ(5, toaster_text_darkness(whole));
	EXPECT_EQ(0, strncmp(head, whole, strlen(head)));
	n = pread(fd, tail, sizeof(tail) - 1, strlen(head));
	ASSERT_LE(0, n);
	EXPECT_STREQ(whole + strlen(head), tail);
	/* Read to its end, it gives way to the change. */
	ASSERT_LT(0, pread(fd, next, sizeof(next) - 1, 0));
	EXPECT_EQ(7, toaster_text_darkness(next));
	EXPECT_EQ(0, toaster_command(fd, "darkness 5"));
	close(fd);
}

/* How many toaster_request events named REQ the trace holds. */
static int toaster_traced(const char *req)
{
	char line[512], want[64];
	FILE *f = fopen(TOASTER_TRACING "/trace", "r");
	int n = 0;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), " %s value=", req);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "toaster_request:") && strstr(line, want))
			n++;
	}
	fclose(f);
	return n;
}

/*
 * In its fault state the toaster would stall a toast: the driver refuses
 * it itself, with EIO, and sends nothing.
 */
TEST(toast_in_fault_is_refused_unsent)
{
	const char *enable = TOASTER_TRACING "/events/toaster/toaster_request/enable";
	struct toaster_status st;
	int fd, i;

	if (access(toaster_ctl_fifo, W_OK))
		SKIP(return, "no control FIFO for the toaster's firmware");
	if (access(enable, W_OK))
		SKIP(return, "no toaster tracepoints");
	fd = open(toaster_dev, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toaster_gadget_control("overheat"));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_GET_STATUS, &st));
		if (st.state == TOASTER_STATE_FAULT)
			break;
		toaster_sleep_ms(100);
	}
	ASSERT_EQ(TOASTER_STATE_FAULT, st.state);
	ASSERT_EQ(0, toaster_write_file(TOASTER_TRACING "/trace", ""));
	ASSERT_EQ(0, toaster_write_file(enable, "1"));
	EXPECT_EQ(-EIO, toaster_ioctl_u32(fd, TOASTER_IOC_TOAST, 0));
	EXPECT_EQ(-EIO, toaster_command(fd, "toast 3"));
	ASSERT_EQ(0, toaster_write_file(enable, "0"));
	EXPECT_EQ(0, toaster_traced("TOAST"));
	/* Cancel clears the fault, as the protocol has it. */
	EXPECT_EQ(0, ioctl(fd, TOASTER_IOC_CANCEL));
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_GET_STATUS, &st));
	EXPECT_NE(TOASTER_STATE_FAULT, st.state);
	close(fd);
}

TEST(io_timeout_ms_takes_sane_values_only)
{
	char was[32];

	ASSERT_EQ(0, toaster_read_file(TOASTER_TIMEOUT_PARAM, was, sizeof(was)));
	EXPECT_EQ(-EINVAL, toaster_write_file(TOASTER_TIMEOUT_PARAM, "0"));
	EXPECT_EQ(-EINVAL, toaster_write_file(TOASTER_TIMEOUT_PARAM, "9"));
	EXPECT_EQ(-EINVAL, toaster_write_file(TOASTER_TIMEOUT_PARAM, "60001"));
	/* Past an unsigned int: ERANGE, as kstrtouint() has it. */
	EXPECT_EQ(-ERANGE, toaster_write_file(TOASTER_TIMEOUT_PARAM, "4294967296"));
	EXPECT_EQ(-EINVAL, toaster_write_file(TOASTER_TIMEOUT_PARAM, "-1"));
	EXPECT_EQ(0, toaster_write_file(TOASTER_TIMEOUT_PARAM, "10"));
	EXPECT_EQ(0, toaster_write_file(TOASTER_TIMEOUT_PARAM, "60000"));
	EXPECT_EQ(0, toaster_write_file(TOASTER_TIMEOUT_PARAM, was));
}

/*
 * usbcore calls open() holding a lock every usbmisc driver shares, and
 * that disconnect needs: with the toaster asleep and its status request
 * hanging, open() must still return at once.
 */
/* The toaster's USB device's runtime PM attribute NAME. */
static const char *toaster_power(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s../power/%s", toaster_sysfs, name);
	return buf;
}

TEST(open_does_not_wait_on_a_hung_toaster)
{
	char path[PATH_MAX], status[32] = "";
	int64_t start, took;
	int fd, i;

	if (access(toaster_ctl_fifo, W_OK))
		SKIP(return, "no control FIFO for the toaster's firmware");
	ASSERT_EQ(0, toaster_write_file(toaster_power("autosuspend_delay_ms", path,
						      sizeof(path)), "100"));
	ASSERT_EQ(0, toaster_write_file(toaster_power("control", path, sizeof(path)),
					"auto"));
	for (i = 0; i < 100 && strcmp(status, "suspended"); i++) {
		toaster_sleep_ms(100);
		toaster_read_file(toaster_power("runtime_status", path, sizeof(path)),
				  status, sizeof(status));
	}
	ASSERT_STREQ("suspended", status);
	ASSERT_EQ(0, toaster_gadget_control("fault hang get_status"));
	start = toaster_now_ms();
	fd = open(toaster_dev, O_RDWR);
	took = toaster_now_ms() - start;
	EXPECT_LE(0, fd);
	EXPECT_GT(500, took) {
		TH_LOG("open() took %lld ms with a hung toaster", (long long)took);
	}
	if (fd >= 0)
		close(fd);
	toaster_write_file(toaster_power("control", path, sizeof(path)), "on");
	/* A hung request is cleared by replugging (see gadget-faults.sh). */
	EXPECT_EQ(0, toaster_gadget_control("clear"));
	EXPECT_EQ(0, toaster_gadget_control("unplug"));
	EXPECT_TRUE(toaster_wait_node(false, 10));
	EXPECT_EQ(0, toaster_gadget_control("plug"));
	EXPECT_TRUE(toaster_wait_node(true, 30));
}

TEST_HARNESS_MAIN
