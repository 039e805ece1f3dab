// SPDX-License-Identifier: GPL-2.0
/*
 * The heating model (gadget/model.c) on a fake clock: model.h promises
 * that every entry point takes "now" so a test can drive it, and that the
 * firmware can sleep exactly until toaster_model_next_deadline().  These
 * cases hold it to both, and to the numbers a host sees: durations, the
 * heating and cooling lines, 10 C steps, refusals, seq and remaining_ms.
 */
#include <errno.h>
#include <stdint.h>

#include "kselftest_harness.h"
#include "model.h"

#define NS_S		1000000000LL
/* Host time at power-on: anything but 0, so an offset error shows. */
#define POWER_ON	(123 * NS_S + 456)
/* From ambient to toasting temperature, in device seconds. */
#define HEAT_S		((TOASTER_TOAST_MC - TOASTER_AMBIENT_MC) / TOASTER_HEAT_RATE_MC)

/* A model and its fake clock, in host nanoseconds. */
struct fake {
	struct toaster_model m;
	int64_t now;
};

static void fake_init(struct fake *f, double scale)
{
	f->now = POWER_ON;
	toaster_model_init(&f->m, scale, f->now);
}

/* The clock moves to t; returns the events that brought, and drains them. */
static unsigned int fake_at(struct fake *f, int64_t t)
{
	f->now = t;
	toaster_model_advance(&f->m, t);
	return toaster_model_take_events(&f->m);
}

static struct toaster_host_status fake_status(const struct fake *f)
{
	struct toaster_wire_status w;
	struct toaster_host_status h;

	toaster_model_status(&f->m, TOASTER_EVENT_NONE, &w);
	toaster_wire_status_decode(&w, &h);
	return h;
}

static int bits(unsigned int v)
{
	return __builtin_popcount(v);
}

TEST(power_on)
{
	struct fake f;
	struct toaster_host_status st;

	fake_init(&f, 1.0);
	st = fake_status(&f);
	EXPECT_EQ(TOASTER_STATE_IDLE, st.state);
	EXPECT_EQ(TOASTER_DARKNESS_DEFAULT, st.darkness);
	EXPECT_EQ(TOASTER_AMBIENT_MC / 1000, st.temperature_c);
	EXPECT_EQ(0, st.seq);
	EXPECT_EQ(0, st.remaining_ms);
	EXPECT_EQ(0, st.flags);
	EXPECT_EQ(0, fake_at(&f, f.now + 3600 * NS_S));
	/* at rest nothing is due: the clock thread may sleep for good */
	EXPECT_EQ(TOASTER_MODEL_NEVER, toaster_model_next_deadline(&f.m));
}

/* Toasting, once at temperature, lasts BASE + d * PER_LEVEL device seconds. */
TEST(toast_time_per_darkness)
{
	int64_t toasting, want;
	struct fake f;
	unsigned int d;

	for (d = TOASTER_DARKNESS_MIN; d <= TOASTER_DARKNESS_MAX; d++) {
		fake_init(&f, 1.0);
		ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, d));
		toasting = POWER_ON + HEAT_S * NS_S;
		fake_at(&f, toasting - 1);
		EXPECT_EQ(TOASTER_STATE_HEATING, f.m.state);
		EXPECT_EQ(TOASTER_MODEL_EV_STATE | TOASTER_MODEL_EV_TEMPERATURE,
			  fake_at(&f, toasting));
		EXPECT_EQ(TOASTER_STATE_TOASTING, f.m.state);

		want = toasting + (TOASTER_TOAST_BASE_S + d * TOASTER_TOAST_PER_LEVEL_S) * NS_S;
		EXPECT_EQ(want, toaster_model_next_deadline(&f.m));
		EXPECT_EQ(0, fake_at(&f, want - 1));
		EXPECT_EQ(TOASTER_STATE_TOASTING, f.m.state);
		EXPECT_EQ(TOASTER_MODEL_EV_STATE, fake_at(&f, want));
		EXPECT_EQ(TOASTER_STATE_DONE, f.m.state);
		EXPECT_EQ(1, fake_status(&f).toasts);
		EXPECT_EQ(d, f.m.toast_darkness);
	}
}

