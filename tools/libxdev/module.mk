# libxdev: a guest's disks and vifs wired in dom0 (store entries, loop
# devices, bridges): used by oxl, and its loop half by oryxd.
XDEV_SRCS := $(wildcard tools/libxdev/*.c)
XDEV_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(XDEV_SRCS))
XDEV_LIB  := $(BUILD)/tools/libxdev.a
XDEV_CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -MMD -MP \
    -Itools/libxdev -Itools/libxs -Itools/libxlcfg

ALL_TARGETS += $(XDEV_LIB)

$(BUILD)/tools/libxdev/%.o: tools/libxdev/%.c
	@mkdir -p $(@D)
	$(Q)echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(XDEV_CFLAGS) -c -o $@ $<

$(XDEV_LIB): $(XDEV_OBJS)
	@mkdir -p $(@D)
	$(Q)echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^
