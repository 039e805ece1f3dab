// SPDX-License-Identifier: GPL-2.0
/*
 * What a bound toaster must still do, however it was made: its status
 * readable and true to what the device said, commands reaching it (and
 * only valid ones), notifications reaching poll() and read(), its bulk
 * endpoints moving data, and every error clean: the errno the row
 * expects, in the time it should take, and the next call working again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "host.h"
#include "toaster_clock.h"
#include "toaster_ioctl.h"

#define XFER_LEN	1000	/* under a packet's multiple at any bus speed */

static const char *const step_names[STEP_COUNT] = {
	[STEP_READ] = "read", [STEP_INFO] = "info", [STEP_DARKNESS] = "darkness",
	[STEP_TOAST] = "toast", [STEP_CANCEL] = "cancel", [STEP_LOCK] = "lock",
	[STEP_NOTIFY] = "notify", [STEP_LOOPBACK] = "loopback",
	[STEP_LOOPBACK2] = "loopback", [STEP_BURN] = "burn", [STEP_BURN2] = "burn",
};

static const char *errname(int err)
{
	const char *name = err ? strerrorname_np(err) : "success";

	return name ? name : "?";
}

static void did(struct hd_ctx *c, enum hd_step step, int err)
{
	size_t len = strlen(c->did);

	snprintf(c->did + len, sizeof(c->did) - len, "%s%s%s%s", len ? ", " : "",
		 step_names[step], err ? " " : "", err ? errname(err) : "");
}

/*
 * After a request the device left unanswered: it lets go of it, and of
 * bulk OUT, before the next step sends anything.
 */
static void hd_recover(struct hd_ctx *c)
{
	unsigned int before = c->log->recovered;
	int64_t end = toaster_now_ms() + 2000;

	hd_command(c, HD_CMD_RECOVER);
	while (c->log->recovered == before && hd_device_alive(c)) {
		if (toaster_now_ms() > end) {
			hd_fail(c, "the device did not recover");
			return;
		}
		toaster_sleep_ms(5);
	}
}

/*
 * Judges a call's result against the row: true if it succeeded as it
 * should, so that the caller goes on to check what it did.  A call that
 * must time out is timed; after it the device is told to take requests
 * again.  One that the device's unplug ends stops the steps.
 */
static bool check(struct hd_ctx *c, enum hd_step step, int rc, int64_t t0,
		  bool *stop)
{
	int want = c->dev->err[step], got = rc < 0 ? errno : 0;
	int64_t took = toaster_now_ms() - t0;
	unsigned int timeout = c->host->io_timeout_ms;

	if (c->lax) {
		if (got && got != ENODEV && got != EIO && got != EPIPE &&
		    got != ETIMEDOUT && got != EPROTO)
			hd_fail(c, "%s: %s after an unplug", step_names[step], errname(got));
		*stop = got == ENODEV;
		return false;
	}
	if (want == ERR_FAILS && got) {
		did(c, step, got);
		return false;
	}
	if (want == ERR_TAKEN_GONE) {
		*stop = true;
		if (got)
			hd_fail(c, "%s, taken, then the device unplugged: %s, want success",
				step_names[step], errname(got));
		else
			did(c, step, 0);
		return false;
	}
	if (want == ERR_GONE) {
		*stop = true;
		if (got != EIO && got != ENODEV)
			hd_fail(c, "%s while the device unplugged: %s, want EIO or ENODEV",
				step_names[step], errname(got));
		else if (took >= timeout)
			hd_fail(c, "%s: %s only after %lld ms: the unplug went unnoticed",
				step_names[step], errname(got), (long long)took);
		else
			did(c, step, got);
		return false;
	}
	if (got != want) {
		hd_fail(c, "%s: %s, want %s", step_names[step], errname(got),
			want == ERR_FAILS ? "an error" : errname(want));
		if (got == ETIMEDOUT)
			hd_recover(c);
		return false;
	}
	if (want == ETIMEDOUT) {
		if (took < timeout - 100 || took > timeout + 2500)
			hd_fail(c, "%s: ETIMEDOUT after %lld ms, io_timeout_ms is %u",
				step_names[step], (long long)took, timeout);
		hd_recover(c);
	}
	did(c, step, want);
	return !want;
}

/*-------------------------------------------------------------------------*/
/* The status */

static void expected_status(const struct hd_device *dev, struct toaster_host_status *h)
{
	struct toaster_wire_status w;

	if (dev->status)
		w = *dev->status;
	else
		hd_default_status(&w);
	toaster_wire_status_decode(&w, h);
}

