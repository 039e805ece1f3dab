// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the toaster driver's logic: the command parser, the status
 * formatter, the notification decoder and the sequence comparison.  This
 * file carries the module's metadata for both suites of toaster_kunit.ko;
 * toaster_status_test.c has the other.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/string_helpers.h>
#include <linux/usb/ch9.h>

#include "toaster_ioctl.h"
#include "toaster_logic.h"

struct toaster_parse_case {
	const char *input;
	int ret;
	enum toaster_command_op op;
	unsigned int darkness;
};

static const struct toaster_parse_case toaster_parse_cases[] = {
	{ "toast", 0, TOASTER_CMD_TOAST, 0 },
	{ "toast\n", 0, TOASTER_CMD_TOAST, 0 },
	{ " \ttoast \t\n", 0, TOASTER_CMD_TOAST, 0 },
	{ "toast 1\n", 0, TOASTER_CMD_TOAST, 1 },
	{ "toast 7\n", 0, TOASTER_CMD_TOAST, 7 },
	{ "toast\t10", 0, TOASTER_CMD_TOAST, 10 },
	{ "toast 07", 0, TOASTER_CMD_TOAST, 7 },
	{ "cancel\n", 0, TOASTER_CMD_CANCEL, 0 },
	{ "darkness 1", 0, TOASTER_CMD_DARKNESS, 1 },
	{ "darkness 10\n", 0, TOASTER_CMD_DARKNESS, 10 },
	{ "lock\n", 0, TOASTER_CMD_LOCK, 0 },
	{ "unlock\n", 0, TOASTER_CMD_UNLOCK, 0 },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "   ", -EINVAL },
	{ "toast 0", -EINVAL },
	{ "toast 11", -EINVAL },
	{ "toast 100", -EINVAL },
	{ "toast -1", -EINVAL },
	{ "toast +5", -EINVAL },
	{ "toast 5x", -EINVAL },
	{ "toast 5 5", -EINVAL },
	{ "toasty", -EINVAL },
	{ "Toast", -EINVAL },
	{ "toas", -EINVAL },
	{ "darkness", -EINVAL },
	{ "darkness 0", -EINVAL },
	{ "darkness 11", -EINVAL },
	{ "cancel now", -EINVAL },
	{ "lock 1", -EINVAL },
	{ "unlock please", -EINVAL },
	{ "bagel", -EINVAL },
	/* Blanks are ASCII's: Latin-1's no-break space is no blank. */
	{ "toast\xa0\x35", -EINVAL },	/* "toast", NBSP, "5" */
	{ "\xa0toast", -EINVAL },
	{ "toast\xa0", -EINVAL },
	{ "toast\v5\f", 0, TOASTER_CMD_TOAST, 5 },
	/* One byte longer than TOASTER_CMD_MAX. */
	{ "toast                           5", -EINVAL },
};

static void toaster_parse_case_desc(const struct toaster_parse_case *c,
				    char *desc)
{
	char escaped[KUNIT_PARAM_DESC_SIZE - 2];
	int len;

	/* Escaped and quoted, so that every case is one readable KTAP line. */
	len = string_escape_str(c->input, escaped, sizeof(escaped) - 1,
				ESCAPE_SPACE | ESCAPE_NAP, NULL);
	escaped[min_t(int, len, sizeof(escaped) - 1)] = '\0';
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", escaped);
}

KUNIT_ARRAY_PARAM(toaster_parse, toaster_parse_cases, toaster_parse_case_desc);

static void toaster_parse_test(struct kunit *test)
{
	const struct toaster_parse_case *c = test->param_value;
	struct toaster_command cmd = { .op = -1, .darkness = 99 };
	int ret;

	ret = toaster_parse_command(c->input, strlen(c->input), &cmd);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret) {
		/* A rejected command leaves nothing behind to be sent. */
		KUNIT_EXPECT_EQ(test, cmd.op, -1);
		KUNIT_EXPECT_EQ(test, cmd.darkness, 99);
		return;
	}
	KUNIT_EXPECT_EQ(test, cmd.op, c->op);
	KUNIT_EXPECT_EQ(test, cmd.darkness, c->darkness);
}

