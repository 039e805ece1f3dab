// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the firmware's control handshake
 * (lib/toaster_control.c), against a stand-in for toaster-gadget's
 * control FIFO: a thread that reads command lines from a FIFO in a fresh
 * directory and appends its acknowledgements to FIFO.ack the way the
 * firmware does, one write() each, with the command's words joined by
 * single spaces.  It says "error" to "bogus", and nothing at all to
 * "silent".  On the kernel's kselftest_harness.h, built with ASan and
 * UBSan by `make -C userspace test`.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "toaster_control.h"

/* Short: the cases that time out wait this long. */
#define CONTROL_TEST_TIMEOUT_MS	300

struct control_fake {
	char		dir[64], fifo[96], ack[112];
	int		fd;		/* the FIFO, read and write: never without a reader */
	pthread_t	thread;
};

static void control_fake_answer(struct control_fake *fw, char *line)
{
	char words[256] = "", out[512], *word, *save = NULL;
	size_t len = 0;
	int fd, n;

	for (word = strtok_r(line, " \t\r", &save); word;
	     word = strtok_r(NULL, " \t\r", &save))
		len += (size_t)snprintf(words + len, sizeof(words) - len, "%s%s",
					len ? " " : "", word);
	if (!strcmp(words, "silent"))
		return;
	if (!strcmp(words, "bogus"))
		n = snprintf(out, sizeof(out), "error %s: unknown command, ignored\n", words);
	else
		n = snprintf(out, sizeof(out), "ok %s\n", words);
	fd = open(fw->ack, O_WRONLY | O_APPEND);
	if (fd >= 0) {
		if (write(fd, out, (size_t)n) != n)
			perror("control_fake: ack");
		close(fd);
	}
}

