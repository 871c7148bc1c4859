# horde: build, run, test, bench.
#
#   make run    install what is missing, build, run plans/smoke.plan on emu
#   make test   install what is missing, build, run every test; the last
#               line is "N passed, N failed, N skipped"
#   make bench  benchmarks, printing their figures
#   make xen-test  the real-Xen lane alone (make test runs it too)
#   make xen-bench the large real-Xen run (1,100 guests; tens of minutes)
#   make install   PREFIX=/usr/local, DESTDIR: programs, scripts, man pages
#   make clean  remove build/ (results/ and .cache/, the Xen packages, stay)

CC      ?= gcc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -pthread
LDLIBS  := -lxenctrl -lxenguest -lxentoollog -lxenstore -lpcap -lsqlite3 \
           -lmnl -lm -pthread
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
VERSION := 0.1.0
DEFS    := -DHORDE_VERSION='"$(VERSION)"' -DHORDE_COMMIT='"$(COMMIT)"'

# Debian packages each target needs, and why (see README, Dependencies).
DEB_BUILD := gcc make libc6-dev libxen-dev libpcap-dev libsqlite3-dev \
             libmnl-dev iproute2
DEB_RUN   := gnuplot-nox sqlite3
DEB_TEST  := libcmocka-dev clang libclang-rt-14-dev xenstore-utils procps \
             qemu-system-x86 kmod cpio jq help2man groff-base chromium

B := build

# lib/: what every part uses (errors, time, queues, maps, netlink, a
# XenStore watch thread); probes, loadgen and the platforms depend on it,
# not on harness/ or emu/.
COMMON_SRC := lib/util.c lib/hmap.c lib/heap.c lib/xs_watcher.c lib/netlink.c \
              lib/pty_limit.c
XCL_SRC    := xcl/xcl.c xcl/xcl_hv.c xcl/xcl_profile.c xcl/xcl_workers.c \
              xcl/xcl_hv_xen.c
XEN_SRC    := xen/platform_xen.c xen/platform_xl.c xen/xen_host.c \
              xen/xen_hotplug.c xen/xen_late_faults.c xen/xen_owner.c
EMU_SRC    := emu/hv.c emu/latency.c emu/default_profile.S emu/boot_delay.c \
              emu/guests.c emu/dom0.c emu/netback.c emu/rundir.c emu/platform_emu.c \
              emu/emu_keys.c emu/xenlibs/xe_state.c emu/xenlibs/xe_ring.c
# The plan parser reads every platform's keys, so it comes with them.
PLAN_SRC   := harness/plan.c harness/plan_keys.c harness/plan_job.c \
              harness/platform.c $(COMMON_SRC) $(XCL_SRC) $(XEN_SRC) $(EMU_SRC)
HORDE_SRC  := harness/main.c harness/cli.c harness/progress.c harness/results.c \
              harness/runner.c harness/workers.c \
              probes/arp.c \
              probes/sampler.c probes/arping.c \
              loadgen/loadgen.c analysis/report.c analysis/report_page.c \
              analysis/stats.c analysis/compare.c analysis/calibrate.c \
              analysis/reader.c analysis/summary.c $(PLAN_SRC)
COSMOS_SRC := xcl/cosmos.c $(PLAN_SRC)
STORE_SRC  := emu/xenstored/store.c emu/xenstored/store_util.c emu/xenstored/store_tree.c \
              emu/xenstored/store_watch.c emu/xenstored/store_txn.c \
              emu/xenstored/store_ops.c
XSD_SRC    := emu/xenstored/xenstored.c emu/xenstored/rings.c \
              emu/xenlibs/xe_state.c $(STORE_SRC) lib/hmap.c

BINS := $(B)/horde $(B)/cosmos $(B)/horde-xenstored $(B)/horde-consoled \
        $(B)/horde-guest $(B)/horde-xsd-launch