/* Up at HEAT_RATE, down at COOL_RATE to ambient, and no further. */
TEST(heating_and_cooling_rates)
{
	int64_t done;
	struct fake f;

	fake_init(&f, 1.0);
	ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, 1));
	fake_at(&f, POWER_ON + NS_S);
	EXPECT_EQ(TOASTER_AMBIENT_MC + TOASTER_HEAT_RATE_MC, f.m.temp_mc);
	fake_at(&f, POWER_ON + NS_S + NS_S / 4);
	EXPECT_EQ(TOASTER_AMBIENT_MC + TOASTER_HEAT_RATE_MC * 5 / 4, f.m.temp_mc);
	EXPECT_EQ(45, fake_status(&f).temperature_c);

	done = POWER_ON + (HEAT_S + TOASTER_TOAST_BASE_S + TOASTER_TOAST_PER_LEVEL_S) * NS_S;
	fake_at(&f, done);
	ASSERT_EQ(TOASTER_STATE_DONE, f.m.state);
	EXPECT_EQ(TOASTER_TOAST_MC, f.m.temp_mc);
	fake_at(&f, done + 2 * NS_S);
	EXPECT_EQ(TOASTER_TOAST_MC - 2 * TOASTER_COOL_RATE_MC, f.m.temp_mc);
	fake_at(&f, done + 3600 * NS_S);
	EXPECT_EQ(TOASTER_AMBIENT_MC, f.m.temp_mc);
	EXPECT_EQ(TOASTER_MODEL_NEVER, toaster_model_next_deadline(&f.m));
}

/* A temperature event at every 10 C mark, up and down, and only there. */
TEST(ten_degree_steps)
{
	int up = 0, down = 0, marks;
	unsigned int ev;
	int64_t t;
	struct fake f;

	fake_init(&f, 1.0);
	ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, 1));
	while ((t = toaster_model_next_deadline(&f.m)) != TOASTER_MODEL_NEVER) {
		ev = fake_at(&f, t);
		if (!(ev & TOASTER_MODEL_EV_TEMPERATURE))
			continue;
		/* exactly on the mark */
		EXPECT_EQ(0, f.m.temp_mc % TOASTER_STEP_MC);
		if (toaster_state_is_busy(f.m.state) || ev & TOASTER_MODEL_EV_STATE)
			up++;
		else
			down++;
	}
	marks = (TOASTER_TOAST_MC - TOASTER_AMBIENT_MC) / TOASTER_STEP_MC;
	EXPECT_EQ(marks, up);
	EXPECT_EQ(marks, down);
	EXPECT_EQ(TOASTER_AMBIENT_MC, f.m.temp_mc);
}

/*
 * Each deadline, on a whole toast and its cooling down, at time scales
 * that do and do not divide a nanosecond evenly: 1 ns before it nothing
 * is new (a clock thread woken early sleeps again); at it, its event.
 * And seq counts each change reported there once.
 */
static void walk_deadlines(struct __test_metadata *_metadata, double scale)
{
	unsigned int ev, deadlines = 0;
	uint16_t seq;
	int64_t t;
	struct fake f;

	fake_init(&f, scale);
	ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, 3));
	toaster_model_take_events(&f.m);
	while ((t = toaster_model_next_deadline(&f.m)) != TOASTER_MODEL_NEVER) {
		ASSERT_GT(t, f.now);
		seq = f.m.seq;
		EXPECT_EQ(0, fake_at(&f, t - 1));
		EXPECT_EQ(seq, f.m.seq);
		/* the deadline holds still while nothing happens */
		EXPECT_EQ(t, toaster_model_next_deadline(&f.m));
		ev = fake_at(&f, t);
		EXPECT_NE(0, ev);
		EXPECT_EQ(bits(ev), (uint16_t)(f.m.seq - seq));
		ASSERT_LT(++deadlines, 1000);
	}
	/* 17 marks up, heating's end on the 18th, toasting's end, 18 down */
	EXPECT_EQ(17 + 1 + 1 + 18, deadlines);
	EXPECT_EQ(TOASTER_STATE_DONE, f.m.state);
	EXPECT_EQ(1, f.m.toasts);
}

