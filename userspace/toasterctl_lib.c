// SPDX-License-Identifier: GPL-2.0
/*
 * The pure parts of toasterctl; see toasterctl_lib.h.  Plain C11: no
 * feature-test macro is needed, since nothing here goes past <stdio.h>,
 * <stdlib.h> and <string.h>.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toasterctl_lib.h"

static void toasterctl_seterr(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void toasterctl_seterr(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!size)
		return;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

/* ---- arguments ---------------------------------------------------------- */

int toasterctl_parse_darkness(const char *s, unsigned int *out)
{
	unsigned int v = 0;
	const char *p;

	/*
	 * By hand rather than strtoul(), which takes leading spaces, a sign
	 * and "0x": "darkness -1" must be a usage error, not 4294967295.
	 */
	if (!s || !*s || strlen(s) > 2)
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned int)(*p - '0');
	}
	if (!toaster_darkness_valid(v))
		return -1;
	*out = v;
	return 0;
}

const struct toaster_cli_cmd toasterctl_cmds[] = {
	{ "status", TOASTERCTL_CMD_STATUS, 0, 0, "",
	  "state, darkness, temperature, time left, lock, counters" },
	{ "info", TOASTERCTL_CMD_INFO, 0, 0, "",
	  "model, serial, firmware and protocol version, slots" },
	{ "toast", TOASTERCTL_CMD_TOAST, 0, 1, "[N]",
	  "start a toast (at darkness N; default: the current one) and show its progress until it pops, is cancelled or faults; --no-wait (-n) returns once it has started" },
	{ "cancel", TOASTERCTL_CMD_CANCEL, 0, 0, "", "pop the toast up now" },
	{ "lock", TOASTERCTL_CMD_LOCK, 0, 0, "",
	  "the safety lock on: no toast starts while it is on" },
	{ "unlock", TOASTERCTL_CMD_UNLOCK, 0, 0, "", "the safety lock off" },
	{ "darkness", TOASTERCTL_CMD_DARKNESS, 1, 1, "N", "set the darkness" },
	{ "watch", TOASTERCTL_CMD_WATCH, 0, 0, "",
	  "print every status change until SIGINT or SIGTERM" },
	{ "list", TOASTERCTL_CMD_LIST, 0, 0, "",
	  "every toaster: node, serial, model, state (from sysfs)" },
	{ "burn", TOASTERCTL_CMD_BURN, 1, 1, "FILE",
	  "send a PGM image (P5 or P2, maxval <= 255) as a burn pattern: black burns darkest" },
	{ NULL, 0, 0, 0, NULL, NULL },
};

int toasterctl_parse_args(int argc, char *const argv[],
			  struct toasterctl_args *args, char *err,
			  size_t err_size)
{
	const struct toaster_cli_cmd *cmd;
	const char *words[3];
	int nwords = 0, i;
	bool options_done = false;

	memset(args, 0, sizeof(*args));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		/*
		 * "-3" is a word, so that "toast -3" says what is wrong
		 * with the darkness rather than "unknown option".
		 */
		if (!options_done && a[0] == '-' && a[1] &&
		    !(a[1] >= '0' && a[1] <= '9')) {
			if (!strcmp(a, "--")) {
				options_done = true;
			} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
				args->help = true;
			} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
				args->json = true;
			} else if (!strcmp(a, "-n") || !strcmp(a, "--no-wait")) {
				args->no_wait = true;
			} else if (!strcmp(a, "-d") || !strcmp(a, "--device")) {
				if (i + 1 >= argc) {
					toasterctl_seterr(err, err_size, "%s needs a device", a);
					return -1;
				}
				args->device = argv[++i];
			} else if (!strncmp(a, "--device=", 9)) {
				args->device = a + 9;
			} else if (!strncmp(a, "-d", 2)) {
				args->device = a + 2;
			} else {
				toasterctl_seterr(err, err_size, "unknown option '%s'", a);
				return -1;
			}
			continue;
		}
		if (nwords == (int)(sizeof(words) / sizeof(words[0]))) {
			toasterctl_seterr(err, err_size, "too many arguments ('%s')", a);
			return -1;
		}
		words[nwords++] = a;
	}
	if (args->help)
		return 0;
	if (args->device && !*args->device) {
		toasterctl_seterr(err, err_size, "empty device name");
		return -1;
	}
	if (!nwords) {
		toasterctl_seterr(err, err_size, "no command given");
		return -1;
	}
	cmd = toaster_cli_find(toasterctl_cmds, words[0]);
	if (!cmd) {
		toasterctl_seterr(err, err_size, "unknown command '%s'", words[0]);
		return -1;
	}
	if (!toaster_cli_nargs_ok(cmd, (unsigned int)nwords - 1)) {
		toasterctl_seterr(err, err_size, "wrong number of arguments for '%s'",
				  words[0]);
		return -1;
	}
	args->cmd = (enum toasterctl_cmd)cmd->id;
	if (args->no_wait && args->cmd != TOASTERCTL_CMD_TOAST) {
		toasterctl_seterr(err, err_size, "--no-wait is for 'toast' only");
		return -1;
	}
	switch (args->cmd) {
	case TOASTERCTL_CMD_TOAST:
	case TOASTERCTL_CMD_DARKNESS:
		if (nwords == 2 && toasterctl_parse_darkness(words[1], &args->darkness)) {
			toasterctl_seterr(err, err_size,
					  "darkness must be %d to %d, not '%s'",
					  TOASTER_DARKNESS_MIN, TOASTER_DARKNESS_MAX,
					  words[1]);
			return -1;
		}
		break;
	case TOASTERCTL_CMD_BURN:
		args->file = words[1];
		break;
	default:
		break;
	}
	return 0;
}

