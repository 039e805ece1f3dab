/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little harness of the host unit tests (make -C userspace test): a
 * program lists its cases in a struct toaster_test table and returns
 * toaster_test_run() from main().  Each case prints as "ok N name" or
 * "not ok N name", then a summary line; scripts/check reads the TAP.
 * Included by one test program each, so the state is static here.
 */
#ifndef TOASTER_TEST_H
#define TOASTER_TEST_H

#include <stdio.h>
#include <string.h>

static int toaster_test_failed;

/* A failed check names itself and fails the current case; the case goes on. */
#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			toaster_test_failed = 1;			\
		}							\
	} while (0)

#define CHECK_STR(have, want)						\
	do {								\
		const char *h_ = (have), *w_ = (want);			\
		if (strcmp(h_, w_)) {					\
			printf("# %s:%d: have '%s', want '%s'\n",	\
			       __FILE__, __LINE__, h_, w_);		\
			toaster_test_failed = 1;			\
		}							\
	} while (0)

struct toaster_test {
	const char *name;
	void (*fn)(void);
};

/* Runs every case; the exit status for main(): 1 if any failed. */
static inline int toaster_test_run(const struct toaster_test *tests, size_t n)
{
	int failures = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		toaster_test_failed = 0;
		tests[i].fn();
		printf("%s %zu %s\n", toaster_test_failed ? "not ok" : "ok", i + 1,
		       tests[i].name);
		failures += toaster_test_failed;
	}
	printf("# %zu tests, %zu passed, %d failed\n", n, n - (size_t)failures, failures);
	return failures ? 1 : 0;
}

#endif /* TOASTER_TEST_H */
