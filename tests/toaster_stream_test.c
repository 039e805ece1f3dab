// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's data path, BURN and LOOPBACK, through the system calls a
 * program uses: every byte of every echo compared, at sizes that end each
 * transfer in every way the bus can (a short packet, a zero-length one,
 * many URBs), loopback sessions and who may use the bulk endpoints meanwhile,
 * and the calls that fail: a killed caller, a toaster too slow to answer,
 * an unplug mid-stream.  After each, the toaster must take the next call
 * as if nothing had happened.
 *
 * Runs in the test guest with the toaster stack up, against /dev/toaster0
 * or the toaster TOASTER_DEV names, its firmware's control FIFO at
 * TOASTER_GADGET_CTL (as tests/lib.sh has them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "toaster_clock.h"
#include "toaster_ioctl.h"
#include "toaster_proto.h"
#include "toaster_selftest.h"

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

/* Transfer t of a stream, byte i: different in every transfer. */
static unsigned char toaster_pattern(unsigned int seed, size_t t, size_t i)
{
	return (unsigned char)(i * 31 + t * 7 + seed + (i >> 9));
}

static void toaster_fill(unsigned char *buf, __u32 len, __u32 count,
			 unsigned int seed)
{
	size_t t, i;

	for (t = 0; t < count; t++)
		for (i = 0; i < len; i++)
			buf[t * len + i] = toaster_pattern(seed, t, i);
}

/* The first byte that is not what was sent, or -1. */
static long toaster_first_wrong(const unsigned char *buf, __u32 len,
				__u32 count, unsigned int seed)
{
	size_t t, i;

	for (t = 0; t < count; t++)
		for (i = 0; i < len; i++)
			if (buf[t * len + i] != toaster_pattern(seed, t, i))
				return (long)(t * len + i);
	return -1;
}

static int toaster_stream(int fd, unsigned long cmd, void *data, __u32 len,
			  __u32 count)
{
	struct toaster_buffer ub = {
		.data = (__u64)(unsigned long)data,
		.len = len,
		.count = count,
	};

	return ioctl(fd, cmd, &ub) ? -errno : 0;
}

/* LOOPBACK of COUNT x LEN bytes, every byte of the echo checked. */
static void toaster_loopback_checked(struct __test_metadata *_metadata, int fd,
				     __u32 len, __u32 count, unsigned int seed)
{
	unsigned char *buf = malloc((size_t)len * count);
	long wrong;
	int ret;

	ASSERT_NE(NULL, buf);
	toaster_fill(buf, len, count, seed);
	ret = toaster_stream(fd, TOASTER_IOC_LOOPBACK, buf, len, count);
	ASSERT_EQ(0, ret) {
		TH_LOG("LOOPBACK of %u x %u bytes: %s", count, len, strerror(-ret));
	}
	wrong = toaster_first_wrong(buf, len, count, seed);
	EXPECT_EQ(-1, wrong) {
		TH_LOG("LOOPBACK of %u x %u bytes: byte %ld came back wrong",
		       count, len, wrong);
	}
	free(buf);
}

/*
 * Every way a transfer can end on the wire, through one URB or many, one
 * transfer a call or many: a short packet, a full one and a zero-length
 * packet, whole URBs and a short last one.
 */
FIXTURE(stream) {
	int fd;
};

FIXTURE_VARIANT(stream) {
	__u32 len;
	__u32 count;
};

FIXTURE_VARIANT_ADD(stream, one_byte) { .len = 1, .count = 1 };
FIXTURE_VARIANT_ADD(stream, short_packets) { .len = 511, .count = 5 };
FIXTURE_VARIANT_ADD(stream, whole_packet) { .len = 512, .count = 3 };
FIXTURE_VARIANT_ADD(stream, many_small) { .len = 4096, .count = 64 };
FIXTURE_VARIANT_ADD(stream, one_urb) { .len = 65536, .count = 4 };
FIXTURE_VARIANT_ADD(stream, a_byte_past_an_urb) { .len = 65537, .count = 2 };
FIXTURE_VARIANT_ADD(stream, ends_short) { .len = 100000, .count = 3 };
FIXTURE_VARIANT_ADD(stream, one_mib) { .len = 1 << 20, .count = 2 };
FIXTURE_VARIANT_ADD(stream, four_mib) { .len = 4 << 20, .count = 1 };

FIXTURE_SETUP(stream)
{
	self->fd = open(toaster_dev, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(stream)
{
	close(self->fd);
}

/* Megabytes through the debug kernel's sanitizers take their time. */
TEST_F_TIMEOUT(stream, loopback_every_byte_back, 180)
{
	toaster_loopback_checked(_metadata, self->fd, variant->len,
				 variant->count, variant->len);
}

TEST_F_TIMEOUT(stream, burn, 180)
{
	unsigned char *buf = malloc((size_t)variant->len * variant->count);

	ASSERT_NE(NULL, buf);
	toaster_fill(buf, variant->len, variant->count, 3);
	EXPECT_EQ(0, toaster_stream(self->fd, TOASTER_IOC_BURN, buf,
				    variant->len, variant->count));
	free(buf);
	/* The burn left nothing behind that an echo would pick up. */
	toaster_loopback_checked(_metadata, self->fd, 1000, 2, 5);
}

/* A session switches loopback once, and keeps the endpoints to itself. */
TEST(session_holds_loopback)
{
	int fd = open(toaster_dev, O_RDWR), other = open(toaster_dev, O_RDWR);
	unsigned char data[4096];
	__u32 on = 1, off = 0;
	int i;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_SET_LOOPBACK, &on));
	/* Twice is harmless. */
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_SET_LOOPBACK, &on));
	for (i = 0; i < 5; i++)
		toaster_loopback_checked(_metadata, fd, 4096, 3, i);
	/* Everyone else waits: no echo of a burn, no mixed-up echoes. */
	EXPECT_EQ(-EBUSY, toaster_stream(other, TOASTER_IOC_BURN, data, 100, 1));
	EXPECT_EQ(-EBUSY, toaster_stream(other, TOASTER_IOC_LOOPBACK, data, 100, 1));
	EXPECT_EQ(-1, ioctl(other, TOASTER_IOC_SET_LOOPBACK, &on));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-EBUSY, toaster_stream(fd, TOASTER_IOC_BURN, data, 100, 1));
	ASSERT_EQ(0, ioctl(fd, TOASTER_IOC_SET_LOOPBACK, &off));
	EXPECT_EQ(0, toaster_stream(other, TOASTER_IOC_BURN, data, 100, 1));
	toaster_loopback_checked(_metadata, other, 100, 1, 9);
	close(other);
	close(fd);
}