/* ---- names and messages ------------------------------------------------- */

const char *toasterctl_strerror(int err)
{
	switch (err) {
	case EINVAL:
		return "bad argument (the driver refused it)";
	case EPERM:
		return "safety lock is on";
	case EBUSY:
		return "already toasting";
	case ENODEV:
		return "toaster unplugged";
	case ETIMEDOUT:
		return "toaster not answering";
	case EACCES:
		return "permission denied (run as root, or get access to the device node)";
	case ENOENT:
	case ENXIO:
		return "no such toaster";
	case ENOTTY:
		return "not a toaster (the device does not know the toaster ioctls)";
	case EIO:
		return "I/O error talking to the toaster";
	case EAGAIN:
		return "toaster busy with another request, try again";
	case EINTR:
		return "interrupted";
	default:
		return strerror(err);
	}
}

int toasterctl_exit_code(int err)
{
	switch (err) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		return TOASTERCTL_EXIT_NODEV;
	default:
		return TOASTERCTL_EXIT_DEVICE;
	}
}

/* ---- PGM ---------------------------------------------------------------- */

struct toasterctl_scan {
	const unsigned char *p, *end;
};

static bool toasterctl_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* Whitespace and "#..." comments, which Netpbm allows between tokens. */
static void toasterctl_skip_space(struct toasterctl_scan *s)
{
	while (s->p < s->end) {
		if (*s->p == '#') {
			while (s->p < s->end && *s->p != '\n')
				s->p++;
		} else if (toasterctl_is_space(*s->p)) {
			s->p++;
		} else {
			break;
		}
	}
}

/*
 * A decimal number after optional whitespace; -1 if there is none, if it
 * is larger than @max, or if it runs into something other than whitespace.
 */
static int toasterctl_scan_uint(struct toasterctl_scan *s, unsigned long max,
				unsigned long *out)
{
	unsigned long v = 0;
	bool any = false;

	toasterctl_skip_space(s);
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		v = v * 10 + (unsigned long)(*s->p - '0');
		if (v > max)
			return -1;
		s->p++;
		any = true;
	}
	if (!any)
		return -1;
	if (s->p < s->end && !toasterctl_is_space(*s->p) && *s->p != '#')
		return -1;
	*out = v;
	return 0;
}

