// SPDX-License-Identifier: GPL-2.0
/*
 * The command tables of the command lines; see toaster_cli.h.  Plain C11,
 * pure: the host unit test prints the usage into memory.
 */
#include <string.h>

#include "toaster_cli.h"

const struct toaster_cli_cmd *toaster_cli_find(const struct toaster_cli_cmd *cmds,
					       const char *name)
{
	for (; cmds->name; cmds++) {
		if (strcmp(cmds->name, name) == 0)
			return cmds;
	}
	return NULL;
}

bool toaster_cli_nargs_ok(const struct toaster_cli_cmd *cmd, unsigned int nargs)
{
	return nargs >= cmd->min_args && nargs <= cmd->max_args;
}

/*
 * text from column on, a word at a time, a line ending before the word
 * that would take it past TOASTER_CLI_WIDTH; a word too long for any line
 * has one to itself.
 */
static void toaster_cli_wrap(FILE *f, const char *text, unsigned int column)
{
	unsigned int at = column;
	size_t len;

	for (text += strspn(text, " "); *text; text += strspn(text, " ")) {
		len = strcspn(text, " ");
		if (at > column && at + 1 + len > TOASTER_CLI_WIDTH) {
			fprintf(f, "\n%*s", (int)column, "");
			at = column;
		} else if (at > column) {
			fputc(' ', f);
			at++;
		}
		fwrite(text, 1, len, f);
		at += (unsigned int)len;
		text += len;
	}
	fputc('\n', f);
}

void toaster_cli_usage(FILE *f, const struct toaster_cli_cmd *cmds,
		       unsigned int column)
{
	int n;

	for (; cmds->name; cmds++) {
		n = fprintf(f, "  %s%s%s", cmds->name, *cmds->synopsis ? " " : "",
			    cmds->synopsis);
		/* at least one space between the synopsis and the help */
		if (n < 0 || (unsigned int)n >= column) {
			fputc('\n', f);
			n = 0;
		}
		fprintf(f, "%*s", (int)column - n, "");
		toaster_cli_wrap(f, cmds->help, column);
	}
}
