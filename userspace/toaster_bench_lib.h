/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two guest-side benchmark programs share: toaster-bench (through
 * /dev/toasterN) and toaster-usb-bench (through libusb, the driver
 * detached).  Both print one result per line,
 *
 *	BENCH {"kind":"...", ...}
 *
 * a JSON object behind a fixed prefix, so that scripts/bench-report can
 * pick the results out of a console that also carries the kernel's and
 * the guest script's messages.  They print samples, never summaries: the
 * medians and ratios are the host's to compute, from every repetition.
 */
#ifndef TOASTER_BENCH_LIB_H
#define TOASTER_BENCH_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOASTER_BENCH_PREFIX	"BENCH "
/* The most one list option (--sizes, --depths) takes. */
#define TOASTER_BENCH_LIST_MAX	16

/*
 * Where the CPU went, read before and after what is measured: this
 * process's user + system time (getrusage; it includes the kernel's work
 * done in the process's system calls, not the softirqs that complete its
 * URBs on another CPU), and the whole guest's busy time from /proc/stat
 * (every CPU, everything: the firmware, dummy_hcd's timer, the softirqs).
 */
struct toaster_bench_cpu {
	int64_t		wall_ns;	/* CLOCK_MONOTONIC */
	int64_t		proc_ns;	/* getrusage(RUSAGE_SELF) user + system */
	int64_t		sys_busy_ns;	/* /proc/stat, all CPUs, not idle/iowait */
};

void toaster_bench_cpu_now(struct toaster_bench_cpu *c);

/*
 * The fields one repetition's line ends with: "seconds", "proc_cpu_s",
 * "sys_cpu_s" from the interval a..b, as JSON members, into buf.
 */
const char *toaster_bench_cpu_json(const struct toaster_bench_cpu *a,
				   const struct toaster_bench_cpu *b,
				   char *buf, size_t size);

/*
 * What one path sent in a run, warm-ups too, for the firmware's counters
 * to be checked against: the program says a BURN went out, the firmware
 * says what came in.  A transfer over TOASTER_BURN_MAX crosses the bus
 * but is no burn pattern, so it counts in bytes, not pattern_bytes.
 */
struct toaster_bench_totals {
	uint64_t	transfers;
	uint64_t	bytes;
	uint64_t	pattern_bytes;
};

void toaster_bench_count(struct toaster_bench_totals *t, uint64_t count,
			 uint64_t size);
/* BENCH {"kind":"total","path":PATH,"op":OP,...} */
void toaster_bench_emit_total(const char *path, const char *op,
			      const struct toaster_bench_totals *t);

/* Prints BENCH {"kind":"KIND",REST} where REST is printf-formatted. */
__attribute__((format(printf, 2, 3)))
void toaster_bench_emit(const char *kind, const char *fmt, ...);

/*
 * Fills (or checks) one transfer's bytes: a pattern seeded by the
 * transfer's number in the whole run, so that an echo that comes back in
 * the wrong order, twice, or from an earlier call cannot pass.  Check
 * returns the offset of the first wrong byte, or len if all are right.
 */
void toaster_bench_fill(uint8_t *buf, size_t len, uint64_t transfer);
size_t toaster_bench_check(const uint8_t *buf, size_t len, uint64_t transfer);

/* A number with an optional K or M (times 1024), 1 up to max. */
bool toaster_bench_parse_size(const char *s, uint64_t max, uint64_t *out);
/* "4K,16K,64K,1M": up to TOASTER_BENCH_LIST_MAX sizes; returns how many, 0 on error. */
unsigned int toaster_bench_parse_list(const char *s, uint64_t max,
				      uint64_t *out);
/* A decimal number of seconds, 0 up to an hour. */
bool toaster_bench_parse_seconds(const char *s, double *out);

/*
 * One timed run of @count transfers for toaster_bench_calibrate(): it
 * returns 0 and how long the transfers alone took, or nonzero to stop.
 */
typedef int toaster_bench_run_fn(void *ctx, uint64_t count, int64_t *took_ns);

/*
 * How many transfers one repetition should have so that it lasts about
 * @seconds, never fewer than @min nor more than @max, into *count: untimed
 * warm-up runs that grow eightfold from @min until one lasts an eighth of
 * @seconds, then scaled from the last.  A single warm-up of a transfer or
 * two measured the first transfers' set-up rather than the stream: reps
 * asked for 0.3 s lasted 35 ms.  Returns what a run returned, or 0.
 */
int toaster_bench_calibrate(toaster_bench_run_fn *run, void *ctx,
			    uint64_t min, uint64_t max, double seconds,
			    uint64_t *count);

#endif /* TOASTER_BENCH_LIB_H */
