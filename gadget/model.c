// SPDX-License-Identifier: GPL-2.0
/*
 * The toaster's heating model; see model.h for the rules it plays by.
 *
 * Device time is derived from host time on every call rather than
 * accumulated, so rounding never drifts.  Converting back (for deadlines)
 * rounds up, and advance() takes an event as reached exactly when its host
 * deadline has: even if the forward conversion rounds a hair short
 * (otherwise a caller sleeping until the deadline could wake to find
 * nothing to do, and spin), and not before, even if it rounds a hair
 * long (at a scale such as 0.7, which no double holds exactly), so the
 * deadline is the instant of the event, as a host sees it.
 */
#define _DEFAULT_SOURCE /* htole16() and friends from <endian.h> */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "model.h"

#define TOASTER_MODEL_NS_PER_S	1000000000LL
/*
 * Nothing in the model takes longer than this much device time to settle
 * (cooling 180 C at 5 C/s is 36 s), so longer spans are clamped before any
 * multiplication can overflow.
 */
#define TOASTER_MODEL_SETTLE_NS	(3600LL * TOASTER_MODEL_NS_PER_S)

static int64_t toaster_ceil_div(int64_t a, int64_t b)
{
	/* b > 0; rounds toward +infinity for either sign of a */
	return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

static int64_t toaster_dev_of_wall(const struct toaster_model *m, int64_t wall_ns)
{
	double d = (double)(wall_ns - m->wall_base_ns) * m->scale;

	if (d <= 0)
		return 0;
	if (d >= (double)(INT64_MAX / 2))
		return INT64_MAX / 2;
	return (int64_t)d;
}

static int64_t toaster_wall_of_dev(const struct toaster_model *m, int64_t dev_ns)
{
	double w = (double)dev_ns / m->scale;
	int64_t wi;

	if (w >= (double)(INT64_MAX / 4))
		return TOASTER_MODEL_NEVER;
	wi = (int64_t)w;
	if ((double)wi < w)
		wi++;
	return m->wall_base_ns + wi;
}

static int64_t toaster_toast_ns(unsigned int darkness)
{
	return ((int64_t)TOASTER_TOAST_BASE_S +
		(int64_t)darkness * TOASTER_TOAST_PER_LEVEL_S) * TOASTER_MODEL_NS_PER_S;
}

/* Temperature on the current phase's line at device time t. */
static int32_t toaster_temp_at(const struct toaster_model *m, int64_t t)
{
	int64_t dt = t - m->phase_t0_ns;
	int64_t temp;

	if (dt < 0)
		dt = 0;
	if (dt > TOASTER_MODEL_SETTLE_NS)
		dt = TOASTER_MODEL_SETTLE_NS;

	switch (m->state) {
	case TOASTER_STATE_HEATING:
		temp = m->phase_temp0_mc + TOASTER_HEAT_RATE_MC * dt / TOASTER_MODEL_NS_PER_S;
		return temp > TOASTER_TOAST_MC ? TOASTER_TOAST_MC : (int32_t)temp;
	case TOASTER_STATE_TOASTING:
		return TOASTER_TOAST_MC;
	default:
		if (m->phase_temp0_mc <= TOASTER_AMBIENT_MC)
			return m->phase_temp0_mc;
		temp = m->phase_temp0_mc - TOASTER_COOL_RATE_MC * dt / TOASTER_MODEL_NS_PER_S;
		return temp < TOASTER_AMBIENT_MC ? TOASTER_AMBIENT_MC
						 : (int32_t)temp;
	}
}

/* Every change the host hears about bumps seq, so it can spot old news. */
static void toaster_raise(struct toaster_model *m, unsigned int ev)
{
	m->events |= ev;
	m->seq++;
}

/* Starts a new straight temperature line at the present. */
static void toaster_new_phase(struct toaster_model *m, enum toaster_state state)
{
	if (m->state != state)
		toaster_raise(m, TOASTER_MODEL_EV_STATE);
	m->state = state;
	m->phase_t0_ns = m->dev_now_ns;
	m->phase_temp0_mc = m->temp_mc;
	m->phase_end_ns = TOASTER_MODEL_NEVER;
}

/* Moves the hardware to device time t (>= dev_now_ns). */
static void toaster_step_to(struct toaster_model *m, int64_t t)
{
	/* phase ends first, each at its own instant */
	while (toaster_state_is_busy(m->state) && m->phase_end_ns <= t) {
		int64_t end = m->phase_end_ns;

		m->dev_now_ns = end;
		m->temp_mc = toaster_temp_at(m, end);
		if (m->state == TOASTER_STATE_HEATING) {
			/* exactly at temperature, whatever rounding said */
			m->temp_mc = TOASTER_TOAST_MC;
			toaster_new_phase(m, TOASTER_STATE_TOASTING);
			m->phase_end_ns = end + toaster_toast_ns(m->toast_darkness);
		} else {
			toaster_new_phase(m, TOASTER_STATE_DONE);
			m->toasts++;
		}
	}
	if (t > m->dev_now_ns)
		m->dev_now_ns = t;
	m->temp_mc = toaster_temp_at(m, m->dev_now_ns);

	if (m->temp_mc >= (m->temp_step + 1) * TOASTER_STEP_MC) {
		m->temp_step = m->temp_mc / TOASTER_STEP_MC;
		toaster_raise(m, TOASTER_MODEL_EV_TEMPERATURE);
	} else if (m->temp_mc <= (m->temp_step - 1) * TOASTER_STEP_MC) {
		m->temp_step = (int32_t)toaster_ceil_div(m->temp_mc, TOASTER_STEP_MC);
		toaster_raise(m, TOASTER_MODEL_EV_TEMPERATURE);
	}
}

/* Device time of the next thing that will happen, or NEVER. */
static int64_t toaster_next_event_dev(const struct toaster_model *m)
{
	int64_t next = TOASTER_MODEL_NEVER, t;
	int32_t target;

	switch (m->state) {
	case TOASTER_STATE_HEATING:
		next = m->phase_end_ns;
		target = (m->temp_step + 1) * TOASTER_STEP_MC;
		if (target <= TOASTER_TOAST_MC) {
			t = m->phase_t0_ns +
			    toaster_ceil_div((int64_t)(target - m->phase_temp0_mc) * TOASTER_MODEL_NS_PER_S,
				       TOASTER_HEAT_RATE_MC);
			if (t < next)
				next = t;
		}
		break;
	case TOASTER_STATE_TOASTING:
		next = m->phase_end_ns;
		break;
	default:
		target = (m->temp_step - 1) * TOASTER_STEP_MC;
		if (target >= TOASTER_AMBIENT_MC &&
		    m->phase_temp0_mc > TOASTER_AMBIENT_MC)
			next = m->phase_t0_ns +
			       toaster_ceil_div((int64_t)(m->phase_temp0_mc - target) * TOASTER_MODEL_NS_PER_S,
					  TOASTER_COOL_RATE_MC);
		break;
	}
	if (next != TOASTER_MODEL_NEVER && next <= m->dev_now_ns)
		next = m->dev_now_ns + 1;
	return next;
}

void toaster_model_init(struct toaster_model *m, double scale, int64_t now_ns)
{
	memset(m, 0, sizeof(*m));
	m->wall_base_ns = now_ns;
	m->scale = scale > 0 ? scale : 1.0;
	m->darkness = TOASTER_DARKNESS_DEFAULT;
	m->state = TOASTER_STATE_IDLE;
	m->temp_mc = TOASTER_AMBIENT_MC;
	m->phase_temp0_mc = TOASTER_AMBIENT_MC;
	m->phase_end_ns = TOASTER_MODEL_NEVER;
	m->temp_step = TOASTER_AMBIENT_MC / TOASTER_STEP_MC;
}

unsigned int toaster_model_advance(struct toaster_model *m, int64_t now_ns)
{
	int64_t ev, t;

	/*
	 * One event at a time, so a late wake-up still reports each phase
	 * change at its own instant (toasts counted, temperatures right).
	 */
	for (;;) {
		ev = toaster_next_event_dev(m);
		if (ev == TOASTER_MODEL_NEVER || toaster_wall_of_dev(m, ev) > now_ns)
			break;
		toaster_step_to(m, ev);
	}
	t = toaster_dev_of_wall(m, now_ns);
	/* nor early: rounded up, the conversion may reach an event ahead */
	if (ev != TOASTER_MODEL_NEVER && t >= ev)
		t = ev - 1;
	toaster_step_to(m, t);
	return m->events;
}

int64_t toaster_model_next_deadline(const struct toaster_model *m)
{
	int64_t ev = toaster_next_event_dev(m);

	return ev == TOASTER_MODEL_NEVER ? ev : toaster_wall_of_dev(m, ev);
}

unsigned int toaster_model_take_events(struct toaster_model *m)
{
	unsigned int ev = m->events;

	m->events = 0;
	return ev;
}

int toaster_model_set_darkness(struct toaster_model *m, int64_t now_ns,
			       unsigned int darkness)
{
	toaster_model_advance(m, now_ns);
	if (!toaster_darkness_valid(darkness))
		return -EINVAL;
	if (m->darkness != darkness) {
		m->darkness = (uint8_t)darkness;
		toaster_raise(m, TOASTER_MODEL_EV_SETTINGS);
	}
	return 0;
}

int toaster_model_toast(struct toaster_model *m, int64_t now_ns,
			unsigned int darkness)
{
	toaster_model_advance(m, now_ns);
	if (darkness != 0 && !toaster_darkness_valid(darkness))
		return -EINVAL;
	if (m->locked)
		return -EACCES;
	if (m->state != TOASTER_STATE_IDLE && m->state != TOASTER_STATE_DONE &&
	    m->state != TOASTER_STATE_CANCELLED)
		return -EBUSY;

	/* the knob turns with the request, so the status shows what cooks */
	if (darkness != 0 && darkness != m->darkness) {
		m->darkness = (uint8_t)darkness;
		toaster_raise(m, TOASTER_MODEL_EV_SETTINGS);
	}
	m->toast_darkness = m->darkness;
	toaster_new_phase(m, TOASTER_STATE_HEATING);
	m->phase_end_ns = m->dev_now_ns +
		toaster_ceil_div((int64_t)(TOASTER_TOAST_MC - m->temp_mc) * TOASTER_MODEL_NS_PER_S,
			   TOASTER_HEAT_RATE_MC);
	return 0;
}

int toaster_model_cancel(struct toaster_model *m, int64_t now_ns)
{
	toaster_model_advance(m, now_ns);
	if (toaster_state_is_busy(m->state)) {
		toaster_new_phase(m, TOASTER_STATE_CANCELLED);
	} else if (m->state == TOASTER_STATE_FAULT) {
		/* still cooling on the same line: only the label changes */
		m->state = TOASTER_STATE_IDLE;
		toaster_raise(m, TOASTER_MODEL_EV_STATE);
	}
	return 0;
}

/* A setting that is on (1) or off (0). */
static int toaster_set_flag(struct toaster_model *m, int64_t now_ns,
			    bool *flag, unsigned int on)
{
	toaster_model_advance(m, now_ns);
	if (on > 1)
		return -EINVAL;
	if (*flag != (on == 1)) {
		*flag = on == 1;
		toaster_raise(m, TOASTER_MODEL_EV_SETTINGS);
	}
	return 0;
}

int toaster_model_set_lock(struct toaster_model *m, int64_t now_ns,
			   unsigned int on)
{
	return toaster_set_flag(m, now_ns, &m->locked, on);
}

int toaster_model_set_loopback(struct toaster_model *m, int64_t now_ns,
			       unsigned int on)
{
	return toaster_set_flag(m, now_ns, &m->loopback, on);
}

void toaster_model_fault(struct toaster_model *m, int64_t now_ns)
{
	bool again;

	toaster_model_advance(m, now_ns);
	m->errors++;
	again = m->state == TOASTER_STATE_FAULT;
	toaster_new_phase(m, TOASTER_STATE_FAULT);
	/* errors changed even if the state did not: news once, either way */
	if (again)
		toaster_raise(m, TOASTER_MODEL_EV_STATE);
}

void toaster_model_status(const struct toaster_model *m, uint8_t event,
			  struct toaster_wire_status *st)
{
	struct toaster_host_status host;
	int64_t rem_dev = 0;
	double rem_ms;
	uint32_t rem = 0;

	if (m->state == TOASTER_STATE_HEATING)
		rem_dev = m->phase_end_ns - m->dev_now_ns +
			  toaster_toast_ns(m->toast_darkness);
	else if (m->state == TOASTER_STATE_TOASTING)
		rem_dev = m->phase_end_ns - m->dev_now_ns;
	if (rem_dev > 0) {
		/* in host milliseconds, rounded up: 0 only once it popped */
		rem_ms = (double)rem_dev / m->scale / 1e6;
		if (rem_ms >= (double)UINT32_MAX)
			rem = UINT32_MAX;
		else {
			rem = (uint32_t)rem_ms;
			if ((double)rem < rem_ms)
				rem++;
		}
	}

	host = (struct toaster_host_status){
		.state = (uint8_t)m->state,
		.darkness = m->darkness,
		.flags = (m->locked ? TOASTER_FLAG_LOCKED : 0) |
			 (m->loopback ? TOASTER_FLAG_LOOPBACK : 0),
		.event = event,
		.temperature_c = (int16_t)((m->temp_mc + 500) / 1000),
		.seq = m->seq,
		.remaining_ms = rem,
		.toasts = m->toasts,
		.errors = m->errors,
	};
	toaster_wire_status_encode(&host, st);
}

uint8_t toaster_model_wire_event(unsigned int events)
{
	/* a state change matters most to a host that waits on one */
	if (events & TOASTER_MODEL_EV_STATE)
		return TOASTER_EVENT_STATE;
	if (events & TOASTER_MODEL_EV_SETTINGS)
		return TOASTER_EVENT_SETTINGS;
	if (events & TOASTER_MODEL_EV_TEMPERATURE)
		return TOASTER_EVENT_TEMPERATURE;
	return TOASTER_EVENT_NONE;
}