# Xen's library interface on emu, for Xen's own XenStore daemons
# (emu/xenlibs/): Xen 4.17's sonames and symbol versions, loaded by the
# daemons horde starts through LD_LIBRARY_PATH, never installed.
XENLIBS := $(addprefix $(B)/xenlibs/,libxenevtchn.so.1 libxengnttab.so.1 \
                                    libxenctrl.so.4.17 libxenguest.so.4.17)

.PHONY: all run test bench clean deps deps-test xen-test xen-bench install screenshots
all: $(BINS) $(XENLIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEFS) -MMD -MP -c $< -o $@

# emu's default latency profile, a text file, is linked in as data.
$(B)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@
DEFAULT_PROFILE := emu/profiles/xen-4.17-qemu.profile
$(B)/emu/default_profile.o: $(DEFAULT_PROFILE)

objs = $(patsubst %.S,$(B)/%.o,$(patsubst %.c,$(B)/%.o,$(1)))

$(B)/horde: $(call objs,$(HORDE_SRC))
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)
$(B)/cosmos: $(call objs,$(COSMOS_SRC))
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)
$(B)/horde-xenstored: $(call objs,$(XSD_SRC))
	$(CC) $(CFLAGS) $^ -o $@
$(B)/horde-consoled: $(call objs,emu/consoled.c lib/pty_limit.c emu/xenlibs/xe_state.c)
	$(CC) $(CFLAGS) $^ -o $@ -lxenstore
$(B)/horde-xsd-launch: $(call objs,emu/xsd_launch.c)
	$(CC) $(CFLAGS) $^ -o $@

XE_STATE := emu/xenlibs/xe_state.c emu/xenlibs/xe_state.h lib/domid.h
$(B)/xenlibs/libxenevtchn.so.1: emu/xenlibs/evtchn.c emu/xenlibs/evtchn.map $(XE_STATE)
$(B)/xenlibs/libxengnttab.so.1: emu/xenlibs/gnttab.c emu/xenlibs/gnttab.map $(XE_STATE)
$(B)/xenlibs/libxenctrl.so.4.17: emu/xenlibs/ctrl.c emu/xenlibs/ctrl_unused.c \
                                 emu/xenlibs/ctrl.map $(XE_STATE)
$(B)/xenlibs/libxenguest.so.4.17: emu/xenlibs/guest.c emu/xenlibs/guest.map
# Xen's headers need GNU C's anonymous unions.
$(XENLIBS):
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -std=gnu11 -fPIC -shared -Wl,-soname,$(notdir $@) \
	      -Wl,--version-script=$(filter %.map,$^) $(filter %.c,$^) -o $@

# horde-guest: a freestanding PV kernel (no libc), built with the system gcc
# and Xen's public headers from libxen-dev, linked at 0 (guest/guest.ld).
GUEST_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding \
                -fno-pic -fno-pie -fno-stack-protector -mno-red-zone \
                -fno-asynchronous-unwind-tables \
                -D__XEN_INTERFACE_VERSION__=0x00040d00
GUEST_SRC := guest/entry.S guest/guest.c guest/console.c guest/xenstore.c \
             guest/netfront.c guest/net.c