static void toaster_parse_length_test(struct kunit *test)
{
	struct toaster_command cmd;
	char buf[TOASTER_CMD_MAX];

	/* The length given is what counts, not a NUL. */
	KUNIT_EXPECT_EQ(test, toaster_parse_command("toast 7junk", 7, &cmd), 0);
	KUNIT_EXPECT_EQ(test, cmd.darkness, 7);
	/* An embedded NUL is not a terminator but garbage. */
	KUNIT_EXPECT_EQ(test, toaster_parse_command("toast\0 7", 8, &cmd), -EINVAL);
	/* Exactly TOASTER_CMD_MAX bytes is still accepted. */
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, "cancel", 6);
	KUNIT_EXPECT_EQ(test, toaster_parse_command(buf, sizeof(buf), &cmd), 0);
	KUNIT_EXPECT_EQ(test, cmd.op, TOASTER_CMD_CANCEL);
}

static void toaster_format_test(struct kunit *test)
{
	const struct toaster_snapshot snap = {
		.state = TOASTER_STATE_TOASTING,
		.darkness = 7,
		.temperature_c = 187,
		.remaining_ms = 41250,
		.toasts = 3,
		.errors = 1,
		.safety_lock = false,
	};
	char buf[TOASTER_STATUS_TEXT_MAX];
	size_t len;

	len = toaster_format_status(&snap, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf,
			   "state: toasting\n"
			   "darkness: 7\n"
			   "temperature_c: 187\n"
			   "remaining_ms: 41250\n"
			   "safety_lock: 0\n"
			   "toasts: 3\n"
			   "errors: 1\n");
	KUNIT_EXPECT_EQ(test, len, strlen(buf));
}

static void toaster_format_limits_test(struct kunit *test)
{
	const struct toaster_snapshot snap = {
		.state = TOASTER_STATE_CANCELLED,
		.darkness = 10,
		.temperature_c = -40,
		.remaining_ms = U32_MAX,
		.toasts = U32_MAX,
		.errors = U32_MAX,
		.safety_lock = true,
	};
	char buf[TOASTER_STATUS_TEXT_MAX];
	char small[8];
	size_t len;

	/* The widest status fits the buffer the driver gives it. */
	len = toaster_format_status(&snap, buf, sizeof(buf));
	KUNIT_EXPECT_LT(test, len, sizeof(buf) - 1);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "temperature_c: -40\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "safety_lock: 1\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "toasts: 4294967295\n"));

	/* A short buffer is truncated and terminated, never overrun. */
	len = toaster_format_status(&snap, small, sizeof(small));
	KUNIT_EXPECT_EQ(test, len, sizeof(small) - 1);
	KUNIT_EXPECT_EQ(test, small[sizeof(small) - 1], '\0');
}

static void toaster_state_name_test(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, toaster_state_name(TOASTER_STATE_IDLE), "idle");
	KUNIT_EXPECT_STREQ(test, toaster_state_name(TOASTER_STATE_HEATING), "heating");
	KUNIT_EXPECT_STREQ(test, toaster_state_name(TOASTER_STATE_TOASTING), "toasting");
	KUNIT_EXPECT_STREQ(test, toaster_state_name(TOASTER_STATE_DONE), "done");
	KUNIT_EXPECT_STREQ(test, toaster_state_name(TOASTER_STATE_CANCELLED), "cancelled");
	KUNIT_EXPECT_STREQ(test, toaster_state_name(TOASTER_STATE_FAULT), "fault");
	KUNIT_EXPECT_STREQ(test, toaster_state_name(TOASTER_STATE_COUNT), "unknown");
	KUNIT_EXPECT_STREQ(test, toaster_state_name(-1), "unknown");
}