static bool get_status(struct hd_ctx *c, struct toaster_status *st)
{
	if (ioctl(c->fd, TOASTER_IOC_GET_STATUS, st) < 0) {
		hd_fail(c, "GET_STATUS: %s", errname(errno));
		return false;
	}
	return true;
}

/* The text read() gives, as the fields it names. */
static bool parse_status(struct hd_ctx *c, const char *text, struct toaster_status *st,
			 char *state, size_t size)
{
	char fmt[128];
	int n;

	snprintf(fmt, sizeof(fmt), "state: %%%zus darkness: %%u temperature_c: %%d "
		 "remaining_ms: %%u safety_lock: %%u toasts: %%u errors: %%u", size - 1);
	n = sscanf(text, fmt, state, &st->darkness, &st->temperature_c,
		   &st->remaining_ms, &st->safety_lock, &st->toasts, &st->errors);
	if (n != 7) {
		hd_fail(c, "read() gave what is not a status: \"%.60s\"", text);
		return false;
	}
	return true;
}

static void step_read(struct hd_ctx *c, bool *stop)
{
	struct toaster_host_status want;
	struct toaster_status st, io;
	char text[512], state[32];
	int64_t t0 = toaster_now_ms();
	ssize_t n, len = 0;

	while ((n = read(c->fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += n;
	if (!check(c, STEP_READ, n, t0, stop))
		return;
	text[len] = '\0';
	expected_status(c->dev, &want);
	if (!parse_status(c, text, &st, state, sizeof(state)) || !get_status(c, &io))
		return;
	if (strcmp(state, toaster_state_name(want.state)) || st.darkness != want.darkness ||
	    st.temperature_c != want.temperature_c || st.remaining_ms != want.remaining_ms ||
	    st.safety_lock != !!(want.flags & TOASTER_FLAG_LOCKED) ||
	    st.toasts != want.toasts || st.errors != want.errors)
		hd_fail(c, "read() says %s/%u/%d C/%u ms/lock %u/%u/%u, the device %s/%u/%d C/%u ms/lock %u/%u/%u",
			state, st.darkness, st.temperature_c, st.remaining_ms,
			st.safety_lock, st.toasts, st.errors, toaster_state_name(want.state),
			want.darkness, want.temperature_c, want.remaining_ms,
			!!(want.flags & TOASTER_FLAG_LOCKED), want.toasts, want.errors);
	else if (io.state != want.state || io.darkness != st.darkness ||
		 io.temperature_c != st.temperature_c || io.toasts != st.toasts)
		hd_fail(c, "GET_STATUS disagrees with read()");
}

/*
 * A string of the device as the driver must show it: up to the first NUL
 * or the field's end, anything but printable ASCII made a '?'.
 */
static void shown(const char *src, size_t len, char *dst)
{
	size_t i;

	for (i = 0; i < len && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

/* A string from the driver, for a report that must stay ASCII (KTAP). */
static void escaped(const char *src, char *dst)
{
	for (; *src; src++) {
		unsigned char ch = *src;

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			*dst++ = ch;
		else
			dst += sprintf(dst, "\\x%02x", ch);
	}
	*dst = '\0';
}

static void step_info(struct hd_ctx *c, bool *stop)
{
	struct toaster_wire_info w;
	struct toaster_info info;
	char model[TOASTER_MODEL_LEN + 1], serial[TOASTER_SERIAL_LEN + 1];
	int64_t t0 = toaster_now_ms();
	int rc;

	rc = ioctl(c->fd, TOASTER_IOC_GET_INFO, &info);
	if (!check(c, STEP_INFO, rc, t0, stop))
		return;
	if (c->dev->info)
		w = *c->dev->info;
	else
		hd_default_info(c->dev, &w);
	shown(w.model, sizeof(w.model), model);
	shown(w.serial, sizeof(w.serial), serial);
	if (info.protocol_version != __le16_to_cpu(w.protocol_version) ||
	    info.firmware_version != __le16_to_cpu(w.firmware_version) ||
	    info.slots != w.slots)
		hd_fail(c, "GET_INFO: protocol %u firmware 0x%04x slots %u, the device %u 0x%04x %u",
			info.protocol_version, info.firmware_version, info.slots,
			__le16_to_cpu(w.protocol_version), __le16_to_cpu(w.firmware_version),
			w.slots);
	if (strnlen(info.model, sizeof(info.model)) == sizeof(info.model) ||
	    strnlen(info.serial, sizeof(info.serial)) == sizeof(info.serial))
		hd_fail(c, "GET_INFO: a string without its NUL");
	else if (strcmp(info.model, model) || strcmp(info.serial, serial)) {
		char got_model[4 * sizeof(info.model)], got_serial[4 * sizeof(info.serial)];

		escaped(info.model, got_model);
		escaped(info.serial, got_serial);
		hd_fail(c, "GET_INFO: model \"%s\" serial \"%s\", want \"%s\" \"%s\"",
			got_model, got_serial, model, serial);
	}
}

/*-------------------------------------------------------------------------*/
/* Commands */

static void step_darkness(struct hd_ctx *c, bool *stop)
{
	struct toaster_status st;
	int64_t t0 = toaster_now_ms();
	ssize_t n;

	n = write(c->fd, "darkness 7\n", 11);
	if (!check(c, STEP_DARKNESS, n < 0 ? -1 : 0, t0, stop))
		return;
	if (n != 11)
		hd_fail(c, "write of 11 bytes returned %zd", n);
	if (c->log->last_value[TOASTER_REQ_SET_DARKNESS] != 7)
		hd_fail(c, "the device got SET_DARKNESS %u, want 7",
			c->log->last_value[TOASTER_REQ_SET_DARKNESS]);
	/*
	 * The status read after the command puts the cache right at once;
	 * where the device spoils that read, its notification does, soon.
	 */
	for (t0 = toaster_now_ms(); c->dev->fault[TOASTER_REQ_GET_STATUS].reply &&
	     get_status(c, &st) && st.darkness != 7 && toaster_now_ms() - t0 < 2000;)
		toaster_sleep_ms(10);
	if (get_status(c, &st) && st.darkness != 7)
		hd_fail(c, "darkness %u after \"darkness 7\"", st.darkness);
}

static void step_toast(struct hd_ctx *c, bool *stop)
{
	struct toaster_status st;
	int64_t t0 = toaster_now_ms();
	__u32 darkness = 3;
	int rc;

	rc = ioctl(c->fd, TOASTER_IOC_TOAST, &darkness);
	if (!check(c, STEP_TOAST, rc, t0, stop) || !get_status(c, &st))
		return;
	if (!toaster_state_is_busy(st.state) || st.darkness != 3)
		hd_fail(c, "after TOAST 3: %s at %u", toaster_state_name(st.state), st.darkness);
}

static void step_cancel(struct hd_ctx *c, bool *stop)
{
	struct toaster_status st;
	int64_t t0 = toaster_now_ms();
	int rc;

	rc = ioctl(c->fd, TOASTER_IOC_CANCEL);
	if (!check(c, STEP_CANCEL, rc, t0, stop) || !get_status(c, &st))
		return;
	if (toaster_state_is_busy(st.state))
		hd_fail(c, "after CANCEL: %s", toaster_state_name(st.state));
}

/* Locked, a toast is refused by the driver itself: the device sees none. */
static void step_lock(struct hd_ctx *c, bool *stop)
{
	unsigned int toasts = c->log->requests[TOASTER_REQ_TOAST];
	struct toaster_status st;
	int64_t t0 = toaster_now_ms();
	__u32 on = 1, off = 0, darkness = 0;
	int rc;

	rc = ioctl(c->fd, TOASTER_IOC_SET_LOCK, &on);
	if (!check(c, STEP_LOCK, rc, t0, stop) || !get_status(c, &st))
		return;
	if (st.safety_lock != 1)
		hd_fail(c, "safety_lock %u after SET_LOCK 1", st.safety_lock);
	if (ioctl(c->fd, TOASTER_IOC_TOAST, &darkness) >= 0 || errno != EPERM)
		hd_fail(c, "TOAST while locked: %s, want EPERM", errname(errno));
	if (c->log->requests[TOASTER_REQ_TOAST] != toasts)
		hd_fail(c, "TOAST while locked reached the device");
	if (ioctl(c->fd, TOASTER_IOC_SET_LOCK, &off) < 0)
		hd_fail(c, "SET_LOCK 0: %s", errname(errno));
}

/*-------------------------------------------------------------------------*/
/* Notifications */

static bool floods(const struct hd_device *dev)
{
	return dev->int_mode != HD_INT_OK && dev->int_mode != HD_INT_STALL;
}

/*
 * The device sends a notification (after whatever its interrupt endpoint
 * does first); it must wake poll() and show in read(), and nothing on
 * the way may be other than a status.
 */
static void step_notify(struct hd_ctx *c, bool *stop)
{
	int64_t t0 = toaster_now_ms(), end = t0 + (floods(c->dev) ? 15000 : 3000);
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	struct toaster_status st;
	char text[512], state[32];
	ssize_t n;

	hd_command(c, HD_CMD_NOTIFY);
	for (;;) {
		int64_t left = end - toaster_now_ms();

		if (left <= 0 || poll(&p, 1, left) != 1) {
			errno = ETIMEDOUT;
			break;
		}
		if (p.revents & (POLLHUP | POLLERR)) {
			errno = ENODEV;
			break;
		}
		n = pread(c->fd, text, sizeof(text) - 1, 0);
		if (n < 0)
			break;
		text[n] = '\0';
		if (!parse_status(c, text, &st, state, sizeof(state)))
			return;
		if (!strcmp(state, "unknown") || !toaster_darkness_valid(st.darkness) ||
		    st.temperature_c == 99) {
			hd_fail(c, "read() showed a status the device never had: %s %u %d C",
				state, st.darkness, st.temperature_c);
			return;
		}
		if (st.temperature_c == 42) {
			check(c, STEP_NOTIFY, 0, t0, stop);
			return;
		}
	}
	if (c->lax || c->dev->err[STEP_NOTIFY] == errno) {
		check(c, STEP_NOTIFY, -1, t0, stop);
		return;
	}
	if (errno == ETIMEDOUT)
		hd_fail(c, "notify: none reached read() in %lld ms (the device sent %u)",
			(long long)(toaster_now_ms() - t0), c->log->notifications);
	else
		hd_fail(c, "notify: %s", errname(errno));
}

/*-------------------------------------------------------------------------*/
/* Bulk */

static void step_bulk(struct hd_ctx *c, enum hd_step step, bool *stop)
{
	bool loopback = step == STEP_LOOPBACK || step == STEP_LOOPBACK2;
	__u32 count = step == STEP_LOOPBACK2 ? 3 : 1, len = count * XFER_LEN, i;
	unsigned int burns = c->log->burns;
	__u8 *buf = malloc(len), *want = malloc(len);
	struct toaster_buffer b = { .data = (uintptr_t)buf, .len = XFER_LEN,
				    .count = count };
	int64_t t0;
	int rc;

	if (!buf || !want) {
		hd_fail(c, "out of memory");
		goto out;
	}
	hd_pattern(want, len, step);
	memcpy(buf, want, len);
	t0 = toaster_now_ms();
	rc = ioctl(c->fd, loopback ? TOASTER_IOC_LOOPBACK : TOASTER_IOC_BURN, &b);
	if (!check(c, step, rc, t0, stop))
		goto out;
	if (loopback) {
		/* The driver passes on what came back, whatever it is. */
		if (step == STEP_LOOPBACK && c->dev->bulk_mode == HD_ECHO_GARBAGE)
			for (i = 0; i < len; i++)
				want[i] = ~want[i];
		if (memcmp(buf, want, len))
			hd_fail(c, "LOOPBACK returned other than the device echoed");
		goto out;
	}
	/* The URB completes as the device takes the data, before it logs it. */
	for (t0 = toaster_now_ms(); c->log->burns == burns && toaster_now_ms() - t0 < 1000;)
		toaster_sleep_ms(5);
	if (c->log->burns != burns + 1 || c->log->burn_hash != hd_hash(want, len))
		hd_fail(c, "BURN: the device took %u transfers, %s", c->log->burns - burns,
			c->log->burn_hash == hd_hash(want, len) ? "the pattern" : "not the pattern");
out:
	free(buf);
	free(want);
}

void hd_run_steps(struct hd_ctx *c)
{
	unsigned int steps = c->dev->steps ? c->dev->steps : ALL_STEPS;
	bool stop = false;
	int s;

	for (s = 0; s < STEP_COUNT && !stop; s++) {
		if (!(steps & 1u << s))
			continue;
		switch (s) {
		case STEP_READ:
			step_read(c, &stop);
			break;
		case STEP_INFO:
			step_info(c, &stop);
			break;
		case STEP_DARKNESS:
			step_darkness(c, &stop);
			break;
		case STEP_TOAST:
			step_toast(c, &stop);
			break;
		case STEP_CANCEL:
			step_cancel(c, &stop);
			break;
		case STEP_LOCK:
			step_lock(c, &stop);
			break;
		case STEP_NOTIFY:
			step_notify(c, &stop);
			break;
		default:
			step_bulk(c, s, &stop);
			break;
		}
	}
	/* Unplugged by itself: it must be gone, for the checks after the unplug. */
	if (stop && !c->lax)
		hd_wait_gone(c, 5000);
}
