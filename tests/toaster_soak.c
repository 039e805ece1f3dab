// SPDX-License-Identifier: GPL-2.0
/*
 * A soak: worker threads make every kind of call a program makes, on two
 * toasters at once, while each toaster's firmware injects random faults
 * (stalls, short replies, garbage notifications, slow bulk data, heater
 * faults, unplugs; hung requests on a FunctionFS firmware, which drops
 * them by itself).  Every call must end, in success or an error the fault
 * explains; a LOOPBACK that succeeds echoes every byte; the status stays
 * sane.  Afterwards, the faults cleared, both toasters must work.
 *
 *   toaster_soak --seconds S [--threads T] [--seed N] DEV:FIFO [DEV:FIFO]
 *
 * The second toaster is tests/e2e/soak.sh's, on FunctionFS (hangs are
 * injected only on a FIFO named by --hang-ok).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>

#include "toaster_stress.h"

#define TK_TOASTERS	2
#define TK_THREADS_MAX	16
#define TK_LEN_MAX	65536
#define TK_HANG_S	30
#define TK_ERRNOS	134

/* A toaster by its interface: its node's name may change (ts_node_of()). */
struct tk_toaster {
	struct ts_toaster t;
	char intf[PATH_MAX];
	char dev[PATH_MAX];			/* its node, once it is back at the end */
	bool hang_ok;			/* its firmware drops a hung request itself */
	unsigned long faults;
};

static struct tk_toaster toasters[TK_TOASTERS];
static int ntoasters;
static volatile bool stop_all;

struct tk_thread {
	unsigned int index;
	uint64_t rng;
	pthread_t thread;
	int fd[TK_TOASTERS];
	unsigned char buf[TK_LEN_MAX * 2], copy[TK_LEN_MAX * 2];
	volatile int64_t op_started_ms;
	char op_text[128];
	unsigned long ops, loopbacks, errs[TK_ERRNOS];
	struct ts_findings found;
};

static struct tk_thread threads[TK_THREADS_MAX];

#define tk_rand ts_rand
#define tk_below ts_below
#define tk_bad(t, ...) ts_finding(&(t)->found, __VA_ARGS__)

/*
 * The errors faults explain: gone (ENODEV, or ENOENT for an open while
 * unplugged), refused or cut (EIO, EPIPE), not answered (ETIMEDOUT), and
 * the toaster's own refusals (EBUSY, EPERM), and EAGAIN.
 */
static void tk_result(struct tk_thread *t, int err)
{
	static const int allowed[] = { ENODEV, ENOENT, EIO, EPIPE, ETIMEDOUT, EBUSY, EPERM,
				       EAGAIN, 0 };
	int i;

	t->errs[err >= 0 && err < TK_ERRNOS ? err : 0]++;
	if (!err)
		return;
	for (i = 0; allowed[i]; i++) {
		if (allowed[i] == err)
			return;
	}
	tk_bad(t, "%s: unexpected %s", t->op_text, strerror(err));
}

/* The thread's file on toaster N, opened anew if the toaster came back. */
static int tk_file(struct tk_thread *t, int n)
{
	char dev[PATH_MAX];

	if (t->fd[n] >= 0)
		return t->fd[n];
	if (ts_node_of(toasters[n].intf, dev, sizeof(dev))) {
		errno = ENOENT;
		return -1;
	}
	t->fd[n] = open(dev, O_RDWR | (tk_below(&t->rng, 4) ? 0 : O_NONBLOCK));
	return t->fd[n];
}

static void tk_check_status(struct tk_thread *t, const struct toaster_status *st)
{
	if (st->state >= TOASTER_STATE_COUNT || st->darkness < TOASTER_DARKNESS_MIN ||
	    st->darkness > TOASTER_DARKNESS_MAX || st->safety_lock > 1 || st->reserved ||
	    st->temperature_c < 0 || st->temperature_c > 300)
		tk_bad(t, "%s: GET_STATUS: state %u darkness %u lock %u %d C reserved %u", t->op_text,
		       st->state, st->darkness, st->safety_lock, st->temperature_c, st->reserved);
}

