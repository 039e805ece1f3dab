/* SPDX-License-Identifier: GPL-2.0 */
/*
 * toaster_faults' means of injecting: the kernel's fail-nth, with failslab
 * set to count the driver's GFP_KERNEL allocations, and the driver's
 * fail_submit fault_attr for what runs outside the caller's task; and
 * what a fault may do to the toaster as usbcore sees it (re-enumerate it).
 * Include once, after toaster_stress.h and a definition of `toaster`.
 */
#ifndef TOASTER_INJECT_H
#define TOASTER_INJECT_H

#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAIL_SUBMIT	"/sys/kernel/debug/toaster/fail_submit/"

enum tf_how { TF_NTH, TF_SUBMIT };

static int nth_fd = -1;
static char saved_gfp_wait[8], saved_slab_verbose[8], saved_submit_verbose[8];

static void tf_arm(enum tf_how how, unsigned long n)
{
	char buf[32];

	if (how == TF_NTH) {
		snprintf(buf, sizeof(buf), "%lu", n);
		if (pwrite(nth_fd, buf, strlen(buf), 0) < 0)
			ksft_exit_fail_msg("fail-nth: %s\n", strerror(errno));
		return;
	}
	snprintf(buf, sizeof(buf), "%lu", n);
	if (ts_write_file(FAIL_SUBMIT "space", buf) || ts_write_file(FAIL_SUBMIT "times", "1") ||
	    ts_write_file(FAIL_SUBMIT "interval", "1") ||
	    ts_write_file(FAIL_SUBMIT "task-filter", "N") ||
	    ts_write_file(FAIL_SUBMIT "probability", "100"))
		ksft_exit_fail_msg("cannot arm %s\n", FAIL_SUBMIT);
}

/* Disarms; whether the fault fired. */
static bool tf_disarm(enum tf_how how)
{
	char buf[32] = "";

	if (how == TF_NTH) {
		if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0 || pwrite(nth_fd, "0", 1, 0) < 0)
			ksft_exit_fail_msg("fail-nth: %s\n", strerror(errno));
		return atoi(buf) == 0;
	}
	ts_write_file(FAIL_SUBMIT "probability", "0");
	if (ts_read_file(FAIL_SUBMIT "times", buf, sizeof(buf)))
		ksft_exit_fail_msg("cannot read %stimes\n", FAIL_SUBMIT);
	return atoi(buf) == 0;
}

/* The kernel's knobs as the suite needs them, and back as they were. */
static void tf_knobs(bool on)
{
	if (on) {
		ts_read_file(FAILSLAB "ignore-gfp-wait", saved_gfp_wait, sizeof(saved_gfp_wait));
		ts_read_file(FAILSLAB "verbose", saved_slab_verbose, sizeof(saved_slab_verbose));
		ts_read_file(FAIL_SUBMIT "verbose", saved_submit_verbose,
			     sizeof(saved_submit_verbose));
		/* GFP_KERNEL allocations are the driver's: they must count. */
		if (ts_write_file(FAILSLAB "ignore-gfp-wait", "N"))
			ksft_exit_fail_msg("cannot set %signore-gfp-wait\n", FAILSLAB);
		/* A stack dump per fault would be most of the run under TCG. */
		ts_write_file(FAILSLAB "verbose", "0");
		ts_write_file(FAIL_SUBMIT "verbose", "0");
		return;
	}
	ts_write_file(FAIL_SUBMIT "probability", "0");
	if (*saved_gfp_wait)
		ts_write_file(FAILSLAB "ignore-gfp-wait", saved_gfp_wait);
	if (*saved_slab_verbose)
		ts_write_file(FAILSLAB "verbose", saved_slab_verbose);
	if (*saved_submit_verbose)
		ts_write_file(FAIL_SUBMIT "verbose", saved_submit_verbose);
}

/* The toaster's USB device number, which a re-enumeration changes; -1. */
static long tf_devnum(void)
{
	struct ts_sysfs s;
	char buf[16];

	if (ts_find_sysfs(&toaster, &s) || ts_sysfs_read(s.usb, "devnum", buf, sizeof(buf)))
		return -1;
	return atol(buf);
}

/* Whether the toaster went, or came back as another device, within 5 s. */
static bool tf_reenumerated(long before)
{
	int64_t end = toaster_now_ms() + 5000;

	do {
		if (tf_devnum() != before)
			return true;
		toaster_sleep_ms(50);
	} while (toaster_now_ms() < end);
	return false;
}

static void tf_replug(void)
{
	struct ts_why why;
	struct ts_sysfs s;

	ts_gadget(&toaster, "clear", &why);
	ts_gadget(&toaster, "unplug", &why);
	ts_wait_node(&toaster, false, 10000);
	ts_gadget(&toaster, "plug", &why);
	ts_wait_node(&toaster, true, 30000);
	if (!ts_find_sysfs(&toaster, &s))
		ts_sysfs_write(s.usb, "power/control", "on");
}

#endif /* TOASTER_INJECT_H */
