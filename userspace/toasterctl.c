// SPDX-License-Identifier: GPL-2.0
/*
 * toasterctl: the toaster from the command line, through /dev/toasterN and
 * sysfs.  The parsing and formatting live in toasterctl_lib.c, where the
 * host unit tests reach them; this file is the part that needs a device.
 *
 * _GNU_SOURCE for ppoll(): blocking SIGINT/SIGTERM everywhere except inside
 * the wait is the only race-free way to let a signal end a poll() loop
 * (a flag checked before poll() can be set just after the check).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "toasterctl_lib.h"

#define TOASTERCTL_SYSFS_CLASS	"/sys/class/usbmisc"
/* udev/60-toaster.rules' name for the first toaster; see toasterctl_device(). */
#define TOASTERCTL_DEV_LINK	"/dev/toaster"
#define TOASTERCTL_DEV_FIRST	"/dev/toaster0"
#define TOASTERCTL_BAR_WIDTH	30
/* Where --help's descriptions begin. */
#define TOASTERCTL_USAGE_COLUMN	20
/* How often a tty's bar counts the time down between notifications. */
#define TOASTERCTL_TICK_MS	250
/* A plain PGM of TOASTER_BURN_MAX pixels with generous comments fits. */
#define TOASTERCTL_PGM_FILE_MAX	(4u << 20)

static const char *toasterctl_prog = "toasterctl";
static volatile sig_atomic_t toasterctl_stop;

static void toasterctl_usage(FILE *f)
{
	fprintf(f,
		"usage: toasterctl [-d DEVICE] [--json] COMMAND [ARG]\n"
		"\n"
		"commands:\n");
	toaster_cli_usage(f, toasterctl_cmds, TOASTERCTL_USAGE_COLUMN);
	fprintf(f,
		"\n"
		"N is a darkness, %d to %d; a burn FILE has at most %d pixels.\n"
		"\n"
		"options:\n"
		"  -d, --device DEV  the toaster: a path, a name (toaster1) or a number (1).\n"
		"                    Default: %s if it exists (udev's name for the\n"
		"                    first toaster), else %s\n"
		"  -j, --json        JSON: one object (status, info), an array (list), or\n"
		"                    one object per line (watch, toast)\n"
		"  -n, --no-wait     toast: do not wait for the toast\n"
		"  -h, --help        this text\n"
		"\n"
		"Every command is an ioctl of <toaster_ioctl.h>.\n"
		"\n"
		"exit status:\n"
		"  0    success (toast: it popped, done)\n"
		"  1    the toaster refused or failed (safety lock on, already toasting,\n"
		"       not answering, permission denied, I/O error)\n"
		"  2    usage error: nothing was sent to the toaster\n"
		"  3    no such toaster, or it was unplugged\n"
		"  4    never used\n"
		"  5    toast: cancelled before it was done\n"
		"  6    toast: the toaster faulted\n"
		"  7    burn: the file is unreadable, malformed or too large\n"
		"  130  toast: interrupted (SIGINT/SIGTERM) while waiting; it goes on\n",
		TOASTER_DARKNESS_MIN, TOASTER_DARKNESS_MAX, TOASTER_BURN_MAX,
		TOASTERCTL_DEV_LINK, TOASTERCTL_DEV_FIRST);
}

/* Prints "toasterctl: DEVICE: message" and returns the exit code for @err. */
static int toasterctl_fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", toasterctl_prog, what,
		toasterctl_strerror(err));
	return toasterctl_exit_code(err);
}

/*
 * The node to open.  /dev/toaster first: udev points it at the first
 * toaster whatever minor it got, so it survives a replug that renumbers;
 * /dev/toaster0 on a box without the rule.  A bare name or number is short
 * for a node under /dev.
 */
static const char *toasterctl_device(const char *arg, char *buf, size_t size)
{
	const char *p;

	if (!arg)
		return access(TOASTERCTL_DEV_LINK, F_OK) == 0 ? TOASTERCTL_DEV_LINK :
								 TOASTERCTL_DEV_FIRST;
	if (strchr(arg, '/'))
		return arg;
	for (p = arg; *p >= '0' && *p <= '9'; p++)
		;
	if (!*p)
		snprintf(buf, size, "/dev/toaster%s", arg);
	else
		snprintf(buf, size, "/dev/%s", arg);
	return buf;
}

static int toasterctl_get_status(int fd, struct toaster_status *st)
{
	return ioctl(fd, TOASTER_IOC_GET_STATUS, st) ? errno : 0;
}