int toasterctl_pgm_parse(const unsigned char *data, size_t len,
			 size_t max_pixels, struct toasterctl_image *img,
			 char *err, size_t err_size)
{
	struct toasterctl_scan s = { data, data + len };
	unsigned long width, height, maxval, v;
	bool plain;
	size_t i, pixels;

	memset(img, 0, sizeof(*img));
	if (len < 2 || data[0] != 'P' || (data[1] != '5' && data[1] != '2')) {
		toasterctl_seterr(err, err_size,
				  "not a PGM image (no P5 or P2 magic number)");
		return -1;
	}
	plain = data[1] == '2';
	s.p += 2;
	if (s.p < s.end && !toasterctl_is_space(*s.p) && *s.p != '#') {
		toasterctl_seterr(err, err_size, "not a PGM image (bad magic number)");
		return -1;
	}
	/* 65535 is plenty for either side and keeps the product in range. */
	if (toasterctl_scan_uint(&s, 65535, &width) || !width) {
		toasterctl_seterr(err, err_size, "malformed PGM header: bad width");
		return -1;
	}
	if (toasterctl_scan_uint(&s, 65535, &height) || !height) {
		toasterctl_seterr(err, err_size, "malformed PGM header: bad height");
		return -1;
	}
	if (toasterctl_scan_uint(&s, 65535, &maxval) || !maxval) {
		toasterctl_seterr(err, err_size, "malformed PGM header: bad maxval");
		return -1;
	}
	if (maxval > 255) {
		toasterctl_seterr(err, err_size,
				  "PGM maxval %lu is over 255 (16-bit images are not supported)",
				  maxval);
		return -1;
	}
	pixels = (size_t)width * height;
	if (pixels > max_pixels) {
		toasterctl_seterr(err, err_size,
				  "image too large: %lux%lu is %zu pixels, the toaster burns at most %zu",
				  width, height, pixels, max_pixels);
		return -1;
	}
	img->map = malloc(pixels);
	if (!img->map) {
		toasterctl_seterr(err, err_size, "out of memory");
		return -1;
	}

	if (!plain) {
		/* Exactly one whitespace byte ends the header of a P5 image. */
		if (s.p >= s.end || !toasterctl_is_space(*s.p)) {
			toasterctl_seterr(err, err_size, "malformed PGM header");
			goto fail;
		}
		s.p++;
		if ((size_t)(s.end - s.p) < pixels) {
			toasterctl_seterr(err, err_size,
					  "truncated PGM image: %zu of %zu pixels",
					  (size_t)(s.end - s.p), pixels);
			goto fail;
		}
		if ((size_t)(s.end - s.p) > pixels) {
			toasterctl_seterr(err, err_size,
					  "PGM image has %zu bytes of trailing data",
					  (size_t)(s.end - s.p) - pixels);
			goto fail;
		}
	}
	for (i = 0; i < pixels; i++) {
		if (plain) {
			if (toasterctl_scan_uint(&s, 65535, &v)) {
				toasterctl_seterr(err, err_size,
						  "truncated or malformed PGM image at pixel %zu of %zu",
						  i, pixels);
				goto fail;
			}
		} else {
			v = *s.p++;
		}
		if (v > maxval) {
			toasterctl_seterr(err, err_size,
					  "PGM pixel %zu is %lu, over maxval %lu",
					  i, v, maxval);
			goto fail;
		}
		/*
		 * PGM is 0 black to maxval white; a toaster burns darker for
		 * darker pixels, so black is TOASTER_DARKNESS_MAX and white is
		 * 0, untouched.  Rounded to the nearest level.
		 */
		img->map[i] = (unsigned char)(((maxval - v) * TOASTER_DARKNESS_MAX +
					       maxval / 2) / maxval);
	}
	if (plain) {
		toasterctl_skip_space(&s);
		if (s.p != s.end) {
			toasterctl_seterr(err, err_size,
					  "PGM image has trailing data after %zu pixels",
					  pixels);
			goto fail;
		}
	}
	img->width = (unsigned int)width;
	img->height = (unsigned int)height;
	img->maxval = (unsigned int)maxval;
	img->len = pixels;
	return 0;
fail:
	free(img->map);
	memset(img, 0, sizeof(*img));
	return -1;
}

/* ---- formatting --------------------------------------------------------- */

void toasterctl_buf_init(struct toasterctl_buf *b, char *data, size_t size)
{
	b->data = data;
	b->size = size;
	b->len = 0;
	if (size)
		data[0] = '\0';
}

void toasterctl_buf_printf(struct toasterctl_buf *b, const char *fmt, ...)
{
	size_t room = b->len < b->size ? b->size - b->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

bool toasterctl_buf_ok(const struct toasterctl_buf *b)
{
	return b->len < b->size;
}

void toasterctl_json_string(struct toasterctl_buf *b, const char *s)
{
	const unsigned char *p;

	toasterctl_buf_printf(b, "\"");
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			toasterctl_buf_printf(b, "\\\"");
			break;
		case '\\':
			toasterctl_buf_printf(b, "\\\\");
			break;
		case '\n':
			toasterctl_buf_printf(b, "\\n");
			break;
		case '\r':
			toasterctl_buf_printf(b, "\\r");
			break;
		case '\t':
			toasterctl_buf_printf(b, "\\t");
			break;
		default:
			/*
			 * Control bytes must be escaped.  Bytes >= 0x80 come
			 * from a device that may send anything: not valid
			 * UTF-8 in general, so \u00XX keeps the output valid
			 * JSON whatever the toaster says.
			 */
			if (*p < 0x20 || *p >= 0x7f)
				toasterctl_buf_printf(b, "\\u%04x", *p);
			else
				toasterctl_buf_printf(b, "%c", *p);
		}
	}
	toasterctl_buf_printf(b, "\"");
}

