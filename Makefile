# SPDX-License-Identifier: GPL-2.0
#
#   make               toaster.ko against KDIR, the emulator and the tools
#   make check         install what is missing, build, run every test
#   make stress        issue 10's stress suites at full size (scripts/stress)
#   make demo          install what is missing, show the toaster working in a VM
#   make lint          checkpatch, W=1 + sparse on every kernel, shellcheck
#   make KERNEL=NAME   build the module against a kernel of scripts/kernel
#                      (TOASTER_KERNELS in scripts/lib.sh, or debug-rt)
#                      instead of KDIR
#
# Objects go under build/, one directory per kernel, so the same tree builds
# against several kernels without a clean in between.

BUILD := $(CURDIR)/build
BIN := $(BUILD)/bin
TOASTER_KERNELS := $(shell bash -c '. scripts/lib.sh && echo "$$TOASTER_KERNELS"')

KERNEL ?=
ifeq ($(KERNEL),)
KDIR ?= /lib/modules/$(shell uname -r)/build
else
KERNEL_ENV := $(shell scripts/kernel $(KERNEL))
KDIR := $(shell . '$(KERNEL_ENV)' && echo $$KERNEL_KDIR)
endif
# Where each kernel's module is built is scripts/lib.sh's to say.
ifeq ($(origin MODDIR),undefined)
MODDIR := $(shell TOASTER_BUILD='$(BUILD)' bash -c '. scripts/lib.sh && toaster_module_dir $(KERNEL)')
endif

# The KUnit module is built for the kernels that have KUnit built in: the
# debug kernels.
KUNIT := $(if $(shell grep -sx CONFIG_KUNIT=y $(KDIR)/.config),m)

MODULE_SOURCES := Kbuild $(wildcard module/*.c module/*.h kunit/*.c kunit/*.h)

KBUILD_ARGS = -C $(KDIR) M=$(MODDIR) TOASTER_EXTERNAL=1 \
	CONFIG_USB_TOASTER=m CONFIG_USB_TOASTER_KUNIT_TEST=$(KUNIT)

.PHONY: all module gadget userspace selftests guest check stress demo lint clean

all: module gadget userspace

# Kbuild writes objects next to the sources: give each kernel its own tree
# of links to them.
$(MODDIR)/.tree: $(MODULE_SOURCES)
	@test -e $(KDIR)/Makefile || { \
		echo "No kernel build tree at KDIR=$(KDIR)."; \
		echo "Install linux-headers-$$(uname -r), set KDIR=..., or use KERNEL=NAME ($(TOASTER_KERNELS) debug-rt)."; \
		exit 1; }
	@mkdir -p $(MODDIR)
	@for f in $(MODULE_SOURCES); do \
		mkdir -p $(MODDIR)/$$(dirname $$f); ln -sfn $(CURDIR)/$$f $(MODDIR)/$$f; done
	@ln -sfn $(CURDIR)/include $(MODDIR)/include
	@touch $@

module: $(MODDIR)/.built

# Kbuild takes seconds even when there is nothing to do; scripts/vm asks for
# the module before every boot.
$(MODDIR)/.built: $(MODDIR)/.tree $(MODULE_SOURCES) $(wildcard include/uapi/*.h)
	$(MAKE) $(KBUILD_ARGS) W=1 modules
	@touch $@

gadget:
	$(MAKE) -C gadget O=$(BIN)

userspace:
	$(MAKE) -C userspace O=$(BIN)

# The guest's tests (tests/Makefile, kselftest style).
selftests:
	$(MAKE) -C tests O=$(BIN)

# What scripts/vm needs in the guest.
guest: module gadget userspace selftests

check:
	scripts/deps
	scripts/check

stress:
	scripts/deps
	scripts/stress

demo:
	scripts/deps
	scripts/demo

lint:
	scripts/deps
	scripts/lint

clean:
	rm -rf $(BUILD)
	$(MAKE) -C gadget O=$(BIN) clean
	$(MAKE) -C userspace O=$(BIN) clean
	$(MAKE) -C tests O=$(BIN) KERNEL_SRC=. clean