static struct toaster_wire_status toaster_good_wire(void)
{
	return (struct toaster_wire_status) {
		.state = TOASTER_STATE_HEATING,
		.darkness = 4,
		.flags = TOASTER_FLAG_LOCKED | TOASTER_FLAG_LOOPBACK,
		.event = TOASTER_EVENT_TEMPERATURE,
		.temperature_c = cpu_to_le16(120),
		.seq = cpu_to_le16(0xfffe),
		.remaining_ms = cpu_to_le32(90000),
		.toasts = cpu_to_le32(12),
		.errors = cpu_to_le32(2),
	};
}

static void toaster_decode_good_test(struct kunit *test)
{
	struct toaster_wire_status wire = toaster_good_wire();
	struct toaster_snapshot snap = {};

	KUNIT_ASSERT_EQ(test, toaster_decode_status(&wire, sizeof(wire), &snap), 0);
	KUNIT_EXPECT_EQ(test, snap.state, TOASTER_STATE_HEATING);
	KUNIT_EXPECT_EQ(test, snap.darkness, 4);
	KUNIT_EXPECT_TRUE(test, snap.safety_lock);
	KUNIT_EXPECT_TRUE(test, snap.loopback);
	KUNIT_EXPECT_EQ(test, snap.temperature_c, 120);
	KUNIT_EXPECT_EQ(test, snap.seq, 0xfffe);
	KUNIT_EXPECT_EQ(test, snap.remaining_ms, 90000);
	KUNIT_EXPECT_EQ(test, snap.toasts, 12);
	KUNIT_EXPECT_EQ(test, snap.errors, 2);

	/* Below freezing is a temperature, not a huge number. */
	wire.temperature_c = cpu_to_le16((u16)-5);
	wire.flags = 0;
	KUNIT_ASSERT_EQ(test, toaster_decode_status(&wire, sizeof(wire), &snap), 0);
	KUNIT_EXPECT_EQ(test, snap.temperature_c, -5);
	KUNIT_EXPECT_FALSE(test, snap.safety_lock);
	KUNIT_EXPECT_FALSE(test, snap.loopback);
}

struct toaster_decode_case {
	const char *name;
	size_t len;
	u8 state;
	u8 darkness;
};

static const struct toaster_decode_case toaster_decode_bad_cases[] = {
	{ "empty", 0, TOASTER_STATE_IDLE, 5 },
	{ "one byte", 1, TOASTER_STATE_IDLE, 5 },
	{ "short by one", sizeof(struct toaster_wire_status) - 1, TOASTER_STATE_IDLE, 5 },
	{ "long by one", sizeof(struct toaster_wire_status) + 1, TOASTER_STATE_IDLE, 5 },
	{ "full packet", 64, TOASTER_STATE_IDLE, 5 },
	{ "unknown state", sizeof(struct toaster_wire_status), TOASTER_STATE_COUNT, 5 },
	{ "state 0xff", sizeof(struct toaster_wire_status), 0xff, 5 },
	{ "darkness 0", sizeof(struct toaster_wire_status), TOASTER_STATE_IDLE, 0 },
	{ "darkness 11", sizeof(struct toaster_wire_status), TOASTER_STATE_IDLE, 11 },
	{ "darkness 0xff", sizeof(struct toaster_wire_status), TOASTER_STATE_IDLE, 0xff },
};