static int toasterctl_get_info(int fd, struct toaster_info *info)
{
	if (ioctl(fd, TOASTER_IOC_GET_INFO, info))
		return errno;
	/* The kernel terminates them; a future one might not. */
	info->model[sizeof(info->model) - 1] = '\0';
	info->serial[sizeof(info->serial) - 1] = '\0';
	return 0;
}

static void toasterctl_print_buf(const struct toasterctl_buf *b)
{
	/* Every buffer is sized for the worst case; a cut line is a bug here. */
	if (!toasterctl_buf_ok(b))
		fprintf(stderr, "%s: output truncated\n", toasterctl_prog);
	fputs(b->data, stdout);
}

static int toasterctl_cmd_status(int fd, const char *dev, bool json, bool info_only)
{
	struct toaster_status st;
	struct toaster_info info;
	struct toasterctl_buf b;
	char out[1024], fw[16];
	int err;

	err = toasterctl_get_info(fd, &info);
	if (!err && !info_only)
		err = toasterctl_get_status(fd, &st);
	if (err)
		return toasterctl_fail(dev, err);

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_format_firmware(fw, sizeof(fw), info.firmware_version);
	if (json && info_only) {
		toasterctl_json_info(&b, dev, &info);
		toasterctl_buf_printf(&b, "\n");
	} else if (json) {
		toasterctl_json_status(&b, dev, &info, &st);
		toasterctl_buf_printf(&b, "\n");
	} else if (info_only) {
		toasterctl_buf_printf(&b,
				      "device:        %s\n"
				      "model:         %s\n"
				      "serial:        %s\n"
				      "firmware:      %s\n"
				      "protocol:      %u\n"
				      "slots:         %u\n",
				      dev, info.model, info.serial, fw,
				      (unsigned int)info.protocol_version,
				      (unsigned int)info.slots);
	} else {
		toasterctl_buf_printf(&b,
				      "%s: %s, serial %s, firmware %s\n"
				      "state:         %s\n"
				      "darkness:      %u\n"
				      "temperature:   %d C\n"
				      "time left:     %u.%u s\n"
				      "safety lock:   %s\n"
				      "toasts:        %u\n"
				      "errors:        %u\n",
				      dev, info.model, info.serial, fw,
				      toaster_state_name(st.state),
				      (unsigned int)st.darkness, (int)st.temperature_c,
				      (unsigned int)(st.remaining_ms / 1000),
				      (unsigned int)(st.remaining_ms % 1000 / 100),
				      st.safety_lock ? "on" : "off",
				      (unsigned int)st.toasts, (unsigned int)st.errors);
	}
	toasterctl_print_buf(&b);
	return TOASTERCTL_EXIT_OK;
}

static void toasterctl_on_signal(int sig)
{
	(void)sig;
	toasterctl_stop = 1;
}

/*
 * Blocks SIGINT and SIGTERM, saving the mask to wait with in @waitmask:
 * they are then delivered only inside ppoll(), which they end with EINTR.
 */
static void toasterctl_catch_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = toasterctl_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the signal must end the wait. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
}

/*
 * Waits for the next status change (or a tick, if @tick_ms >= 0) and
 * fetches the status.  Returns 0 with *@changed telling which, EINTR on
 * SIGINT/SIGTERM, or an errno (ENODEV once unplugged).
 */
static int toasterctl_next_status(int fd, const sigset_t *waitmask, int tick_ms,
				  struct toaster_status *st, bool *changed)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts = { tick_ms / 1000, (long)(tick_ms % 1000) * 1000000L };
	char text[512];
	int n;

	*changed = false;
	if (toasterctl_stop)
		return EINTR;
	n = ppoll(&pfd, 1, tick_ms >= 0 ? &ts : NULL, waitmask);
	if (n < 0)
		return errno;
	if (!n)
		return 0;
	if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
		return ENODEV;
	/*
	 * poll() stays readable until this file reads the new snapshot from
	 * offset 0, so read it to rearm; the ioctl then gives the fields as
	 * numbers, with no text to parse.  It never blocks: there is news.
	 */
	if (pread(fd, text, sizeof(text), 0) < 0)
		return errno;
	*changed = true;
	return toasterctl_get_status(fd, st);
}

static void toasterctl_print_json_status(const char *dev,
					 const struct toaster_status *st)
{
	struct toasterctl_buf b;
	char out[512];

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_json_status(&b, dev, NULL, st);
	toasterctl_buf_printf(&b, "\n");
	toasterctl_print_buf(&b);
}