/* Closing the file, even by dying, ends its session. */
TEST(session_ends_with_the_file)
{
	int fd = open(toaster_dev, O_RDWR);
	unsigned char data[1000];
	__u32 on = 1;
	pid_t child;
	int status;

	ASSERT_LE(0, fd);
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		int mine = open(toaster_dev, O_RDWR);

		if (mine < 0 || ioctl(mine, TOASTER_IOC_SET_LOOPBACK, &on))
			_exit(1);
		raise(SIGKILL);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	toaster_fill(data, sizeof(data), 1, 1);
	EXPECT_EQ(0, toaster_stream(fd, TOASTER_IOC_BURN, data, sizeof(data), 1));
	toaster_loopback_checked(_metadata, fd, sizeof(data), 1, 2);
	close(fd);
}

TEST(read_only_file_holds_no_session)
{
	int fd = open(toaster_dev, O_RDONLY);
	__u32 on = 1;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, TOASTER_IOC_SET_LOOPBACK, &on));
	EXPECT_EQ(EBADF, errno);
	close(fd);
}

/*
 * Calls that fail half-way, with the firmware holding each bulk transfer
 * up (slow-bulk): whatever became of the call, the next one works, and a
 * burn pattern is never echoed.
 */
FIXTURE(cut) {
	int fd;
};