static void toaster_decode_case_desc(const struct toaster_decode_case *c,
				     char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(toaster_decode_bad, toaster_decode_bad_cases,
		  toaster_decode_case_desc);

static void toaster_decode_bad_test(struct kunit *test)
{
	const struct toaster_decode_case *c = test->param_value;
	struct toaster_snapshot snap = { .state = TOASTER_STATE_DONE, .toasts = 42 };
	u8 *buf;

	/* Room for the longest case, filled like a sane status. */
	buf = kunit_kzalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	*(struct toaster_wire_status *)buf = toaster_good_wire();
	((struct toaster_wire_status *)buf)->state = c->state;
	((struct toaster_wire_status *)buf)->darkness = c->darkness;

	KUNIT_EXPECT_EQ(test, toaster_decode_status(buf, c->len, &snap), -EPROTO);
	/* A refused packet changes nothing. */
	KUNIT_EXPECT_EQ(test, snap.state, TOASTER_STATE_DONE);
	KUNIT_EXPECT_EQ(test, snap.toasts, 42);
}

static void toaster_decode_garbage_test(struct kunit *test)
{
	struct toaster_wire_status wire;
	struct toaster_snapshot snap;
	u32 seed = 0x70a57e2;
	int i, accepted = 0, refused = 0;

	/*
	 * Random bytes either decode to something in range or are refused;
	 * they never yield a state or darkness the rest of the driver cannot
	 * print.  Every other packet has its state and darkness folded to
	 * near the valid range, so both outcomes happen often.
	 */
	for (i = 0; i < 2000; i++) {
		u8 *p = (u8 *)&wire;
		size_t j;

		for (j = 0; j < sizeof(wire); j++) {
			seed = seed * 1103515245 + 12345;
			p[j] = seed >> 16;
		}
		if (i % 2) {
			wire.state %= TOASTER_STATE_COUNT + 2;
			wire.darkness %= TOASTER_DARKNESS_MAX + 2;
		}
		if (toaster_decode_status(&wire, sizeof(wire), &snap)) {
			refused++;
			continue;
		}
		accepted++;
		KUNIT_EXPECT_LT(test, snap.state, TOASTER_STATE_COUNT);
		KUNIT_EXPECT_GE(test, snap.darkness, TOASTER_DARKNESS_MIN);
		KUNIT_EXPECT_LE(test, snap.darkness, TOASTER_DARKNESS_MAX);
	}
	/* Both ways were taken, so the checks above really ran. */
	KUNIT_EXPECT_GT(test, accepted, 100);
	KUNIT_EXPECT_GT(test, refused, 100);
}

/* The protocol's rules, from include/uapi/toaster_proto.h, as the driver sees them. */
static void toaster_seq_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, toaster_seq_after(1, 0));
	KUNIT_EXPECT_FALSE(test, toaster_seq_after(5, 5));
	KUNIT_EXPECT_FALSE(test, toaster_seq_after(4, 5));
	/* Across the wrap. */
	KUNIT_EXPECT_TRUE(test, toaster_seq_after(0, 0xffff));
	KUNIT_EXPECT_TRUE(test, toaster_seq_after(3, 0xfff0));
	KUNIT_EXPECT_FALSE(test, toaster_seq_after(0xfff0, 3));
	/* Half the space ahead is the edge: after one way, not the other. */
	KUNIT_EXPECT_TRUE(test, toaster_seq_after(0x7fff, 0));
	KUNIT_EXPECT_FALSE(test, toaster_seq_after(0x8000, 0));
}

static void toaster_proto_rules_test(struct kunit *test)
{
	const struct toaster_request_desc *desc;
	unsigned int i;

	KUNIT_EXPECT_FALSE(test, toaster_darkness_valid(TOASTER_DARKNESS_MIN - 1));
	KUNIT_EXPECT_TRUE(test, toaster_darkness_valid(TOASTER_DARKNESS_MIN));
	KUNIT_EXPECT_TRUE(test, toaster_darkness_valid(TOASTER_DARKNESS_MAX));
	KUNIT_EXPECT_FALSE(test, toaster_darkness_valid(TOASTER_DARKNESS_MAX + 1));

	for (i = 0; i < TOASTER_STATE_COUNT; i++)
		KUNIT_EXPECT_EQ(test, toaster_state_is_busy(i),
				i == TOASTER_STATE_HEATING ||
				i == TOASTER_STATE_TOASTING);
	KUNIT_EXPECT_STREQ(test, toaster_request_name(TOASTER_REQ_GET_STATUS),
			   "GET_STATUS");
	KUNIT_EXPECT_NULL(test, toaster_request_name(0));
	KUNIT_EXPECT_NULL(test, toaster_request_desc(0xff));
	desc = toaster_request_desc(TOASTER_REQ_GET_INFO);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	KUNIT_EXPECT_EQ(test, desc->dir, USB_DIR_IN);
	KUNIT_EXPECT_EQ(test, desc->len, sizeof(struct toaster_wire_info));
	desc = toaster_request_desc(TOASTER_REQ_SET_LOCK);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	KUNIT_EXPECT_EQ(test, desc->dir, USB_DIR_OUT);
	KUNIT_EXPECT_EQ(test, desc->len, 0);
	/* The driver's own requests are the protocol's. */
	for (i = 0; i < TOASTER_REQ_SLOTS; i++) {
		desc = toaster_request_desc(i);
		if (desc)
			KUNIT_EXPECT_EQ(test, desc->request, i);
	}
}

