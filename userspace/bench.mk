# SPDX-License-Identifier: GPL-2.0
# Included by userspace/Makefile: the guest-side programs of make bench
# (scripts/bench), kept in a fragment of their own so that the Makefile's
# other rules stay as they are.
#   $(O)/toaster-bench       the driver's costs, through /dev/toasterN (plain libc)

BENCH_LIB := toaster_bench_lib.c
BENCH_SRCS := toaster_bench.c $(BENCH_LIB)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(OBJDIR)/%.o)
DEPS += $(BENCH_OBJS:.o=.d)

all: $(O)/toaster-bench

# The poller of write-latency is a thread.
$(O)/toaster-bench: $(BENCH_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $(BENCH_OBJS)

$(OBJDIR)/toaster_bench.o: CFLAGS += -pthread

clean: bench-clean
.PHONY: bench-clean
bench-clean:
	rm -f $(O)/toaster-bench
