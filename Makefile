# Oryx top-level build. `make` builds the hypervisor, the micro-guests,
# the tools and the host unit tests; `make check-unit` and `make test` run
# the tests (see README.md); `make install`, `make deb` and
# `make debian-image` are in dist/dist.mk (docs/install.md); `make fuzz`
# in tests/fuzz/module.mk (docs/testing.md).
# Components add themselves through fragments:
#   hv/hv.mk, guests/guests.mk, tests/unit/*.mk, tools/*/module.mk,
#   tests/*/module.mk

CC      ?= gcc
HOSTCC  ?= $(CC)
BUILD   := build
Q       := @

WARN    := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wvla
export CC HOSTCC

.PHONY: all clean check-unit test run run-domains run-micro bench deps soak soak-hcfuzz
all:

include hv/hv.mk
include $(wildcard guests/guests.mk)
include tests/unit/unit.mk
include $(filter-out tests/unit/unit.mk,$(wildcard tests/unit/*.mk))
include $(wildcard tools/*/module.mk)
include $(wildcard tests/*/module.mk)
include dist/dist.mk

$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

all: $(ALL_TARGETS)

check-unit: $(UNIT_BINS)
	$(Q)tests/run.sh --unit

deps:
	$(Q)scripts/install-deps.sh

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run.sh

run-domains: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run.sh --domains

run-micro: all
	$(Q)scripts/run.sh --micro

bench: all
	$(Q)bench/run-all.sh

# Not part of `make test`: every hypervisor case 50 times and 20 two-vCPU
# Linux boots beside a CPU hog (SOAK_ARGS, e.g. "--hv 5 --linux 2").
soak: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)python3 tests/soak.py $(SOAK_ARGS)

# Not part of `make test`: the hostile guests (guests/hcfuzz) for 10 million
# calls in all, no CPU hog (HCFUZZ_ARGS, e.g. "--hcfuzz 1e6 --seed 42").
HCFUZZ_ARGS ?= --hcfuzz 10000000
soak-hcfuzz: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)python3 tests/soak.py --hv 0 --linux 0 --hogs 0 $(HCFUZZ_ARGS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
