// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-gadget: the toaster's firmware, as a user-mode gadget driver on
 * gadgetfs or FunctionFS.  This file is the process: its options, its
 * signals and the main thread's loop, which serves ep0, the control FIFO
 * and the other threads' requests.  firmware.h says who does what.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "firmware.h"

void toaster_wake_main(struct toaster_gadget *g)
{
	uint64_t one = 1;

	if (write(g->wake_fd, &one, sizeof(one)) < 0)
		toaster_err("waking the main thread: %s", strerror(errno));
}

static void toaster_sigusr1(int sig)
{
	(void)sig;	/* only here to make blocking I/O fail with EINTR */
}

static int toaster_signals(struct toaster_gadget *g)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = toaster_sigusr1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: blocked I/O must return */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* before any thread exists, so all inherit it */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (g->ops->ep0_waits_for_host) {
		struct sigevent ev = {
			.sigev_notify = SIGEV_THREAD_ID,
			.sigev_signo = SIGUSR1,
		};

		/*
		 * main's own: ep0.c unblocks SIGUSR1 around a bounded wait.
		 * glibc before 2.38 names the thread's field only this way.
		 */
		ev._sigev_un._tid = gettid();
		g->ep0_timed = timer_create(CLOCK_MONOTONIC, &ev, &g->ep0_timer) == 0;
		if (!g->ep0_timed)
			toaster_err("timer_create: %s: ep0 waits unbounded",
				    strerror(errno));
	}

	sigdelset(&set, SIGUSR1);
	g->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (g->sig_fd < 0) {
		toaster_err("signalfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* A signal came: returns whether it says to shut down. */
static bool toaster_signalled(struct toaster_gadget *g)
{
	struct signalfd_siginfo si;

	if (read(g->sig_fd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo != SIGUSR2) {
		toaster_dbg("signal %u: shutting down", si.ssi_signo);
		return true;
	}
	toaster_dbg("SIGUSR2: injecting a heater fault");
	toaster_overheat(g);
	return false;
}

/*
 * Runs until SIGTERM/SIGINT (returns 0) or ep0 fails (-1).  Without an ep0
 * to watch (gadgetfs, unplugged) the rest goes on.
 */
static int toaster_main_loop(struct toaster_gadget *g)
{
	enum { P_SIG, P_EP0, P_CTL, P_WAKE, P_FDS };
	struct pollfd pfd[P_FDS];
	uint64_t count;

	for (;;) {
		/* poll() skips negative fds: no ep0, no --control */
		pfd[P_SIG] = (struct pollfd){ .fd = g->sig_fd, .events = POLLIN };
		pfd[P_EP0] = (struct pollfd){ .fd = g->ops->ep0_poll_fd(g),
					      .events = POLLIN };
		pfd[P_CTL] = (struct pollfd){ .fd = g->ctl.fd, .events = POLLIN };
		pfd[P_WAKE] = (struct pollfd){ .fd = g->wake_fd, .events = POLLIN };
		if (poll(pfd, P_FDS, toaster_faults_timeout_ms(g)) < 0) {
			if (errno == EINTR)
				continue;
			toaster_err("poll: %s", strerror(errno));
			return -1;
		}

		if ((pfd[P_SIG].revents & POLLIN) && toaster_signalled(g))
			return 0;

		if (pfd[P_EP0].revents &&
		    g->ops->ep0_ready(g, pfd[P_EP0].revents) < 0)
			return -1;

		/* after ep0's events, which these may leave without an ep0 */
		if ((pfd[P_WAKE].revents & POLLIN) &&
		    read(g->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
			toaster_err("eventfd: %s", strerror(errno));
		toaster_faults_run(g);
		if (pfd[P_CTL].revents & (POLLIN | POLLHUP))
			toaster_ctl_read(g);
	}
}

static void toaster_usage(FILE *f)
{
	char all[128], in[64];

	toaster_req_list(-1, all, sizeof(all));
	toaster_req_list(TOASTER_REQ_DIR_IN, in, sizeof(in));
	fprintf(f,
		"usage: toaster-gadget [--gadgetfs DIR | --functionfs] [--udc NAME]\n"
		"                      [--time-scale X] [--serial STR] [--control PATH]\n"
		"                      [--fault MODE[=ARG]]... [-v]\n"
		"Emulates the toaster on gadgetfs (mounted at DIR, default /dev/gadget).\n"
		"  --functionfs      on FunctionFS instead, as a configfs gadget of its own\n"
		"                    (%s/toaster.PID), so that gadgetfs's\n"
		"                    toaster can be plugged in beside it; it mounts\n"
		"                    FunctionFS itself, and leaves nothing behind\n"
		"  --udc NAME        gadgetfs: the controller file in DIR (default: the one\n"
		"                    *_udc); FunctionFS: the controller in /sys/class/udc\n"
		"                    (default: the first no gadget has)\n"
		"  --time-scale X    run the toaster's clock X times faster (default 1)\n"
		"  --serial STR      serial number, up to %d printable ASCII characters\n"
		"  --control PATH    make a FIFO at PATH (removed on exit; an existing FIFO\n"
		"                    is reused) and take commands from it, one a line.  Once\n"
		"                    carried out, each is acknowledged by a line \"ok CMD\" or\n"
		"                    \"error CMD: WHY\" appended to PATH.ack (emptied at start):\n"
		"      unplug              disconnect, as if the cable were pulled; the\n"
		"                          toaster keeps its state and goes on toasting\n"
		"      plug                connect again: the host enumerates it anew\n"
		"      fault MODE [ARG]    inject a fault, as --fault MODE=ARG\n"
		"      clear [MODE [ARG]]  remove every fault, one mode's, or one request's\n"
		"      overheat            a heater fault, as SIGUSR2\n"
		"      stats               write the bulk endpoints' counters to PATH.stats,\n"
		"                          \"key: value\" lines: patterns_burned,\n"
		"                          bytes_burned, oversized, transfers_echoed,\n"
		"                          bytes_echoed, echoes_flushed\n"
		"  --fault MODE[=ARG] inject a fault from the start (repeatable).  REQ is a\n"
		"                    vendor request, named as in toaster_proto.h without the\n"
		"                    prefix, in any case; one of\n"
		"        %s.\n"
		"                    A request has one of stall, hang and short at a time.\n"
		"      stall=REQ           refuse (stall) REQ even when it is valid\n"
		"      hang=REQ            never answer REQ, nor carry it out: the host times\n"
		"                          out.  gadgetfs: the request after (which gadgetfs\n"
		"                          shows only once answered) is refused: an OUT one\n"
		"                          stalled, an IN one answered with nothing.  Then\n"
		"                          all is well.  FunctionFS drops the hung request\n"
		"                          when the next one comes.\n"
		"      short=REQ           answer REQ (%s) with half its\n"
		"                          reply, cut to what the host asked for\n"
		"      garbage-notify      send a malformed notification (wrong length, state\n"
		"                          or darkness out of range) before each good one\n"
		"      unplug-when-toasting[=MS]  unplug when a toast starts toasting; plug\n"
		"                          in again after MS ms (default: on \"plug\")\n"
		"      slow-bulk=MS        hold each request up MS ms before it is queued:\n"
		"                          each read on bulk OUT, each echo write on bulk IN\n"
		"      halt=EP             halt EP (bulk-out, bulk-in, int-in) once, at its\n"
		"                          next transfer; the host clears it (CLEAR_FEATURE)\n"
		"  -v, --verbose     log every control request, state change and fault\n"
		"SIGTERM/SIGINT disconnect and exit; SIGUSR2 injects a heater fault.\n",
		TOASTER_CONFIGFS_GADGETS, TOASTER_SERIAL_LEN, all, in);
}

static int toaster_parse_serial(struct toaster_options *o, const char *arg)
{
	const char *p;

	o->serial = arg;
	if (!*arg || strlen(arg) > TOASTER_SERIAL_LEN) {
		toaster_err("--serial: 1 to %d characters", TOASTER_SERIAL_LEN);
		return -1;
	}
	for (p = arg; *p; p++) {
		if (*p < 0x20 || *p > 0x7e) {
			toaster_err("--serial: printable ASCII only");
			return -1;
		}
	}
	return 0;
}

static int toaster_parse_option(struct toaster_options *o, int c,
				const char *arg)
{
	char why[256];
	char *end;

	switch (c) {
	case 'g':
		o->dir = arg;
		return 0;
	case 'F':
		o->functionfs = true;
		return 0;
	case 'u':
		o->udc = arg;
		return 0;
	case 't':
		errno = 0;
		o->scale = strtod(arg, &end);
		/* bounded so device time fits in 64-bit nanoseconds */
		if (errno || end == arg || *end ||
		    !(o->scale >= 0.01 && o->scale <= 10000)) {
			toaster_err("--time-scale: want a number from 0.01 to 10000");
			return -1;
		}
		return 0;
	case 's':
		return toaster_parse_serial(o, arg);
	case 'c':
		o->control = arg;
		if (!*arg) {
			toaster_err("--control: want a path");
			return -1;
		}
		return 0;
	case 'f':
		if (toaster_faults_change(&o->faults, arg, NULL, false, why,
					  sizeof(why)) < 0) {
			toaster_err("--fault %s: %s", arg, why);
			return -1;
		}
		return 0;
	case 'v':
		o->verbose = true;
		return 0;
	case 'h':
		toaster_usage(stdout);
		exit(0);
	default:
		toaster_usage(stderr);
		return -1;
	}
}

static int toaster_parse(struct toaster_options *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "gadgetfs", required_argument, NULL, 'g' },
		{ "functionfs", no_argument, NULL, 'F' },
		{ "udc", required_argument, NULL, 'u' },
		{ "time-scale", required_argument, NULL, 't' },
		{ "serial", required_argument, NULL, 's' },
		{ "control", required_argument, NULL, 'c' },
		{ "fault", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		if (toaster_parse_option(o, c, optarg) < 0)
			return -1;
	}
	if (optind != argc) {
		toaster_usage(stderr);
		return -1;
	}
	return 0;
}

void toaster_gadget_init(struct toaster_gadget *g,
			 const struct toaster_backend *ops,
			 const struct toaster_options *o)
{
	pthread_condattr_t ca;

	memset(g, 0, sizeof(*g));
	g->ops = ops;
	g->udc = o->udc;
	g->scale = o->scale;
	g->serial = o->serial;
	g->control = o->control;
	g->ep0_fd = g->sig_fd = g->wake_fd = -1;
	g->ctl.fd = g->ctl.ack_fd = -1;
	g->bulk.in_kick = -1;
	g->replug_at = TOASTER_MODEL_NEVER;
	g->faults = o->faults;
	g->speed = USB_SPEED_HIGH;
	g->logged_state = TOASTER_STATE_IDLE;
	toaster_descs_init_eps(g->ep);

	pthread_mutex_init(&g->lock, NULL);
	/* deadlines are CLOCK_MONOTONIC, like the model's timestamps */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->clock_cond, &ca);
	pthread_cond_init(&g->io_cond, &ca);
	pthread_condattr_destroy(&ca);
	toaster_model_init(&g->model, g->scale, toaster_now_ns());
}

int main(int argc, char **argv)
{
	struct toaster_options o = {
		.dir = "/dev/gadget",
		.scale = 1.0,
		.serial = TOASTER_DEFAULT_SERIAL,
	};
	const struct toaster_backend *ops;
	struct toaster_gadget *g;
	char faults[256];
	int rc = -1;

	/* no threads yet: the faults need no lock */
	toaster_faults_init(&o.faults);
	if (toaster_parse(&o, argc, argv) < 0)
		return 2;
	toaster_log_verbose(o.verbose);
	ops = o.functionfs ? &toaster_functionfs_backend : &toaster_gadgetfs_backend;
	g = ops->create(&o);

	if (toaster_signals(g) < 0)
		return 1;
	g->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (g->wake_fd < 0) {
		toaster_err("eventfd: %s", strerror(errno));
		return 1;
	}
	/* before plugging in: whoever waits for the toaster finds it ready */
	if (g->control && toaster_ctl_open(g) < 0)
		return 1;
	if (toaster_clock_start(g) < 0)
		goto out_ctl;
	toaster_faults_describe(&g->faults, faults, sizeof(faults));
	toaster_dbg("%04x:%04x %s serial %s on %s, time scale %g, faults: %s",
		    TOASTER_VENDOR_ID, TOASTER_PRODUCT_ID, TOASTER_MODEL,
		    g->serial, ops->name, g->scale, faults);
	if (ops->start(g) == 0) {
		g->plugged = true;
		rc = toaster_main_loop(g);
		/* the host sees it unplugged; a request left hanging goes with it */
		if (g->plugged)
			toaster_unplug(g);
		ops->stop(g);
	}

	toaster_clock_stop(g);
	toaster_dbg("bye");
out_ctl:
	toaster_ctl_close(g);
	return rc < 0 ? 1 : 0;
}
