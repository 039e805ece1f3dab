// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for what the benchmark programs share
 * (toaster_bench_lib.c): the calibration of a repetition's length against
 * a made-up path whose first transfers cost more than the rest, as a real
 * one's do; the patterns that verify every transfer; the option parsers.
 * On the kernel's kselftest_harness.h, with ASan and UBSan, by
 * `make -C userspace test`.
 */
#include <stdint.h>
#include <string.h>

#include "kselftest_harness.h"
#include "toaster_bench_lib.h"

/*
 * A path that costs @setup_ns a run and @per_ns a transfer, and records
 * every run it was asked for.
 */
struct fake_path {
	int64_t		setup_ns;
	int64_t		per_ns;
	uint64_t	runs[64];
	unsigned int	nruns;
	int		fail_at;	/* this run fails with -5; 0: none */
};

static int fake_run(void *ctx, uint64_t count, int64_t *took_ns)
{
	struct fake_path *p = ctx;

	if (p->nruns < 64)
		p->runs[p->nruns] = count;
	if (++p->nruns == (unsigned int)p->fail_at)
		return -5;
	*took_ns = p->setup_ns + p->per_ns * (int64_t)count;
	return 0;
}

TEST(calibrate_sees_past_the_setup)
{
	/* 1 ms to start, 10 us a transfer: 0.3 s is about 30000 transfers */
	struct fake_path p = { .setup_ns = 1000000, .per_ns = 10000 };
	uint64_t count = 0;

	ASSERT_EQ(0, toaster_bench_calibrate(fake_run, &p, 1, 1000000, 0.3, &count));
	/* one warm-up of one transfer would have said 297 */
	EXPECT_GE(count, 27000);
	EXPECT_LE(count, 30000);
	/* warm-ups grow eightfold and stop at an eighth of the goal */
	EXPECT_EQ(1, p.runs[0]);
	EXPECT_EQ(8, p.runs[1]);
	EXPECT_EQ(4096, p.runs[p.nruns - 1]);
}

TEST(calibrate_bounds)
{
	struct fake_path slow = { .per_ns = 1000000000 }, fast = { .per_ns = 1 };
	uint64_t count = 0;

	/* a transfer slower than the goal: never fewer than min */
	ASSERT_EQ(0, toaster_bench_calibrate(fake_run, &slow, 3, 100, 0.3, &count));
	EXPECT_EQ(3, count);
	EXPECT_EQ(1, slow.nruns);
	/* a fast one: never more than max, and the warm-ups stop there too */
	ASSERT_EQ(0, toaster_bench_calibrate(fake_run, &fast, 1, 100, 0.3, &count));
	EXPECT_EQ(100, count);
	EXPECT_EQ(100, fast.runs[fast.nruns - 1]);
}

TEST(calibrate_passes_a_failure_on)
{
	struct fake_path p = { .per_ns = 1000, .fail_at = 2 };
	uint64_t count = 7;

	EXPECT_EQ(-5, toaster_bench_calibrate(fake_run, &p, 1, 1000000, 0.3, &count));
	EXPECT_EQ(2, p.nruns);
	EXPECT_EQ(7, count);
}

TEST(pattern_catches_order_and_corruption)
{
	uint8_t a[4096], b[4096];

	toaster_bench_fill(a, sizeof(a), 5);
	EXPECT_EQ(sizeof(a), toaster_bench_check(a, sizeof(a), 5));
	/* another transfer's bytes are not this one's */
	EXPECT_NE(sizeof(a), toaster_bench_check(a, sizeof(a), 6));
	memcpy(b, a, sizeof(b));
	b[1000] ^= 1;
	EXPECT_EQ(1000, toaster_bench_check(b, sizeof(b), 5));
	/* a length that is no whole number of words */
	toaster_bench_fill(a, 13, 9);
	EXPECT_EQ(13, toaster_bench_check(a, 13, 9));
}

TEST(parse_sizes)
{
	uint64_t v, list[TOASTER_BENCH_LIST_MAX];
	double s;

	ASSERT_TRUE(toaster_bench_parse_size("64K", 1 << 30, &v));
	EXPECT_EQ(65536, v);
	ASSERT_TRUE(toaster_bench_parse_size("1M", 1 << 30, &v));
	EXPECT_EQ(1048576, v);
	EXPECT_FALSE(toaster_bench_parse_size("0", 100, &v));
	EXPECT_FALSE(toaster_bench_parse_size("101", 100, &v));
	EXPECT_FALSE(toaster_bench_parse_size("4X", 100, &v));
	EXPECT_FALSE(toaster_bench_parse_size("", 100, &v));
	EXPECT_EQ(3, toaster_bench_parse_list("4K,16K,1M", 1 << 20, list));
	EXPECT_EQ(16384, list[1]);
	EXPECT_EQ(0, toaster_bench_parse_list("4K,,1M", 1 << 20, list));
	EXPECT_EQ(0, toaster_bench_parse_list("2M", 1 << 20, list));
	ASSERT_TRUE(toaster_bench_parse_seconds("0.3", &s));
	EXPECT_TRUE(s > 0.29 && s < 0.31);
	EXPECT_FALSE(toaster_bench_parse_seconds("-1", &s));
	EXPECT_FALSE(toaster_bench_parse_seconds("3601", &s));
}

TEST_HARNESS_MAIN
