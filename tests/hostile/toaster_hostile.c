// SPDX-License-Identifier: GPL-2.0
/*
 * toaster-hostile: plays every malformed or misbehaving toaster of the
 * table (table.c) against toaster.ko, one after another, on Raw Gadget
 * over the free dummy_udc.1, and reports KTAP: one case per device, its
 * outcome in the result line:
 *
 *   ok 23 maxp-0-bulk-in # refused: "bulk endpoint with a packet size of 0"
 *
 * Each is either refused in probe with one clear line in the kernel log,
 * or bound and still correct, as its row says; and no kernel report.
 *
 *   toaster-hostile [--list] [--only NAME,...] [--size ci|stress]
 *                   [--repeat N] [--random-unplug N] [--seed N]
 *
 * --size ci (the default) plays each device once: what make check runs.
 * --size stress plays each three times, then as many again, each
 * unplugged at a random point of its life (--random-unplug N sets how
 * many, --seed makes a run repeatable).  TOASTER_HOSTILE_SIZE,
 * TOASTER_HOSTILE_ONLY and TOASTER_HOSTILE_SEED do what the options do.
 *
 * Runs in the test guest: root, toaster.ko loaded, dummy_hcd with two
 * controllers, raw_gadget loaded (tests/e2e/hostile-devices.sh sees to
 * it).  Exits 4 (skip) without Raw Gadget.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "hostile.h"
#include "toaster_clock.h"

static bool selected(const char *only, const char *name)
{
	char pattern[128];
	const char *p = only, *comma;
	size_t len;

	if (!only || !*only)
		return true;
	while (*p) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len < sizeof(pattern)) {
			memcpy(pattern, p, len);
			pattern[len] = '\0';
			if (!fnmatch(pattern, name, 0))
				return true;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

static const char *outcome_text(const struct hd_device *dev)
{
	return dev->outcome == HD_REFUSED ? "refused" :
	       dev->outcome == HD_BOUND ? "bound" : "left alone";
}

static void list(const char *only)
{
	unsigned int i;

	for (i = 0; i < hd_device_count; i++) {
		const struct hd_device *d = &hd_devices[i];

		if (selected(only, d->name))
			printf("%-30s %-10s %s%s%s%s\n", d->name, outcome_text(d), d->what,
			       d->line ? " (\"" : "", d->line ? d->line : "",
			       d->line ? "\")" : "");
	}
}

static bool udc_free(void)
{
	char function[64] = "";
	FILE *f = fopen("/sys/class/udc/dummy_udc.1/function", "r");

	if (!f)
		return false;
	if (!fgets(function, sizeof(function), f))
		function[0] = '\0';
	fclose(f);
	return !function[0] || function[0] == '\n';
}

static void usage(void)
{
	fprintf(stderr, "usage: toaster-hostile [--list] [--only NAME,...] [--size ci|stress]\n"
			"                       [--repeat N] [--random-unplug N] [--seed N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "only", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "random-unplug", required_argument, NULL, 'u' },
		{ "seed", required_argument, NULL, 'S' },
		{ }
	};
	const char *only = getenv("TOASTER_HOSTILE_ONLY");
	const char *size = getenv("TOASTER_HOSTILE_SIZE");
	const char *seed_env = getenv("TOASTER_HOSTILE_SEED");
	int repeat = -1, random_unplug = -1, opt;
	unsigned int seed = (unsigned int)toaster_now_ns(), i, n, chosen = 0;
	int64_t start = toaster_now_ms();
	struct hd_host *host;
	bool do_list = false;
	char why[512];

	if (seed_env && *seed_env)
		seed = strtoul(seed_env, NULL, 0);
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'l': do_list = true; break;
		case 'o': only = optarg; break;
		case 's': size = optarg; break;
		case 'r': repeat = atoi(optarg); break;
		case 'u': random_unplug = atoi(optarg); break;
		case 'S': seed = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (do_list) {
		list(only);
		return 0;
	}
	if (size && *size && strcmp(size, "ci") && strcmp(size, "stress"))
		usage();
	for (i = 0; i < hd_device_count; i++)
		chosen += selected(only, hd_devices[i].name);
	if (repeat < 0)
		repeat = size && !strcmp(size, "stress") ? 3 : 1;
	if (random_unplug < 0)
		random_unplug = size && !strcmp(size, "stress") ? (int)chosen : 0;

	/* A device that died must not take the runner with it. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (access("/dev/raw-gadget", R_OK | W_OK))
		ksft_exit_skip("no /dev/raw-gadget: this kernel has no CONFIG_USB_RAW_GADGET\n");
	if (access("/sys/module/toaster", F_OK))
		ksft_exit_skip("toaster.ko is not loaded\n");
	if (!udc_free())
		ksft_exit_fail_msg("dummy_udc.1 is missing or taken: it is the hostile devices' own\n");
	host = hd_host_open();
	if (!host)
		ksft_exit_fail_msg("cannot watch dummy_hcd.1's bus and the kernel log\n");
	if (!chosen)
		ksft_exit_fail_msg("no device matches \"%s\"\n", only);

	ksft_set_plan(chosen * repeat + random_unplug);
	ksft_print_msg("%u devices, each %d time%s, %d unplugged at random (seed %u); io_timeout_ms %u\n",
		       chosen, repeat, repeat == 1 ? "" : "s", random_unplug, seed,
		       hd_io_timeout_ms());
	srandom(seed);
	for (n = 0; n < (unsigned int)repeat; n++) {
		for (i = 0; i < hd_device_count; i++) {
			const struct hd_device *dev = &hd_devices[i];
			struct hd_run run = { .dev = dev, .seed = seed };
			char name[64];

			if (!selected(only, dev->name))
				continue;
			snprintf(name, sizeof(name), n ? "%s-%u" : "%s", dev->name, n + 1);
			ksft_print_msg("%s: %s\n", name, dev->what);
			if (hd_host_run(host, &run, why, sizeof(why)))
				ksft_test_result_pass("%s # %s\n", name, why);
			else
				ksft_test_result_fail("%s # %s\n", name, why);
		}
	}
	for (n = 0; n < (unsigned int)random_unplug; n++) {
		const struct hd_device *dev;
		struct hd_run run;
		char name[64];

		do
			dev = &hd_devices[random() % hd_device_count];
		while (!selected(only, dev->name));
		/* An event is a request, a transfer or a notification. */
		run = (struct hd_run){ .dev = dev, .seed = seed,
				       .unplug_after = 1 + random() % 40 };
		snprintf(name, sizeof(name), "%s@unplug-%u", dev->name, run.unplug_after);
		ksft_print_msg("%s: %s, unplugged at event %u\n", name, dev->what,
			       run.unplug_after);
		if (hd_host_run(host, &run, why, sizeof(why)))
			ksft_test_result_pass("%s # %s\n", name, why);
		else
			ksft_test_result_fail("%s # %s\n", name, why);
	}
	ksft_print_msg("took %lld s\n", (long long)(toaster_now_ms() - start) / 1000);
	ksft_finished();
}
