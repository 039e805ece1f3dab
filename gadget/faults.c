// SPDX-License-Identifier: GPL-2.0
/*
 * The fault table: what --fault and the control FIFO can break, and the
 * decision of when each fires.  The code that does the thing a fault
 * breaks only asks here (toaster_fault_request(), toaster_fault_garbage(),
 * toaster_fault_slow_bulk_ms(), toaster_fault_halt(),
 * toaster_fault_state_changed()), so a fault
 * is added or changed in this one file and its user.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "toaster_clock.h"
#include "firmware.h"

/* No fault waits longer than an hour: an ARG past it is a typo. */
#define TOASTER_FAULT_MS_MAX		3600000

/* One MODE[=ARG], parsed. */
struct toaster_fault_spec {
	enum toaster_fault_mode mode;
	bool		has_arg;
	unsigned int	req;		/* REQ modes: bRequest */
	int		ms;		/* the other modes' ARG; -1 if none */
};

static const char *const toaster_fault_names[TOASTER_FAULT_MODES] = {
	[TOASTER_FAULT_NONE] = "none",
	[TOASTER_FAULT_STALL] = "stall",
	[TOASTER_FAULT_HANG] = "hang",
	[TOASTER_FAULT_SHORT] = "short",
	[TOASTER_FAULT_GARBAGE_NOTIFY] = "garbage-notify",
	[TOASTER_FAULT_UNPLUG_WHEN_TOASTING] = "unplug-when-toasting",
	[TOASTER_FAULT_SLOW_BULK] = "slow-bulk",
	[TOASTER_FAULT_HALT] = "halt",
};

/* halt's ARG: the endpoint, as a host names it */
static const char *const toaster_halt_names[TOASTER_EP_ROLES] = {
	[TOASTER_EP_ROLE_OUT] = "bulk-out",
	[TOASTER_EP_ROLE_IN] = "bulk-in",
	[TOASTER_EP_ROLE_INT] = "int-in",
};

void toaster_faults_init(struct toaster_faults *faults)
{
	memset(faults, 0, sizeof(*faults));
	faults->replug_ms = -1;
}

static bool toaster_fault_per_req(enum toaster_fault_mode mode)
{
	return mode == TOASTER_FAULT_STALL || mode == TOASTER_FAULT_HANG ||
	       mode == TOASTER_FAULT_SHORT;
}

/* A request as a fault's ARG spells it: "set_lock". */
static const char *toaster_req_arg(unsigned int req, char *buf, size_t size)
{
	const char *name = toaster_request_name(req);
	size_t i;

	for (i = 0; name[i] && i + 1 < size; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	return buf;
}

const char *toaster_req_list(int dir, char *buf, size_t size)
{
	char arg[16];
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < TOASTER_REQ_SLOTS && len < size; i++) {
		const struct toaster_request_desc *desc = toaster_request_desc(i);

		if (!desc || (dir >= 0 && desc->dir != dir))
			continue;
		toaster_append(buf, size, &len, "%s%s", len ? ", " : "",
			       toaster_req_arg(i, arg, sizeof(arg)));
	}
	return buf;
}

/* The REQ of a per-request mode: its bRequest, or -1 with why filled in. */
static int toaster_fault_parse_req(const struct toaster_fault_spec *f,
				   const char *arg, bool clearing, char *why,
				   size_t size)
{
	char list[128];
	unsigned int i;

	for (i = 0; i < TOASTER_REQ_SLOTS; i++) {
		if (toaster_request_name(i) &&
		    strcasecmp(arg, toaster_request_name(i)) == 0)
			break;
	}
	if (i == TOASTER_REQ_SLOTS) {
		snprintf(why, size, "unknown request '%s' (%s)", arg,
			 toaster_req_list(-1, list, sizeof(list)));
		return -1;
	}
	/* an OUT request has no data stage to cut short */
	if (f->mode == TOASTER_FAULT_SHORT && !toaster_req_is_in(i) && !clearing) {
		snprintf(why, size, "short applies to %s only",
			 toaster_req_list(TOASTER_REQ_DIR_IN, list, sizeof(list)));
		return -1;
	}
	return (int)i;
}

