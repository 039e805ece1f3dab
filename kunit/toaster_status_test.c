// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for what the driver does with each status it receives: the
 * decisions of the interrupt-IN completion handler (toaster_int_receive())
 * and of a GET_STATUS reply (toaster_cache_take()), step by step through
 * whole scenarios: a toast from start to pop, cancels and faults, stale and
 * malformed notifications, the sequence count wrapping, URB errors.  Each
 * step checks whether the URB is resubmitted, what became of the status,
 * whether readers are woken, and when the runtime PM reference that keeps
 * a toasting toaster awake is taken and dropped.
 */

#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>

#include "toaster_logic.h"

enum toaster_step_kind {
	TOASTER_STEP_NOTIFY,	/* an interrupt URB completed with a status */
	TOASTER_STEP_SHORT,	/* ... with one byte missing */
	TOASTER_STEP_LONG,	/* ... with one byte too many */
	TOASTER_STEP_BAD_STATE,	/* ... with a state the protocol lacks */
	TOASTER_STEP_URB_ERROR,	/* ... with an error, no data */
	TOASTER_STEP_REPLY,	/* a GET_STATUS reply */
	TOASTER_STEP_RESYNC,	/* one after probe, a reset, a reset-resume */
};

struct toaster_step {
	enum toaster_step_kind kind;
	enum toaster_state state;
	u16 seq;
	s16 temperature_c;
	int urb_status;
	/* What must happen. */
	enum toaster_int_action action;
	unsigned int delay_ms;		/* for TOASTER_INT_RETRY_LATER */
	int result;
	bool changed;
	enum toaster_pm_change pm;
};

struct toaster_scenario {
	const char *name;
	const struct toaster_step *steps;
	size_t count;
};

