// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for toasterctl's pure parts (toasterctl_lib.c): argument
 * parsing, the PGM parser, JSON escaping and formatting.  Built with ASan
 * and UBSan by `make -C userspace test`; prints "ok N name" or
 * "not ok N name" per case and a summary, and exits 1 if any case failed.
 */
/* strtok_r() is POSIX, not C11. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toasterctl_lib.h"
#include "toaster_test.h"

/* ---- arguments ---- */

static int parse(struct toasterctl_args *a, const char *line)
{
	char copy[256], *argv[16], *tok, *save = NULL;
	char err[128];
	int argc = 0;

	snprintf(copy, sizeof(copy), "toasterctl %s", line);
	for (tok = strtok_r(copy, " ", &save); tok && argc < 15;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	/* Pointers into copy[] die here: the tests look at scalars only. */
	return toasterctl_parse_args(argc, argv, a, err, sizeof(err));
}

static void test_args_commands(void)
{
	struct toasterctl_args a;

	CHECK(parse(&a, "status") == 0 && a.cmd == TOASTERCTL_CMD_STATUS && !a.json);
	CHECK(parse(&a, "--json status") == 0 && a.json);
	CHECK(parse(&a, "status --json") == 0 && a.json);
	CHECK(parse(&a, "-j list") == 0 && a.cmd == TOASTERCTL_CMD_LIST && a.json);
	CHECK(parse(&a, "info") == 0 && a.cmd == TOASTERCTL_CMD_INFO);
	CHECK(parse(&a, "cancel") == 0 && a.cmd == TOASTERCTL_CMD_CANCEL);
	CHECK(parse(&a, "lock") == 0 && a.cmd == TOASTERCTL_CMD_LOCK);
	CHECK(parse(&a, "unlock") == 0 && a.cmd == TOASTERCTL_CMD_UNLOCK);
	CHECK(parse(&a, "watch") == 0 && a.cmd == TOASTERCTL_CMD_WATCH);
	CHECK(parse(&a, "burn x.pgm") == 0 && a.cmd == TOASTERCTL_CMD_BURN);
	CHECK(parse(&a, "--help") == 0 && a.help);
	CHECK(parse(&a, "-h bogus") == 0 && a.help);
}

static void test_args_toast(void)
{
	struct toasterctl_args a;

	CHECK(parse(&a, "toast") == 0 && a.cmd == TOASTERCTL_CMD_TOAST && a.darkness == 0);
	CHECK(parse(&a, "toast 7") == 0 && a.darkness == 7 && !a.no_wait);
	CHECK(parse(&a, "toast 10 --no-wait") == 0 && a.darkness == 10 && a.no_wait);
	CHECK(parse(&a, "-n toast 1") == 0 && a.darkness == 1 && a.no_wait);
	CHECK(parse(&a, "darkness 3") == 0 && a.cmd == TOASTERCTL_CMD_DARKNESS &&
	      a.darkness == 3);
}

static void test_args_bad(void)
{
	static const char *const bad[] = {
		"", "bagel", "toast 0", "toast 11", "toast -1", "toast x", "toast 5 5",
		"toast +5", "toast 05x", "toast 100", "darkness", "darkness 0",
		"darkness 11", "darkness 4294967297", "cancel now", "status extra",
		"burn", "burn a b", "--bogus status", "-d", "-x status",
		"--no-wait status", "TOAST",
	};
	struct toasterctl_args a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&a, bad[i]) != -1) {
			printf("# accepted '%s'\n", bad[i]);
			toaster_test_failed = 1;
		}
	}
}

static void test_args_device(void)
{
	char *argv[] = { "toasterctl", "-d", "/dev/toaster3", "status", NULL };
	char *argv2[] = { "toasterctl", "--device=toaster2", "status", NULL };
	char *argv3[] = { "toasterctl", "-d1", "status", NULL };
	char *argv4[] = { "toasterctl", "--device=", "status", NULL };
	struct toasterctl_args a;
	char err[128];

	CHECK(toasterctl_parse_args(4, argv, &a, err, sizeof(err)) == 0);
	CHECK(a.device && !strcmp(a.device, "/dev/toaster3"));
	CHECK(toasterctl_parse_args(3, argv2, &a, err, sizeof(err)) == 0);
	CHECK(a.device && !strcmp(a.device, "toaster2"));
	CHECK(toasterctl_parse_args(3, argv3, &a, err, sizeof(err)) == 0);
	CHECK(a.device && !strcmp(a.device, "1"));
	CHECK(toasterctl_parse_args(3, argv4, &a, err, sizeof(err)) == -1);
}