struct toaster_check_case {
	const char *name;
	enum toaster_state state;
	bool locked;
	enum toaster_command_op op;
	unsigned int darkness;
	int ret;
};

static const struct toaster_check_case toaster_check_cases[] = {
	{ "toast when idle", TOASTER_STATE_IDLE, false, TOASTER_CMD_TOAST, 0, 0 },
	{ "toast at 10 when done", TOASTER_STATE_DONE, false, TOASTER_CMD_TOAST, 10, 0 },
	{ "toast at 11", TOASTER_STATE_IDLE, false, TOASTER_CMD_TOAST, 11, -EINVAL },
	{ "toast when locked", TOASTER_STATE_IDLE, true, TOASTER_CMD_TOAST, 0, -EPERM },
	{ "toast when heating", TOASTER_STATE_HEATING, false, TOASTER_CMD_TOAST, 0, -EBUSY },
	{ "toast when toasting", TOASTER_STATE_TOASTING, false, TOASTER_CMD_TOAST, 3, -EBUSY },
	{ "toast in the fault state", TOASTER_STATE_FAULT, false, TOASTER_CMD_TOAST, 0, -EIO },
	/* Locked comes first: it is what the user can do something about. */
	{ "toast locked and faulted", TOASTER_STATE_FAULT, true, TOASTER_CMD_TOAST, 0, -EPERM },
	{ "darkness 1", TOASTER_STATE_IDLE, false, TOASTER_CMD_DARKNESS, 1, 0 },
	{ "darkness 0", TOASTER_STATE_IDLE, false, TOASTER_CMD_DARKNESS, 0, -EINVAL },
	{ "darkness 11", TOASTER_STATE_IDLE, false, TOASTER_CMD_DARKNESS, 11, -EINVAL },
	/* A toast's darkness may change while it toasts, as the toaster allows. */
	{ "darkness while toasting", TOASTER_STATE_TOASTING, false, TOASTER_CMD_DARKNESS, 4, 0 },
	{ "cancel in the fault state", TOASTER_STATE_FAULT, false, TOASTER_CMD_CANCEL, 0, 0 },
	{ "cancel when locked", TOASTER_STATE_TOASTING, true, TOASTER_CMD_CANCEL, 0, 0 },
	{ "unlock when locked", TOASTER_STATE_IDLE, true, TOASTER_CMD_UNLOCK, 0, 0 },
	{ "lock while toasting", TOASTER_STATE_TOASTING, false, TOASTER_CMD_LOCK, 0, 0 },
};

