// SPDX-License-Identifier: GPL-2.0
/*
 * The toaster driver's pure logic, kept apart from the USB code so that
 * KUnit can reach every branch of it without a device.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include <asm/byteorder.h>

#include "toaster_logic.h"
#include "toaster_ioctl.h"

struct toaster_word {
	const char *text;
	size_t len;
};

/*
 * ASCII's blanks only: the kernel's isspace() also takes Latin-1's
 * no-break space (0xa0), so "toast\xa05" would have been a toast.
 */
static bool toaster_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/* Splits off the next blank-separated word; false at the end of the text. */
static bool toaster_next_word(const char **pos, const char *end,
			      struct toaster_word *word)
{
	const char *p = *pos;

	while (p < end && toaster_is_blank(*p))
		p++;
	if (p == end)
		return false;
	word->text = p;
	while (p < end && !toaster_is_blank(*p))
		p++;
	word->len = p - word->text;
	*pos = p;
	return true;
}

static bool toaster_word_is(const struct toaster_word *word, const char *text)
{
	return word->len == strlen(text) && !memcmp(word->text, text, word->len);
}

/* A darkness level: one or two decimal digits, in range, no sign. */
static int toaster_parse_darkness(const struct toaster_word *word,
				  unsigned int *darkness)
{
	unsigned int value = 0;
	size_t i;

	if (word->len > 2)
		return -EINVAL;
	for (i = 0; i < word->len; i++) {
		if (word->text[i] < '0' || word->text[i] > '9')
			return -EINVAL;
		value = value * 10 + (word->text[i] - '0');
	}
	if (!toaster_darkness_valid(value))
		return -EINVAL;
	*darkness = value;
	return 0;
}

/**
 * toaster_parse_command() - parse what a user wrote to /dev/toasterN
 * @buf: the text, not NUL-terminated
 * @len: its length
 * @cmd: the command, filled in on success
 *
 * Accepts "toast", "toast N", "cancel", "darkness N", "lock" and "unlock",
 * with any blanks around the words (echo's newline among them).
 *
 * Return: 0, or -EINVAL for anything else, in which case @cmd is untouched
 * and nothing may be sent to the device.
 */
int toaster_parse_command(const char *buf, size_t len,
			  struct toaster_command *cmd)
{
	const char *pos = buf, *end = buf + len;
	struct toaster_word verb, arg, extra;
	struct toaster_command parsed = {};
	bool has_arg;

	if (len > TOASTER_CMD_MAX || memchr(buf, '\0', len))
		return -EINVAL;
	if (!toaster_next_word(&pos, end, &verb))
		return -EINVAL;
	has_arg = toaster_next_word(&pos, end, &arg);
	if (has_arg && toaster_next_word(&pos, end, &extra))
		return -EINVAL;

	if (toaster_word_is(&verb, "toast")) {
		parsed.op = TOASTER_CMD_TOAST;
		if (has_arg && toaster_parse_darkness(&arg, &parsed.darkness))
			return -EINVAL;
	} else if (toaster_word_is(&verb, "darkness")) {
		parsed.op = TOASTER_CMD_DARKNESS;
		if (!has_arg || toaster_parse_darkness(&arg, &parsed.darkness))
			return -EINVAL;
	} else if (has_arg) {
		return -EINVAL;
	} else if (toaster_word_is(&verb, "cancel")) {
		parsed.op = TOASTER_CMD_CANCEL;
	} else if (toaster_word_is(&verb, "lock")) {
		parsed.op = TOASTER_CMD_LOCK;
	} else if (toaster_word_is(&verb, "unlock")) {
		parsed.op = TOASTER_CMD_UNLOCK;
	} else {
		return -EINVAL;
	}
	*cmd = parsed;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toaster_parse_command);

/**
 * toaster_command_check() - whether the toaster can take a command now
 * @snap: what the driver knows of it
 * @cmd: the command, from write(), an ioctl or sysfs
 *
 * The rules are applied here, once, before anything is sent, so that a
 * command the toaster would refuse never goes over the wire and every
 * interface refuses it the same way.
 *
 * Return: 0; -EINVAL for a darkness out of range; for a toast, -EPERM
 * while the safety lock is on, -EBUSY while one is in progress, -EIO while
 * the toaster is in its fault state (cancel clears it).
 */
