// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-proto: the numbers of include/uapi/toaster_proto.h for shell
 * scripts, so that no script parses a C header to learn them.
 *
 *   toaster-proto            every name, as NAME=VALUE lines
 *   toaster-proto NAME...    those values, one a line; exit 1 if one is unknown
 *
 * IDs are four lower-case hex digits, as lsusb and sysfs print them; other
 * values are decimal.
 */
#include <stdio.h>
#include <string.h>

#include "toaster_proto.h"

struct toaster_proto_value {
	const char	*name;
	unsigned int	value;
	int		hex;
};

#define TOASTER_PROTO_REQ(name, nr, dir, len)	{ "TOASTER_REQ_" #name, nr, 0 },
#define TOASTER_PROTO_STATE(name, text)		{ "TOASTER_STATE_" #name, TOASTER_STATE_##name, 0 },

static const struct toaster_proto_value toaster_proto_values[] = {
	{ "TOASTER_VENDOR_ID", TOASTER_VENDOR_ID, 1 },
	{ "TOASTER_PRODUCT_ID", TOASTER_PRODUCT_ID, 1 },
	{ "TOASTER_BCD_DEVICE", TOASTER_BCD_DEVICE, 1 },
	{ "TOASTER_INTERFACE_CLASS", TOASTER_INTERFACE_CLASS, 0 },
	{ "TOASTER_PROTOCOL_VERSION", TOASTER_PROTOCOL_VERSION, 0 },
	{ "TOASTER_DARKNESS_MIN", TOASTER_DARKNESS_MIN, 0 },
	{ "TOASTER_DARKNESS_MAX", TOASTER_DARKNESS_MAX, 0 },
	{ "TOASTER_DARKNESS_DEFAULT", TOASTER_DARKNESS_DEFAULT, 0 },
	{ "TOASTER_BURN_MAX", TOASTER_BURN_MAX, 0 },
	{ "TOASTER_WIRE_STATUS_SIZE", sizeof(struct toaster_wire_status), 0 },
	{ "TOASTER_WIRE_INFO_SIZE", sizeof(struct toaster_wire_info), 0 },
	TOASTER_REQUESTS(TOASTER_PROTO_REQ)
	TOASTER_STATES(TOASTER_PROTO_STATE)
};

static void toaster_proto_print(const struct toaster_proto_value *v, int named)
{
	if (named)
		printf("%s=", v->name);
	printf(v->hex ? "%04x\n" : "%u\n", v->value);
}

int main(int argc, char **argv)
{
	const size_t n = sizeof(toaster_proto_values) / sizeof(toaster_proto_values[0]);
	size_t i;
	int a;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: toaster-proto [NAME]...\n"
		       "Prints the toaster protocol's numbers (include/uapi/toaster_proto.h):\n"
		       "all of them as NAME=VALUE lines, or the value of each NAME given.\n");
		return 0;
	}
	if (argc == 1) {
		for (i = 0; i < n; i++)
			toaster_proto_print(&toaster_proto_values[i], 1);
		return 0;
	}
	for (a = 1; a < argc; a++) {
		for (i = 0; i < n && strcmp(argv[a], toaster_proto_values[i].name); i++)
			;
		if (i == n) {
			fprintf(stderr, "toaster-proto: no %s in the protocol\n", argv[a]);
			return 1;
		}
		toaster_proto_print(&toaster_proto_values[i], 0);
	}
	return 0;
}
