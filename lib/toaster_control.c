// SPDX-License-Identifier: GPL-2.0
/*
 * The firmware's control FIFO, from the sending end; see toaster_control.h.
 *
 * Where an acknowledgement will appear is known before the command goes:
 * the size of FIFO.ack then, since the firmware only ever appends, one
 * whole line per write().  The FIFO is opened without blocking, so that a
 * firmware that died without removing it (nothing reads it) is an error
 * at once rather than a writer stuck in open() for good.
 */
#define _POSIX_C_SOURCE 200809L /* pread(), nanosleep(), clock_gettime() */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "toaster_control.h"

/* How often FIFO.ack is looked at while waiting. */
#define TOASTER_CONTROL_POLL_MS		20
/* Room for any line: the firmware's are shorter than this. */
#define TOASTER_CONTROL_LINE_MAX	1024

/*
 * "ok " and cmd as the firmware acknowledges it, its words (split where the
 * firmware splits them) joined by single spaces.  False if there are no
 * words, more than one line, or no room.
 */
static bool toaster_control_expected(const char *cmd, char *out, size_t size)
{
	size_t len, n = 0;
	int w;

	if (strchr(cmd, '\n'))
		return false;
	w = snprintf(out, size, "ok");
	for (cmd += strspn(cmd, " \t\r"); *cmd; cmd += strspn(cmd, " \t\r")) {
		len = strcspn(cmd, " \t\r");
		if ((size_t)w + 1 + len >= size)
			return false;
		out[w++] = ' ';
		memcpy(out + w, cmd, len);
		w += (int)len;
		out[w] = '\0';
		cmd += len;
		n++;
	}
	return n > 0;
}

static enum toaster_control_result toaster_control_failed(const char *what, char *reply,
							   size_t size)
{
	snprintf(reply, size, "%s: %s", what, strerror(errno));
	return TOASTER_CONTROL_FAILED;
}

/* The size of path, 0 if it is not there (yet). */
static int toaster_control_size(const char *path, off_t *size)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		*size = st.st_size;
		return 0;
	}
	*size = 0;
	return errno == ENOENT ? 0 : -1;
}

/*
 * The first line of path from offset from, into line (cut to size): 1 if
 * there is a whole one, 0 if not yet, -1 with errno.  A file shorter than
 * from was emptied by a firmware that started afresh: its lines are new.
 */
static int toaster_control_line(const char *path, off_t from, char *line, size_t size)
{
	char buf[TOASTER_CONTROL_LINE_MAX];
	struct stat st;
	ssize_t n;
	char *end;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) == 0 && st.st_size < from)
		from = 0;
	n = pread(fd, buf, sizeof(buf) - 1, from);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	end = strchr(buf, '\n');
	if (!end && (size_t)n < sizeof(buf) - 1)
		return 0;
	if (end)
		*end = '\0';
	snprintf(line, size, "%s", buf);
	return 1;
}

/*
 * write(), but a reader that went away between our open() and now is
 * EPIPE and not the SIGPIPE that would end the caller (a test, for one).
 * A SIGPIPE pending already is not ours to take.
 */
static ssize_t toaster_control_write_fd(int fd, const void *buf, size_t len)
{
	struct timespec now = { 0, 0 };
	sigset_t pipe_set, old, pending;
	bool was_pending;
	ssize_t n;
	int err;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	n = write(fd, buf, len);
	err = errno;
	if (n < 0 && err == EPIPE && !was_pending)
		sigtimedwait(&pipe_set, NULL, &now);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return n;
}

