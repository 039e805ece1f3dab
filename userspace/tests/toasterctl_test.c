// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for toasterctl's pure parts (toasterctl_lib.c): argument
 * parsing, the PGM parser, JSON escaping and formatting.  On the kernel's
 * kselftest_harness.h, built with ASan and UBSan by `make -C userspace
 * test`: TAP, one line per case, and a failing exit status if any failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "toasterctl_lib.h"

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

TEST(args_commands)
{
	struct toasterctl_args a;

	EXPECT_TRUE(parse(&a, "status") == 0 && a.cmd == TOASTERCTL_CMD_STATUS && !a.json);
	EXPECT_TRUE(parse(&a, "--json status") == 0 && a.json);
	EXPECT_TRUE(parse(&a, "status --json") == 0 && a.json);
	EXPECT_TRUE(parse(&a, "-j list") == 0 && a.cmd == TOASTERCTL_CMD_LIST && a.json);
	EXPECT_TRUE(parse(&a, "info") == 0 && a.cmd == TOASTERCTL_CMD_INFO);
	EXPECT_TRUE(parse(&a, "cancel") == 0 && a.cmd == TOASTERCTL_CMD_CANCEL);
	EXPECT_TRUE(parse(&a, "lock") == 0 && a.cmd == TOASTERCTL_CMD_LOCK);
	EXPECT_TRUE(parse(&a, "unlock") == 0 && a.cmd == TOASTERCTL_CMD_UNLOCK);
	EXPECT_TRUE(parse(&a, "watch") == 0 && a.cmd == TOASTERCTL_CMD_WATCH);
	EXPECT_TRUE(parse(&a, "burn x.pgm") == 0 && a.cmd == TOASTERCTL_CMD_BURN);
	EXPECT_TRUE(parse(&a, "--help") == 0 && a.help);
	EXPECT_TRUE(parse(&a, "-h bogus") == 0 && a.help);
}

TEST(args_toast)
{
	struct toasterctl_args a;

	EXPECT_TRUE(parse(&a, "toast") == 0 && a.cmd == TOASTERCTL_CMD_TOAST && a.darkness == 0);
	EXPECT_TRUE(parse(&a, "toast 7") == 0 && a.darkness == 7 && !a.no_wait);
	EXPECT_TRUE(parse(&a, "toast 10 --no-wait") == 0 && a.darkness == 10 && a.no_wait);
	EXPECT_TRUE(parse(&a, "-n toast 1") == 0 && a.darkness == 1 && a.no_wait);
	EXPECT_TRUE(parse(&a, "darkness 3") == 0 && a.cmd == TOASTERCTL_CMD_DARKNESS &&
		    a.darkness == 3);
}

TEST(args_bad)
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

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, parse(&a, bad[i])) {
			TH_LOG("accepted '%s'", bad[i]);
		}
	}
}

TEST(args_device)
{
	char *argv[] = { "toasterctl", "-d", "/dev/toaster3", "status", NULL };
	char *argv2[] = { "toasterctl", "--device=toaster2", "status", NULL };
	char *argv3[] = { "toasterctl", "-d1", "status", NULL };
	char *argv4[] = { "toasterctl", "--device=", "status", NULL };
	struct toasterctl_args a;
	char err[128];

	EXPECT_EQ(0, toasterctl_parse_args(4, argv, &a, err, sizeof(err)));
	EXPECT_TRUE(a.device && !strcmp(a.device, "/dev/toaster3"));
	EXPECT_EQ(0, toasterctl_parse_args(3, argv2, &a, err, sizeof(err)));
	EXPECT_TRUE(a.device && !strcmp(a.device, "toaster2"));
	EXPECT_EQ(0, toasterctl_parse_args(3, argv3, &a, err, sizeof(err)));
	EXPECT_TRUE(a.device && !strcmp(a.device, "1"));
	EXPECT_EQ(-1, toasterctl_parse_args(3, argv4, &a, err, sizeof(err)));
}

/* Each command of the table is found as itself, under an id of its own. */
TEST(cmds_table)
{
	const struct toaster_cli_cmd *cmd, *other;

	for (cmd = toasterctl_cmds; cmd->name; cmd++) {
		EXPECT_EQ(cmd, toaster_cli_find(toasterctl_cmds, cmd->name));
		EXPECT_NE(TOASTERCTL_CMD_NONE, cmd->id);
		EXPECT_NE(0, strlen(cmd->help));
		for (other = toasterctl_cmds; other < cmd; other++)
			EXPECT_NE(other->id, cmd->id);
	}
}