GUEST_OBJS := $(patsubst guest/%,$(B)/guest/%.o,$(GUEST_SRC))
$(B)/guest/%.o: guest/% $(wildcard guest/*.h)
	@mkdir -p $(B)/guest
	$(CC) $(GUEST_CFLAGS) -c $< -o $@
$(B)/horde-guest: $(GUEST_OBJS) guest/guest.ld
	ld -nostdlib -static -T guest/guest.ld -z noexecstack \
	   --no-warn-rwx-segments $(GUEST_OBJS) -o $@

# Xen's public headers need GNU C's anonymous unions.
$(B)/xcl/xcl_hv_xen.o: CFLAGS += -std=gnu11

# The commit is baked into results.o and cosmos.o; rebuild them when HEAD
# moves.
$(B)/harness/results.o $(B)/xcl/cosmos.o: $(wildcard .git/HEAD .git/index)

-include $(shell find $(B) -path $(B)/xen-images -prune -o -name '*.d' -type f -print 2>/dev/null)

# ---- packages ----------------------------------------------------------

# Installs the Debian packages that are missing (root, non-interactive).
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make: need root to install:$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call install_missing,$(DEB_BUILD) $(DEB_RUN))
deps-test: deps
	$(call install_missing,$(DEB_TEST))

# ---- run ---------------------------------------------------------------

run: deps
	@$(MAKE) --no-print-directory all
	$(B)/horde run plans/smoke.plan
	$(B)/horde report --quiet results/smoke.db

# ---- tests -------------------------------------------------------------

ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
UNIT_TESTS := test_util test_plan test_store test_arp test_xcl_profile \
              test_xenstored test_hv test_boot_delay test_sampler \
              test_loadgen test_stats test_compare test_workers \
              test_pty_limit test_guest_net test_latency test_calibrate \
              test_progress test_xe_state
UNIT_BINS  := $(addprefix $(B)/asan/,$(UNIT_TESTS))

$(B)/asan/test_util: tests/unit/test_util.c lib/util.c lib/hmap.c lib/heap.c
$(B)/asan/test_plan: tests/unit/test_plan.c $(PLAN_SRC)
$(B)/asan/test_store: tests/unit/test_store.c $(STORE_SRC) lib/hmap.c
$(B)/asan/test_arp: tests/unit/test_arp.c probes/arp.c probes/arping.c \
                    lib/netlink.c lib/util.c
$(B)/asan/test_sampler: tests/unit/test_sampler.c probes/sampler.c lib/util.c
$(B)/asan/test_loadgen: tests/unit/test_loadgen.c loadgen/loadgen.c lib/heap.c lib/util.c
$(B)/asan/test_stats: tests/unit/test_stats.c analysis/stats.c
$(B)/asan/test_pty_limit: tests/unit/test_pty_limit.c lib/pty_limit.c
$(B)/asan/test_guest_net: tests/unit/test_guest_net.c guest/net.c
# realloc wrapped: the test makes allocations fail from a moment it picks.
$(B)/asan/test_workers: tests/unit/test_workers.c harness/workers.c lib/util.c
$(B)/asan/test_workers $(B)/asan/test_arp $(B)/asan/test_sampler: \
	LDLIBS += -Wl,--wrap=realloc
# test_compare includes the generator (tests/tools/gen_runs.c) whole.
$(B)/asan/test_compare: tests/unit/test_compare.c \
                        analysis/compare.c analysis/stats.c analysis/reader.c \
                        harness/results.c \
                        xcl/xcl.c xcl/xcl_hv.c \
                        xcl/xcl_profile.c lib/util.c
$(B)/asan/test_xcl_profile: tests/unit/test_xcl_profile.c xcl/xcl_profile.c lib/util.c
$(B)/asan/test_xenstored: tests/unit/test_xenstored.c $(B)/asan/horde-xenstored
$(B)/asan/test_hv: tests/unit/test_hv.c emu/hv.c emu/xenlibs/xe_state.c emu/latency.c \
                   emu/default_profile.S xcl/xcl_hv.c lib/util.c
$(B)/asan/test_boot_delay: tests/unit/test_boot_delay.c emu/boot_delay.c lib/util.c
$(B)/asan/test_latency: tests/unit/test_latency.c emu/latency.c \
                        emu/default_profile.S xcl/xcl_hv.c lib/util.c
$(B)/asan/test_calibrate: tests/unit/test_calibrate.c analysis/calibrate.c \
                          harness/results.c $(PLAN_SRC)
# Xen's own headers (xcl_hv_xen.c, which the plan's platforms bring) need
# GNU C's anonymous unions.
$(B)/asan/test_plan $(B)/asan/test_calibrate: CFLAGS += -std=gnu11
$(B)/asan/test_progress: tests/unit/test_progress.c harness/progress.c
$(B)/asan/test_xe_state: tests/unit/test_xe_state.c emu/xenlibs/xe_state.c
HEADERS := $(wildcard lib/*.h harness/*.h xcl/*.h xen/*.h emu/*.h emu/xenstored/*.h probes/*.h loadgen/*.h analysis/*.h)
$(UNIT_BINS): $(HEADERS) tests/tools/gen_runs.c tests/unit/fail_alloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ASAN) $(filter-out tests/tools/%,$(filter %.c %.S,$^)) -o $@ $(LDLIBS) -lcmocka

# The daemon itself under the sanitizers, for the conformance suite.
$(B)/asan/horde-xenstored: $(XSD_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ASAN) $(XSD_SRC) -o $@

# horde itself under the sanitizers, its daemons beside it, for
# tests/e2e/sanitized_run.sh: a whole run, leaks included. Objects of
# their own, so that make -j builds them side by side.
ASAN_BINS := $(B)/asan/horde $(B)/asan/horde-consoled $(B)/asan/horde-xsd-launch \
             $(B)/asan/xenlibs
asan_objs = $(patsubst %.S,$(B)/asan/obj/%.o,$(patsubst %.c,$(B)/asan/obj/%.o,$(1)))
$(B)/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ASAN) $(DEFS) -MMD -MP -c $< -o $@
$(B)/asan/obj/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@
$(B)/asan/obj/emu/default_profile.o: $(DEFAULT_PROFILE)
$(B)/asan/obj/xcl/xcl_hv_xen.o: CFLAGS += -std=gnu11
$(B)/asan/obj/harness/results.o: $(wildcard .git/HEAD .git/index)
$(B)/asan/horde: $(call asan_objs,$(HORDE_SRC))
	$(CC) $(CFLAGS) $(ASAN) $^ -o $@ $(LDLIBS)
$(B)/asan/horde-consoled: $(call asan_objs,emu/consoled.c lib/pty_limit.c emu/xenlibs/xe_state.c)
	$(CC) $(CFLAGS) $(ASAN) $^ -o $@ -lxenstore
$(B)/asan/horde-xsd-launch: $(call asan_objs,emu/xsd_launch.c)
	$(CC) $(CFLAGS) $(ASAN) $^ -o $@
# Xen's daemons load emu's libraries as they are (the daemons are not
# sanitized): the ones beside build/horde.
$(B)/asan/xenlibs: $(XENLIBS)
	ln -sfn ../xenlibs $@

FUZZ_TARGETS := fuzz_plan fuzz_store fuzz_latency
FUZZ_BINS := $(addprefix $(B)/fuzz/,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 20
FUZZ_STD := -std=c11
# Those that link the default latency profile in are rebuilt when it changes.
$(UNIT_BINS) $(FUZZ_BINS): $(DEFAULT_PROFILE)
$(B)/fuzz/fuzz_plan: tests/fuzz/fuzz_plan.c $(PLAN_SRC)
$(B)/fuzz/fuzz_plan: FUZZ_STD := -std=gnu11
$(B)/fuzz/fuzz_store: tests/fuzz/fuzz_store.c $(STORE_SRC) lib/hmap.c
$(B)/fuzz/fuzz_latency: tests/fuzz/fuzz_latency.c emu/latency.c \
                        emu/default_profile.S xcl/xcl_hv.c lib/util.c
$(FUZZ_BINS): $(HEADERS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_STD) -g -O1 -fsanitize=fuzzer,address,undefined $(filter %.c %.S,$^) -o $@ $(LDLIBS)

# The emulated hypervisor and a guest around Xen's own daemons on emu/xenlibs.
$(B)/xe_tool: tests/tools/xe_tool.c emu/xenlibs/xe_state.c emu/xenlibs/xe_ring.c \
              emu/xenlibs/xe_ring.h $(XE_STATE)
	$(CC) $(CFLAGS) -std=gnu11 $(filter %.c,$^) -o $@ -lxenstore

# Results databases with known distributions, for testing horde compare.
$(B)/gen_runs: tests/tools/gen_runs.c harness/results.c xcl/xcl.c \
               xcl/xcl_hv.c xcl/xcl_profile.c lib/util.c \
               $(HEADERS)
	$(CC) $(CFLAGS) $(DEFS) $(filter %.c,$^) -o $@ -lsqlite3 -lxenstore -lm

test: deps-test
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(ASAN_BINS) $(FUZZ_BINS) \
	        $(B)/gen_runs $(B)/xe_tool
	@B=$(B) FUZZ_SECONDS=$(FUZZ_SECONDS) XEN_CACHE=$(CURDIR)/.cache/xen-debs tests/run.sh

$(B)/bench_xenstore: tests/bench/bench_xenstore.c xcl/xcl.c \
                     xcl/xcl_profile.c lib/util.c $(HEADERS)
	$(CC) $(CFLAGS) $(filter %.c,$^) -o $@ -lxenstore -lm

# The real-Xen lane alone: Debian's Xen 4.17 and dom0 in QEMU, horde in
# dom0 on platforms xen and xl. Downloaded packages stay in .cache/.
xen-test: deps-test
	@$(MAKE) --no-print-directory all
	@B=$(B) XEN_CACHE=$(CURDIR)/.cache/xen-debs bash tests/xen/lane.sh && echo "xen lane passed"

# The large real-Xen run: 1,100 horde-guests with libxcl and 300 with xl in
# a QEMU machine sized for them; results/xen-bench.db and its figures.
xen-bench: deps-test
	@$(MAKE) --no-print-directory all
	@B=$(B) XEN_CACHE=$(CURDIR)/.cache/xen-debs bash tests/xen/bench.sh

$(B)/bench_results: tests/bench/bench_results.c harness/results.c \
                    xcl/xcl.c xcl/xcl_hv.c xcl/xcl_profile.c \
                    lib/util.c $(HEADERS)
	$(CC) $(CFLAGS) $(DEFS) $(filter %.c,$^) -o $@ -lsqlite3 -lxenstore -lm

bench: deps
	$(call install_missing,bc)
	@$(MAKE) --no-print-directory all $(B)/bench_xenstore $(B)/bench_results
	@B=$(B) tests/bench.sh

# The README's pictures of the emulated host (docs/), made anew on a
# quiet host: smoke and emu-10k run, reported and photographed.
screenshots: all
	$(call install_missing,chromium)
	@B=$(B) bash tests/docs_screenshots.sh

# make install [PREFIX=/usr/local] [DESTDIR=]: the programs, horde-guest,
# the gnuplot scripts horde report draws with, and the manual pages:
# horde.1 from horde's own command and key tables, cosmos.1 by help2man
# from cosmos --help.
PREFIX ?= /usr/local
DESTDIR ?=
install: all
	$(call install_missing,help2man)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/horde \
	  $(DESTDIR)$(PREFIX)/share/horde/analysis $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(B)/horde $(B)/cosmos $(B)/horde-xenstored \
	  $(B)/horde-consoled $(B)/horde-xsd-launch $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(B)/horde-guest $(DESTDIR)$(PREFIX)/lib/horde/
	install -d $(DESTDIR)$(PREFIX)/lib/horde/xenlibs
	install -m 644 $(XENLIBS) $(DESTDIR)$(PREFIX)/lib/horde/xenlibs/
	install -m 644 analysis/*.gp $(DESTDIR)$(PREFIX)/share/horde/analysis/
	$(B)/horde help man > $(DESTDIR)$(PREFIX)/share/man/man1/horde.1
	help2man -N -n "create, list and destroy Xen guests through libxcl" \
	  -o $(DESTDIR)$(PREFIX)/share/man/man1/cosmos.1 $(B)/cosmos

clean:
	rm -rf $(B)