/* Until "quit": the lines of the FIFO, answered. */
static void *control_fake_run(void *arg)
{
	struct control_fake *fw = arg;
	char buf[512], *nl;
	size_t have = 0;
	ssize_t n;

	for (;;) {
		n = read(fw->fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return NULL;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (!strcmp(buf, "quit"))
				return NULL;
			control_fake_answer(fw, buf);
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
	}
}

FIXTURE(firmware) {
	struct control_fake fw;
};

FIXTURE_SETUP(firmware)
{
	struct control_fake *fw = &self->fw;
	int fd;

	snprintf(fw->dir, sizeof(fw->dir), "/tmp/toaster-control-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(fw->dir));
	snprintf(fw->fifo, sizeof(fw->fifo), "%s/ctl", fw->dir);
	snprintf(fw->ack, sizeof(fw->ack), "%s.ack", fw->fifo);
	ASSERT_EQ(0, mkfifo(fw->fifo, 0600));
	fd = open(fw->ack, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	fw->fd = open(fw->fifo, O_RDWR);
	ASSERT_LE(0, fw->fd);
	ASSERT_EQ(0, pthread_create(&fw->thread, NULL, control_fake_run, fw));
}

FIXTURE_TEARDOWN(firmware)
{
	struct control_fake *fw = &self->fw;

	if (write(fw->fd, "quit\n", 5) == 5)
		pthread_join(fw->thread, NULL);
	close(fw->fd);
	unlink(fw->fifo);
	unlink(fw->ack);
	rmdir(fw->dir);
}

TEST_F(firmware, ok)
{
	char reply[128];

	EXPECT_EQ(TOASTER_CONTROL_OK, toaster_control_send(self->fw.fifo, "unplug",
							   CONTROL_TEST_TIMEOUT_MS,
							   reply, sizeof(reply)));
	EXPECT_STREQ("ok unplug", reply);
	EXPECT_EQ(TOASTER_CONTROL_OK, toaster_control_send(self->fw.fifo, "fault hang toast",
							   CONTROL_TEST_TIMEOUT_MS,
							   reply, sizeof(reply)));
	EXPECT_STREQ("ok fault hang toast", reply);
}

/* The firmware acknowledges the words, however they were spaced. */
TEST_F(firmware, spacing_as_the_firmware_has_it)
{
	char reply[128];

	EXPECT_EQ(TOASTER_CONTROL_OK,
		  toaster_control_send(self->fw.fifo, "  fault \t slow-bulk  400 ",
				       CONTROL_TEST_TIMEOUT_MS, reply, sizeof(reply)));
	EXPECT_STREQ("ok fault slow-bulk 400", reply);
}

TEST_F(firmware, refused)
{
	char reply[128], why[256];

	EXPECT_EQ(TOASTER_CONTROL_REFUSED, toaster_control_send(self->fw.fifo, "bogus",
								CONTROL_TEST_TIMEOUT_MS,
								reply, sizeof(reply)));
	EXPECT_STREQ("error bogus: unknown command, ignored", reply);
	EXPECT_STREQ("'bogus': the firmware said 'error bogus: unknown command, ignored'",
		     toaster_control_describe(TOASTER_CONTROL_REFUSED, self->fw.fifo, "bogus",
					      reply, why, sizeof(why)));
}

/* No answer in time; and the next command is not fooled by that. */
TEST_F(firmware, timeout)
{
	char reply[128], why[256], want[256];

	EXPECT_EQ(TOASTER_CONTROL_TIMEOUT, toaster_control_send(self->fw.fifo, "silent",
								CONTROL_TEST_TIMEOUT_MS,
								reply, sizeof(reply)));
	snprintf(want, sizeof(want), "'silent': no acknowledgement in %s", self->fw.ack);
	EXPECT_STREQ(want, toaster_control_describe(TOASTER_CONTROL_TIMEOUT, self->fw.fifo,
						    "silent", reply, why, sizeof(why)));
	EXPECT_EQ(TOASTER_CONTROL_OK, toaster_control_send(self->fw.fifo, "plug",
							   CONTROL_TEST_TIMEOUT_MS,
							   reply, sizeof(reply)));
}

/* Acknowledgements already there are earlier commands': not this one's. */
TEST_F(firmware, earlier_acknowledgements)
{
	static const char earlier[] = "ok plug\nerror bogus: unknown command, ignored\n";
	char reply[128];
	int fd = open(self->fw.ack, O_WRONLY | O_APPEND);

	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(earlier), write(fd, earlier, strlen(earlier)));
	close(fd);
	EXPECT_EQ(TOASTER_CONTROL_OK, toaster_control_send(self->fw.fifo, "clear",
							   CONTROL_TEST_TIMEOUT_MS,
							   reply, sizeof(reply)));
	EXPECT_STREQ("ok clear", reply);
}

TEST_F(firmware, not_one_command)
{
	char reply[128];

	EXPECT_EQ(TOASTER_CONTROL_BAD_COMMAND,
		  toaster_control_send(self->fw.fifo, "", CONTROL_TEST_TIMEOUT_MS,
				       reply, sizeof(reply)));
	EXPECT_EQ(TOASTER_CONTROL_BAD_COMMAND,
		  toaster_control_send(self->fw.fifo, " \t ", CONTROL_TEST_TIMEOUT_MS,
				       reply, sizeof(reply)));
	EXPECT_EQ(TOASTER_CONTROL_BAD_COMMAND,
		  toaster_control_send(self->fw.fifo, "plug\nunplug", CONTROL_TEST_TIMEOUT_MS,
				       reply, sizeof(reply)));
}

/* No firmware: no FIFO, a FIFO nobody reads, a plain file where it was. */
TEST(gone)
{
	char dir[] = "/tmp/toaster-control-test.XXXXXX", fifo[64], reply[128], why[256];
	char want[128];
	int fd;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/ctl", dir);
	EXPECT_EQ(TOASTER_CONTROL_GONE, toaster_control_send(fifo, "plug",
							     CONTROL_TEST_TIMEOUT_MS,
							     reply, sizeof(reply)));
	snprintf(want, sizeof(want), "%s is gone: the firmware exited", fifo);
	EXPECT_STREQ(want, toaster_control_describe(TOASTER_CONTROL_GONE, fifo, "plug",
						    reply, why, sizeof(why)));
	ASSERT_EQ(0, mkfifo(fifo, 0600));
	EXPECT_EQ(TOASTER_CONTROL_GONE, toaster_control_send(fifo, "plug",
							     CONTROL_TEST_TIMEOUT_MS,
							     reply, sizeof(reply)));
	unlink(fifo);
	fd = open(fifo, O_WRONLY | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(TOASTER_CONTROL_GONE, toaster_control_send(fifo, "plug",
							     CONTROL_TEST_TIMEOUT_MS,
							     reply, sizeof(reply)));
	unlink(fifo);
	rmdir(dir);
}

TEST_HARNESS_MAIN