/* halt's endpoint, into f->req: 0, or -1 with why filled in. */
static int toaster_fault_parse_ep(struct toaster_fault_spec *f,
				  const char *arg, bool clearing, char *why,
				  size_t size)
{
	unsigned int i;

	if (!arg) {
		if (clearing)
			return 0;
		snprintf(why, size, "halt wants an endpoint: halt=bulk-out, bulk-in or int-in");
		return -1;
	}
	for (i = 0; i < TOASTER_EP_ROLES; i++) {
		if (strcasecmp(arg, toaster_halt_names[i]) == 0) {
			f->req = i;
			return 0;
		}
	}
	snprintf(why, size, "unknown endpoint '%.32s' (bulk-out, bulk-in, int-in)", arg);
	return -1;
}

/*
 * For "clear" (clearing), ARG is optional and only for a REQ mode or
 * halt: the one request or endpoint to free of it.  Returns 0, or -1 with
 * why filled in.
 */
static int toaster_fault_parse(const char *text, const char *arg,
			       bool clearing, struct toaster_fault_spec *f,
			       char *why, size_t size)
{
	const char *eq = strchr(text, '=');
	size_t len = eq ? (size_t)(eq - text) : strlen(text);
	const char *name;
	unsigned int i;
	char *end;
	long v;
	int req;

	memset(f, 0, sizeof(*f));
	f->ms = -1;
	if (eq) {
		if (arg) {
			snprintf(why, size, "ARG given twice");
			return -1;
		}
		arg = eq + 1;
	}
	for (i = 1; i < TOASTER_FAULT_MODES; i++) {
		if (len == strlen(toaster_fault_names[i]) &&
		    strncasecmp(text, toaster_fault_names[i], len) == 0)
			break;
	}
	if (i == TOASTER_FAULT_MODES) {
		snprintf(why, size, "unknown fault '%.*s'", (int)(len < 32 ? len : 31),
			 text);
		return -1;
	}
	f->mode = (enum toaster_fault_mode)i;
	f->has_arg = arg != NULL;
	name = toaster_fault_names[f->mode];

	if (toaster_fault_per_req(f->mode)) {
		if (!arg) {
			if (clearing)
				return 0;
			snprintf(why, size, "%s wants a request: %s=REQ", name, name);
			return -1;
		}
		req = toaster_fault_parse_req(f, arg, clearing, why, size);
		if (req < 0)
			return -1;
		f->req = (unsigned int)req;
		return 0;
	}

	if (f->mode == TOASTER_FAULT_HALT)
		return toaster_fault_parse_ep(f, arg, clearing, why, size);
	if (clearing || f->mode == TOASTER_FAULT_GARBAGE_NOTIFY) {
		if (arg) {
			snprintf(why, size, "%s takes no ARG%s", name,
				 clearing ? " to clear it" : "");
			return -1;
		}
		return 0;
	}
	if (!arg) {
		if (f->mode == TOASTER_FAULT_UNPLUG_WHEN_TOASTING)
			return 0;
		snprintf(why, size, "%s wants milliseconds: %s=MS", name, name);
		return -1;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > TOASTER_FAULT_MS_MAX) {
		snprintf(why, size, "%s: want milliseconds from 0 to %d, not '%s'",
			 name, TOASTER_FAULT_MS_MAX, arg);
		return -1;
	}
	f->ms = (int)v;
	return 0;
}

