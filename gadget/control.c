// SPDX-License-Identifier: GPL-2.0
/*
 * The cable, the heater, and the control FIFO (--control) that works them
 * and the faults: one command a line, each acknowledged by a line in
 * PATH.ack once carried out, so a test knows when it took effect.  All of
 * it on main, which owns ep0's binding.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "firmware.h"

/*
 * Like pulling the cable: the backend unbinds the gadget from the
 * controller and the host sees the toaster go.  The toaster itself, model
 * and clock, carries on.  The workers stop first: an endpoint going away
 * under a transfer is the host's doing at most, never ours.
 */
void toaster_unplug(struct toaster_gadget *g)
{
	toaster_deconfigured(g);
	toaster_ep0_forget(g);
	g->ops->unplug(g);
	g->plugged = false;
	toaster_dbg("unplugged");
}

/* Returns 0 or -errno. */
int toaster_plug(struct toaster_gadget *g)
{
	int rc = g->ops->plug(g);

	if (rc == 0) {
		g->plugged = true;
		toaster_dbg("plugged in");
	}
	return rc;
}

void toaster_overheat(struct toaster_gadget *g)
{
	pthread_mutex_lock(&g->lock);
	toaster_model_fault(&g->model, toaster_now_ns());
	toaster_publish(g);
	pthread_mutex_unlock(&g->lock);
}

/*
 * Makes (or reuses) the FIFO and the acknowledgement file, emptied: a test
 * waiting for "ok CMD" must not find one from an earlier run.
 */