/* Writes the command line, waiting until deadline for room in the FIFO. */
static enum toaster_control_result toaster_control_write(const char *fifo, const char *cmd,
							  int64_t deadline, char *reply,
							  size_t size)
{
	char line[TOASTER_CONTROL_LINE_MAX];
	struct pollfd pfd = { .events = POLLOUT };
	struct stat st;
	int len, left;
	ssize_t n;

	len = snprintf(line, sizeof(line), "%s\n", cmd);
	if (len < 0 || (size_t)len >= sizeof(line))
		return TOASTER_CONTROL_BAD_COMMAND;
	pfd.fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (pfd.fd < 0) {
		/* ENXIO: a FIFO that nothing reads */
		if (errno == ENOENT || errno == ENXIO)
			return TOASTER_CONTROL_GONE;
		return toaster_control_failed(fifo, reply, size);
	}
	if (fstat(pfd.fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		close(pfd.fd);
		return TOASTER_CONTROL_GONE;
	}
	/* shorter than PIPE_BUF: written whole or not at all */
	while ((n = toaster_control_write_fd(pfd.fd, line, (size_t)len)) < 0 &&
	       (errno == EAGAIN || errno == EINTR)) {
		left = (int)(deadline - toaster_now_ms());
		if (left <= 0) {
			close(pfd.fd);
			return TOASTER_CONTROL_TIMEOUT;
		}
		poll(&pfd, 1, left);
	}
	if (n < 0) {
		/* EPIPE: the firmware closed it between our open() and write() */
		if (errno == EPIPE) {
			close(pfd.fd);
			return TOASTER_CONTROL_GONE;
		}
		toaster_control_failed(fifo, reply, size);
		close(pfd.fd);
		return TOASTER_CONTROL_FAILED;
	}
	close(pfd.fd);
	return TOASTER_CONTROL_OK;
}

enum toaster_control_result toaster_control_send(const char *fifo, const char *cmd,
						 unsigned int timeout_ms,
						 char *reply, size_t size)
{
	int64_t deadline = toaster_now_ms() + timeout_ms;
	char want[TOASTER_CONTROL_LINE_MAX], ack[TOASTER_CONTROL_LINE_MAX];
	enum toaster_control_result rc;
	off_t from;
	int got;

	if (size)
		reply[0] = '\0';
	if (!toaster_control_expected(cmd, want, sizeof(want)))
		return TOASTER_CONTROL_BAD_COMMAND;
	if (snprintf(ack, sizeof(ack), "%s.ack", fifo) >= (int)sizeof(ack)) {
		errno = ENAMETOOLONG;
		return toaster_control_failed(fifo, reply, size);
	}
	if (toaster_control_size(ack, &from) < 0)
		return toaster_control_failed(ack, reply, size);
	rc = toaster_control_write(fifo, cmd, deadline, reply, size);
	if (rc != TOASTER_CONTROL_OK)
		return rc;

	for (;;) {
		got = toaster_control_line(ack, from, reply, size);
		if (got < 0)
			return toaster_control_failed(ack, reply, size);
		if (got)
			return strcmp(reply, want) == 0 ? TOASTER_CONTROL_OK
							: TOASTER_CONTROL_REFUSED;
		if (toaster_now_ms() >= deadline)
			return TOASTER_CONTROL_TIMEOUT;
		toaster_sleep_ms(TOASTER_CONTROL_POLL_MS);
	}
}

const char *toaster_control_describe(enum toaster_control_result result,
				     const char *fifo, const char *cmd,
				     const char *reply, char *buf, size_t size)
{
	switch (result) {
	case TOASTER_CONTROL_OK:
		snprintf(buf, size, "%s", "");
		break;
	case TOASTER_CONTROL_REFUSED:
		snprintf(buf, size, "'%s': the firmware said '%s'", cmd, reply);
		break;
	case TOASTER_CONTROL_GONE:
		snprintf(buf, size, "%s is gone: the firmware exited", fifo);
		break;
	case TOASTER_CONTROL_TIMEOUT:
		snprintf(buf, size, "'%s': no acknowledgement in %s.ack", cmd, fifo);
		break;
	case TOASTER_CONTROL_BAD_COMMAND:
		snprintf(buf, size, "'%s': not one command on one line", cmd);
		break;
	default:
		snprintf(buf, size, "'%s': %s", cmd, reply);
		break;
	}
	return buf;
}
