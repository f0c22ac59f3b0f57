# libxlcfg: the xl.cfg parser shared by oxl and oryxd.

XLCFG_SRCS := $(wildcard tools/libxlcfg/*.c)
XLCFG_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(XLCFG_SRCS))
XLCFG_LIB  := $(BUILD)/tools/libxlcfg.a
XLCFG_CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -MMD -MP \
    -Itools/libxlcfg

ALL_TARGETS += $(XLCFG_LIB)

$(BUILD)/tools/libxlcfg/%.o: tools/libxlcfg/%.c
	@mkdir -p $(@D)
	$(Q)echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(XLCFG_CFLAGS) -c -o $@ $<

$(XLCFG_LIB): $(XLCFG_OBJS)
	@mkdir -p $(@D)
	$(Q)echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# libFuzzer target (tests/oxl/fuzz_xlcfg.c); needs clang with compiler-rt
# (libclang-rt-14-dev on Debian 12). Not part of `all`; tests/oxl/suite.sh
# builds and runs it for a bounded time.
XLCFG_FUZZ_CC ?= clang
$(BUILD)/fuzz/fuzz_xlcfg: $(XLCFG_SRCS) tests/oxl/fuzz_xlcfg.c tools/libxlcfg/*.h
	@mkdir -p $(@D)
	$(Q)echo "  FUZZ    $@"
	$(Q)$(XLCFG_FUZZ_CC) -std=gnu11 -g -O1 $(WARN) -D_GNU_SOURCE \
	    -Itools/libxlcfg -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ $(XLCFG_SRCS) \
	    tests/oxl/fuzz_xlcfg.c