#define NOTIFY(st, sq, temp, res, chg, pmc)				\
	{ .kind = TOASTER_STEP_NOTIFY, .state = TOASTER_STATE_##st,	\
	  .seq = (sq), .temperature_c = (temp),			\
	  .action = TOASTER_INT_RESUBMIT, .result = (res),		\
	  .changed = (chg), .pm = TOASTER_PM_##pmc }
#define REPLY(st, sq, temp, res, chg, pmc)				\
	{ .kind = TOASTER_STEP_REPLY, .state = TOASTER_STATE_##st,	\
	  .seq = (sq), .temperature_c = (temp), .result = (res),	\
	  .changed = (chg), .pm = TOASTER_PM_##pmc }
#define RESYNC(st, sq, temp, chg, pmc)					\
	{ .kind = TOASTER_STEP_RESYNC, .state = TOASTER_STATE_##st,	\
	  .seq = (sq), .temperature_c = (temp), .changed = (chg),	\
	  .pm = TOASTER_PM_##pmc }
#define MALFORMED(k, sq)						\
	{ .kind = TOASTER_STEP_##k, .state = TOASTER_STATE_IDLE,	\
	  .seq = (sq), .action = TOASTER_INT_RESUBMIT,			\
	  .result = -EPROTO, .pm = TOASTER_PM_KEEP }
/* The URB's status is also what becomes of it. */
#define URB_ERROR(err, act, delay)					\
	{ .kind = TOASTER_STEP_URB_ERROR, .urb_status = (err),		\
	  .action = TOASTER_INT_##act, .delay_ms = (delay),		\
	  .pm = TOASTER_PM_KEEP }

static const struct toaster_step toaster_whole_toast[] = {
	NOTIFY(IDLE, 1, 20, 0, true, KEEP),
	NOTIFY(HEATING, 2, 20, 0, true, GET),
	NOTIFY(HEATING, 3, 90, 0, true, KEEP),
	NOTIFY(TOASTING, 4, 180, 0, true, KEEP),
	NOTIFY(DONE, 5, 180, 0, true, PUT),
	/* The same status again: taken, but nobody is woken for it. */
	NOTIFY(DONE, 5, 180, 0, false, KEEP),
	NOTIFY(IDLE, 6, 25, 0, true, KEEP),
};

static const struct toaster_step toaster_cancelled[] = {
	NOTIFY(HEATING, 1, 20, 0, true, GET),
	NOTIFY(CANCELLED, 2, 60, 0, true, PUT),
	NOTIFY(HEATING, 3, 60, 0, true, GET),
	NOTIFY(TOASTING, 4, 180, 0, true, KEEP),
	NOTIFY(CANCELLED, 5, 180, 0, true, PUT),
};

static const struct toaster_step toaster_fault[] = {
	NOTIFY(TOASTING, 1, 180, 0, true, GET),
	NOTIFY(FAULT, 2, 260, 0, true, PUT),
	/* Cooling down in the fault state holds nothing. */
	NOTIFY(FAULT, 3, 200, 0, true, KEEP),
	NOTIFY(IDLE, 4, 40, 0, true, KEEP),
};

static const struct toaster_step toaster_stale[] = {
	NOTIFY(HEATING, 10, 50, 0, true, GET),
	/* Overtaken: older than what we hold, so dropped, PM untouched. */
	NOTIFY(IDLE, 9, 20, -EALREADY, false, KEEP),
	NOTIFY(DONE, 3, 20, -EALREADY, false, KEEP),
	NOTIFY(TOASTING, 11, 180, 0, true, KEEP),
	NOTIFY(DONE, 12, 180, 0, true, PUT),
};

static const struct toaster_step toaster_wrap[] = {
	/* As probe starts: the device's count, whatever it is, from a reply. */
	RESYNC(IDLE, 0xfffd, 20, true, KEEP),
	NOTIFY(TOASTING, 0xfffe, 180, 0, true, GET),
	NOTIFY(TOASTING, 0xffff, 181, 0, true, KEEP),
	NOTIFY(DONE, 0x0000, 181, 0, true, PUT),
	NOTIFY(IDLE, 0x0001, 150, 0, true, KEEP),
	/* From before the wrap: stale. */
	NOTIFY(HEATING, 0xfffd, 20, -EALREADY, false, KEEP),
};

static const struct toaster_step toaster_urb_errors[] = {
	NOTIFY(HEATING, 1, 20, 0, true, GET),
	/*
	 * Transfer errors: the endpoint is still ours, listen on; but a
	 * device that fails every transfer is not tried at bus rate.
	 */
	URB_ERROR(-EPROTO, RESUBMIT, 0),
	URB_ERROR(-EILSEQ, RETRY_LATER, 1),
	URB_ERROR(-EOVERFLOW, RETRY_LATER, 2),
	URB_ERROR(-ETIME, RETRY_LATER, 4),
	/* A stall halts the endpoint: clear it; the count starts again. */
	URB_ERROR(-EPIPE, CLEAR_HALT, 0),
	URB_ERROR(-EPROTO, RESUBMIT, 0),
	/* Killed, poisoned, unplugged: stop, and touch nothing. */
	URB_ERROR(-ENOENT, STOP, 0),
	URB_ERROR(-ECONNRESET, STOP, 0),
	URB_ERROR(-ESHUTDOWN, STOP, 0),
	/* The reference taken at HEATING is still held, and dropped once. */
	NOTIFY(DONE, 2, 180, 0, true, PUT),
	/* A notification that came through forgets the errors before it. */
	URB_ERROR(-EPROTO, RESUBMIT, 0),
};

/* The wait doubles with each error in a row, up to a second. */
static const struct toaster_step toaster_backoff[] = {
	URB_ERROR(-EPROTO, RESUBMIT, 0),
	URB_ERROR(-EPROTO, RETRY_LATER, 1),
	URB_ERROR(-EPROTO, RETRY_LATER, 2),
	URB_ERROR(-EPROTO, RETRY_LATER, 4),
	URB_ERROR(-EPROTO, RETRY_LATER, 8),
	URB_ERROR(-EPROTO, RETRY_LATER, 16),
	URB_ERROR(-EPROTO, RETRY_LATER, 32),
	URB_ERROR(-EPROTO, RETRY_LATER, 64),
	URB_ERROR(-EPROTO, RETRY_LATER, 128),
	URB_ERROR(-EPROTO, RETRY_LATER, 256),
	URB_ERROR(-EPROTO, RETRY_LATER, 512),
	URB_ERROR(-EPROTO, RETRY_LATER, TOASTER_INT_BACKOFF_MAX_MS),
	URB_ERROR(-EPROTO, RETRY_LATER, TOASTER_INT_BACKOFF_MAX_MS),
	URB_ERROR(-EPROTO, RETRY_LATER, TOASTER_INT_BACKOFF_MAX_MS),
	NOTIFY(IDLE, 1, 20, 0, true, KEEP),
	URB_ERROR(-EPROTO, RESUBMIT, 0),
};

static const struct toaster_step toaster_malformed[] = {
	NOTIFY(IDLE, 1, 20, 0, true, KEEP),
	MALFORMED(SHORT, 2),
	MALFORMED(LONG, 3),
	MALFORMED(BAD_STATE, 4),
	/* The count of a refused packet was never taken: 2 is still new. */
	NOTIFY(HEATING, 2, 20, 0, true, GET),
	NOTIFY(DONE, 3, 180, 0, true, PUT),
};

static const struct toaster_step toaster_replies[] = {
	NOTIFY(TOASTING, 100, 180, 0, true, GET),
	/* After a reset the device restarted its count: believe it. */
	RESYNC(IDLE, 3, 150, true, PUT),
	NOTIFY(HEATING, 4, 30, 0, true, GET),
	/* A reply equal to what we hold wakes nobody. */
	REPLY(HEATING, 4, 30, 0, false, KEEP),
	REPLY(DONE, 4, 30, 0, true, PUT),
	REPLY(IDLE, 5, 30, 0, true, KEEP),
};

/*
 * A notification overtakes the reply to a GET_STATUS sent before it:
 * believing the reply would leave the cache at "toasting" for good, with
 * the PM reference of a toast held and TOAST refused as busy.
 */
static const struct toaster_step toaster_reply_overtaken[] = {
	NOTIFY(TOASTING, 40, 180, 0, true, GET),
	NOTIFY(DONE, 42, 180, 0, true, PUT),
	REPLY(TOASTING, 41, 180, -EALREADY, false, KEEP),
	NOTIFY(IDLE, 43, 150, 0, true, KEEP),
};

#define TOASTER_SCENARIO(name)						\
	{ #name, toaster_##name, ARRAY_SIZE(toaster_##name) }

static const struct toaster_scenario toaster_scenarios[] = {
	TOASTER_SCENARIO(whole_toast),
	TOASTER_SCENARIO(cancelled),
	TOASTER_SCENARIO(fault),
	TOASTER_SCENARIO(stale),
	TOASTER_SCENARIO(wrap),
	TOASTER_SCENARIO(urb_errors),
	TOASTER_SCENARIO(backoff),
	TOASTER_SCENARIO(malformed),
	TOASTER_SCENARIO(replies),
	TOASTER_SCENARIO(reply_overtaken),
};

static void toaster_scenario_desc(const struct toaster_scenario *s,
				  char *desc)
{
	strscpy(desc, s->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(toaster_scenario, toaster_scenarios, toaster_scenario_desc);

static struct toaster_wire_status toaster_step_wire(const struct toaster_step *step)
{
	return (struct toaster_wire_status) {
		.state = step->kind == TOASTER_STEP_BAD_STATE ?
			 TOASTER_STATE_COUNT : step->state,
		.darkness = 5,
		.temperature_c = cpu_to_le16(step->temperature_c),
		.seq = cpu_to_le16(step->seq),
	};
}

/* Step @i of a scenario: every expectation names it. */
static void toaster_step_run(struct kunit *test,
			     struct toaster_status_cache *cache,
			     const struct toaster_step *step, size_t i, u8 *buf)
{
	struct toaster_wire_status wire = toaster_step_wire(step);
	struct toaster_status_cache before = *cache;
	struct toaster_snapshot snap;
	struct toaster_take take;
	size_t len = sizeof(wire);
	int result = step->result;

	memcpy(buf, &wire, sizeof(wire));
	if (step->kind == TOASTER_STEP_SHORT)
		len--;
	else if (step->kind == TOASTER_STEP_LONG)
		len++;
	else if (step->kind == TOASTER_STEP_URB_ERROR)
		result = step->urb_status;

	if (step->kind == TOASTER_STEP_REPLY ||
	    step->kind == TOASTER_STEP_RESYNC) {
		KUNIT_ASSERT_EQ_MSG(test, toaster_decode_status(buf, len, &snap), 0,
				    "step %zu", i);
		toaster_cache_take(cache, &snap,
				   step->kind == TOASTER_STEP_RESYNC, &take);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, toaster_int_receive(cache,
							      step->urb_status,
							      buf, len, &take),
				    step->action, "step %zu", i);
		if (step->action == TOASTER_INT_RETRY_LATER)
			KUNIT_EXPECT_EQ_MSG(test, cache->int_delay_ms,
					    step->delay_ms, "step %zu", i);
	}

	KUNIT_EXPECT_EQ_MSG(test, take.result, result, "step %zu", i);
	KUNIT_EXPECT_EQ_MSG(test, take.changed, step->changed, "step %zu", i);
	KUNIT_EXPECT_EQ_MSG(test, take.pm, step->pm, "step %zu", i);
	/* Readers see a new generation exactly when they are woken. */
	KUNIT_EXPECT_EQ_MSG(test, cache->gen, before.gen + step->changed,
			    "step %zu", i);
	/* The reference is held exactly while heating or toasting. */
	KUNIT_EXPECT_EQ_MSG(test, cache->pm_busy,
			    step->pm == TOASTER_PM_KEEP ? before.pm_busy :
			    step->pm == TOASTER_PM_GET, "step %zu", i);

	if (take.result) {
		/* Whatever was refused left the cache as it was. */
		KUNIT_EXPECT_TRUE_MSG(test,
				      toaster_snapshot_equal(&cache->status,
							     &before.status),
				      "step %zu", i);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, cache->status.state, step->state,
				    "step %zu", i);
		KUNIT_EXPECT_EQ_MSG(test, cache->status.seq, step->seq,
				    "step %zu", i);
		KUNIT_EXPECT_EQ_MSG(test, cache->status.temperature_c,
				    step->temperature_c, "step %zu", i);
	}
}

static void toaster_scenario_test(struct kunit *test)
{
	const struct toaster_scenario *s = test->param_value;
	/* As probe finds it, before its own GET_STATUS. */
	struct toaster_status_cache cache = {};
	size_t i;
	u8 *buf;

	/* Room for the oversized packet, as the URB's buffer would have. */
	buf = kunit_kzalloc(test, sizeof(struct toaster_wire_status) + 1,
			    GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	for (i = 0; i < s->count; i++)
		toaster_step_run(test, &cache, &s->steps[i], i, buf);
	/* Every scenario gives back the reference it took. */
	KUNIT_EXPECT_FALSE(test, cache.pm_busy);
}

static struct kunit_case toaster_status_test_cases[] = {
	KUNIT_CASE_PARAM(toaster_scenario_test, toaster_scenario_gen_params),
	{}
};

static struct kunit_suite toaster_status_test_suite = {
	.name = "toaster_status",
	.test_cases = toaster_status_test_cases,
};

kunit_test_suite(toaster_status_test_suite);