TEST(darkness)
{
	unsigned int v = 99;

	EXPECT_TRUE(toasterctl_parse_darkness("1", &v) == 0 && v == 1);
	EXPECT_TRUE(toasterctl_parse_darkness("10", &v) == 0 && v == 10);
	EXPECT_EQ(-1, toasterctl_parse_darkness("0", &v));
	EXPECT_EQ(-1, toasterctl_parse_darkness("", &v));
	EXPECT_EQ(-1, toasterctl_parse_darkness(" 5", &v));
	EXPECT_EQ(-1, toasterctl_parse_darkness("5 ", &v));
	EXPECT_EQ(-1, toasterctl_parse_darkness("010", &v));
	EXPECT_EQ(-1, toasterctl_parse_darkness(NULL, &v));
	EXPECT_EQ(10, v);
}

/* ---- names, errors ---- */

TEST(names)
{
	EXPECT_STREQ("idle", toaster_state_name(TOASTER_STATE_IDLE));
	EXPECT_STREQ("done", toaster_state_name(TOASTER_STATE_DONE));
	EXPECT_STREQ("fault", toaster_state_name(TOASTER_STATE_FAULT));
	EXPECT_STREQ("unknown", toaster_state_name(TOASTER_STATE_COUNT));
	EXPECT_STREQ("unknown", toaster_state_name(0xffffffffu));
	EXPECT_NE(NULL, strstr(toasterctl_strerror(EPERM), "safety lock is on"));
	EXPECT_NE(NULL, strstr(toasterctl_strerror(EBUSY), "already toasting"));
	EXPECT_NE(NULL, strstr(toasterctl_strerror(ENODEV), "toaster unplugged"));
	EXPECT_NE(NULL, strstr(toasterctl_strerror(ETIMEDOUT), "toaster not answering"));
	EXPECT_NE(NULL, strstr(toasterctl_strerror(ENOENT), "no such toaster"));
	EXPECT_EQ(TOASTERCTL_EXIT_NODEV, toasterctl_exit_code(ENOENT));
	EXPECT_EQ(TOASTERCTL_EXIT_NODEV, toasterctl_exit_code(ENODEV));
	EXPECT_EQ(TOASTERCTL_EXIT_DEVICE, toasterctl_exit_code(EPERM));
	EXPECT_EQ(TOASTERCTL_EXIT_DEVICE, toasterctl_exit_code(EBUSY));
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

TEST(pgm_p5)
{
	struct toasterctl_image img;
	char err[160];

	EXPECT_EQ(0, PGM("P5\n2 2\n255\n\x00\xff\x80\x01", &img, err));
	EXPECT_TRUE(img.width == 2 && img.height == 2 && img.maxval == 255 && img.len == 4);
	if (img.map) {
		EXPECT_EQ(TOASTER_DARKNESS_MAX, img.map[0]);	/* black */
		EXPECT_EQ(0, img.map[1]);			/* white */
		EXPECT_EQ(5, img.map[2]);
		EXPECT_EQ(TOASTER_DARKNESS_MAX, img.map[3]);
	}
	free(img.map);

	/* Comments in the header, and a small maxval. */
	EXPECT_EQ(0, PGM("P5 # a comment\n# another\n3 1 # w h\n1\n\x00\x01\x00", &img, err));
	EXPECT_TRUE(img.len == 3 && img.map && img.map[0] == 10 && img.map[1] == 0);
	free(img.map);
}

TEST(pgm_p2)
{
	struct toasterctl_image img;
	char err[160];

	EXPECT_EQ(0, PGM("P2\n# plain\n3 2\n10\n0 5 10\n10 5 0\n", &img, err));
	EXPECT_TRUE(img.width == 3 && img.height == 2 && img.maxval == 10);
	if (img.map && img.len == 6) {
		EXPECT_TRUE(img.map[0] == 10 && img.map[1] == 5 && img.map[2] == 0);
		EXPECT_TRUE(img.map[3] == 0 && img.map[5] == 10);
	}
	free(img.map);
	/* No trailing newline is fine for plain images. */
	EXPECT_TRUE(PGM("P2 1 1 255 0", &img, err) == 0 && img.len == 1);
	free(img.map);
}

TEST(pgm_malformed)
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
	int ret;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		ret = pgm(bad[i].text, bad[i].len, &img, err, sizeof(err));
		EXPECT_EQ(-1, ret) {
			TH_LOG("bad PGM %zu accepted", i);
		}
		if (ret != -1) {
			free(img.map);
			continue;
		}
		EXPECT_EQ(NULL, img.map);
		EXPECT_NE(NULL, strstr(err, bad[i].why)) {
			TH_LOG("bad PGM %zu: message '%s' lacks '%s'", i, err, bad[i].why);
		}
	}
}