static void toaster_check_case_desc(const struct toaster_check_case *c,
				    char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(toaster_check, toaster_check_cases, toaster_check_case_desc);

/* What write(), the ioctls and sysfs all refuse before sending anything. */
static void toaster_command_check_test(struct kunit *test)
{
	const struct toaster_check_case *c = test->param_value;
	struct toaster_snapshot snap = {
		.state = c->state,
		.darkness = TOASTER_DARKNESS_DEFAULT,
		.safety_lock = c->locked,
	};
	struct toaster_command cmd = { .op = c->op, .darkness = c->darkness };

	KUNIT_EXPECT_EQ(test, toaster_command_check(&snap, &cmd), c->ret);
}

static void toaster_stream_plan_test(struct kunit *test)
{
	struct toaster_stream_plan plan;

	KUNIT_EXPECT_EQ(test, toaster_stream_plan(&plan, 0, 1, 65536, 512), -EINVAL);
	KUNIT_EXPECT_EQ(test, toaster_stream_plan(&plan, TOASTER_XFER_MAX + 1, 1,
						  65536, 512), -EINVAL);
	KUNIT_EXPECT_EQ(test, toaster_stream_plan(&plan, 512, 1, 65536, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, toaster_stream_plan(&plan, 512, 1, 256, 512), -EINVAL);
	KUNIT_EXPECT_EQ(test, toaster_stream_plan(&plan, TOASTER_XFER_MAX,
						  TOASTER_STREAM_MAX / TOASTER_XFER_MAX + 1,
						  65536, 512), -EINVAL);
	/* A call of the old ABI, its count field zero, is one transfer. */
	KUNIT_ASSERT_EQ(test, toaster_stream_plan(&plan, 100, 0, 65536, 512), 0);
	KUNIT_EXPECT_EQ(test, plan.count, 1);
	KUNIT_EXPECT_EQ(test, plan.chunks, 1);
	/* URBs are whole packets. */
	KUNIT_ASSERT_EQ(test, toaster_stream_plan(&plan, 4096, 3, 1000, 512), 0);
	KUNIT_EXPECT_EQ(test, plan.urb_size, 512);
	KUNIT_EXPECT_EQ(test, plan.per_transfer, 8);
	KUNIT_EXPECT_EQ(test, plan.chunks, 24);
	KUNIT_ASSERT_EQ(test, toaster_stream_plan(&plan, TOASTER_XFER_MAX,
						  TOASTER_STREAM_MAX / TOASTER_XFER_MAX,
						  65536, 512), 0);
}

struct toaster_stream_case {
	u32 len, count, urb_size;
	u16 maxp;
};

static const struct toaster_stream_case toaster_stream_cases[] = {
	{ 1, 3, 65536, 512 },		/* one short packet each */
	{ 511, 2, 65536, 512 },
	{ 512, 2, 65536, 512 },		/* one packet and a ZLP */
	{ 4096, 4, 65536, 512 },
	{ 65536, 2, 65536, 512 },	/* exactly one URB */
	{ 65536, 2, 65024, 512 },	/* IN: a packet short of it */
	{ 100000, 3, 65536, 512 },	/* ends short */
	{ 1048576, 2, 65536, 512 },
	{ 1000, 5, 4096, 64 },		/* full speed */
	{ 192, 4, 4096, 64 },
	{ 1023 * 5, 2, 4096, 1023 },	/* an odd packet size */
};

static void toaster_stream_case_desc(const struct toaster_stream_case *c,
				     char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u x %u bytes, URBs of %u, maxp %u",
		 c->count, c->len, c->urb_size, c->maxp);
}

KUNIT_ARRAY_PARAM(toaster_stream, toaster_stream_cases, toaster_stream_case_desc);

/*
 * Whatever the sizes, the chunks cover the buffer once, in order; only the
 * one that ends a transfer may be short; a transfer of whole packets ends
 * with a ZLP, whose echo needs a packet's room more.
 */
static void toaster_stream_chunk_test(struct kunit *test)
{
	const struct toaster_stream_case *c = test->param_value;
	struct toaster_stream_plan plan;
	struct toaster_chunk chunk;
	u64 i, offset = 0, in_transfer = 0;

	KUNIT_ASSERT_EQ(test, toaster_stream_plan(&plan, c->len, c->count,
						  c->urb_size, c->maxp), 0);
	for (i = 0; i < plan.chunks; i++) {
		toaster_stream_chunk(&plan, i, &chunk);
		KUNIT_EXPECT_EQ(test, chunk.offset, offset);
		KUNIT_EXPECT_GT(test, chunk.len, 0);
		KUNIT_EXPECT_LE(test, chunk.len, plan.urb_size);
		offset += chunk.len;
		in_transfer += chunk.len;
		if (!chunk.last) {
			KUNIT_EXPECT_EQ(test, chunk.len, plan.urb_size);
			KUNIT_EXPECT_EQ(test, chunk.len % c->maxp, 0);
			KUNIT_EXPECT_FALSE(test, chunk.zero_packet);
			KUNIT_EXPECT_EQ(test, chunk.room, chunk.len);
			continue;
		}
		KUNIT_EXPECT_EQ(test, in_transfer, c->len);
		KUNIT_EXPECT_EQ(test, chunk.zero_packet, c->len % c->maxp == 0);
		KUNIT_EXPECT_EQ(test, chunk.room,
				chunk.len + (chunk.zero_packet ? c->maxp : 0));
		in_transfer = 0;
	}
	KUNIT_EXPECT_EQ(test, offset, (u64)c->len * c->count);
}

static void toaster_chunk_received_test(struct kunit *test)
{
	struct toaster_chunk chunk = { .len = 4096, .room = 4608, .last = true };

	KUNIT_EXPECT_EQ(test, toaster_chunk_received(&chunk, 4096), 0);
	KUNIT_EXPECT_EQ(test, toaster_chunk_received(&chunk, 4095), -EIO);
	KUNIT_EXPECT_EQ(test, toaster_chunk_received(&chunk, 0), -EIO);
	KUNIT_EXPECT_EQ(test, toaster_chunk_received(&chunk, 4608), -EIO);
}

static void toaster_snapshot_equal_test(struct kunit *test)
{
	struct toaster_snapshot a = { .state = TOASTER_STATE_DONE, .toasts = 1 };
	struct toaster_snapshot b = a;

	KUNIT_EXPECT_TRUE(test, toaster_snapshot_equal(&a, &b));
	b.temperature_c = 21;
	KUNIT_EXPECT_FALSE(test, toaster_snapshot_equal(&a, &b));
	b = a;
	b.safety_lock = true;
	KUNIT_EXPECT_FALSE(test, toaster_snapshot_equal(&a, &b));
	b = a;
	b.seq = 1;
	KUNIT_EXPECT_FALSE(test, toaster_snapshot_equal(&a, &b));
}

static struct kunit_case toaster_logic_test_cases[] = {
	KUNIT_CASE_PARAM(toaster_parse_test, toaster_parse_gen_params),
	KUNIT_CASE(toaster_parse_length_test),
	KUNIT_CASE(toaster_format_test),
	KUNIT_CASE(toaster_format_limits_test),
	KUNIT_CASE(toaster_state_name_test),
	KUNIT_CASE(toaster_decode_good_test),
	KUNIT_CASE_PARAM(toaster_decode_bad_test, toaster_decode_bad_gen_params),
	KUNIT_CASE(toaster_decode_garbage_test),
	KUNIT_CASE(toaster_seq_test),
	KUNIT_CASE(toaster_proto_rules_test),
	KUNIT_CASE_PARAM(toaster_command_check_test, toaster_check_gen_params),
	KUNIT_CASE(toaster_stream_plan_test),
	KUNIT_CASE_PARAM(toaster_stream_chunk_test, toaster_stream_gen_params),
	KUNIT_CASE(toaster_chunk_received_test),
	KUNIT_CASE(toaster_snapshot_equal_test),
	{}
};

static struct kunit_suite toaster_logic_test_suite = {
	.name = "toaster_logic",
	.test_cases = toaster_logic_test_cases,
};

kunit_test_suite(toaster_logic_test_suite);

MODULE_DESCRIPTION("KUnit tests for the USB toaster driver's logic");
MODULE_LICENSE("GPL");
/*
 * MODULE_IMPORT_NS() takes a string since 6.13 and a bare word before it;
 * both expand to this.
 */
MODULE_INFO(import_ns, "EXPORTED_FOR_KUNIT_TESTING");