static int tk_loopback(struct tk_thread *t, int fd, bool session)
{
	__u32 len = (__u32)(1 + tk_below(&t->rng, TK_LEN_MAX)), count = (__u32)(1 + tk_below(&t->rng, 2));
	struct toaster_buffer ub = {
		.data = (__u64)(unsigned long)t->buf, .len = len, .count = count,
	};
	size_t i;
	int ret;

	if (session && ts_ioctl_u32(fd, TOASTER_IOC_SET_LOOPBACK, 1))
		return errno;
	for (i = 0; i < (size_t)len * count; i++)
		t->copy[i] = t->buf[i] = (unsigned char)tk_rand(&t->rng);
	ret = ioctl(fd, TOASTER_IOC_LOOPBACK, &ub) ? errno : 0;
	if (!ret) {
		t->loopbacks++;
		if (memcmp(t->buf, t->copy, (size_t)len * count))
			tk_bad(t, "%s: LOOPBACK of %u x %u bytes succeeded, and the echo differs",
			       t->op_text, count, len);
	}
	if (session)
		ts_ioctl_u32(fd, TOASTER_IOC_SET_LOOPBACK, 0);
	return ret;
}

/* One call, of a kind a program makes, on a toaster picked at random. */
static void tk_op(struct tk_thread *t)
{
	static const char *const commands[] = {
		"toast", "toast 1", "cancel", "darkness 4", "darkness 7", "lock", "unlock",
	};
	int n = (int)tk_below(&t->rng, ntoasters), fd, ret = 0, kind = (int)tk_below(&t->rng, 12);
	struct toaster_status st;
	struct toaster_info info;
	struct pollfd pfd;
	char text[512], path[PATH_MAX + 32];
	const char *cmd;

	snprintf(t->op_text, sizeof(t->op_text), "toaster%d op %d", n, kind);
	fd = tk_file(t, n);
	if (fd < 0) {
		tk_result(t, errno);
		/* Unplugged: eight threads trying to open must not starve the rest. */
		toaster_sleep_ms(20);
		return;
	}
	switch (kind) {
	case 0:
		ret = ts_status(fd, &st) ? errno : 0;
		if (!ret)
			tk_check_status(t, &st);
		break;
	case 1:
		ret = ioctl(fd, TOASTER_IOC_GET_INFO, &info) ? errno : 0;
		break;
	case 2:
		ret = pread(fd, text, sizeof(text), 0) < 0 ? errno : 0;
		break;
	case 3:
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		ret = poll(&pfd, 1, (int)tk_below(&t->rng, 50)) < 0 ? errno : 0;
		break;
	case 4:
	case 5:
	case 6:
		cmd = commands[tk_below(&t->rng, sizeof(commands) / sizeof(commands[0]))];
		snprintf(t->op_text, sizeof(t->op_text), "toaster%d: write \"%s\"", n, cmd);
		ret = ts_command(fd, cmd) ? errno : 0;
		break;
	case 7:
	case 8:
		snprintf(t->op_text, sizeof(t->op_text), "toaster%d: LOOPBACK", n);
		ret = tk_loopback(t, fd, kind == 8 && tk_below(&t->rng, 3) == 0);
		break;
	case 9:
		memset(t->buf, 0x77, 4096);
		ret = ioctl(fd, TOASTER_IOC_BURN,
			    &(struct toaster_buffer){ .data = (__u64)(unsigned long)t->buf,
						      .len = 4096, .count = 1 }) ? errno : 0;
		break;
	case 10:
		snprintf(path, sizeof(path), "%s/%s", toasters[n].intf,
			 tk_below(&t->rng, 2) ? "temperature_c" : "darkness");
		ret = -ts_read_file(path, text, sizeof(text));
		/* ENOENT: the attribute went with the binding. */
		break;
	default:
		/* A file of its own closed, and opened on the next call. */
		close(fd);
		t->fd[n] = -1;
		break;
	}
	/* Gone: the next call opens the toaster anew. */
	if (ret == ENODEV && t->fd[n] >= 0) {
		close(t->fd[n]);
		t->fd[n] = -1;
	}
	tk_result(t, ret);
}

static void *tk_thread_main(void *arg)
{
	struct tk_thread *t = arg;
	int n;

	while (!stop_all) {
		t->op_started_ms = toaster_now_ms();
		tk_op(t);
		t->op_started_ms = 0;
		t->ops++;
	}
	for (n = 0; n < ntoasters; n++) {
		if (t->fd[n] >= 0)
			close(t->fd[n]);
	}
	return NULL;
}

