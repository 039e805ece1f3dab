/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time as every program of the project reads it: CLOCK_MONOTONIC, which
 * neither settimeofday() nor NTP moves, for the firmware's deadlines, the
 * tools' timeouts and the tests' waits.  Include after a feature macro
 * that gives clock_gettime() (_GNU_SOURCE, _DEFAULT_SOURCE or
 * _POSIX_C_SOURCE >= 199309L).
 */
#ifndef TOASTER_CLOCK_H
#define TOASTER_CLOCK_H

#include <stdint.h>
#include <time.h>

#define TOASTER_NS_PER_MS	1000000LL
#define TOASTER_NS_PER_S	1000000000LL

static inline int64_t toaster_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * TOASTER_NS_PER_S + ts.tv_nsec;
}

static inline int64_t toaster_now_ms(void)
{
	return toaster_now_ns() / TOASTER_NS_PER_MS;
}

/* An absolute CLOCK_MONOTONIC instant, for pthread_cond_timedwait(). */
static inline struct timespec toaster_timespec(int64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / TOASTER_NS_PER_S),
		.tv_nsec = (long)(ns % TOASTER_NS_PER_S),
	};

	return ts;
}

static inline void toaster_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * TOASTER_NS_PER_MS,
	};

	nanosleep(&ts, NULL);
}

#endif /* TOASTER_CLOCK_H */
