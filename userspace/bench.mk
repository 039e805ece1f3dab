# SPDX-License-Identifier: GPL-2.0
# Included by userspace/Makefile: the guest-side programs of make bench
# (scripts/bench), kept in a fragment of their own so that the Makefile's
# other rules stay as they are.
#   $(O)/toaster-bench       the driver's costs, through /dev/toasterN (plain libc)
#   $(O)/toaster-usb-bench   the same through libusb, the driver detached:
#                            links toaster-usb's device layer

BENCH_LIB := toaster_bench_lib.c
BENCH_SRCS := toaster_bench.c $(BENCH_LIB)
USB_BENCH_SRCS := toaster_usb_bench.c $(BENCH_LIB) toaster_usb_dev.c toaster_usb_eps.c
BENCH_OBJS := $(BENCH_SRCS:%.c=$(OBJDIR)/%.o)
USB_BENCH_OBJS := $(USB_BENCH_SRCS:%.c=$(OBJDIR)/%.o)
DEPS += $(BENCH_OBJS:.o=.d) $(OBJDIR)/toaster_usb_bench.d

all: $(O)/toaster-bench $(O)/toaster-usb-bench

# The poller of write-latency is a thread.
$(O)/toaster-bench: $(BENCH_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $(BENCH_OBJS)

$(O)/toaster-usb-bench: $(USB_BENCH_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(USB_BENCH_OBJS) $(LIBUSB_LIBS)

$(OBJDIR)/toaster_bench.o: CFLAGS += -pthread

clean: bench-clean
.PHONY: bench-clean
bench-clean:
	rm -f $(O)/toaster-bench $(O)/toaster-usb-bench