int toaster_command_check(const struct toaster_snapshot *snap,
			  const struct toaster_command *cmd)
{
	switch (cmd->op) {
	case TOASTER_CMD_TOAST:
		if (cmd->darkness && !toaster_darkness_valid(cmd->darkness))
			return -EINVAL;
		if (snap->safety_lock)
			return -EPERM;
		if (toaster_state_is_busy(snap->state))
			return -EBUSY;
		if (snap->state == TOASTER_STATE_FAULT)
			return -EIO;
		return 0;
	case TOASTER_CMD_DARKNESS:
		return toaster_darkness_valid(cmd->darkness) ? 0 : -EINVAL;
	case TOASTER_CMD_CANCEL:
	case TOASTER_CMD_LOCK:
	case TOASTER_CMD_UNLOCK:
		return 0;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(toaster_command_check);

/**
 * toaster_format_status() - the text a read() of /dev/toasterN returns
 * @snap: the status
 * @buf: where to write it
 * @size: the room in @buf; TOASTER_STATUS_TEXT_MAX always suffices
 *
 * One "key: value" line per field, in a fixed order, so scripts can grep.
 *
 * Return: the length written, excluding the terminating NUL.
 */
size_t toaster_format_status(const struct toaster_snapshot *snap, char *buf,
			     size_t size)
{
	return scnprintf(buf, size, TOASTER_STATUS_TEXT_FORMAT,
			 toaster_state_name(snap->state), snap->darkness,
			 snap->temperature_c, snap->remaining_ms,
			 snap->safety_lock, snap->toasts, snap->errors);
}
EXPORT_SYMBOL_IF_KUNIT(toaster_format_status);

/**
 * toaster_decode_status() - check and decode a struct toaster_wire_status
 * @buf: what came from the device: a GET_STATUS reply or a notification,
 *       in a buffer aligned for the structure
 * @len: how many bytes came
 * @snap: filled in on success
 *
 * The device is not trusted: a packet of the wrong size, an unknown state
 * or an impossible darkness is refused rather than shown to the user.
 *
 * Return: 0, or -EPROTO with @snap untouched.
 */
int toaster_decode_status(const void *buf, size_t len,
			  struct toaster_snapshot *snap)
{
	struct toaster_host_status host;

	if (len != sizeof(struct toaster_wire_status) ||
	    !toaster_wire_status_valid(buf))
		return -EPROTO;
	toaster_wire_status_decode(buf, &host);

	snap->state = host.state;
	snap->darkness = host.darkness;
	snap->safety_lock = host.flags & TOASTER_FLAG_LOCKED;
	snap->loopback = host.flags & TOASTER_FLAG_LOOPBACK;
	snap->temperature_c = host.temperature_c;
	snap->seq = host.seq;
	snap->remaining_ms = host.remaining_ms;
	snap->toasts = host.toasts;
	snap->errors = host.errors;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toaster_decode_status);

/* Field by field: a structure's padding is not ours to compare. */
bool toaster_snapshot_equal(const struct toaster_snapshot *a,
			    const struct toaster_snapshot *b)
{
	return a->state == b->state && a->darkness == b->darkness &&
	       a->temperature_c == b->temperature_c &&
	       a->remaining_ms == b->remaining_ms && a->toasts == b->toasts &&
	       a->errors == b->errors && a->seq == b->seq &&
	       a->safety_lock == b->safety_lock && a->loopback == b->loopback;
}
EXPORT_SYMBOL_IF_KUNIT(toaster_snapshot_equal);

/**
 * toaster_cache_take() - offer a decoded status to the cache
 * @cache: the cache, under the caller's lock
 * @snap: the status: a notification or a GET_STATUS reply
 * @resync: a GET_STATUS reply read to learn the device's count afresh,
 *	    after probe, a reset or a reset-resume
 * @take: what happened, for the caller to act on
 *
 * A status older than what we hold is dropped, reply or notification: a
 * notification can overtake the reply to a request sent before it, and
 * believing that reply would put the cache back in the past for good (say
 * at "toasting", with a PM reference held, after the toast is done).  Equal
 * is taken: a refresh of the same status is harmless.  Only a resync is
 * believed whatever its count: the device may have restarted it.
 */
void toaster_cache_take(struct toaster_status_cache *cache,
			const struct toaster_snapshot *snap, bool resync,
			struct toaster_take *take)
{
	*take = (struct toaster_take){ .pm = TOASTER_PM_KEEP };
	if (!resync && toaster_seq_after(cache->status.seq, snap->seq)) {
		take->result = -EALREADY;
		return;
	}
	take->changed = !toaster_snapshot_equal(snap, &cache->status);
	cache->status = *snap;
	if (take->changed)
		cache->gen++;
	/* No autosuspend in the middle of a toast, files open or not. */
	if (toaster_state_is_busy(snap->state) != cache->pm_busy) {
		cache->pm_busy = !cache->pm_busy;
		take->pm = cache->pm_busy ? TOASTER_PM_GET : TOASTER_PM_PUT;
	}
}
EXPORT_SYMBOL_IF_KUNIT(toaster_cache_take);

/**
 * toaster_int_receive() - what the interrupt-IN completion does with an URB
 * @cache: the status cache, under the caller's lock
 * @urb_status: the URB's status
 * @buf: the notification
 * @len: its actual length
 * @take: what became of it
 *
 * The completion handler is this plus carrying out @take and the returned
 * action, so everything it decides is testable without a device.
 *
 * Return: what to do with the URB.  Stop after a kill, a poison or an
 * unplug.  A stall halts the endpoint until the host clears it, which
 * needs process context.  Other errors leave the endpoint ours and the
 * next notification may well arrive, but a device that fails every
 * transfer would have us resubmit at bus rate forever: after the first,
 * each further error in a row waits twice as long, up to a second
 * (cache->int_delay_ms).
 */
enum toaster_int_action toaster_int_receive(struct toaster_status_cache *cache,
					    int urb_status, const void *buf,
					    size_t len, struct toaster_take *take)
{
	struct toaster_snapshot snap;

	*take = (struct toaster_take){ .result = urb_status,
				       .pm = TOASTER_PM_KEEP };
	switch (urb_status) {
	case 0:
		break;
	case -ECONNRESET:
	case -ENOENT:
	case -ESHUTDOWN:
		return TOASTER_INT_STOP;
	case -EPIPE:
		cache->int_errors = 0;
		return TOASTER_INT_CLEAR_HALT;
	default:
		if (cache->int_errors++ == 0)
			return TOASTER_INT_RESUBMIT;
		cache->int_delay_ms = min(1U << min(cache->int_errors - 2, 10U),
					  TOASTER_INT_BACKOFF_MAX_MS);
		return TOASTER_INT_RETRY_LATER;
	}

	cache->int_errors = 0;
	take->result = toaster_decode_status(buf, len, &snap);
	if (!take->result)
		toaster_cache_take(cache, &snap, false, take);
	return TOASTER_INT_RESUBMIT;
}
EXPORT_SYMBOL_IF_KUNIT(toaster_int_receive);

/**
 * toaster_stream_plan() - check a stream of transfers and plan its URBs
 * @plan: filled in on success
 * @len: bytes per transfer, 1 to TOASTER_XFER_MAX
 * @count: transfers, 0 for one; at most TOASTER_STREAM_MAX bytes in all
 * @urb_size: the most an URB may carry, at least one packet
 * @maxp: the endpoint's packet size, not 0
 *
 * Each transfer is cut into URBs of @urb_size, rounded down to whole
 * packets, and what is left: only the URB that ends a transfer may end
 * with a short packet, so the toaster sees the transfer end there and
 * nowhere else.
 *
 * Return: 0, or -EINVAL with nothing planned.
 */
int toaster_stream_plan(struct toaster_stream_plan *plan, u32 len, u32 count,
			u32 urb_size, u16 maxp)
{
	if (!count)
		count = 1;
	if (!len || len > TOASTER_XFER_MAX || !maxp || urb_size < maxp ||
	    (u64)len * count > TOASTER_STREAM_MAX)
		return -EINVAL;
	plan->len = len;
	plan->count = count;
	plan->maxp = maxp;
	plan->urb_size = rounddown(urb_size, maxp);
	plan->per_transfer = DIV_ROUND_UP(len, plan->urb_size);
	plan->chunks = (u64)plan->per_transfer * count;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toaster_stream_plan);

/**
 * toaster_stream_chunk() - the share of URB number @index, 0 first
 * @plan: the stream's plan
 * @index: below plan->chunks
 * @chunk: filled in
 */
void toaster_stream_chunk(const struct toaster_stream_plan *plan, u64 index,
			  struct toaster_chunk *chunk)
{
	u64 transfer;
	u32 part, start;

	transfer = div_u64_rem(index, plan->per_transfer, &part);
	start = part * plan->urb_size;
	chunk->offset = transfer * plan->len + start;
	chunk->len = min(plan->urb_size, plan->len - start);
	chunk->last = part == plan->per_transfer - 1;
	chunk->zero_packet = chunk->last && !(plan->len % plan->maxp);
	chunk->room = chunk->len + (chunk->zero_packet ? plan->maxp : 0);
}
EXPORT_SYMBOL_IF_KUNIT(toaster_stream_chunk);

/**
 * toaster_chunk_received() - judge what an IN URB of the echo brought
 * @chunk: what it was for
 * @actual: the bytes it received
 *
 * Return: 0 if exactly the chunk came back, -EIO for an echo that ended
 * early or ran on: the toaster did not echo what was sent.
 */
int toaster_chunk_received(const struct toaster_chunk *chunk, u32 actual)
{
	return actual == chunk->len ? 0 : -EIO;
}
EXPORT_SYMBOL_IF_KUNIT(toaster_chunk_received);
