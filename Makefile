# SPDX-License-Identifier: GPL-2.0
#
#   make               toaster.ko against KDIR, the emulator and the tools
#   make check         install what is missing, build, run every test
#   make stress        the suites make check runs at CI size, at full size
#   make demo          install what is missing, show the toaster working in a VM
#   make lint          checkpatch, W=1 + sparse on every kernel, shellcheck
#   make bench         the stack's costs beside the bus's ceiling, in a VM on
#                      6.12: a table, build/bench/bench.json and a plot
#   make KERNEL=NAME   build the module against a kernel of scripts/kernel
#                      (TOASTER_KERNELS in scripts/lib.sh, or debug-rt)
#                      instead of KDIR
#   make install       the module (for KDIR's kernel), the tools, their man
#                      pages, bash completion, the udev rule, AppStream
#                      metadata; DESTDIR, PREFIX (default /usr/local) and
#                      KVER as usual
#   make uninstall     removes what make install installed
#   make install-dkms-source
#                      the module's source and dkms.conf in
#                      /usr/src/toaster-VERSION, for dkms install
#   make deb           toaster-dkms and toaster-tools .debs, in build/deb
#
# Objects go under build/, one directory per kernel, so the same tree builds
# against several kernels without a clean in between.

BUILD := $(CURDIR)/build
BIN := $(BUILD)/bin
VERSION := $(shell cat VERSION)
# Named once, in Kbuild.
MODULE := $(patsubst %.o,%,$(lastword $(shell grep '^obj-$$(CONFIG_USB_TOASTER)' Kbuild)))
# scripts/lib.sh names the kernels and where each one's module is built.
# The module's source as dkms has it (make install-dkms-source) has no
# scripts/: it builds for KDIR, in build/module-local, as dkms.conf says.
LIB_SH := $(wildcard scripts/lib.sh)
TOASTER_KERNELS := $(if $(LIB_SH),$(shell bash -c '. scripts/lib.sh && echo "$$TOASTER_KERNELS"'))

KERNEL ?=
ifeq ($(KERNEL),)
KDIR ?= /lib/modules/$(shell uname -r)/build
else
KERNEL_ENV := $(shell scripts/kernel $(KERNEL))
KDIR := $(shell . '$(KERNEL_ENV)' && echo $$KERNEL_KDIR)
endif
# Where each kernel's module is built is scripts/lib.sh's to say.
ifeq ($(origin MODDIR),undefined)
ifneq ($(LIB_SH),)
MODDIR := $(shell TOASTER_BUILD='$(BUILD)' bash -c '. scripts/lib.sh && toaster_module_dir $(KERNEL)')
else
MODDIR := $(BUILD)/module-local
endif
endif