int toaster_ctl_open(struct toaster_gadget *g)
{
	struct toaster_ctl *ctl = &g->ctl;
	struct stat st;

	if (strlen(g->control) + sizeof(".ack") > sizeof(ctl->ack_path)) {
		toaster_err("--control: path too long");
		return -1;
	}
	snprintf(ctl->ack_path, sizeof(ctl->ack_path), "%s.ack", g->control);
	if (mkfifo(g->control, 0600) < 0 &&
	    (errno != EEXIST || stat(g->control, &st) < 0 || !S_ISFIFO(st.st_mode))) {
		toaster_err("%s: %s", g->control,
			    errno == EEXIST ? "exists and is not a FIFO" : strerror(errno));
		return -1;
	}
	/* before anyone can write a command, so no ack ever waits for it */
	ctl->ack_fd = open(ctl->ack_path,
			   O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (ctl->ack_fd < 0) {
		toaster_err("%s: %s", ctl->ack_path, strerror(errno));
		unlink(g->control);
		return -1;
	}
	/* or open() waits for a writer and read() for a whole line */
	ctl->fd = open(g->control, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (ctl->fd < 0) {
		toaster_err("%s: %s", g->control, strerror(errno));
		close(ctl->ack_fd);
		ctl->ack_fd = -1;
		unlink(g->control);
		return -1;
	}
	return 0;
}

void toaster_ctl_close(struct toaster_gadget *g)
{
	if (!g->control)
		return;
	/* a writer that finds no FIFO fails; one that finds no reader waits */
	unlink(g->control);
	if (g->ctl.fd >= 0)
		close(g->ctl.fd);
	if (g->ctl.ack_fd >= 0)
		close(g->ctl.ack_fd);
	g->ctl.fd = g->ctl.ack_fd = -1;
}

/* The command is carried out: one line in PATH.ack says how it went. */
static void toaster_ctl_ack(struct toaster_gadget *g, const char *cmd, int rc,
			    const char *why)
{
	char line[TOASTER_CTL_LINE_MAX + 256];
	size_t len = 0;

	if (rc == 0) {
		toaster_append(line, sizeof(line), &len, "ok %s\n", cmd);
	} else {
		toaster_err("control: %s: %s", cmd, why);
		toaster_append(line, sizeof(line), &len, "error %s: %s\n", cmd, why);
	}
	if (len >= sizeof(line)) {
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	/* one write, appended: a reader never sees half a line */
	if (write(g->ctl.ack_fd, line, len) != (ssize_t)len)
		toaster_err("%s: %s", g->ctl.ack_path, strerror(errno));
}

static int toaster_cmd_fault(struct toaster_gadget *g, int argc, char **argv,
			     bool clearing, char *why, size_t size)
{
	char now[256];
	uint8_t halt;
	int rc;

	if (argc > 3 || (!clearing && argc < 2)) {
		snprintf(why, size, "usage: %s", clearing ? "clear [MODE [ARG]]"
							  : "fault MODE [ARG]");
		return -1;
	}
	pthread_mutex_lock(&g->lock);
	halt = g->faults.halt;
	rc = toaster_faults_change(&g->faults, argc > 1 ? argv[1] : NULL,
				   argc > 2 ? argv[2] : NULL, clearing, why, size);
	toaster_faults_describe(&g->faults, now, sizeof(now));
	/*
	 * halt=bulk-out fires at once between transfers: acknowledged only
	 * once it has, so that the host's next transfer finds it halted.
	 */
	if (rc == 0 && (g->faults.halt & ~halt & (1u << TOASTER_EP_ROLE_OUT)))
		toaster_bulk_sync(g);
	pthread_mutex_unlock(&g->lock);
	if (rc == 0) {
		toaster_dbg("faults now: %s", now);
		/* slow-bulk's waits and halt=bulk-* are the bulk workers' */
		toaster_bulk_kick(g);
	}
	return rc;
}

/*
 * The bulk endpoints' counters, into PATH.stats, whole before the ack:
 * first the out worker takes in every OUT request the host completed
 * (as for SET_LOOPBACK), so that what the host sent before is counted.
 */
static int toaster_cmd_stats(struct toaster_gadget *g, char *why, size_t size)
{
	struct toaster_bulk_stats st;
	char path[PATH_MAX], text[512];
	size_t len = 0;
	int fd, rc = 0;

	pthread_mutex_lock(&g->lock);
	toaster_bulk_sync(g);
	st = g->bulk.stats;
	pthread_mutex_unlock(&g->lock);

	toaster_append(text, sizeof(text), &len,
		       "patterns_burned: %llu\nbytes_burned: %llu\noversized: %llu\n"
		       "transfers_echoed: %llu\nbytes_echoed: %llu\nechoes_flushed: %llu\n",
		       (unsigned long long)st.patterns_burned,
		       (unsigned long long)st.bytes_burned,
		       (unsigned long long)st.oversized,
		       (unsigned long long)st.transfers_echoed,
		       (unsigned long long)st.bytes_echoed,
		       (unsigned long long)st.echoes_flushed);
	snprintf(path, sizeof(path), "%s.stats", g->control);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		snprintf(why, size, "writing PATH.stats: %s", strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int toaster_cmd_unplug(struct toaster_gadget *g)
{
	g->replug_at = TOASTER_MODEL_NEVER;
	if (g->plugged)
		toaster_unplug(g);
	else
		toaster_dbg("already unplugged");
	return 0;
}

static int toaster_cmd_plug(struct toaster_gadget *g, char *why, size_t size)
{
	int rc;

	g->replug_at = TOASTER_MODEL_NEVER;
	if (g->plugged) {
		toaster_dbg("already plugged in");
		return 0;
	}
	rc = toaster_plug(g);
	if (rc < 0)
		snprintf(why, size, "%s", strerror(-rc));
	return rc;
}

/* Carries out one line from the FIFO (which it cuts into words). */
static void toaster_ctl_command(struct toaster_gadget *g, char *line)
{
	char *argv[4], *word, *save = NULL;
	char cmd[TOASTER_CTL_LINE_MAX], why[256] = "";
	size_t len = 0;
	int argc = 0, rc = 0;

	cmd[0] = '\0';
	for (word = strtok_r(line, " \t\r", &save); word;
	     word = strtok_r(NULL, " \t\r", &save)) {
		if (argc < 4)
			argv[argc] = word;
		argc++;
		/* acknowledged as normalised: "ok fault hang toast" */
		toaster_append(cmd, sizeof(cmd), &len, "%s%s", len ? " " : "", word);
	}
	if (!argc)
		return;
	toaster_dbg("control: %s", cmd);

	if (argc > 4) {
		rc = -1;
		snprintf(why, sizeof(why), "too many words");
	} else if (strcmp(argv[0], "unplug") == 0 && argc == 1) {
		rc = toaster_cmd_unplug(g);
	} else if (strcmp(argv[0], "plug") == 0 && argc == 1) {
		rc = toaster_cmd_plug(g, why, sizeof(why));
	} else if (strcmp(argv[0], "fault") == 0) {
		rc = toaster_cmd_fault(g, argc, argv, false, why, sizeof(why));
	} else if (strcmp(argv[0], "clear") == 0) {
		rc = toaster_cmd_fault(g, argc, argv, true, why, sizeof(why));
	} else if (strcmp(argv[0], "stats") == 0 && argc == 1) {
		rc = toaster_cmd_stats(g, why, sizeof(why));
	} else if (strcmp(argv[0], "overheat") == 0 && argc == 1) {
		toaster_dbg("overheat: injecting a heater fault");
		toaster_overheat(g);
	} else {
		rc = -1;
		snprintf(why, sizeof(why), "unknown command, ignored");
	}
	toaster_ctl_ack(g, cmd, rc, why);
}

static void toaster_ctl_input(struct toaster_gadget *g, const char *buf,
			      size_t n)
{
	struct toaster_ctl *ctl = &g->ctl;
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] != '\n' && buf[i] != '\0') {
			if (ctl->len + 1 < sizeof(ctl->line))
				ctl->line[ctl->len++] = buf[i];
			else
				ctl->too_long = true;
			continue;
		}
		ctl->line[ctl->len] = '\0';
		if (ctl->too_long)
			toaster_ctl_ack(g, ctl->line, -1, "line too long, ignored");
		else
			toaster_ctl_command(g, ctl->line);
		ctl->len = 0;
		ctl->too_long = false;
	}
}

void toaster_ctl_read(struct toaster_gadget *g)
{
	char buf[256];
	ssize_t n;
	int fd;

	for (;;) {
		n = read(g->ctl.fd, buf, sizeof(buf));
		if (n > 0) {
			toaster_ctl_input(g, buf, (size_t)n);
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		/* EAGAIN: a writer still has it open */
		if (errno != EAGAIN)
			toaster_err("%s: %s", g->control, strerror(errno));
		return;
	}

	/* EOF: every writer has gone, and a line without its newline ends */
	if (g->ctl.len || g->ctl.too_long)
		toaster_ctl_input(g, "\n", 1);
	/*
	 * A read end at EOF stays readable for good: open another.  First,
	 * then close this one, so the FIFO is never without a reader, which
	 * would fail the write() of someone who just opened it with EPIPE.
	 */
	fd = open(g->control, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		toaster_err("%s: %s; no more control commands", g->control,
			    strerror(errno));
	close(g->ctl.fd);
	g->ctl.fd = fd;
}
