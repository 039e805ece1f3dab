/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command tables of the project's command lines (toasterctl,
 * toaster-usb): each program writes its commands once, in a table, and
 * both its parser and the command list of its --help come from there, so
 * the two cannot disagree.
 */
#ifndef TOASTER_CLI_H
#define TOASTER_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* A line of --help takes at most this many columns. */
#define TOASTER_CLI_WIDTH	79

/* One command; a table of them ends with one whose name is NULL. */
struct toaster_cli_cmd {
	const char	*name;
	int		id;		/* the program's own enum */
	unsigned int	min_args, max_args;
	const char	*synopsis;	/* its arguments, for --help: "[N]"; "" for none */
	const char	*help;		/* what it does, in a line or so */
};

/* The command called name (exactly, case and all), or NULL. */
const struct toaster_cli_cmd *toaster_cli_find(const struct toaster_cli_cmd *cmds,
					       const char *name);

/* Whether cmd takes nargs arguments. */
bool toaster_cli_nargs_ok(const struct toaster_cli_cmd *cmd, unsigned int nargs);

/*
 * The command list of --help, one entry per command: "  NAME SYNOPSIS",
 * then its help from column on, wrapped at TOASTER_CLI_WIDTH with the
 * same indent; a name and synopsis that reach the column put the help on
 * a line of its own.
 */
void toaster_cli_usage(FILE *f, const struct toaster_cli_cmd *cmds,
		       unsigned int column);

#endif /* TOASTER_CLI_H */
