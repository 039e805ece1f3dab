// SPDX-License-Identifier: GPL-2.0
/*
 * toaster_bulk: BURN or LOOPBACK through the driver from a shell, for the
 * e2e tests that break the data path on purpose (gadget-faults.sh) and
 * for timing it.
 *
 *   toaster_bulk [--dev DEV] [--session] [--calls N] burn|loopback LEN [COUNT]
 *
 * Makes N calls (default 1) of COUNT transfers (default 1) of LEN bytes,
 * in a loopback session with --session, and checks every byte of every
 * echo.  Prints "calls:", "bytes:", "seconds:" (in the calls alone) and
 * "mb_s:" lines; exits 0
 * if every call succeeded.  A failed call prints "error: ENAME" (the
 * errno's name, for a test to compare) and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "toaster_ioctl.h"

static const char *toaster_errno_name(int err)
{
	switch (err) {
	case EPIPE: return "EPIPE";
	case EIO: return "EIO";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ENODEV: return "ENODEV";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case EINTR: return "EINTR";
	default: return strerrorname_np(err) ? strerrorname_np(err) : "?";
	}
}

static int toaster_usage(void)
{
	fprintf(stderr, "usage: toaster_bulk [--dev DEV] [--session] [--calls N] "
		"burn|loopback LEN [COUNT]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "session", no_argument, NULL, 's' },
		{ "calls", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dev = getenv("TOASTER_DEV");
	struct toaster_buffer ub = { 0 };
	unsigned long calls = 1, i;
	unsigned char *buf;
	bool session = false, loopback;
	__u32 on = 1;
	size_t total, j;
	int64_t start, spent = 0;
	double secs;
	int c, fd;

	if (!dev || !*dev)
		dev = "/dev/toaster0";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			dev = optarg;
		else if (c == 's')
			session = true;
		else if (c == 'n')
			calls = strtoul(optarg, NULL, 0);
		else
			return toaster_usage();
	}
	if (argc - optind < 2 || argc - optind > 3 || !calls)
		return toaster_usage();
	if (strcmp(argv[optind], "burn") && strcmp(argv[optind], "loopback"))
		return toaster_usage();
	loopback = argv[optind][0] == 'l';
	ub.len = (__u32)strtoul(argv[optind + 1], NULL, 0);
	ub.count = argc - optind == 3 ? (__u32)strtoul(argv[optind + 2], NULL, 0) : 1;
	if (!ub.len || !ub.count)
		return toaster_usage();
	total = (size_t)ub.len * ub.count;
	buf = malloc(total);
	fd = open(dev, O_RDWR);
	if (!buf || fd < 0) {
		fprintf(stderr, "toaster_bulk: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	ub.data = (__u64)(unsigned long)buf;
	if (session && ioctl(fd, TOASTER_IOC_SET_LOOPBACK, &on)) {
		printf("error: %s\n", toaster_errno_name(errno));
		return 1;
	}

	for (i = 0; i < calls; i++) {
		/* different in every call, so a stale echo cannot pass */
		for (j = 0; j < total; j++)
			buf[j] = (unsigned char)(j * 31 + i * 7 + (j >> 9));
		/* only the calls are timed: filling and checking are ours */
		start = toaster_now_ns();
		if (ioctl(fd, loopback ? TOASTER_IOC_LOOPBACK : TOASTER_IOC_BURN, &ub)) {
			printf("error: %s\n", toaster_errno_name(errno));
			return 1;
		}
		spent += toaster_now_ns() - start;
		for (j = 0; loopback && j < total; j++) {
			if (buf[j] != (unsigned char)(j * 31 + i * 7 + (j >> 9))) {
				printf("error: byte %zu of call %lu came back wrong\n", j, i);
				return 1;
			}
		}
	}
	secs = (double)spent / TOASTER_NS_PER_S;
	printf("calls: %lu\nbytes: %zu\nseconds: %.3f\nmb_s: %.2f\n", calls,
	       total * calls, secs, (double)total * calls / secs / 1e6);
	close(fd);
	return 0;
}
