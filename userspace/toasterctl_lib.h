/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure parts of toasterctl: argument parsing, the PGM parser, JSON and
 * text formatting, errno messages.  Nothing here touches a device or the
 * file system, so userspace/tests/toasterctl_test.c runs all of it on the
 * host under ASan and UBSan.
 */
#ifndef _TOASTERCTL_LIB_H
#define _TOASTERCTL_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toaster_cli.h"
#include "toaster_ioctl.h"
#include "toaster_proto.h"

/* Exit codes, as documented by --help. */
enum toasterctl_exit {
	TOASTERCTL_EXIT_OK = 0,
	TOASTERCTL_EXIT_DEVICE = 1,	/* the toaster refused or failed */
	TOASTERCTL_EXIT_USAGE = 2,	/* bad command line; nothing was sent */
	TOASTERCTL_EXIT_NODEV = 3,	/* no such toaster, or unplugged */
	/* 4 is never used: tests/run reads it as "skip" (KSFT_SKIP). */
	TOASTERCTL_EXIT_CANCELLED = 5,	/* toast: cancelled before done */
	TOASTERCTL_EXIT_FAULT = 6,	/* toast: the toaster faulted */
	TOASTERCTL_EXIT_BADFILE = 7,	/* burn: unreadable or malformed image */
	TOASTERCTL_EXIT_INTERRUPTED = 130, /* toast: SIGINT/SIGTERM while waiting */
};

enum toasterctl_cmd {
	TOASTERCTL_CMD_NONE = 0,
	TOASTERCTL_CMD_STATUS,
	TOASTERCTL_CMD_INFO,
	TOASTERCTL_CMD_TOAST,
	TOASTERCTL_CMD_CANCEL,
	TOASTERCTL_CMD_LOCK,
	TOASTERCTL_CMD_UNLOCK,
	TOASTERCTL_CMD_DARKNESS,
	TOASTERCTL_CMD_WATCH,
	TOASTERCTL_CMD_LIST,
	TOASTERCTL_CMD_BURN,
};

/* Every command, once: the parser's and --help's. */
extern const struct toaster_cli_cmd toasterctl_cmds[];

struct toasterctl_args {
	const char *device;	/* as given to -d, NULL for the default */
	bool json;
	bool no_wait;
	bool help;
	enum toasterctl_cmd cmd;
	unsigned int darkness;	/* toast (0 = the current one), darkness */
	const char *file;	/* burn */
};

/*
 * Parses argv (argv[0] is the program).  Options may come before or after
 * the command.  Returns 0, or -1 with a message in @err.
 */
int toasterctl_parse_args(int argc, char *const argv[],
			  struct toasterctl_args *args, char *err,
			  size_t err_size);

/* "1".."10" only: no sign, no spaces, no trailing text.  0 or -1. */
int toasterctl_parse_darkness(const char *s, unsigned int *out);


/* What an errno means for a toaster, and the exit code it leads to. */
const char *toasterctl_strerror(int err);
int toasterctl_exit_code(int err);

/*
 * A PGM image converted to a darkness map: one byte per pixel, row by row,
 * 0 (white: leave the bread alone) to TOASTER_DARKNESS_MAX (black).
 */
struct toasterctl_image {
	unsigned int width;
	unsigned int height;
	unsigned int maxval;
	size_t len;		/* width * height */
	unsigned char *map;	/* malloc()ed, len bytes; free() it */
};

/*
 * Parses a whole PGM file, P5 (binary) or P2 (plain), maxval 1..255, at
 * most @max_pixels pixels.  Returns 0, or -1 with a message in @err and
 * nothing to free.
 */
int toasterctl_pgm_parse(const unsigned char *data, size_t len,
			 size_t max_pixels, struct toasterctl_image *img,
			 char *err, size_t err_size);

/*
 * A fixed-size output buffer that remembers when it overflowed, so the
 * formatters need no error path per field.
 */
struct toasterctl_buf {
	char *data;
	size_t size;
	size_t len;		/* what would have been written */
};

void toasterctl_buf_init(struct toasterctl_buf *b, char *data, size_t size);
void toasterctl_buf_printf(struct toasterctl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool toasterctl_buf_ok(const struct toasterctl_buf *b);

/* Appends @s as a JSON string, quotes included. */
void toasterctl_json_string(struct toasterctl_buf *b, const char *s);

/*
 * One JSON object for a status; @info and @device may be NULL.  No
 * trailing newline.
 */
void toasterctl_json_status(struct toasterctl_buf *b, const char *device,
			    const struct toaster_info *info,
			    const struct toaster_status *st);
void toasterctl_json_info(struct toasterctl_buf *b, const char *device,
			  const struct toaster_info *info);

/* "1.02" from BCD 0x0102. */
void toasterctl_format_firmware(char *buf, size_t size, unsigned int bcd);

/*
 * The toast progress line (no \r, no newline): a bar, the state, the
 * temperature, the time left.  @total_ms is the longest remaining_ms seen
 * in this toast, the bar's full length.
 */
void toasterctl_format_progress(struct toasterctl_buf *b,
				const struct toaster_status *st,
				uint32_t total_ms, unsigned int bar_width);

/* The one-line form watch and non-tty toast print. */
void toasterctl_format_line(struct toasterctl_buf *b,
			    const struct toaster_status *st);

#endif /* _TOASTERCTL_LIB_H */
