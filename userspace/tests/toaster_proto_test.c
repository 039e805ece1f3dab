// SPDX-License-Identifier: GPL-2.0
/*
 * The rules of include/uapi/toaster_proto.h as a program in user space
 * sees them (KUnit checks the same header from the kernel's side): the
 * request and state tables, the seq comparison across its wrap, and the
 * wire status's byte order, which must not depend on the host's.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "toaster_proto.h"

TEST(seq_after_wraps_at_16_bits)
{
	EXPECT_TRUE(toaster_seq_after(1, 0));
	EXPECT_FALSE(toaster_seq_after(0, 0));
	EXPECT_FALSE(toaster_seq_after(0, 1));
	EXPECT_TRUE(toaster_seq_after(0, 0xffff));
	EXPECT_TRUE(toaster_seq_after(3, 0xfff0));
	EXPECT_FALSE(toaster_seq_after(0xfff0, 3));
	/* less than half the space ahead is after; half is not */
	EXPECT_TRUE(toaster_seq_after(0x7fff, 0));
	EXPECT_FALSE(toaster_seq_after(0x8000, 0));
}

TEST(darkness_range)
{
	unsigned int d;

	for (d = 0; d <= TOASTER_DARKNESS_MAX + 1; d++)
		EXPECT_EQ(toaster_darkness_valid(d),
			  d >= TOASTER_DARKNESS_MIN && d <= TOASTER_DARKNESS_MAX);
	EXPECT_FALSE(toaster_darkness_valid(-1u));
	EXPECT_TRUE(toaster_darkness_valid(TOASTER_DARKNESS_DEFAULT));
}

TEST(states_have_one_name_each)
{
	unsigned int a, b;

	for (a = 0; a < TOASTER_STATE_COUNT; a++) {
		EXPECT_NE(0, strcmp(toaster_state_name(a), "unknown"));
		for (b = 0; b < a; b++)
			EXPECT_NE(0, strcmp(toaster_state_name(a), toaster_state_name(b)));
	}
	EXPECT_STREQ("unknown", toaster_state_name(TOASTER_STATE_COUNT));
	EXPECT_STREQ("toasting", toaster_state_name(TOASTER_STATE_TOASTING));
	EXPECT_TRUE(toaster_state_is_busy(TOASTER_STATE_HEATING));
	EXPECT_TRUE(toaster_state_is_busy(TOASTER_STATE_TOASTING));
	EXPECT_FALSE(toaster_state_is_busy(TOASTER_STATE_DONE));
	EXPECT_FALSE(toaster_state_is_busy(TOASTER_STATE_FAULT));
}

TEST(request_table)
{
	const struct toaster_request_desc *desc;
	unsigned int r, found = 0;

	for (r = 0; r < TOASTER_REQ_SLOTS; r++) {
		desc = toaster_request_desc(r);
		if (!desc) {
			EXPECT_EQ(NULL, toaster_request_name(r));
			continue;
		}
		found++;
		EXPECT_EQ(r, desc->request);
		EXPECT_STREQ(desc->name, toaster_request_name(r));
		/* an IN request has a reply, an OUT one no data stage */
		EXPECT_EQ(desc->dir == TOASTER_REQ_DIR_IN, desc->len != 0);
	}
	EXPECT_EQ(7, found);
	desc = toaster_request_desc(TOASTER_REQ_GET_STATUS);
	ASSERT_NE(NULL, desc);
	EXPECT_EQ(TOASTER_REQ_DIR_IN, desc->dir);
	EXPECT_EQ(sizeof(struct toaster_wire_status), desc->len);
	desc = toaster_request_desc(TOASTER_REQ_GET_INFO);
	ASSERT_NE(NULL, desc);
	EXPECT_EQ(sizeof(struct toaster_wire_info), desc->len);
	EXPECT_EQ(TOASTER_REQ_DIR_OUT, toaster_request_desc(TOASTER_REQ_TOAST)->dir);
}

TEST(wire_status_is_little_endian)
{
	struct toaster_host_status in = {
		.state = TOASTER_STATE_TOASTING, .darkness = 7,
		.flags = TOASTER_FLAG_LOCKED, .event = TOASTER_EVENT_STATE,
		.temperature_c = -5, .seq = 0x1234, .remaining_ms = 0x01020304,
		.toasts = 9, .errors = 0xfffffffe,
	}, out;
	struct toaster_wire_status wire;
	const unsigned char *b = (const unsigned char *)&wire;

	toaster_wire_status_encode(&in, &wire);
	EXPECT_EQ(0xfb, b[4]);		/* temperature_c, -5 */
	EXPECT_EQ(0xff, b[5]);
	EXPECT_EQ(0x34, b[6]);		/* seq */
	EXPECT_EQ(0x12, b[7]);
	EXPECT_EQ(0x04, b[8]);		/* remaining_ms */
	EXPECT_EQ(0x01, b[11]);
	toaster_wire_status_decode(&wire, &out);
	EXPECT_EQ(0, memcmp(&in, &out, sizeof(in)));
}

TEST(wire_status_validity)
{
	struct toaster_host_status host = {
		.state = TOASTER_STATE_IDLE, .darkness = TOASTER_DARKNESS_DEFAULT,
	};
	struct toaster_wire_status wire;

	toaster_wire_status_encode(&host, &wire);
	EXPECT_TRUE(toaster_wire_status_valid(&wire));
	wire.state = TOASTER_STATE_COUNT;
	EXPECT_FALSE(toaster_wire_status_valid(&wire));
	wire.state = TOASTER_STATE_FAULT;
	wire.darkness = 0;
	EXPECT_FALSE(toaster_wire_status_valid(&wire));
	wire.darkness = TOASTER_DARKNESS_MAX + 1;
	EXPECT_FALSE(toaster_wire_status_valid(&wire));
}

TEST_HARNESS_MAIN