TEST(next_deadline_is_exact)
{
	walk_deadlines(_metadata, 1.0);
	walk_deadlines(_metadata, 3.0);
	walk_deadlines(_metadata, 10.0);
	walk_deadlines(_metadata, 0.7);
}

/* Device time runs scale times faster; remaining_ms is in host time. */
TEST(time_scale)
{
	const int64_t dev_s = HEAT_S + TOASTER_TOAST_BASE_S + 5 * TOASTER_TOAST_PER_LEVEL_S;
	struct fake f;

	fake_init(&f, 10.0);
	ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, 5));
	EXPECT_EQ(dev_s * 1000 / 10, fake_status(&f).remaining_ms);
	fake_at(&f, POWER_ON + dev_s * NS_S / 10 - 1);
	EXPECT_EQ(TOASTER_STATE_TOASTING, f.m.state);
	fake_at(&f, POWER_ON + dev_s * NS_S / 10);
	EXPECT_EQ(TOASTER_STATE_DONE, f.m.state);

	/* the same toast at scale 1 is ten times as long: still heating */
	fake_init(&f, 1.0);
	ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, 5));
	fake_at(&f, POWER_ON + dev_s * NS_S / 10);
	EXPECT_EQ(TOASTER_STATE_HEATING, f.m.state);
	EXPECT_EQ(dev_s * 1000 * 9 / 10, fake_status(&f).remaining_ms);
}

/* Rounded up: 0 only once the toast popped. */
TEST(remaining_ms_rounds_up)
{
	const int64_t dev_s = HEAT_S + TOASTER_TOAST_BASE_S + TOASTER_TOAST_PER_LEVEL_S;
	int64_t end;
	struct fake f;

	fake_init(&f, 7.0);
	ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, 1));
	/* 39 s / 7 = 5571.43 ms */
	EXPECT_EQ((dev_s * 1000 + 6) / 7, fake_status(&f).remaining_ms);
	fake_at(&f, f.now + 1);
	EXPECT_EQ((dev_s * 1000 + 6) / 7, fake_status(&f).remaining_ms);
	fake_at(&f, f.now + TOASTER_TOAST_BASE_S * NS_S / 7);
	EXPECT_EQ(((dev_s - TOASTER_TOAST_BASE_S) * 1000 + 6) / 7,
		  fake_status(&f).remaining_ms);

	/* the last nanosecond before it pops still counts as 1 ms */
	end = POWER_ON + (dev_s * NS_S + 6) / 7;
	fake_at(&f, end - 1);
	EXPECT_EQ(TOASTER_STATE_TOASTING, f.m.state);
	EXPECT_EQ(1, fake_status(&f).remaining_ms);
	fake_at(&f, end);
	EXPECT_EQ(TOASTER_STATE_DONE, f.m.state);
	EXPECT_EQ(0, fake_status(&f).remaining_ms);
}

