// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the command tables' lookup and --help list
 * (lib/toaster_cli.c), on a table made up here; toasterctl_test.c checks
 * toasterctl's own table.  On the kernel's kselftest_harness.h, built with
 * ASan and UBSan by `make -C userspace test`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "toaster_cli.h"

enum { CMD_STATUS = 1, CMD_TOAST, CMD_BURN, CMD_LOOPBACK };

static const struct toaster_cli_cmd cli_cmds[] = {
	{ "status", CMD_STATUS, 0, 0, "", "the status" },
	{ "toast", CMD_TOAST, 0, 1, "[N]", "start a toast" },
	{ "burn", CMD_BURN, 1, 1, "FILE", "send a burn pattern" },
	{ "loopback", CMD_LOOPBACK, 0, 0, "[--size BYTES] [--count N]",
	  "echo transfers through bulk OUT and IN, verify every byte and print the throughput in MB/s, which is 10^6 bytes echoed per second" },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* What toaster_cli_usage() prints for cmds, malloc()ed. */
static char *cli_usage(const struct toaster_cli_cmd *cmds, unsigned int column)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	toaster_cli_usage(f, cmds, column);
	fclose(f);
	return text;
}

TEST(find_by_exact_name)
{
	const struct toaster_cli_cmd *cmd;

	cmd = toaster_cli_find(cli_cmds, "toast");
	ASSERT_NE(NULL, cmd);
	EXPECT_EQ(CMD_TOAST, cmd->id);
	EXPECT_EQ(&cli_cmds[1], cmd);
	cmd = toaster_cli_find(cli_cmds, "loopback");
	ASSERT_NE(NULL, cmd);
	EXPECT_EQ(CMD_LOOPBACK, cmd->id);
	/* no prefixes, no case folding, nothing past the end */
	EXPECT_EQ(NULL, toaster_cli_find(cli_cmds, "toas"));
	EXPECT_EQ(NULL, toaster_cli_find(cli_cmds, "toaster"));
	EXPECT_EQ(NULL, toaster_cli_find(cli_cmds, "TOAST"));
	EXPECT_EQ(NULL, toaster_cli_find(cli_cmds, ""));
	EXPECT_EQ(NULL, toaster_cli_find(&cli_cmds[4], "status"));
}

TEST(nargs)
{
	const struct toaster_cli_cmd *status = &cli_cmds[0], *toast = &cli_cmds[1];
	const struct toaster_cli_cmd *burn = &cli_cmds[2];

	EXPECT_TRUE(toaster_cli_nargs_ok(status, 0));
	EXPECT_FALSE(toaster_cli_nargs_ok(status, 1));
	EXPECT_TRUE(toaster_cli_nargs_ok(toast, 0));
	EXPECT_TRUE(toaster_cli_nargs_ok(toast, 1));
	EXPECT_FALSE(toaster_cli_nargs_ok(toast, 2));
	EXPECT_FALSE(toaster_cli_nargs_ok(burn, 0));
	EXPECT_TRUE(toaster_cli_nargs_ok(burn, 1));
	/* what argc - 1 becomes when a caller gets it wrong */
	EXPECT_FALSE(toaster_cli_nargs_ok(burn, (unsigned int)-1));
}

TEST(usage_columns)
{
	char *text = cli_usage(cli_cmds, 20);

	ASSERT_NE(NULL, text);
	EXPECT_STREQ("  status            the status\n"
		     "  toast [N]         start a toast\n"
		     "  burn FILE         send a burn pattern\n"
		     "  loopback [--size BYTES] [--count N]\n"
		     "                    echo transfers through bulk OUT and IN, verify every byte\n"
		     "                    and print the throughput in MB/s, which is 10^6 bytes\n"
		     "                    echoed per second\n", text);
	free(text);
}

/* A name that fills the column exactly still gets a space before its help. */
TEST(usage_name_at_the_column)
{
	static const struct toaster_cli_cmd cmds[] = {
		{ "abcdefgh", 1, 0, 0, "", "help" },
		{ "abcdefg", 2, 0, 0, "", "help" },
		{ NULL, 0, 0, 0, NULL, NULL },
	};
	char *text = cli_usage(cmds, 10);

	ASSERT_NE(NULL, text);
	EXPECT_STREQ("  abcdefgh\n          help\n  abcdefg help\n", text);
	free(text);
}

/* Every line within the width, whatever the column; a long word alone. */
TEST(usage_wraps_within_the_width)
{
	static const struct toaster_cli_cmd cmds[] = {
		{ "x", 1, 0, 0, "",
		  "a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z" },
		{ "y", 2, 0, 0, "",
		  "short then-a-word-far-too-long-for-any-line-of-the-help-however-it-is-indented-there end" },
		{ NULL, 0, 0, 0, NULL, NULL },
	};
	unsigned int column;
	char *text, *line, *save = NULL;

	for (column = 4; column <= 40; column += 9) {
		text = cli_usage(cmds, column);
		ASSERT_NE(NULL, text);
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (strstr(line, "then-a-word"))
				continue;
			EXPECT_GE(TOASTER_CLI_WIDTH, strlen(line)) {
				TH_LOG("column %u: '%s'", column, line);
			}
			EXPECT_NE(' ', line[strlen(line) - 1]);
		}
		free(text);
	}
	text = cli_usage(&cmds[1], 10);
	ASSERT_NE(NULL, text);
	EXPECT_STREQ("  y       short\n"
		     "          then-a-word-far-too-long-for-any-line-of-the-help-however-it-is-indented-there\n"
		     "          end\n", text);
	free(text);
}

TEST(usage_empty_table)
{
	static const struct toaster_cli_cmd none[] = { { NULL, 0, 0, 0, NULL, NULL } };
	char *text = cli_usage(none, 20);

	ASSERT_NE(NULL, text);
	EXPECT_STREQ("", text);
	free(text);
}

TEST_HARNESS_MAIN