static void toasterctl_print_line(const struct toaster_status *st)
{
	struct toasterctl_buf b;
	char out[512];

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_format_line(&b, st);
	toasterctl_buf_printf(&b, "\n");
	toasterctl_print_buf(&b);
}

static int toasterctl_cmd_watch(int fd, const char *dev, bool json)
{
	struct toaster_status st, last;
	bool changed, shown = false;
	sigset_t waitmask;
	int err;

	toasterctl_catch_signals(&waitmask);
	for (;;) {
		err = toasterctl_next_status(fd, &waitmask, -1, &st, &changed);
		if (err == EINTR)
			return TOASTERCTL_EXIT_OK;	/* the way to stop watching */
		if (err)
			return toasterctl_fail(dev, err);
		/* Seen through two notifications, one change is printed once. */
		if (!changed || (shown && !memcmp(&st, &last, sizeof(st))))
			continue;
		if (json)
			toasterctl_print_json_status(dev, &st);
		else
			toasterctl_print_line(&st);
		/* One line per change, even into a pipe. */
		fflush(stdout);
		last = st;
		shown = true;
	}
}

static void toasterctl_draw_bar(const struct toaster_status *st, uint32_t total_ms)
{
	struct toasterctl_buf b;
	char out[256];

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_format_progress(&b, st, total_ms, TOASTERCTL_BAR_WIDTH);
	/* \r to redraw in place, ESC[K to clear what a longer line left. */
	printf("\r%s\033[K", out);
	fflush(stdout);
}

static int toasterctl_cmd_toast(int fd, const char *dev, const struct toasterctl_args *args)
{
	struct toaster_status st, shown_st;
	uint32_t darkness = args->darkness, total_ms = 0, last_state;
	bool tty = !args->json && isatty(STDOUT_FILENO), changed;
	int64_t got_at;
	sigset_t waitmask;
	int err;

	/* Signals caught before the toast starts, so none slips in between. */
	if (!args->no_wait)
		toasterctl_catch_signals(&waitmask);
	if (ioctl(fd, TOASTER_IOC_TOAST, &darkness))
		return toasterctl_fail(dev, errno);
	if (args->no_wait)
		return TOASTERCTL_EXIT_OK;

	/* The driver refreshed the status after the command: it is current. */
	err = toasterctl_get_status(fd, &st);
	if (err)
		return toasterctl_fail(dev, err);
	got_at = toaster_now_ms();
	last_state = st.state;
	shown_st = st;
	total_ms = st.remaining_ms;
	if (tty)
		toasterctl_draw_bar(&st, total_ms);
	else if (args->json)
		toasterctl_print_json_status(dev, &st);
	else
		toasterctl_print_line(&st);
	fflush(stdout);

	while (toaster_state_is_busy(st.state)) {
		err = toasterctl_next_status(fd, &waitmask, tty ? TOASTERCTL_TICK_MS : -1,
					     &st, &changed);
		if (err) {
			if (tty)
				putchar('\n');
			if (err == EINTR) {
				fprintf(stderr,
					"%s: stopped waiting; the toast goes on ('toasterctl cancel' stops it)\n",
					toasterctl_prog);
				return TOASTERCTL_EXIT_INTERRUPTED;
			}
			return toasterctl_fail(dev, err);
		}
		if (changed) {
			got_at = toaster_now_ms();
			if (st.remaining_ms > total_ms)
				total_ms = st.remaining_ms;
		}
		if (tty) {
			struct toaster_status est = st;
			int64_t gone = toaster_now_ms() - got_at;

			/*
			 * Between notifications the toaster says nothing
			 * (its temperature holds while it toasts), so count
			 * the time down here rather than freeze the bar.
			 */
			if (toaster_state_is_busy(st.state))
				est.remaining_ms = gone >= st.remaining_ms ? 0 :
						   st.remaining_ms - (uint32_t)gone;
			toasterctl_draw_bar(&est, total_ms);
		} else if (changed && st.state != last_state) {
			if (args->json)
				toasterctl_print_json_status(dev, &st);
			else
				toasterctl_print_line(&st);
			fflush(stdout);
		} else if (changed && args->json &&
			   memcmp(&st, &shown_st, sizeof(st))) {
			/* JSON is for programs: every change, not only the state's. */
			toasterctl_print_json_status(dev, &st);
			fflush(stdout);
		}
		if (changed) {
			last_state = st.state;
			shown_st = st;
		}
	}
	if (tty)
		putchar('\n');

	switch (st.state) {
	case TOASTER_STATE_DONE:
		return TOASTERCTL_EXIT_OK;
	case TOASTER_STATE_CANCELLED:
		fprintf(stderr, "%s: %s: toast cancelled\n", toasterctl_prog, dev);
		return TOASTERCTL_EXIT_CANCELLED;
	case TOASTER_STATE_FAULT:
		fprintf(stderr, "%s: %s: the toaster faulted (errors: %u)\n",
			toasterctl_prog, dev, (unsigned int)st.errors);
		return TOASTERCTL_EXIT_FAULT;
	default:
		fprintf(stderr, "%s: %s: toast ended in state %s\n", toasterctl_prog,
			dev, toaster_state_name(st.state));
		return TOASTERCTL_EXIT_DEVICE;
	}
}