static void test_darkness(void)
{
	unsigned int v = 99;

	CHECK(toasterctl_parse_darkness("1", &v) == 0 && v == 1);
	CHECK(toasterctl_parse_darkness("10", &v) == 0 && v == 10);
	CHECK(toasterctl_parse_darkness("0", &v) == -1);
	CHECK(toasterctl_parse_darkness("", &v) == -1);
	CHECK(toasterctl_parse_darkness(" 5", &v) == -1);
	CHECK(toasterctl_parse_darkness("5 ", &v) == -1);
	CHECK(toasterctl_parse_darkness("010", &v) == -1);
	CHECK(toasterctl_parse_darkness(NULL, &v) == -1);
	CHECK(v == 10);
}

/* ---- names, errors ---- */

static void test_names(void)
{
	CHECK_STR(toaster_state_name(TOASTER_STATE_IDLE), "idle");
	CHECK_STR(toaster_state_name(TOASTER_STATE_DONE), "done");
	CHECK_STR(toaster_state_name(TOASTER_STATE_FAULT), "fault");
	CHECK_STR(toaster_state_name(TOASTER_STATE_COUNT), "unknown");
	CHECK_STR(toaster_state_name(0xffffffffu), "unknown");
	CHECK(strstr(toasterctl_strerror(EPERM), "safety lock is on"));
	CHECK(strstr(toasterctl_strerror(EBUSY), "already toasting"));
	CHECK(strstr(toasterctl_strerror(ENODEV), "toaster unplugged"));
	CHECK(strstr(toasterctl_strerror(ETIMEDOUT), "toaster not answering"));
	CHECK(strstr(toasterctl_strerror(ENOENT), "no such toaster"));
	CHECK(toasterctl_exit_code(ENOENT) == TOASTERCTL_EXIT_NODEV);
	CHECK(toasterctl_exit_code(ENODEV) == TOASTERCTL_EXIT_NODEV);
	CHECK(toasterctl_exit_code(EPERM) == TOASTERCTL_EXIT_DEVICE);
	CHECK(toasterctl_exit_code(EBUSY) == TOASTERCTL_EXIT_DEVICE);
}

/* ---- PGM ---- */

static int pgm(const char *text, size_t len, struct toasterctl_image *img,
	       char *err, size_t err_size)
{
	/*
	 * A heap copy of exactly len bytes: ASan catches a parser that reads
	 * one past the end (string literals would hide it behind their NUL).
	 */
	unsigned char *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, text, len);
	ret = toasterctl_pgm_parse(copy, len, TOASTER_BURN_MAX, img, err, err_size);
	free(copy);
	return ret;
}

#define PGM(lit, img, err) pgm(lit, sizeof(lit) - 1, img, err, sizeof(err))

static void test_pgm_p5(void)
{
	struct toasterctl_image img;
	char err[160];

	CHECK(PGM("P5\n2 2\n255\n\x00\xff\x80\x01", &img, err) == 0);
	CHECK(img.width == 2 && img.height == 2 && img.maxval == 255 && img.len == 4);
	if (img.map) {
		CHECK(img.map[0] == TOASTER_DARKNESS_MAX);	/* black */
		CHECK(img.map[1] == 0);				/* white */
		CHECK(img.map[2] == 5);
		CHECK(img.map[3] == TOASTER_DARKNESS_MAX);
	}
	free(img.map);

	/* Comments in the header, and a small maxval. */
	CHECK(PGM("P5 # a comment\n# another\n3 1 # w h\n1\n\x00\x01\x00", &img, err) == 0);
	CHECK(img.len == 3 && img.map && img.map[0] == 10 && img.map[1] == 0);
	free(img.map);
}