void toasterctl_format_firmware(char *buf, size_t size, unsigned int bcd)
{
	snprintf(buf, size, "%x.%02x", (bcd >> 8) & 0xff, bcd & 0xff);
}

/* The fields of the info, without braces, for embedding. */
static void toasterctl_json_info_fields(struct toasterctl_buf *b,
					const struct toaster_info *info)
{
	char model[sizeof(info->model) + 1], serial[sizeof(info->serial) + 1];
	char fw[16];

	/* The kernel terminates them, but a bad device must not make us overrun. */
	memcpy(model, info->model, sizeof(info->model));
	model[sizeof(info->model)] = '\0';
	memcpy(serial, info->serial, sizeof(info->serial));
	serial[sizeof(info->serial)] = '\0';
	toasterctl_format_firmware(fw, sizeof(fw), info->firmware_version);

	toasterctl_buf_printf(b, "\"model\":");
	toasterctl_json_string(b, model);
	toasterctl_buf_printf(b, ",\"serial\":");
	toasterctl_json_string(b, serial);
	toasterctl_buf_printf(b, ",\"firmware_version\":");
	toasterctl_json_string(b, fw);
	toasterctl_buf_printf(b, ",\"protocol_version\":%u,\"slots\":%u",
			      (unsigned int)info->protocol_version,
			      (unsigned int)info->slots);
}

void toasterctl_json_info(struct toasterctl_buf *b, const char *device,
			  const struct toaster_info *info)
{
	toasterctl_buf_printf(b, "{");
	if (device) {
		toasterctl_buf_printf(b, "\"device\":");
		toasterctl_json_string(b, device);
		toasterctl_buf_printf(b, ",");
	}
	toasterctl_json_info_fields(b, info);
	toasterctl_buf_printf(b, "}");
}

void toasterctl_json_status(struct toasterctl_buf *b, const char *device,
			    const struct toaster_info *info,
			    const struct toaster_status *st)
{
	toasterctl_buf_printf(b, "{");
	if (device) {
		toasterctl_buf_printf(b, "\"device\":");
		toasterctl_json_string(b, device);
		toasterctl_buf_printf(b, ",");
	}
	if (info) {
		toasterctl_json_info_fields(b, info);
		toasterctl_buf_printf(b, ",");
	}
	toasterctl_buf_printf(b, "\"state\":");
	toasterctl_json_string(b, toaster_state_name(st->state));
	toasterctl_buf_printf(b,
			      ",\"darkness\":%u,\"temperature_c\":%d,\"remaining_ms\":%u,"
			      "\"safety_lock\":%s,\"toasts\":%u,\"errors\":%u}",
			      (unsigned int)st->darkness, (int)st->temperature_c,
			      (unsigned int)st->remaining_ms,
			      st->safety_lock ? "true" : "false",
			      (unsigned int)st->toasts, (unsigned int)st->errors);
}

void toasterctl_format_progress(struct toasterctl_buf *b,
				const struct toaster_status *st,
				uint32_t total_ms, unsigned int bar_width)
{
	unsigned int filled = 0, i;
	uint32_t rem = st->remaining_ms;

	if (st->state == TOASTER_STATE_DONE)
		filled = bar_width;
	else if (total_ms && rem <= total_ms)
		filled = (unsigned int)((uint64_t)(total_ms - rem) * bar_width / total_ms);
	toasterctl_buf_printf(b, "[");
	for (i = 0; i < bar_width; i++)
		toasterctl_buf_printf(b, "%c", i < filled ? '#' : '.');
	toasterctl_buf_printf(b, "] %-9s %4d C  %u.%u s left",
			      toaster_state_name(st->state),
			      (int)st->temperature_c, rem / 1000, rem % 1000 / 100);
}

void toasterctl_format_line(struct toasterctl_buf *b,
			    const struct toaster_status *st)
{
	toasterctl_buf_printf(b,
			      "state=%s darkness=%u temperature_c=%d remaining_ms=%u "
			      "safety_lock=%u toasts=%u errors=%u",
			      toaster_state_name(st->state),
			      (unsigned int)st->darkness, (int)st->temperature_c,
			      (unsigned int)st->remaining_ms,
			      (unsigned int)st->safety_lock,
			      (unsigned int)st->toasts, (unsigned int)st->errors);
}