static int toasterctl_cmd_simple(int fd, const char *dev, const struct toasterctl_args *args)
{
	uint32_t v;
	int ret = 0;

	switch (args->cmd) {
	case TOASTERCTL_CMD_CANCEL:
		ret = ioctl(fd, TOASTER_IOC_CANCEL);
		break;
	case TOASTERCTL_CMD_LOCK:
	case TOASTERCTL_CMD_UNLOCK:
		v = args->cmd == TOASTERCTL_CMD_LOCK;
		ret = ioctl(fd, TOASTER_IOC_SET_LOCK, &v);
		break;
	case TOASTERCTL_CMD_DARKNESS:
		v = args->darkness;
		ret = ioctl(fd, TOASTER_IOC_SET_DARKNESS, &v);
		break;
	default:
		errno = EINVAL;
		ret = -1;
	}
	return ret ? toasterctl_fail(dev, errno) : TOASTERCTL_EXIT_OK;
}

/* ---- burn --------------------------------------------------------------- */

/* The whole file, up to @max bytes; NULL with a message on failure. */
static unsigned char *toasterctl_slurp(const char *path, size_t max, size_t *len)
{
	unsigned char *buf;
	size_t n = 0;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", toasterctl_prog, path, strerror(errno));
		return NULL;
	}
	/* One byte more than allowed tells "too large" from "exactly max". */
	buf = malloc(max + 1);
	if (buf)
		n = fread(buf, 1, max + 1, f);
	if (!buf || ferror(f)) {
		fprintf(stderr, "%s: %s: cannot read\n", toasterctl_prog, path);
		goto fail;
	}
	if (n > max) {
		fprintf(stderr, "%s: %s: file too large (over %zu bytes)\n",
			toasterctl_prog, path, max);
		goto fail;
	}
	fclose(f);
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/* Loads and checks the image before the device is opened: a bad file sends nothing. */
static int toasterctl_load_burn(const char *path, struct toasterctl_image *img)
{
	unsigned char *data;
	char err[160];
	size_t len;
	int ret;

	data = toasterctl_slurp(path, TOASTERCTL_PGM_FILE_MAX, &len);
	if (!data)
		return TOASTERCTL_EXIT_BADFILE;
	ret = toasterctl_pgm_parse(data, len, TOASTER_BURN_MAX, img, err, sizeof(err));
	free(data);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", toasterctl_prog, path, err);
		return TOASTERCTL_EXIT_BADFILE;
	}
	return TOASTERCTL_EXIT_OK;
}

static int toasterctl_cmd_burn(int fd, const char *dev, const struct toasterctl_image *img)
{
	struct toaster_buffer ub = {
		.data = (__u64)(uintptr_t)img->map,
		.len = (__u32)img->len,
	};

	if (ioctl(fd, TOASTER_IOC_BURN, &ub))
		return toasterctl_fail(dev, errno);
	printf("burnt a %ux%u pattern (%zu bytes)\n", img->width, img->height, img->len);
	return TOASTERCTL_EXIT_OK;
}

/* ---- list --------------------------------------------------------------- */

/* One sysfs attribute, its newline dropped; "?" if it cannot be read (unplug race). */
static void toasterctl_read_attr(const char *name, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), TOASTERCTL_SYSFS_CLASS "/%s/device/%s", name, attr);
	f = fopen(path, "r");
	if (!f || !fgets(buf, (int)size, f))
		snprintf(buf, size, "?");
	else
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

static long toasterctl_minor_of(const char *name)
{
	const char *p = name + strlen("toaster");

	if (strncmp(name, "toaster", 7) || !*p || strspn(p, "0123456789") != strlen(p) ||
	    strlen(p) > 6)
		return -1;
	return strtol(p, NULL, 10);
}