static void test_pgm_p2(void)
{
	struct toasterctl_image img;
	char err[160];

	CHECK(PGM("P2\n# plain\n3 2\n10\n0 5 10\n10 5 0\n", &img, err) == 0);
	CHECK(img.width == 3 && img.height == 2 && img.maxval == 10);
	if (img.map && img.len == 6) {
		CHECK(img.map[0] == 10 && img.map[1] == 5 && img.map[2] == 0);
		CHECK(img.map[3] == 0 && img.map[5] == 10);
	}
	free(img.map);
	/* No trailing newline is fine for plain images. */
	CHECK(PGM("P2 1 1 255 0", &img, err) == 0 && img.len == 1);
	free(img.map);
}

static void test_pgm_malformed(void)
{
	static const struct {
		const char *text;
		size_t len;
		const char *why;
	} bad[] = {
#define B(lit, why) { lit, sizeof(lit) - 1, why }
		B("", "magic"),
		B("P", "magic"),
		B("P6\n1 1\n255\n\x00\x00\x00", "magic"),
		B("P5x 1 1 255\n\x00", "magic"),
		B("P5\n", "width"),
		B("P5\n0 1\n255\n", "width"),
		B("P5\n1 0\n255\n", "height"),
		B("P5\n1 1\n0\n\x00", "maxval"),
		B("P5\n1 1\n256\n\x00", "over 255"),
		B("P5\n1 1\n65535\n\x00\x00", "over 255"),
		B("P5\n2 2\n255\n\x00\x00\x00", "truncated"),
		B("P5\n1 1\n255\n\x00\x00", "trailing"),
		B("P5\n1 1\n255", "header"),
		B("P5\n1x 1\n255\n\x00", "width"),
		B("P5\n-1 1\n255\n\x00", "width"),
		B("P5\n99999999999999999999 1\n255\n", "width"),
		B("P5\n1 1\n100\n\x65", "over maxval"),
		B("P2\n2 1\n255\n0\n", "truncated"),
		B("P2\n2 1\n255\n0 256\n", "over maxval"),
		B("P2\n1 1\n255\n0 0\n", "trailing"),
		B("P2\n1 1\n255\nx\n", "malformed"),
		B("P5\n65535 65535\n255\n", "too large"),
		B("P5\n257 256\n255\n", "too large"),
#undef B
	};
	struct toasterctl_image img;
	char err[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (pgm(bad[i].text, bad[i].len, &img, err, sizeof(err)) != -1) {
			printf("# bad PGM %zu accepted\n", i);
			toaster_test_failed = 1;
			free(img.map);
			continue;
		}
		CHECK(img.map == NULL);
		if (!strstr(err, bad[i].why)) {
			printf("# bad PGM %zu: message '%s' lacks '%s'\n", i, err, bad[i].why);
			toaster_test_failed = 1;
		}
	}
}

static void test_pgm_limit(void)
{
	/* Exactly TOASTER_BURN_MAX pixels is allowed: 256 x 256. */
	size_t hdr_len, len;
	const char *hdr = "P5\n256 256\n255\n";
	struct toasterctl_image img;
	unsigned char *data;
	char err[160];

	hdr_len = strlen(hdr);
	len = hdr_len + TOASTER_BURN_MAX;
	data = malloc(len);
	memcpy(data, hdr, hdr_len);
	memset(data + hdr_len, 0x7f, TOASTER_BURN_MAX);
	CHECK(toasterctl_pgm_parse(data, len, TOASTER_BURN_MAX, &img, err, sizeof(err)) == 0);
	CHECK(img.len == TOASTER_BURN_MAX);
	free(img.map);
	free(data);
}

/* ---- formatting ---- */

static void test_json_escape(void)
{
	struct toasterctl_buf b;
	char out[128];

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_json_string(&b, "a\"b\\c\nd\te\x01\x7f\xc3");
	CHECK_STR(out, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\\u00c3\"");
	CHECK(toasterctl_buf_ok(&b));

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_json_string(&b, "");
	CHECK_STR(out, "\"\"");
}