/* One fault, held a while and cleared; the toaster unplugged and back. */
static void tk_inject(struct tk_toaster *k, uint64_t *rng)
{
	static const char *const reqs[] = {
		"toast", "cancel", "set_darkness", "set_lock", "get_status", "set_loopback",
	};
	const char *req = reqs[tk_below(rng, sizeof(reqs) / sizeof(reqs[0]))];
	char cmd[64], clear[64];
	struct ts_why why;
	int kind = (int)tk_below(rng, k->hang_ok ? 8 : 7);

	switch (kind) {
	case 0: snprintf(cmd, sizeof(cmd), "fault stall %s", req); snprintf(clear, sizeof(clear), "clear stall"); break;
	/* The firmware shortens replies only: get_info's is read at probe alone. */
	case 1: snprintf(cmd, sizeof(cmd), "fault short get_status"); snprintf(clear, sizeof(clear), "clear short"); break;
	case 2: snprintf(cmd, sizeof(cmd), "fault garbage-notify"); snprintf(clear, sizeof(clear), "clear garbage-notify"); break;
	case 3:
	case 4:
		snprintf(cmd, sizeof(cmd), "fault slow-bulk %lu", 50 + tk_below(rng, 700));
		snprintf(clear, sizeof(clear), "clear slow-bulk");
		break;
	case 5: snprintf(cmd, sizeof(cmd), "overheat"); clear[0] = '\0'; break;
	case 6: snprintf(cmd, sizeof(cmd), "unplug"); snprintf(clear, sizeof(clear), "plug"); break;
	default: snprintf(cmd, sizeof(cmd), "fault hang %s", req); snprintf(clear, sizeof(clear), "clear hang"); break;
	}
	if (ts_gadget(&k->t, cmd, &why))
		ksft_print_msg("%s\n", why.text);
	k->faults++;
	toaster_sleep_ms(200 + (unsigned int)tk_below(rng, 1500));
	if (*clear && ts_gadget(&k->t, clear, &why))
		ksft_print_msg("%s\n", why.text);
}

static void *tk_injector_main(void *arg)
{
	uint64_t rng = *(uint64_t *)arg;

	while (!stop_all) {
		tk_inject(&toasters[tk_below(&rng, ntoasters)], &rng);
		toaster_sleep_ms(100 + (unsigned int)tk_below(&rng, 600));
	}
	return NULL;
}

static bool tk_restore(struct tk_toaster *k, struct ts_why *why)
{
	int64_t end = toaster_now_ms() + 30000;

	if (ts_gadget(&k->t, "clear", why) || ts_gadget(&k->t, "plug", why))
		return false;
	/* sysfs has the node's name before devtmpfs has the node. */
	while (ts_node_of(k->intf, k->dev, sizeof(k->dev)) || access(k->dev, F_OK)) {
		if (toaster_now_ms() > end)
			return ts_fail(why, "%s: no node 30 s after the soak", k->intf);
		toaster_sleep_ms(20);
	}
	k->t.dev = k->dev;
	return true;
}

