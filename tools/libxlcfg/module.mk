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