TEST(pgm_limit)
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
	EXPECT_EQ(0, toasterctl_pgm_parse(data, len, TOASTER_BURN_MAX, &img, err, sizeof(err)));
	EXPECT_EQ(TOASTER_BURN_MAX, img.len);
	free(img.map);
	free(data);
}

/* ---- formatting ---- */

TEST(json_escape)
{
	struct toasterctl_buf b;
	char out[128];

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_json_string(&b, "a\"b\\c\nd\te\x01\x7f\xc3");
	EXPECT_STREQ("\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\\u00c3\"", out);
	EXPECT_TRUE(toasterctl_buf_ok(&b));

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_json_string(&b, "");
	EXPECT_STREQ("\"\"", out);
}

TEST(buf_overflow)
{
	struct toasterctl_buf b;
	char out[8];

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_buf_printf(&b, "%s", "0123456789");
	EXPECT_TRUE(!toasterctl_buf_ok(&b));
	EXPECT_EQ(7, strlen(out));
	/* More after an overflow stays in bounds (ASan would say). */
	toasterctl_buf_printf(&b, "more");
	toasterctl_json_string(&b, "x");
	EXPECT_TRUE(!toasterctl_buf_ok(&b));

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_buf_printf(&b, "1234567");
	EXPECT_TRUE(toasterctl_buf_ok(&b));
}

TEST(json_status)
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
	EXPECT_STREQ("{\"device\":\"/dev/toaster0\",\"model\":\"Toast \\\"Pro\\\"\","
		     "\"serial\":\"SN-1\",\"firmware_version\":\"1.02\","
		     "\"protocol_version\":1,\"slots\":2,\"state\":\"toasting\","
		     "\"darkness\":7,\"temperature_c\":-3,\"remaining_ms\":1234,"
		     "\"safety_lock\":true,\"toasts\":2,\"errors\":0}", out);

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_json_status(&b, NULL, NULL, &st);
	EXPECT_TRUE(!strncmp(out, "{\"state\":\"toasting\",", 20));

	/* A model with no NUL (a bad device) is cut, not overrun. */
	memset(info.model, 'M', sizeof(info.model));
	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_json_info(&b, NULL, &info);
	EXPECT_NE(NULL, strstr(out, "\"model\":\"MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM\",\"serial\""));
}

TEST(progress)
{
	struct toaster_status st = {
		.state = TOASTER_STATE_TOASTING, .temperature_c = 180,
		.remaining_ms = 2500,
	};
	struct toasterctl_buf b;
	char out[256];

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_format_progress(&b, &st, 10000, 10);
	EXPECT_STREQ("[#######...] toasting   180 C  2.5 s left", out);

	st.state = TOASTER_STATE_DONE;
	st.remaining_ms = 0;
	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_format_progress(&b, &st, 0, 4);
	EXPECT_STREQ("[####] done       180 C  0.0 s left", out);

	/* remaining above total (a late, larger report) must not wrap. */
	st.state = TOASTER_STATE_HEATING;
	st.remaining_ms = 5000;
	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_format_progress(&b, &st, 100, 4);
	EXPECT_TRUE(!strncmp(out, "[....]", 6));

	toasterctl_buf_init(&b, out, sizeof(out));
	toasterctl_format_line(&b, &st);
	EXPECT_STREQ("state=heating darkness=0 temperature_c=180 remaining_ms=5000 "
		     "safety_lock=0 toasts=0 errors=0", out);
}

TEST(firmware)
{
	char fw[16];

	toasterctl_format_firmware(fw, sizeof(fw), 0x0102);
	EXPECT_STREQ("1.02", fw);
	toasterctl_format_firmware(fw, sizeof(fw), 0x1000);
	EXPECT_STREQ("10.00", fw);
}

TEST_HARNESS_MAIN
