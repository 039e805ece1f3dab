// SPDX-License-Identifier: GPL-2.0
/*
 * The parts toaster-bench and toaster-usb-bench share; see
 * toaster_bench_lib.h.
 */
#define _DEFAULT_SOURCE /* clock_gettime(), getrusage() */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "toaster_bench_lib.h"
#include "toaster_clock.h"
#include "toaster_proto.h"

static int64_t toaster_bench_tv_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * TOASTER_NS_PER_S + (int64_t)tv->tv_usec * 1000;
}

/* The guest's busy time: all CPUs, every kind of work but idle and iowait. */
static int64_t toaster_bench_sys_busy_ns(void)
{
	unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
	static long hz;
	FILE *f;
	int n;

	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	f = fopen("/proc/stat", "re");
	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user,
		   &nice, &system, &idle, &iowait, &irq, &softirq, &steal);
	fclose(f);
	if (n != 8 || hz <= 0)
		return -1;
	/* guest time is in user already */
	return (int64_t)((user + nice + system + irq + softirq + steal) *
			 (TOASTER_NS_PER_S / hz));
}

void toaster_bench_cpu_now(struct toaster_bench_cpu *c)
{
	struct rusage ru;

	c->sys_busy_ns = toaster_bench_sys_busy_ns();
	getrusage(RUSAGE_SELF, &ru);
	c->proc_ns = toaster_bench_tv_ns(&ru.ru_utime) + toaster_bench_tv_ns(&ru.ru_stime);
	c->wall_ns = toaster_now_ns();
}

const char *toaster_bench_cpu_json(const struct toaster_bench_cpu *a,
				   const struct toaster_bench_cpu *b,
				   char *buf, size_t size)
{
	int n;

	n = snprintf(buf, size, "\"seconds\":%.9f,\"proc_cpu_s\":%.6f",
		     (double)(b->wall_ns - a->wall_ns) / TOASTER_NS_PER_S,
		     (double)(b->proc_ns - a->proc_ns) / TOASTER_NS_PER_S);
	/* null when /proc/stat could not be read: no number is better than a wrong one */
	if (n > 0 && (size_t)n < size) {
		if (a->sys_busy_ns >= 0 && b->sys_busy_ns >= 0)
			snprintf(buf + n, size - (size_t)n, ",\"sys_cpu_s\":%.3f",
				 (double)(b->sys_busy_ns - a->sys_busy_ns) / TOASTER_NS_PER_S);
		else
			snprintf(buf + n, size - (size_t)n, ",\"sys_cpu_s\":null");
	}
	return buf;
}

void toaster_bench_emit(const char *kind, const char *fmt, ...)
{
	va_list ap;

	printf(TOASTER_BENCH_PREFIX "{\"kind\":\"%s\",", kind);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("}\n");
	/* the console is shared with the guest script: keep lines whole and in order */
	fflush(stdout);
}

void toaster_bench_count(struct toaster_bench_totals *t, uint64_t count,
			 uint64_t size)
{
	t->transfers += count;
	t->bytes += count * size;
	if (size <= TOASTER_BURN_MAX)
		t->pattern_bytes += count * size;
}

void toaster_bench_emit_total(const char *path, const char *op,
			      const struct toaster_bench_totals *t)
{
	toaster_bench_emit("total", "\"path\":\"%s\",\"op\":\"%s\",\"transfers\":%llu,\"bytes\":%llu,\"pattern_bytes\":%llu",
			   path, op, (unsigned long long)t->transfers,
			   (unsigned long long)t->bytes,
			   (unsigned long long)t->pattern_bytes);
}

/* splitmix64's finalizer: every transfer's pattern starts somewhere else. */
static uint64_t toaster_bench_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Word i of a transfer is (base + i) times an odd constant: a different
 * word at every offset, cheap enough to fill and check hundreds of
 * megabytes under TCG without dwarfing the transfer it checks.
 */
static uint64_t toaster_bench_word(uint64_t base, uint64_t i)
{
	return (base + i) * 0xd6e8feb86659fd93ull;
}

void toaster_bench_fill(uint8_t *buf, size_t len, uint64_t transfer)
{
	uint64_t base = toaster_bench_mix(transfer), w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		w = toaster_bench_word(base, i / 8);
		memcpy(buf + i, &w, 8);
	}
	if (i < len) {
		w = toaster_bench_word(base, i / 8);
		memcpy(buf + i, &w, len - i);
	}
}

size_t toaster_bench_check(const uint8_t *buf, size_t len, uint64_t transfer)
{
	uint64_t base = toaster_bench_mix(transfer), w;
	size_t i, j;

	for (i = 0; i < len; i += 8) {
		w = toaster_bench_word(base, i / 8);
		j = len - i < 8 ? len - i : 8;
		if (memcmp(buf + i, &w, j)) {
			const uint8_t *want = (const uint8_t *)&w;
			size_t k;

			for (k = 0; k < j && buf[i + k] == want[k]; k++)
				;
			return i + k;
		}
	}
	return len;
}

bool toaster_bench_parse_size(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return false;
	if (*end == 'K' || *end == 'k') {
		v *= 1024;
		end++;
	} else if (*end == 'M' || *end == 'm') {
		v *= 1024 * 1024;
		end++;
	}
	if (*end || !v || v > max)
		return false;
	*out = v;
	return true;
}

unsigned int toaster_bench_parse_list(const char *s, uint64_t max, uint64_t *out)
{
	char item[32];
	unsigned int n = 0;
	size_t len;
	const char *comma;

	while (*s) {
		comma = strchr(s, ',');
		len = comma ? (size_t)(comma - s) : strlen(s);
		if (!len || len >= sizeof(item) || n == TOASTER_BENCH_LIST_MAX)
			return 0;
		memcpy(item, s, len);
		item[len] = '\0';
		if (!toaster_bench_parse_size(item, max, &out[n++]))
			return 0;
		s += len;
		if (*s == ',' && !*++s)
			return 0;
	}
	return n;
}

bool toaster_bench_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 3600))
		return false;
	*out = v;
	return true;
}

int toaster_bench_calibrate(toaster_bench_run_fn *run, void *ctx,
			    uint64_t min, uint64_t max, double seconds,
			    uint64_t *count)
{
	double goal = seconds * TOASTER_NS_PER_S, want;
	uint64_t n = min ? min : 1;
	int64_t took;
	int rc;

	if (max < n)
		max = n;
	for (;;) {
		rc = run(ctx, n, &took);
		if (rc)
			return rc;
		if (took <= 0 || n == max || (double)took >= goal / 8)
			break;
		n = n > max / 8 ? max : n * 8;
	}
	want = took > 0 ? goal / ((double)took / (double)n) : (double)max;
	if (want < (double)min)
		*count = min;
	else if (want > (double)max)
		*count = max;
	else
		*count = (uint64_t)want;
	return 0;
}