static bool tk_loopback_works(struct tk_toaster *k, struct ts_why *why)
{
	static unsigned char buf[8192], copy[8192];
	struct toaster_buffer ub = { .data = (__u64)(unsigned long)buf, .len = 4000, .count = 2 };
	size_t i;
	int fd = open(k->t.dev, O_RDWR), ret;

	if (fd < 0)
		return ts_fail(why, "open %s: %s", k->t.dev, strerror(errno));
	for (i = 0; i < sizeof(buf); i++)
		copy[i] = buf[i] = (unsigned char)(i * 7);
	ret = ioctl(fd, TOASTER_IOC_LOOPBACK, &ub) ? errno : 0;
	close(fd);
	if (ret)
		return ts_fail(why, "%s: LOOPBACK after the soak: %s", k->t.dev, strerror(ret));
	if (memcmp(buf, copy, 8000))
		return ts_fail(why, "%s: LOOPBACK after the soak: the echo differs", k->t.dev);
	return true;
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)toaster_now_ns(), inject_seed;
	unsigned long seconds = 0, total = 0, bad = 0, loopbacks = 0, errs[TK_ERRNOS] = { 0 };
	unsigned int nthreads = 8, i;
	const char *hang_ok = "";
	pthread_t injector;
	struct ts_why why = { "" };
	char line[1024];
	size_t len = 0;
	int64_t start, now, end;
	int a, e, n;
	bool ok;

	for (a = 1; a < argc; a++) {
		char *colon = strchr(argv[a], ':');

		if (a + 1 < argc && !strcmp(argv[a], "--seconds"))
			seconds = ts_number(argv[++a], "--seconds");
		else if (a + 1 < argc && !strcmp(argv[a], "--threads"))
			nthreads = (unsigned int)ts_number(argv[++a], "--threads");
		else if (a + 1 < argc && !strcmp(argv[a], "--seed"))
			seed = ts_number(argv[++a], "--seed");
		else if (a + 1 < argc && !strcmp(argv[a], "--hang-ok"))
			hang_ok = argv[++a];
		else if (colon && ntoasters < TK_TOASTERS) {
			*colon = '\0';
			toasters[ntoasters].t = (struct ts_toaster)TS_TOASTER_INIT(argv[a], colon + 1);
			toasters[ntoasters].hang_ok = !strcmp(colon + 1, hang_ok);
			ntoasters++;
		} else {
			ksft_exit_fail_msg("usage: %s --seconds S [--threads T] [--seed N] [--hang-ok FIFO] DEV:FIFO...\n",
					   argv[0]);
		}
	}
	if (!seconds || !ntoasters || !nthreads || nthreads > TK_THREADS_MAX)
		ksft_exit_fail_msg("usage: %s --seconds S [--threads T] DEV:FIFO...\n", argv[0]);
	ksft_print_header();
	ksft_set_plan(1 + ntoasters);
	ksft_print_msg("seed %llu, %u threads, %d toasters, %lu s\n", (unsigned long long)seed,
		       nthreads, ntoasters, seconds);
	for (n = 0; n < ntoasters; n++) {
		struct ts_sysfs s;

		if (ts_find_sysfs(&toasters[n].t, &s))
			ksft_exit_fail_msg("%s has no sysfs directory\n", toasters[n].t.dev);
		/* The same interface when it comes back: the same port. */
		snprintf(toasters[n].intf, sizeof(toasters[n].intf), "%s", s.intf);
	}
	signal(SIGIO, SIG_IGN);
	inject_seed = seed ^ 0xfa017ULL;
	for (i = 0; i < nthreads; i++) {
		threads[i].index = i;
		threads[i].rng = seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
		for (n = 0; n < TK_TOASTERS; n++)
			threads[i].fd[n] = -1;
		if (pthread_create(&threads[i].thread, NULL, tk_thread_main, &threads[i]))
			ksft_exit_fail_msg("pthread_create failed\n");
	}
	if (pthread_create(&injector, NULL, tk_injector_main, &inject_seed))
		ksft_exit_fail_msg("pthread_create failed\n");
	start = toaster_now_ms();
	for (end = start + (int64_t)seconds * 1000; (now = toaster_now_ms()) < end;) {
		toaster_sleep_ms(200);
		for (i = 0; i < nthreads; i++) {
			int64_t began = threads[i].op_started_ms;

			if (began && now - began > TK_HANG_S * 1000)
				ksft_exit_fail_msg("thread %u: %s has not returned in %d s: the driver hangs it\n",
						   i, threads[i].op_text, TK_HANG_S);
		}
	}
	stop_all = true;
	pthread_join(injector, NULL);
	for (i = 0; i < nthreads; i++) {
		pthread_join(threads[i].thread, NULL);
		total += threads[i].ops;
		bad += threads[i].found.n;
		loopbacks += threads[i].loopbacks;
		for (e = 0; e < TK_ERRNOS; e++)
			errs[e] += threads[i].errs[e];
		for (a = 0; a < 3 && a < (int)threads[i].found.n; a++)
			ksft_print_msg("thread %u: %s\n", i, threads[i].found.first[a]);
	}
	for (e = 0; e < TK_ERRNOS; e++) {
		if (errs[e] && len < sizeof(line) - 64)
			len += snprintf(line + len, sizeof(line) - len, " %s %lu",
					e ? strerrorname_np(e) : "ok", errs[e]);
	}
	ksft_print_msg("%lu calls in %.1f s (%lu LOOPBACKs checked); faults injected: %lu on %s, %lu on %s\n",
		       total, (toaster_now_ms() - start) / 1000.0, loopbacks, toasters[0].faults,
		       toasters[0].t.dev, ntoasters > 1 ? toasters[1].faults : 0,
		       ntoasters > 1 ? toasters[1].t.dev : "-");
	ksft_print_msg("results:%s\n", line);
	ksft_test_result(!bad, "calls_end_as_the_faults_explain\n");
	for (n = 0; n < ntoasters; n++) {
		why.text[0] = '\0';
		ok = tk_restore(&toasters[n], &why) && ts_works(&toasters[n].t, 6, &why) &&
		     tk_loopback_works(&toasters[n], &why);
		if (!ok)
			ksft_print_msg("%s\n", why.text);
		ksft_test_result(ok, "toaster_%d_works_afterwards\n", n);
	}
	ksft_finished();
}