# The KUnit module is built for the kernels that have KUnit built in: the
# debug kernels; not by dkms, whose copy of the source has no kunit/.
KUNIT := $(if $(wildcard kunit/*.c),$(if $(shell grep -sx CONFIG_KUNIT=y $(KDIR)/.config),m))

MODULE_SOURCES := Kbuild VERSION $(wildcard module/*.c module/*.h kunit/*.c kunit/*.h)

KBUILD_ARGS = -C $(KDIR) M=$(MODDIR) TOASTER_EXTERNAL=1 \
	CONFIG_USB_TOASTER=m CONFIG_USB_TOASTER_KUNIT_TEST=$(KUNIT)

.PHONY: all module gadget userspace udev metainfo dkms-conf selftests guest check stress demo lint bench clean \
	install install-module install-tools uninstall install-dkms-source deb

all: module gadget userspace udev metainfo

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

# Files made from a template and the facts in VERSION, Kbuild and
# include/uapi/toaster_proto.h.
UDEV_RULE := $(BUILD)/udev/70-toaster.rules
DKMS_CONF := $(BUILD)/dkms/dkms.conf
METAINFO := $(BUILD)/appstream/org.example.toaster.metainfo.xml

udev: $(UDEV_RULE)
metainfo: $(METAINFO)
dkms-conf: $(DKMS_CONF)

$(UDEV_RULE): udev/70-toaster.rules.in scripts/subst VERSION Kbuild include/uapi/toaster_proto.h
	scripts/subst $< $@

$(METAINFO): appstream/org.example.toaster.metainfo.xml.in scripts/subst include/uapi/toaster_proto.h
	scripts/subst $< $@

$(DKMS_CONF): dkms.conf.in scripts/subst VERSION Kbuild include/uapi/toaster_proto.h
	scripts/subst $< $@

# make install.  The module goes where the kernel looks for modules that
# override its own, and the udev rule where udev looks, whatever PREFIX is.
# depmod runs only for a real install: a staged one (DESTDIR) leaves it to
# whoever installs the stage, as a package's trigger does.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UDEVRULESDIR ?= /lib/udev/rules.d
METAINFODIR ?= $(PREFIX)/share/metainfo
# The release the module's vermagic names (Debian's 6.1 headers have another
# one in include/config/kernel.release).
KVER ?= $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
MODULEDIR ?= /lib/modules/$(KVER)/updates
DKMSSRCDIR ?= /usr/src/$(MODULE)-$(VERSION)

# The driver's page (the device, its ioctls and sysfs) goes with it.
INSTALLED_MODULE := $(MODULEDIR)/$(MODULE).ko $(MANDIR)/man4/toaster.4
# toaster-gadget mounts filesystems and binds controllers: root's tool, and
# toaster-gadget-ctl, which commands it through a FIFO of root's, with it.
INSTALLED_TOOLS := $(BINDIR)/toasterctl $(BINDIR)/toaster-usb $(SBINDIR)/toaster-gadget \
	$(SBINDIR)/toaster-gadget-ctl \
	$(MANDIR)/man1/toasterctl.1 $(MANDIR)/man1/toaster-usb.1 \
	$(MANDIR)/man8/toaster-gadget.8 $(MANDIR)/man8/toaster-gadget-ctl.8 $(BASHCOMPDIR)/toasterctl \
	$(UDEVRULESDIR)/70-toaster.rules $(METAINFODIR)/org.example.toaster.metainfo.xml

install: install-module install-tools

install-module: module
	@test -n "$(KVER)" || { echo "No kernel release in $(KDIR); set KVER=..."; exit 1; }
	install -D -m 0644 $(MODDIR)/$(MODULE).ko $(DESTDIR)$(MODULEDIR)/$(MODULE).ko
	install -D -m 0644 man/toaster.4 $(DESTDIR)$(MANDIR)/man4/toaster.4
	$(if $(DESTDIR),,depmod -a $(KVER))

install-tools: gadget userspace udev metainfo
	install -D -m 0755 $(BIN)/toasterctl $(DESTDIR)$(BINDIR)/toasterctl
	install -D -m 0755 $(BIN)/toaster-usb $(DESTDIR)$(BINDIR)/toaster-usb
	install -D -m 0755 $(BIN)/toaster-gadget $(DESTDIR)$(SBINDIR)/toaster-gadget
	install -D -m 0755 $(BIN)/toaster-gadget-ctl $(DESTDIR)$(SBINDIR)/toaster-gadget-ctl
	install -D -m 0644 man/toasterctl.1 $(DESTDIR)$(MANDIR)/man1/toasterctl.1
	install -D -m 0644 man/toaster-usb.1 $(DESTDIR)$(MANDIR)/man1/toaster-usb.1
	install -D -m 0644 man/toaster-gadget.8 $(DESTDIR)$(MANDIR)/man8/toaster-gadget.8
	install -D -m 0644 man/toaster-gadget-ctl.8 $(DESTDIR)$(MANDIR)/man8/toaster-gadget-ctl.8
	install -D -m 0644 completion/toasterctl $(DESTDIR)$(BASHCOMPDIR)/toasterctl
	install -D -m 0644 $(UDEV_RULE) $(DESTDIR)$(UDEVRULESDIR)/70-toaster.rules
	install -D -m 0644 $(METAINFO) $(DESTDIR)$(METAINFODIR)/org.example.toaster.metainfo.xml

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED_MODULE) $(INSTALLED_TOOLS))
	$(if $(DESTDIR),,$(if $(KVER),depmod -a $(KVER)))

# What dkms builds from: the module's part of this tree, this Makefile to
# build it with (make module KDIR=...) and dkms.conf.
DKMS_SOURCES := Makefile Kbuild Kconfig VERSION $(wildcard module/*.c module/*.h include/uapi/*.h)

install-dkms-source: $(DKMS_CONF)
	for f in $(DKMS_SOURCES); do install -D -m 0644 $$f $(DESTDIR)$(DKMSSRCDIR)/$$f || exit; done
	install -m 0644 $(DKMS_CONF) $(DESTDIR)$(DKMSSRCDIR)/dkms.conf

deb:
	scripts/packaging deb

check:
	scripts/deps
	scripts/check

# make check's hostile devices and stress suites at full size (scripts/stress).
stress:
	scripts/deps
	scripts/stress

demo:
	scripts/deps
	scripts/demo

lint:
	scripts/deps
	scripts/lint

bench:
	scripts/deps
	scripts/bench $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)
	$(MAKE) -C gadget O=$(BIN) clean
	$(MAKE) -C userspace O=$(BIN) clean
	$(MAKE) -C tests O=$(BIN) KERNEL_SRC=. clean