TEST(refusals)
{
	struct fake f;

	fake_init(&f, 1.0);
	EXPECT_EQ(-EINVAL, toaster_model_set_darkness(&f.m, f.now, 0));
	EXPECT_EQ(-EINVAL, toaster_model_set_darkness(&f.m, f.now, TOASTER_DARKNESS_MAX + 1));
	EXPECT_EQ(-EINVAL, toaster_model_toast(&f.m, f.now, TOASTER_DARKNESS_MAX + 1));
	EXPECT_EQ(-EINVAL, toaster_model_set_lock(&f.m, f.now, 2));
	EXPECT_EQ(-EINVAL, toaster_model_set_loopback(&f.m, f.now, 2));
	EXPECT_EQ(TOASTER_DARKNESS_DEFAULT, f.m.darkness);
	EXPECT_EQ(0, toaster_model_take_events(&f.m));

	/* locked: no toast, but the knob still turns */
	ASSERT_EQ(0, toaster_model_set_lock(&f.m, f.now, 1));
	EXPECT_EQ(TOASTER_FLAG_LOCKED, fake_status(&f).flags);
	EXPECT_EQ(-EACCES, toaster_model_toast(&f.m, f.now, 0));
	EXPECT_EQ(TOASTER_STATE_IDLE, f.m.state);
	EXPECT_EQ(0, toaster_model_set_darkness(&f.m, f.now, 2));
	ASSERT_EQ(0, toaster_model_set_lock(&f.m, f.now, 0));

	/* one toast at a time, whether heating or toasting */
	ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, 0));
	EXPECT_EQ(2, f.m.toast_darkness);
	EXPECT_EQ(-EBUSY, toaster_model_toast(&f.m, f.now, 0));
	fake_at(&f, POWER_ON + (HEAT_S + 1) * NS_S);
	ASSERT_EQ(TOASTER_STATE_TOASTING, f.m.state);
	EXPECT_EQ(-EBUSY, toaster_model_toast(&f.m, f.now, 4));
	EXPECT_EQ(2, f.m.darkness);

	ASSERT_EQ(0, toaster_model_set_loopback(&f.m, f.now, 1));
	EXPECT_EQ(TOASTER_FLAG_LOOPBACK, fake_status(&f).flags);
}

/* Cancel pops the toast where it is; it cools from there. */
TEST(cancel)
{
	struct fake f;

	fake_init(&f, 1.0);
	EXPECT_EQ(0, toaster_model_cancel(&f.m, f.now));
	EXPECT_EQ(0, toaster_model_take_events(&f.m));
	EXPECT_EQ(TOASTER_STATE_IDLE, f.m.state);

	ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, 5));
	fake_at(&f, POWER_ON + 4 * NS_S);
	ASSERT_EQ(0, toaster_model_cancel(&f.m, f.now));
	EXPECT_EQ(TOASTER_MODEL_EV_STATE, toaster_model_take_events(&f.m));
	EXPECT_EQ(TOASTER_STATE_CANCELLED, f.m.state);
	EXPECT_EQ(0, fake_status(&f).remaining_ms);
	EXPECT_EQ(0, f.m.toasts);
	fake_at(&f, f.now + 2 * NS_S);
	EXPECT_EQ(TOASTER_AMBIENT_MC + 4 * TOASTER_HEAT_RATE_MC - 2 * TOASTER_COOL_RATE_MC,
		  f.m.temp_mc);
	/* and a new toast may start from there */
	EXPECT_EQ(0, toaster_model_toast(&f.m, f.now, 5));
}

/* A heater fault: counted, a toast refused, cleared by cancel alone. */
TEST(fault)
{
	uint16_t seq;
	struct fake f;

	fake_init(&f, 1.0);
	ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, 5));
	fake_at(&f, POWER_ON + 3 * NS_S);
	seq = f.m.seq;
	toaster_model_fault(&f.m, f.now);
	EXPECT_EQ(TOASTER_MODEL_EV_STATE, toaster_model_take_events(&f.m));
	EXPECT_EQ((uint16_t)(seq + 1), f.m.seq);
	EXPECT_EQ(TOASTER_STATE_FAULT, f.m.state);
	EXPECT_EQ(1, fake_status(&f).errors);
	EXPECT_EQ(0, fake_status(&f).remaining_ms);
	EXPECT_EQ(-EBUSY, toaster_model_toast(&f.m, f.now, 0));

	/* again while in fault: the state stays, the count is news */
	seq = f.m.seq;
	toaster_model_fault(&f.m, f.now);
	EXPECT_EQ(TOASTER_MODEL_EV_STATE, toaster_model_take_events(&f.m));
	EXPECT_EQ((uint16_t)(seq + 1), f.m.seq);
	EXPECT_EQ(2, fake_status(&f).errors);

	ASSERT_EQ(0, toaster_model_cancel(&f.m, f.now));
	EXPECT_EQ(TOASTER_STATE_IDLE, f.m.state);
	EXPECT_EQ(TOASTER_MODEL_EV_STATE, toaster_model_take_events(&f.m));
	EXPECT_EQ(0, toaster_model_toast(&f.m, f.now, 0));
}