static void toaster_fault_set(struct toaster_faults *faults,
			      const struct toaster_fault_spec *f)
{
	switch (f->mode) {
	case TOASTER_FAULT_STALL:
	case TOASTER_FAULT_HANG:
	case TOASTER_FAULT_SHORT:
		faults->req[f->req] = (uint8_t)f->mode;
		break;
	case TOASTER_FAULT_GARBAGE_NOTIFY:
		faults->garbage_notify = true;
		break;
	case TOASTER_FAULT_UNPLUG_WHEN_TOASTING:
		faults->unplug_when_toasting = true;
		faults->replug_ms = f->ms;
		break;
	case TOASTER_FAULT_SLOW_BULK:
		faults->slow_bulk_ms = (unsigned int)f->ms;
		break;
	case TOASTER_FAULT_HALT:
		faults->halt |= (uint8_t)(1u << f->req);
		break;
	default:
		break;
	}
}

static void toaster_fault_clear(struct toaster_faults *faults,
				const struct toaster_fault_spec *f)
{
	unsigned int i;

	switch (f->mode) {
	case TOASTER_FAULT_STALL:
	case TOASTER_FAULT_HANG:
	case TOASTER_FAULT_SHORT:
		for (i = 1; i < TOASTER_REQ_SLOTS; i++) {
			if (faults->req[i] == f->mode && (!f->has_arg || i == f->req))
				faults->req[i] = TOASTER_FAULT_NONE;
		}
		break;
	case TOASTER_FAULT_GARBAGE_NOTIFY:
		faults->garbage_notify = false;
		break;
	case TOASTER_FAULT_UNPLUG_WHEN_TOASTING:
		faults->unplug_when_toasting = false;
		faults->replug_ms = -1;
		break;
	case TOASTER_FAULT_SLOW_BULK:
		faults->slow_bulk_ms = 0;
		break;
	case TOASTER_FAULT_HALT:
		faults->halt &= f->has_arg ? (uint8_t)~(1u << f->req) : 0;
		break;
	default:
		break;
	}
}

int toaster_faults_change(struct toaster_faults *faults, const char *text,
			  const char *arg, bool clearing, char *why,
			  size_t size)
{
	struct toaster_fault_spec f;

	if (!text) {
		toaster_faults_init(faults);
		return 0;
	}
	if (toaster_fault_parse(text, arg, clearing, &f, why, size) < 0)
		return -1;
	if (clearing)
		toaster_fault_clear(faults, &f);
	else
		toaster_fault_set(faults, &f);
	return 0;
}

void toaster_faults_describe(const struct toaster_faults *faults,
			     char *buf, size_t size)
{
	char arg[16];
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 1; i < TOASTER_REQ_SLOTS; i++) {
		if (faults->req[i])
			toaster_append(buf, size, &len, "%s%s=%s", len ? " " : "",
				       toaster_fault_names[faults->req[i]],
				       toaster_req_arg(i, arg, sizeof(arg)));
	}
	if (faults->garbage_notify)
		toaster_append(buf, size, &len, "%sgarbage-notify", len ? " " : "");
	if (faults->unplug_when_toasting) {
		toaster_append(buf, size, &len, "%sunplug-when-toasting", len ? " " : "");
		if (faults->replug_ms >= 0)
			toaster_append(buf, size, &len, "=%d", faults->replug_ms);
	}
	if (faults->slow_bulk_ms)
		toaster_append(buf, size, &len, "%sslow-bulk=%u", len ? " " : "",
			       faults->slow_bulk_ms);
	for (i = 0; i < TOASTER_EP_ROLES; i++) {
		if (faults->halt & (1u << i))
			toaster_append(buf, size, &len, "%shalt=%s", len ? " " : "",
				       toaster_halt_names[i]);
	}
	if (!len)
		snprintf(buf, size, "none");
}

/* ------------------------------------------------------------------ */
/* where they fire */

enum toaster_fault_mode toaster_fault_request(struct toaster_gadget *g,
					      unsigned int req)
{
	enum toaster_fault_mode mode;
	char arg[16];

	pthread_mutex_lock(&g->lock);
	mode = (enum toaster_fault_mode)g->faults.req[req];
	pthread_mutex_unlock(&g->lock);
	if (mode != TOASTER_FAULT_NONE)
		toaster_dbg("fault %s=%s fires", toaster_fault_names[mode],
			    toaster_req_arg(req, arg, sizeof(arg)));
	return mode;
}

