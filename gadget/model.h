/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The toaster's heating model: pure logic, no I/O, no threads, no clock
 * reads.  Every entry point takes "now" as host CLOCK_MONOTONIC nanoseconds,
 * so a unit test can drive it with made-up timestamps.
 *
 * The model runs on *device time*, which is host time multiplied by the
 * time scale (scale 100: one host second is 100 toaster seconds).  The only
 * number that leaves in host time is remaining_ms, because that is what a
 * person watching the host side wants to read.
 *
 * The temperature is piecewise linear, so every future event (a phase ending,
 * a 10 C step) lands on a computable instant: the caller sleeps exactly until
 * toaster_model_next_deadline() instead of polling.
 *
 * Not thread-safe: the caller serialises all calls.
 */
#ifndef TOASTER_MODEL_H
#define TOASTER_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "toaster_proto.h"

/* All temperatures are in milli-degrees Celsius. */
#define TOASTER_AMBIENT_MC		20000
#define TOASTER_TOAST_MC		200000
#define TOASTER_STEP_MC			10000
/* Device-time rates, milli-degrees per device second. */
#define TOASTER_HEAT_RATE_MC		20000
#define TOASTER_COOL_RATE_MC		5000
/* Toasting time at darkness d: BASE + d * PER_LEVEL device seconds. */
#define TOASTER_TOAST_BASE_S		20
#define TOASTER_TOAST_PER_LEVEL_S	10

/* Reasons a notification is due, OR-ed together until drained. */
#define TOASTER_MODEL_EV_STATE		0x1u
#define TOASTER_MODEL_EV_TEMPERATURE	0x2u
#define TOASTER_MODEL_EV_SETTINGS	0x4u

#define TOASTER_MODEL_NEVER		INT64_MAX

struct toaster_model {
	/* clock */
	int64_t		wall_base_ns;	/* host time at which device time is 0 */
	double		scale;
	int64_t		dev_now_ns;	/* device time of the last advance */

	/* settings */
	uint8_t		darkness;
	bool		locked;
	bool		loopback;

	/* what the hardware does */
	enum toaster_state state;
	uint8_t		toast_darkness;	/* of the toast in progress */
	/*
	 * The current phase's temperature line starts at (phase_t0_ns,
	 * phase_temp0_mc); HEATING and TOASTING end at phase_end_ns.
	 */
	int64_t		phase_t0_ns;
	int32_t		phase_temp0_mc;
	int64_t		phase_end_ns;
	int32_t		temp_mc;
	/* last 10 C mark notified, in units of TOASTER_STEP_MC */
	int32_t		temp_step;

	uint32_t	toasts;
	uint32_t	errors;
	uint16_t	seq;		/* bumped on every reported change */
	unsigned int	events;		/* TOASTER_MODEL_EV_* not yet drained */
};

/* scale must be > 0. */
void toaster_model_init(struct toaster_model *m, double scale, int64_t now_ns);

/* Runs the hardware up to now; returns the events pending afterwards. */
unsigned int toaster_model_advance(struct toaster_model *m, int64_t now_ns);

/*
 * The host instant at or after which advance() will have something new to
 * report, or TOASTER_MODEL_NEVER.  Only valid right after an advance().
 */
int64_t toaster_model_next_deadline(const struct toaster_model *m);

/* Returns the pending TOASTER_MODEL_EV_* and forgets them. */
unsigned int toaster_model_take_events(struct toaster_model *m);

/*
 * The requests.  Each advances to now first.  0 on success; -EINVAL for a
 * value out of range, -EACCES when locked, -EBUSY when the state forbids it.
 */
int toaster_model_set_darkness(struct toaster_model *m, int64_t now_ns,
			       unsigned int darkness);
int toaster_model_toast(struct toaster_model *m, int64_t now_ns,
			unsigned int darkness);
int toaster_model_cancel(struct toaster_model *m, int64_t now_ns);
int toaster_model_set_lock(struct toaster_model *m, int64_t now_ns,
			   unsigned int on);
int toaster_model_set_loopback(struct toaster_model *m, int64_t now_ns,
			       unsigned int on);
/* The heating element failed: what a real toaster's watchdog would report. */
void toaster_model_fault(struct toaster_model *m, int64_t now_ns);

/*
 * The status as of the last advance, ready for the wire.  event is an enum
 * toaster_event value.
 */
void toaster_model_status(const struct toaster_model *m, uint8_t event,
			  struct toaster_wire_status *st);

/* The single wire event that best describes an event mask. */
uint8_t toaster_model_wire_event(unsigned int events);


#endif /* TOASTER_MODEL_H */