/* seq: once per change the host hears of, never for a no-op. */
TEST(seq_once_per_change)
{
	uint16_t seq;
	struct fake f;

	fake_init(&f, 1.0);
	seq = f.m.seq;
	ASSERT_EQ(0, toaster_model_set_darkness(&f.m, f.now, 7));
	EXPECT_EQ(TOASTER_MODEL_EV_SETTINGS, toaster_model_take_events(&f.m));
	EXPECT_EQ((uint16_t)(seq + 1), f.m.seq);
	ASSERT_EQ(0, toaster_model_set_darkness(&f.m, f.now, 7));
	ASSERT_EQ(0, toaster_model_set_lock(&f.m, f.now, 0));
	ASSERT_EQ(0, toaster_model_set_loopback(&f.m, f.now, 0));
	EXPECT_EQ(0, toaster_model_take_events(&f.m));
	EXPECT_EQ((uint16_t)(seq + 1), f.m.seq);
	/* a refused request changes nothing either */
	EXPECT_EQ(-EINVAL, toaster_model_set_darkness(&f.m, f.now, 0));
	EXPECT_EQ((uint16_t)(seq + 1), f.m.seq);

	ASSERT_EQ(0, toaster_model_set_lock(&f.m, f.now, 1));
	EXPECT_EQ((uint16_t)(seq + 2), f.m.seq);
	ASSERT_EQ(0, toaster_model_set_lock(&f.m, f.now, 0));
	toaster_model_take_events(&f.m);

	/* a toast at a new darkness: the knob and the state, two changes */
	seq = f.m.seq;
	ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, 3));
	EXPECT_EQ(TOASTER_MODEL_EV_STATE | TOASTER_MODEL_EV_SETTINGS,
		  toaster_model_take_events(&f.m));
	EXPECT_EQ((uint16_t)(seq + 2), f.m.seq);
	EXPECT_EQ(TOASTER_EVENT_STATE,
		  toaster_model_wire_event(TOASTER_MODEL_EV_STATE | TOASTER_MODEL_EV_SETTINGS));
	EXPECT_EQ(seq + 2, fake_status(&f).seq);
}

/* The wire event a notification carries: the one a host most waits on. */
TEST(wire_event)
{
	EXPECT_EQ(TOASTER_EVENT_NONE, toaster_model_wire_event(0));
	EXPECT_EQ(TOASTER_EVENT_TEMPERATURE,
		  toaster_model_wire_event(TOASTER_MODEL_EV_TEMPERATURE));
	EXPECT_EQ(TOASTER_EVENT_SETTINGS,
		  toaster_model_wire_event(TOASTER_MODEL_EV_SETTINGS |
					   TOASTER_MODEL_EV_TEMPERATURE));
	EXPECT_EQ(TOASTER_EVENT_STATE,
		  toaster_model_wire_event(TOASTER_MODEL_EV_STATE |
					   TOASTER_MODEL_EV_TEMPERATURE));
}

/* A clock thread that wakes late still sees each phase end at its time. */
TEST(late_wakeup)
{
	struct fake f;

	fake_init(&f, 1.0);
	ASSERT_EQ(0, toaster_model_toast(&f.m, f.now, 1));
	toaster_model_take_events(&f.m);
	fake_at(&f, POWER_ON + 3600 * NS_S);
	EXPECT_EQ(TOASTER_STATE_DONE, f.m.state);
	EXPECT_EQ(1, f.m.toasts);
	EXPECT_EQ(TOASTER_AMBIENT_MC, f.m.temp_mc);
	EXPECT_EQ(TOASTER_MODEL_NEVER, toaster_model_next_deadline(&f.m));
}

TEST_HARNESS_MAIN