bool toaster_fault_garbage_notify(const struct toaster_gadget *g)
{
	return g->faults.garbage_notify;
}

/*
 * A notification no host may believe, of each kind in turn.  It carries
 * the seq of the good one sent right after it, so a host that took it
 * would drop the good one as old news and go on showing the garbage, for
 * a test to see.
 */
size_t toaster_fault_garbage(const struct toaster_wire_status *good,
			     unsigned int kind, struct toaster_wire_status *bad,
			     const char **what)
{
	*bad = *good;
	switch (kind % 5) {
	case 0:
		*what = "7 bytes";
		return 7;
	case 1:
		*what = "0 bytes";
		return 0;
	case 2:
		bad->state = TOASTER_STATE_COUNT;
		*what = "state out of range";
		break;
	case 3:
		bad->darkness = TOASTER_DARKNESS_MAX + 1;
		*what = "darkness above the maximum";
		break;
	default:
		bad->darkness = 0;
		*what = "darkness 0";
		break;
	}
	return sizeof(*bad);
}

unsigned int toaster_fault_slow_bulk_ms(const struct toaster_gadget *g)
{
	return g->faults.slow_bulk_ms;
}

bool toaster_fault_halt(struct toaster_gadget *g, enum toaster_ep_role r,
			bool peek)
{
	bool set = g->faults.halt & (1u << r);

	if (set && !peek) {
		/* once: the host clears the halt, and all is well again */
		g->faults.halt &= (uint8_t)~(1u << r);
		toaster_dbg("fault halt=%s fires", toaster_halt_names[r]);
	}
	return set;
}

void toaster_fault_state_changed(struct toaster_gadget *g,
				 enum toaster_state state)
{
	/* a cable pulled mid-toast; only main may close ep0 */
	if (state == TOASTER_STATE_TOASTING && g->faults.unplug_when_toasting) {
		g->unplug_due = true;
		toaster_wake_main(g);
	}
}

/* unplug-when-toasting fired: the cable goes, and maybe comes back later. */
static void toaster_fault_unplug(struct toaster_gadget *g)
{
	int replug_ms;
	bool due;

	pthread_mutex_lock(&g->lock);
	due = g->unplug_due;
	g->unplug_due = false;
	replug_ms = g->faults.replug_ms;
	pthread_mutex_unlock(&g->lock);
	if (!due || !g->plugged)
		return;

	if (replug_ms < 0)
		toaster_dbg("fault unplug-when-toasting fires: unplugged until \"plug\"");
	else
		toaster_dbg("fault unplug-when-toasting=%d fires: unplugged for %d ms",
			    replug_ms, replug_ms);
	toaster_unplug(g);
	g->replug_at = replug_ms < 0 ? TOASTER_MODEL_NEVER
				     : toaster_now_ns() + replug_ms * TOASTER_NS_PER_MS;
}

/* The end of an unplug-when-toasting=MS. */
static void toaster_fault_replug(struct toaster_gadget *g)
{
	g->replug_at = TOASTER_MODEL_NEVER;
	if (g->plugged)
		return;
	toaster_dbg("unplug-when-toasting: plugging back in");
	if (toaster_plug(g) < 0)
		toaster_err("cannot plug back in; waiting for \"plug\"");
}

void toaster_faults_run(struct toaster_gadget *g)
{
	toaster_fault_unplug(g);
	if (g->replug_at != TOASTER_MODEL_NEVER && toaster_now_ns() >= g->replug_at)
		toaster_fault_replug(g);
}

int toaster_faults_timeout_ms(const struct toaster_gadget *g)
{
	int64_t left;

	if (g->replug_at == TOASTER_MODEL_NEVER)
		return -1;
	left = g->replug_at - toaster_now_ns();
	if (left <= 0)
		return 0;
	left = (left + TOASTER_NS_PER_MS - 1) / TOASTER_NS_PER_MS;
	return left > INT_MAX ? INT_MAX : (int)left;
}