static void test_buf_overflow(void)
{
	struct toasterctl_buf b;
	char out[8];

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_buf_printf(&b, "%s", "0123456789");
	CHECK(!toasterctl_buf_ok(&b));
	CHECK(strlen(out) == 7);
	/* More after an overflow stays in bounds (ASan would say). */
	toasterctl_buf_printf(&b, "more");
	toasterctl_json_string(&b, "x");
	CHECK(!toasterctl_buf_ok(&b));

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_buf_printf(&b, "1234567");
	CHECK(toasterctl_buf_ok(&b));
}

static void test_json_status(void)
{
	struct toaster_status st = {
		.state = TOASTER_STATE_TOASTING, .darkness = 7, .temperature_c = -3,
		.remaining_ms = 1234, .safety_lock = 1, .toasts = 2, .errors = 0,
	};
	struct toaster_info info = {
		.protocol_version = 1, .firmware_version = 0x0102, .slots = 2,
		.model = "Toast \"Pro\"", .serial = "SN-1",
	};
	struct toasterctl_buf b;
	char out[512];

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_json_status(&b, "/dev/toaster0", &info, &st);
	CHECK_STR(out,
		  "{\"device\":\"/dev/toaster0\",\"model\":\"Toast \\\"Pro\\\"\","
		  "\"serial\":\"SN-1\",\"firmware_version\":\"1.02\","
		  "\"protocol_version\":1,\"slots\":2,\"state\":\"toasting\","
		  "\"darkness\":7,\"temperature_c\":-3,\"remaining_ms\":1234,"
		  "\"safety_lock\":true,\"toasts\":2,\"errors\":0}");

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_json_status(&b, NULL, NULL, &st);
	CHECK(!strncmp(out, "{\"state\":\"toasting\",", 20));

	/* A model with no NUL (a bad device) is cut, not overrun. */
	memset(info.model, 'M', sizeof(info.model));
	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_json_info(&b, NULL, &info);
	CHECK(strstr(out, "\"model\":\"MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM\",\"serial\""));
}

static void test_progress(void)
{
	struct toaster_status st = {
		.state = TOASTER_STATE_TOASTING, .temperature_c = 180,
		.remaining_ms = 2500,
	};
	struct toasterctl_buf b;
	char out[256];

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_format_progress(&b, &st, 10000, 10);
	CHECK_STR(out, "[#######...] toasting   180 C  2.5 s left");

	st.state = TOASTER_STATE_DONE;
	st.remaining_ms = 0;
	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_format_progress(&b, &st, 0, 4);
	CHECK_STR(out, "[####] done       180 C  0.0 s left");

	/* remaining above total (a late, larger report) must not wrap. */
	st.state = TOASTER_STATE_HEATING;
	st.remaining_ms = 5000;
	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_format_progress(&b, &st, 100, 4);
	CHECK(!strncmp(out, "[....]", 6));

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_format_line(&b, &st);
	CHECK_STR(out, "state=heating darkness=0 temperature_c=180 remaining_ms=5000 "
		       "safety_lock=0 toasts=0 errors=0");
}

static void test_firmware(void)
{
	char fw[16];

	toasterctl_format_firmware(fw, sizeof(fw), 0x0102);
	CHECK_STR(fw, "1.02");
	toasterctl_format_firmware(fw, sizeof(fw), 0x1000);
	CHECK_STR(fw, "10.00");
}

static const struct toaster_test toaster_tests[] = {
	{ "args_commands", test_args_commands },
	{ "args_toast", test_args_toast },
	{ "args_bad", test_args_bad },
	{ "args_device", test_args_device },
	{ "darkness", test_darkness },
	{ "names", test_names },
	{ "pgm_p5", test_pgm_p5 },
	{ "pgm_p2", test_pgm_p2 },
	{ "pgm_malformed", test_pgm_malformed },
	{ "pgm_limit", test_pgm_limit },
	{ "json_escape", test_json_escape },
	{ "buf_overflow", test_buf_overflow },
	{ "json_status", test_json_status },
	{ "progress", test_progress },
	{ "firmware", test_firmware },
};

int main(void)
{
	return toaster_test_run(toaster_tests,
				sizeof(toaster_tests) / sizeof(toaster_tests[0]));
}
