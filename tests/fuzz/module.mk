# Coverage-guided fuzzers (libFuzzer, with ASan and UBSan) over every
# parser of untrusted input: tests/fuzz/fuzz_NAME.c linked with the
# project's own sources, unchanged, as the unit tests are. They need clang
# with compiler-rt (libclang-rt-14-dev on Debian 12; scripts/install-deps.sh)
# and are not part of `all`. `make fuzz` runs each for FUZZ_TIME seconds
# (FUZZ_ONLY="elf xz" picks some), tests/fuzz/suite.sh (in `make test`)
# briefly; docs/testing.md.
#   FUZZ_TARGETS += name
#   FUZZ_SRCS_name  := the project sources it links
#   FUZZ_FLAGS_name := extra compiler flags, FUZZ_LIBS_name libraries
# Seeds are generated into build/fuzz/seeds/NAME (tests/fuzz/seeds.sh);
# `make fuzz` keeps what it finds in build/fuzz/corpus/NAME.

FUZZ_CC   ?= clang
FUZZ_TIME ?= 60
FUZZ_CFLAGS := -std=gnu11 -g -O1 $(WARN) -Wno-missing-prototypes -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_HV   := -DORYX_HOST_TEST -Ihv/include -Iinclude
FUZZ_SHIM := tests/unit/shim/shim.c
# Coarse but safe: any header of the trees the targets include.
FUZZ_HDRS := $(shell find hv/include include tools tests/unit -name '*.h' 2>/dev/null)

# Hypervisor parsers.
FUZZ_TARGETS += elf
FUZZ_SRCS_elf  := hv/common/elf_load.c hv/common/bzimage.c hv/lib/xz.c $(FUZZ_SHIM)
FUZZ_FLAGS_elf := $(FUZZ_HV)
FUZZ_TARGETS += xz
FUZZ_SRCS_xz   := hv/lib/xz.c $(FUZZ_SHIM)
FUZZ_FLAGS_xz  := $(FUZZ_HV)
FUZZ_LIBS_xz   := -llzma
FUZZ_TARGETS += insn
FUZZ_SRCS_insn  := hv/arch/x86/insn.c $(FUZZ_SHIM)
FUZZ_FLAGS_insn := $(FUZZ_HV)
FUZZ_TARGETS += x86_emulate
FUZZ_SRCS_x86_emulate  := hv/arch/x86/x86_emulate.c hv/arch/x86/insn.c $(FUZZ_SHIM)
FUZZ_FLAGS_x86_emulate := $(FUZZ_HV)
FUZZ_TARGETS += guest_walk
FUZZ_SRCS_guest_walk  := hv/arch/x86/guest_walk.c $(FUZZ_SHIM)
FUZZ_FLAGS_guest_walk := $(FUZZ_HV)
FUZZ_TARGETS += cmdline
FUZZ_SRCS_cmdline  := hv/common/cmdline.c hv/lib/parse.c hv/common/dom0_layout.c \
    hv/common/acpi_build.c $(FUZZ_SHIM)
FUZZ_FLAGS_cmdline := $(FUZZ_HV)
FUZZ_TARGETS += domspec
FUZZ_SRCS_domspec  := hv/common/domspec.c hv/lib/parse.c $(FUZZ_SHIM)
FUZZ_FLAGS_domspec := $(FUZZ_HV)
# Kernel images: the hypervisor's unpacker and the toolstack's (libxctl).
FUZZ_TARGETS += bzimage
FUZZ_SRCS_bzimage   = $(LIBXCTL_SRCS) $(LIBXCTL_HV_SRCS) $(FUZZ_SHIM)
FUZZ_FLAGS_bzimage := $(FUZZ_HV) -Itools/libxctl
FUZZ_LIBS_bzimage  := -llzma -lz -lzstd
# Toolstack: the store's protocol, its ring transport, xl.cfg.
FUZZ_TARGETS += oryxd
FUZZ_SRCS_oryxd   = $(ORYXD_CORE)
FUZZ_FLAGS_oryxd := -Iinclude -Itools/oryxd
FUZZ_LIBS_oryxd  := -llmdb
FUZZ_TARGETS += xs_ring
FUZZ_SRCS_xs_ring   = $(ORYXD_CORE) tools/oryxd/xs_ring.c
FUZZ_FLAGS_xs_ring := -Iinclude -Itools/oryxd
FUZZ_LIBS_xs_ring  := -llmdb
FUZZ_TARGETS += xlcfg
FUZZ_SRCS_xlcfg   = $(XLCFG_SRCS)
FUZZ_FLAGS_xlcfg := -D_GNU_SOURCE -Itools/libxlcfg

FUZZ_ONLY ?= $(FUZZ_TARGETS)
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))

define fuzz_rule
$(BUILD)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(FUZZ_SRCS_$(1)) $$(FUZZ_HDRS)
	@mkdir -p $$(@D)
	$(Q)echo "  FUZZ    $$@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $$(FUZZ_FLAGS_$(1)) -o $$@ tests/fuzz/fuzz_$(1).c \
	    $$(FUZZ_SRCS_$(1)) $$(FUZZ_LIBS_$(1))

$(BUILD)/fuzz/seeds/$(1).stamp: tests/fuzz/seeds.sh $(BUILD)/fuzz/gen_seeds
	$(Q)tests/fuzz/seeds.sh $(1) $(BUILD)/fuzz/seeds/$(1) $(BUILD)/fuzz/gen_seeds
	$(Q)touch $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

# The seed generator is an ordinary host program (no clang needed).
$(BUILD)/fuzz/gen_seeds: tests/fuzz/gen_seeds.c tests/unit/elf_gen.c tests/unit/elf_gen.h \
    tests/unit/insn_gas_table.h
	@mkdir -p $(@D)
	$(Q)echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) -std=gnu11 -O1 $(WARN) -Wno-missing-prototypes $(FUZZ_HV) -Itests/unit \
	    -o $@ tests/fuzz/gen_seeds.c tests/unit/elf_gen.c

.PHONY: fuzz fuzz-build fuzz-list
fuzz-list:
	@echo $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BINS) $(patsubst %,$(BUILD)/fuzz/seeds/%.stamp,$(FUZZ_TARGETS))

# Each target FUZZ_TIME seconds in turn, keeping its corpus; stops at the
# first crash (its input is in build/fuzz/crash-NAME-*).
fuzz: $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_ONLY)) \
    $(patsubst %,$(BUILD)/fuzz/seeds/%.stamp,$(FUZZ_ONLY))
	$(Q)for t in $(FUZZ_ONLY); do \
	    FUZZ_DIR=$(BUILD)/fuzz tests/fuzz/run.sh $$t $(FUZZ_TIME) $(BUILD)/fuzz/corpus/$$t || exit 1; \
	    done