FIXTURE_SETUP(cut)
{
	if (access(toaster_ctl_fifo, W_OK))
		SKIP(return, "no control FIFO for the toaster's firmware");
	self->fd = open(toaster_dev, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(cut)
{
	toaster_gadget_control("clear");
	if (self->fd >= 0)
		close(self->fd);
	if (!toaster_wait_node(true, 1)) {
		toaster_gadget_control("plug");
		toaster_wait_node(true, 30);
	}
}

/* The next calls, as the test of defect 1 of issue 10 has them. */
static void toaster_expect_clean(struct __test_metadata *_metadata, int fd)
{
	unsigned char a[4096];

	toaster_fill(a, sizeof(a), 1, 0xa);
	EXPECT_EQ(0, toaster_stream(fd, TOASTER_IOC_BURN, a, sizeof(a), 1));
	toaster_loopback_checked(_metadata, fd, 65536, 1, 0xb);
	toaster_loopback_checked(_metadata, fd, 1000, 3, 0xc);
}

TEST_F(cut, killed_loopback_leaves_it_clean)
{
	pid_t child;
	int status;

	ASSERT_EQ(0, toaster_gadget_control("fault slow-bulk 300"));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		static unsigned char buf[1 << 20];

		toaster_stream(self->fd, TOASTER_IOC_LOOPBACK, buf, sizeof(buf), 1);
		_exit(0);
	}
	toaster_sleep_ms(250);
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(0, toaster_gadget_control("clear slow-bulk"));
	toaster_expect_clean(_metadata, self->fd);
}

TEST_F(cut, killed_burn_leaves_it_clean)
{
	pid_t child;
	int status;

	ASSERT_EQ(0, toaster_gadget_control("fault slow-bulk 300"));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		static unsigned char buf[1 << 20];

		toaster_stream(self->fd, TOASTER_IOC_BURN, buf, sizeof(buf), 1);
		_exit(0);
	}
	toaster_sleep_ms(250);
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, toaster_gadget_control("clear slow-bulk"));
	toaster_expect_clean(_metadata, self->fd);
}

TEST_F(cut, killed_in_a_session)
{
	__u32 on = 1, off = 0;
	pid_t child;
	int status;

	ASSERT_EQ(0, ioctl(self->fd, TOASTER_IOC_SET_LOOPBACK, &on));
	ASSERT_EQ(0, toaster_gadget_control("fault slow-bulk 300"));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		static unsigned char buf[1 << 20];

		/* The session is the file's: the child shares it. */
		toaster_stream(self->fd, TOASTER_IOC_LOOPBACK, buf, sizeof(buf), 1);
		_exit(0);
	}
	toaster_sleep_ms(250);
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, toaster_gadget_control("clear slow-bulk"));
	/* Still a session, with nothing stale in it. */
	toaster_loopback_checked(_metadata, self->fd, 65536, 2, 0xd);
	ASSERT_EQ(0, ioctl(self->fd, TOASTER_IOC_SET_LOOPBACK, &off));
	toaster_expect_clean(_metadata, self->fd);
}

/* A toaster that holds data longer than io_timeout_ms: ETIMEDOUT. */
TEST_F(cut, too_slow_times_out)
{
	unsigned char buf[65536];
	char timeout[32] = "";
	int fd, ret;
	ssize_t n;

	fd = open("/sys/module/toaster/parameters/io_timeout_ms", O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, timeout, sizeof(timeout) - 1);
	close(fd);
	ASSERT_LT(0, n);
	ASSERT_GT(3000, atoi(timeout));
	ASSERT_EQ(0, toaster_gadget_control("fault slow-bulk 3000"));
	toaster_fill(buf, sizeof(buf), 1, 4);
	ret = toaster_stream(self->fd, TOASTER_IOC_LOOPBACK, buf, sizeof(buf), 1);
	EXPECT_EQ(-ETIMEDOUT, ret) {
		TH_LOG("LOOPBACK against slow-bulk=3000: %s", strerror(-ret));
	}
	ASSERT_EQ(0, toaster_gadget_control("clear slow-bulk"));
	toaster_expect_clean(_metadata, self->fd);
}

static void *toaster_unplug_soon(void *arg)
{
	(void)arg;
	toaster_sleep_ms(300);
	toaster_gadget_control("unplug");
	return NULL;
}

TEST_F(cut, unplug_mid_stream)
{
	unsigned char *buf = malloc(16 << 20);
	pthread_t thread;
	int ret;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, toaster_gadget_control("fault slow-bulk 100"));
	pthread_create(&thread, NULL, toaster_unplug_soon, NULL);
	ret = toaster_stream(self->fd, TOASTER_IOC_LOOPBACK, buf, 1 << 20, 16);
	pthread_join(thread, NULL);
	free(buf);
	EXPECT_TRUE(ret == -ENODEV || ret == -EIO) {
		TH_LOG("LOOPBACK cut by an unplug: %s", strerror(-ret));
	}
	EXPECT_EQ(-ENODEV, toaster_stream(self->fd, TOASTER_IOC_BURN, &ret, 1, 1));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, toaster_gadget_control("clear"));
	ASSERT_EQ(0, toaster_gadget_control("plug"));
	ASSERT_TRUE(toaster_wait_node(true, 30));
	self->fd = open(toaster_dev, O_RDWR);
	ASSERT_LE(0, self->fd);
	toaster_expect_clean(_metadata, self->fd);
}

TEST_HARNESS_MAIN