static int toasterctl_cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static int toasterctl_cmd_list(bool json)
{
	long nums[256];
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;

	d = opendir(TOASTERCTL_SYSFS_CLASS);
	if (d) {
		while ((de = readdir(d)) && n < sizeof(nums) / sizeof(nums[0])) {
			long num = toasterctl_minor_of(de->d_name);

			if (num >= 0)
				nums[n++] = num;
		}
		closedir(d);
	} else if (errno != ENOENT) {
		/* No usbmisc class just means no toaster was ever bound. */
		return toasterctl_fail(TOASTERCTL_SYSFS_CLASS, errno);
	}
	/* readdir order is arbitrary; toaster2 after toaster10 would confuse. */
	qsort(nums, n, sizeof(nums[0]), toasterctl_cmp_long);

	if (json)
		printf("[");
	else if (n)
		printf("%-16s %-18s %-18s %s\n", "NODE", "SERIAL", "MODEL", "STATE");
	else
		fprintf(stderr, "%s: no toasters found\n", toasterctl_prog);
	for (i = 0; i < n; i++) {
		char name[32], node[48], serial[64], model[64], state[32];
		struct toasterctl_buf b;
		char out[512];

		snprintf(name, sizeof(name), "toaster%ld", nums[i]);
		snprintf(node, sizeof(node), "/dev/%s", name);
		toasterctl_read_attr(name, "serial", serial, sizeof(serial));
		toasterctl_read_attr(name, "model", model, sizeof(model));
		toasterctl_read_attr(name, "state", state, sizeof(state));
		if (!json) {
			printf("%-16s %-18s %-18s %s\n", node, serial, model, state);
			continue;
		}
		toasterctl_buf_init(&b, out, sizeof(out));
		toasterctl_buf_printf(&b, "%s{\"node\":", i ? "," : "");
		toasterctl_json_string(&b, node);
		toasterctl_buf_printf(&b, ",\"serial\":");
		toasterctl_json_string(&b, serial);
		toasterctl_buf_printf(&b, ",\"model\":");
		toasterctl_json_string(&b, model);
		toasterctl_buf_printf(&b, ",\"state\":");
		toasterctl_json_string(&b, state);
		toasterctl_buf_printf(&b, "}");
		toasterctl_print_buf(&b);
	}
	if (json)
		printf("]\n");
	return TOASTERCTL_EXIT_OK;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char *argv[])
{
	struct toasterctl_image img = { 0 };
	struct toasterctl_args args;
	char err[160], devbuf[PATH_MAX];
	const char *dev;
	int fd, ret, flags;

	if (toasterctl_parse_args(argc, argv, &args, err, sizeof(err))) {
		fprintf(stderr, "%s: %s (see --help)\n", toasterctl_prog, err);
		return TOASTERCTL_EXIT_USAGE;
	}
	if (args.help) {
		toasterctl_usage(stdout);
		return TOASTERCTL_EXIT_OK;
	}
	if (args.cmd == TOASTERCTL_CMD_LIST)
		return toasterctl_cmd_list(args.json);
	if (args.cmd == TOASTERCTL_CMD_BURN) {
		ret = toasterctl_load_burn(args.file, &img);
		if (ret)
			return ret;
	}

	dev = toasterctl_device(args.device, devbuf, sizeof(devbuf));
	/*
	 * Looking needs only read access; changing anything, by write() or
	 * ioctl, needs write access, as the driver has it.
	 */
	flags = args.cmd == TOASTERCTL_CMD_STATUS || args.cmd == TOASTERCTL_CMD_INFO ||
		args.cmd == TOASTERCTL_CMD_WATCH ? O_RDONLY : O_RDWR;
	fd = open(dev, flags | O_CLOEXEC);
	if (fd < 0) {
		free(img.map);
		return toasterctl_fail(dev, errno);
	}

	switch (args.cmd) {
	case TOASTERCTL_CMD_STATUS:
		ret = toasterctl_cmd_status(fd, dev, args.json, false);
		break;
	case TOASTERCTL_CMD_INFO:
		ret = toasterctl_cmd_status(fd, dev, args.json, true);
		break;
	case TOASTERCTL_CMD_TOAST:
		ret = toasterctl_cmd_toast(fd, dev, &args);
		break;
	case TOASTERCTL_CMD_WATCH:
		ret = toasterctl_cmd_watch(fd, dev, args.json);
		break;
	case TOASTERCTL_CMD_BURN:
		ret = toasterctl_cmd_burn(fd, dev, &img);
		break;
	default:
		ret = toasterctl_cmd_simple(fd, dev, &args);
		break;
	}
	free(img.map);
	close(fd);
	return ret;
}
